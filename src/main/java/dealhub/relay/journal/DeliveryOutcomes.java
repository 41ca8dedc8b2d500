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

import dealhub.relay.sql.Sql;

/**
 * How deliveries end and what that makes of their event: each (event, sink) outcome, the event settled once none of
 * its deliveries is pending any more, and an operator's replay that sends dead deliveries round again.
 */
public class DeliveryOutcomes {

    private static final int MAX_ERROR_LENGTH = 2000;

    private final DataSource dataSource;
    private final GroupCommit commits;
    private final String instanceId;

    /**
     * @param commits    where the many small writes of dispatch (one delivery's outcome) go, to share their commits
     *                   with those of other threads
     * @param instanceId the lease owner this instance's work queue claims as: only its own events are settled here
     */
    public DeliveryOutcomes(DataSource dataSource, GroupCommit commits, String instanceId) {
        this.dataSource = dataSource;
        this.commits = commits;
        this.instanceId = instanceId;
    }

    /**
     * Records how one delivery of the event ended, in one transaction with what belongs to it: the quote fetched in
     * this round, if any, and, once no delivery of the event is pending any more, the event's settlement
     * ({@link #finish}). One commit instead of three per event: the quote is kept before any later round needs it (a
     * sink retried or replayed gets the document the others got; the first quote kept stays), and the event stays
     * leased to this instance while any of its deliveries is still under way.
     *
     * @return the event's new state when {@code outcome} settles it, else {@code null}
     */
    public String recordOutcome(DeliveryOutcome outcome) throws SQLException {
        return commits.run(c -> {
            if (outcome.fetchedQuote() != null) {
                execute(c, "INSERT INTO relay_quote (event_id, quote, fetched_at) SELECT ?, ?, ? WHERE NOT EXISTS"
                        + " (SELECT 1 FROM relay_quote WHERE event_id = ?)", outcome.eventId(), outcome.fetchedQuote(),
                        outcome.fetchedAt() == null ? null : Timestamp.from(outcome.fetchedAt()), outcome.eventId());
            }
            execute(c, "UPDATE relay_delivery SET state = ?, attempts = attempts + ?, last_error = ?, updated_at = ?,"
                    + " worker = ? WHERE event_id = ? AND sink = ?", outcome.delivered() ? DONE : DEAD,
                    outcome.attempts(), truncate(outcome.reason()), now(), instanceId, outcome.eventId(), outcome.sink());
            Set<String> open = openDeliveryStates(c, outcome.eventId());
            return open.contains(PENDING) ? null : settle(c, outcome.eventId(), stateOf(open));
        });
    }

    /**
     * How one (event, sink) delivery ended.
     *
     * @param delivered    whether the sink took the document; if not, the delivery is dead for {@code reason}
     * @param attempts     the attempts this round made
     * @param fetchedQuote the quote fetched from DealHub in this round, to be kept; {@code null} when none was, or
     *                     when it came from the journal
     * @param fetchedAt    when Get Quote answered with {@code fetchedQuote}
     */
    public record DeliveryOutcome(String eventId, String sink, boolean delivered, int attempts, String reason,
            String fetchedQuote, Instant fetchedAt) {

        /** An outcome whose quote's fetch time is not known. */
        public DeliveryOutcome(String eventId, String sink, boolean delivered, int attempts, String reason,
                String fetchedQuote) {
            this(eventId, sink, delivered, attempts, reason, fetchedQuote, null);
        }

        /** A delivery dead before it was tried (its sink is no longer configured). */
        public static DeliveryOutcome deadBeforeTrying(String eventId, String sink, String reason) {
            return new DeliveryOutcome(eventId, sink, false, 0, reason, null);
        }
    }

    /** Every still-pending sink of the event is dead for one reason, e.g. enrichment failed for good. */
    public void markPendingDeliveriesDead(String eventId, int attempts, String reason) throws SQLException {
        commits.run(c -> {
            execute(c, "UPDATE relay_delivery SET state = ?, attempts = attempts + ?, last_error = ?, updated_at = ?,"
                    + " worker = ? WHERE event_id = ? AND state = ?", DEAD, attempts, truncate(reason), now(),
                    instanceId, eventId, PENDING);
            return execute(c, "UPDATE relay_event SET last_error = ? WHERE event_id = ?", truncate(reason), eventId);
        });
    }

    /**
     * Settles the event from its deliveries and gives up the lease: {@code dead} if a sink is dead, {@code pending}
     * if one still waits (it is taken up again), else {@code done}. For a round that delivered nothing: a round's
     * deliveries settle the event themselves ({@link #recordOutcome}).
     */
    public String finish(String eventId) throws SQLException {
        return commits.run(c -> settle(c, eventId, stateOf(openDeliveryStates(c, eventId))));
    }

    /**
     * Sends a dead event's dead deliveries round again: they become pending, the event is pending work again.
     * Delivered sinks stay delivered. Returns the number of deliveries to be replayed (0: the event is not dead).
     */
    public int replay(String eventId) throws SQLException {
        return inTransaction(c -> {
            int events = execute(c, "UPDATE relay_event SET state = ?, lease_owner = NULL, lease_until = NULL,"
                    + " updated_at = ? WHERE event_id = ? AND state = ?", PENDING, now(), eventId, DEAD);
            return events == 0 ? 0 : execute(c, "UPDATE relay_delivery SET state = ?, updated_at = ?"
                    + " WHERE event_id = ? AND state = ?", PENDING, now(), eventId, DEAD);
        });
    }

    /** {@link #replay(String)} for every dead event at once; returns the number of deliveries to be replayed. */
    public int replayAllDead() throws SQLException {
        return inTransaction(c -> {
            int deliveries = execute(c, "UPDATE relay_delivery SET state = ?, updated_at = ? WHERE state = ?",
                    PENDING, now(), DEAD);
            execute(c, "UPDATE relay_event SET state = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?"
                    + " WHERE state = ?", PENDING, now(), DEAD);
            return deliveries;
        });
    }

    /** The event's state from the states of its deliveries that are not done. */
    private static String stateOf(Set<String> openDeliveryStates) {
        return openDeliveryStates.contains(DEAD) ? DEAD : openDeliveryStates.contains(PENDING) ? PENDING : DONE;
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

    private String settle(Connection c, String eventId, String state) throws SQLException {
        execute(c, "UPDATE relay_event SET state = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?"
                + " WHERE event_id = ? AND lease_owner = ?", state, now(), eventId, instanceId);
        return state;
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
