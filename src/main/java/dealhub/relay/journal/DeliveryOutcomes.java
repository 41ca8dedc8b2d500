package dealhub.relay.journal;

import static dealhub.relay.journal.JournalState.DEAD;
import static dealhub.relay.journal.JournalState.DONE;
import static dealhub.relay.journal.JournalState.PENDING;
import static dealhub.relay.sql.Sql.execute;
import static dealhub.relay.sql.Sql.now;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

import javax.sql.DataSource;

import dealhub.relay.journal.WorkQueue.Ticket;
import dealhub.relay.sql.Sql;

/**
 * How deliveries end and what that makes of their event: each (event, sink) outcome, the event settled once none of
 * its deliveries is pending any more, and an operator's replay that sends dead deliveries round again.
 * <p>
 * Contract: an outcome is recorded only by the holder of the delivery's current version ({@link Ticket}); the
 * version is checked by the very statement that records it, so a delivery taken over by another claim is never
 * settled by its old holder ({@link Recorded#FENCED}), and a settled one is never settled again.
 */
public class DeliveryOutcomes {

    private static final int MAX_ERROR_LENGTH = 2000;

    private final DataSource dataSource;
    private final GroupCommit commits;
    private final String instanceId;

    /**
     * @param commits    where the many small writes of dispatch (one delivery's outcome) go, to share their commits
     *                   with those of other threads
     * @param instanceId this instance's name, kept with each outcome it records (opaque)
     */
    public DeliveryOutcomes(DataSource dataSource, GroupCommit commits, String instanceId) {
        this.dataSource = dataSource;
        this.commits = commits;
        this.instanceId = instanceId;
    }

    /**
     * How one attempt (or one round of Get Quote for the delivery) ended.
     *
     * @param delivered    whether the sink took the document
     * @param retryAt      when not delivered: the next attempt's time, or {@code null} when the delivery is dead
     * @param attempts     the attempts made now
     * @param fetchedQuote the quote fetched from DealHub now, to be kept; {@code null} when none was, or when it came
     *                     from the journal
     * @param fetchedAt    when Get Quote answered with {@code fetchedQuote}, kept with it so that a sink tried in a
     *                     later round gets the very document the others got
     */
    public record Outcome(boolean delivered, Instant retryAt, int attempts, String reason, String fetchedQuote,
            Instant fetchedAt) {

        public static Outcome delivered(int attempts, String fetchedQuote, Instant fetchedAt) {
            return new Outcome(true, null, attempts, null, fetchedQuote, fetchedAt);
        }

        public static Outcome retry(Instant at, int attempts, String reason, String fetchedQuote, Instant fetchedAt) {
            return new Outcome(false, at, attempts, reason, fetchedQuote, fetchedAt);
        }

        public static Outcome dead(int attempts, String reason, String fetchedQuote, Instant fetchedAt) {
            return new Outcome(false, null, attempts, reason, fetchedQuote, fetchedAt);
        }
    }

    /** What recording an outcome did. */
    public enum Recorded {
        /** Recorded; the event still has deliveries pending. */
        RECORDED,
        /** Recorded, and it settled the event. */
        SETTLED,
        /** Not recorded: the delivery is no longer held at this version (taken over, or settled already). */
        FENCED
    }

    /**
     * Records how the delivery {@code ticket} names ended, in one transaction with what belongs to it: the quote
     * fetched in this round, if any (the first kept stays, so every sink gets the same document), and, once no
     * delivery of the event is pending any more, the event's settlement.
     */
    public Recorded record(Ticket ticket, Outcome outcome) throws SQLException {
        return commits.run(c -> {
            if (outcome.fetchedQuote() != null) {
                execute(c, "INSERT INTO relay_quote (event_id, quote, fetched_at) SELECT ?, ?, ? WHERE NOT EXISTS"
                        + " (SELECT 1 FROM relay_quote WHERE event_id = ?)", ticket.eventId(), outcome.fetchedQuote(),
                        outcome.fetchedAt() == null ? null : Timestamp.from(outcome.fetchedAt()), ticket.eventId());
            }
            boolean waits = !outcome.delivered() && outcome.retryAt() != null;
            String state = outcome.delivered() ? DONE : waits ? PENDING : DEAD;
            int updated = execute(c, "UPDATE relay_delivery SET state = ?, attempts = attempts + ?, retries = ?,"
                    + " last_error = ?, updated_at = ?, worker = ?, lease_owner = NULL, next_attempt_at = ?,"
                    + " version = version + 1"
                    + " WHERE event_id = ? AND sink = ? AND version = ? AND state = ?", state, outcome.attempts(),
                    waits ? ticket.retries() + 1 : ticket.retries(), truncate(outcome.reason()), now(), instanceId,
                    waits ? Timestamp.from(outcome.retryAt()) : null, ticket.eventId(), ticket.sink(),
                    ticket.version(), PENDING);
            if (updated == 0) {
                return Recorded.FENCED;
            }
            if (DEAD.equals(state)) {
                // The admin list shows why an event is dead: the reason of the delivery that made it so.
                execute(c, "UPDATE relay_event SET last_error = ? WHERE event_id = ?", truncate(outcome.reason()),
                        ticket.eventId());
            }
            if (waits) {
                return Recorded.RECORDED;
            }
            Set<String> open = openDeliveryStates(c, ticket.eventId());
            if (open.contains(PENDING)) {
                return Recorded.RECORDED;
            }
            execute(c, "UPDATE relay_event SET state = ?, updated_at = ? WHERE event_id = ? AND state = ?",
                    open.contains(DEAD) ? DEAD : DONE, now(), ticket.eventId(), PENDING);
            return Recorded.SETTLED;
        });
    }

    /**
     * Sends a dead event's dead deliveries round again: they become pending and due at once, with the whole schedule
     * ahead of them; the event is pending work again. Delivered sinks stay delivered. Returns the number of
     * deliveries to be replayed (0: the event is not dead).
     */
    public int replay(String eventId) throws SQLException {
        return inTransaction(c -> {
            int events = execute(c, "UPDATE relay_event SET state = ?, updated_at = ? WHERE event_id = ? AND state = ?",
                    PENDING, now(), eventId, DEAD);
            return events == 0 ? 0 : execute(c, "UPDATE relay_delivery SET state = ?, updated_at = ?,"
                    + " next_attempt_at = ?, lease_owner = NULL, retries = 0 WHERE event_id = ? AND state = ?",
                    PENDING, now(), now(), eventId, DEAD);
        });
    }

    private static Set<String> openDeliveryStates(Connection c, String eventId) throws SQLException {
        Set<String> states = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT state FROM relay_delivery WHERE event_id = ? AND state <> ?")) {
            ps.setString(1, eventId);
            ps.setString(2, DONE);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    states.add(rs.getString(1));
                }
            }
        }
        return states;
    }

    /** An operator's replay runs on its own, not in the group commit: it is rare and may touch many rows. */
    private <T> T inTransaction(GroupCommit.Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                Sql.rollback(c, e);
                throw e;
            }
        }
    }

    private static String truncate(String reason) {
        if (reason == null || reason.length() <= MAX_ERROR_LENGTH) {
            return reason;
        }
        return reason.substring(0, MAX_ERROR_LENGTH);
    }
}
