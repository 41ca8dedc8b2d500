package dealhub.relay.journal;

import static dealhub.relay.journal.JournalState.PENDING;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;

import dealhub.relay.sql.Sql;

/**
 * The journal's events: every accepted webhook, stored once.
 * <p>
 * The database decides correctness, never memory: {@code event_id} is the primary key, so a duplicate is refused
 * whichever instance receives it.
 */
public class EventStore {

    private final GroupCommit commits;
    private final Duration commitWait;

    /**
     * @param commits    where the many small writes of intake go, to share their commits with those of other threads
     * @param commitWait the longest a webhook waits for its commit before its sender is told to try again;
     *                   {@code null}: as long as the database takes
     */
    public EventStore(GroupCommit commits) {
        this(commits, null);
    }

    public EventStore(GroupCommit commits, Duration commitWait) {
        this.commits = commits;
        this.commitWait = commitWait;
    }

    /**
     * Stores an accepted event. Returns {@code false}, storing nothing, when its {@code event_id} is already there.
     * When this returns the row is committed: only then may the caller answer 2xx. Events arriving together share
     * one commit ({@link GroupCommit}); a failed commit stores none of them and fails every one.
     * <p>
     * A commit that takes longer than the wait fails the call, but may still complete: the event is then journalled
     * and delivered like any other, and a repeat of it finds it there (a duplicate).
     */
    public boolean record(JournalEvent event) throws SQLException {
        try {
            return commits.run(c -> insertIfAbsent(c, event), commitWait);
        } catch (SQLException e) {
            if (Sql.isUniqueViolation(e)) {
                // Another instance (or transaction) stored the same event_id at the same moment.
                return false;
            }
            throw e;
        }
    }

    /** Inserts the event unless its id is there, committed or earlier in this transaction; whether it did. */
    private static boolean insertIfAbsent(Connection c, JournalEvent event) throws SQLException {
        Timestamp now = Timestamp.from(event.receivedAt());
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO relay_event (event_id, event_type, event_action, quote_id, payload, state, received_at,"
                        + " updated_at) SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS"
                        + " (SELECT 1 FROM relay_event WHERE event_id = ?)")) {
            ps.setString(1, event.eventId());
            ps.setString(2, event.type());
            ps.setString(3, event.action());
            ps.setString(4, event.quoteId());
            ps.setString(5, event.payload());
            ps.setString(6, PENDING);
            ps.setTimestamp(7, now);
            ps.setTimestamp(8, now);
            ps.setString(9, event.eventId());
            return ps.executeUpdate() == 1;
        }
    }
}
