package dealhub.relay.sinks.jdbc;

import java.time.LocalDateTime;

/**
 * Where an event stands in a quote's history. Events arrive at least once and in any order: they are ordered by
 * {@code execution_date}, then by arrival ({@code receivedAt}), then by id. The state an event brought is ordered by
 * when Get Quote answered ({@code fetchedAt}) first, because a retried older event whose fetch is fresher carries
 * the newer state; where either fetch time is unknown (documents of an older relay), by the event's order.
 */
record Position(String eventId, LocalDateTime executedAt, LocalDateTime receivedAt, LocalDateTime fetchedAt) {

    /** Whether this event is newer than {@code stored}; a replayed event is as new as itself. */
    boolean supersedes(Position stored) {
        if (stored == null || stored.eventId() == null) {
            return true;
        }
        if (executedAt != null && stored.executedAt() != null && !executedAt.equals(stored.executedAt())) {
            return executedAt.isAfter(stored.executedAt());
        }
        int byArrival = receivedAt.compareTo(stored.receivedAt());
        return byArrival != 0 ? byArrival > 0 : eventId.compareTo(stored.eventId()) >= 0;
    }

    /** Whether the state this event brought is newer than the state {@code stored} brought. */
    boolean stateSupersedes(Position stored) {
        if (stored != null && fetchedAt != null && stored.fetchedAt() != null && !fetchedAt.equals(stored.fetchedAt())) {
            return fetchedAt.isAfter(stored.fetchedAt());
        }
        return supersedes(stored);
    }

    /** When this event's state was fetched, or, not knowing, when the event arrived (the fetch was not earlier). */
    LocalDateTime stateTime() {
        return fetchedAt != null ? fetchedAt : receivedAt;
    }
}
