package dealhub.relay.journal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

/**
 * The event journal: accepted webhooks and the outcome of each (event, sink) pair, in the relay's database.
 * <p>
 * The database decides correctness, never memory: {@code event_id} is the primary key, so a duplicate is refused
 * whichever instance receives it; work is handed out by leases that expire if their holder dies.
 */
public class EventJournal {

    public static final String PENDING = "pending";
    public static final String DONE = "done";
    public static final String DEAD = "dead";

    private static final int MAX_ERROR_LENGTH = 2000;

    private final DataSource dataSource;
    private final String instanceId;
    private final Duration lease;
    private final boolean skipLocked;

    public EventJournal(DataSource dataSource, String instanceId, Duration lease) {
        this.dataSource = dataSource;
        this.instanceId = instanceId;
        this.lease = lease;
        this.skipLocked = isPostgreSql(dataSource);
    }

    /**
     * Stores an accepted event. Returns {@code false}, storing nothing, when its {@code event_id} is already there.
     * When this returns the row is committed: only then may the caller answer 2xx.
     */
    public boolean record(JournalEvent event) throws SQLException {
        Timestamp now = Timestamp.from(event.receivedAt());
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO relay_event (event_id, event_type, event_action, quote_id, payload, state,"
                             + " received_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            c.setAutoCommit(true);
            ps.setString(1, event.eventId());
            ps.setString(2, event.type());
            ps.setString(3, event.action());
            ps.setString(4, event.quoteId());
            ps.setString(5, event.payload());
            ps.setString(6, PENDING);
            ps.setTimestamp(7, now);
            ps.setTimestamp(8, now);
            ps.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (isUniqueViolation(e)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Leases up to {@code limit} pending events to this instance, oldest first, and returns them. An event whose
     * lease ran out (its holder died or stalled) is pending work again.
     */
    public List<JournalEvent> claimDue(int limit) throws SQLException {
        Timestamp now = Timestamp.from(Instant.now());
        String select = "SELECT event_id, event_type, event_action, quote_id, payload, quote, received_at"
                + " FROM relay_event WHERE state = ? AND (lease_until IS NULL OR lease_until < ?)"
                + " ORDER BY received_at FETCH FIRST " + limit + " ROWS ONLY FOR UPDATE"
                + (skipLocked ? " SKIP LOCKED" : "");
        List<JournalEvent> claimed = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(select)) {
                    ps.setString(1, PENDING);
                    ps.setTimestamp(2, now);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            claimed.add(new JournalEvent(rs.getString(1), rs.getString(2), rs.getString(3),
                                    rs.getString(4), rs.getString(5), rs.getString(6),
                                    rs.getTimestamp(7).toInstant()));
                        }
                    }
                }
                if (!claimed.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE relay_event SET lease_owner = ?, lease_until = ? WHERE event_id = ?")) {
                        Timestamp until = Timestamp.from(now.toInstant().plus(lease));
                        for (JournalEvent e : claimed) {
                            ps.setString(1, instanceId);
                            ps.setTimestamp(2, until);
                            ps.setString(3, e.eventId());
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
        return claimed;
    }

    /**
     * Makes sure the event has a delivery row for each of {@code sinks} (rows already there keep their state), and
     * returns the sinks whose delivery is still pending.
     */
    public List<String> planDeliveries(String eventId, List<String> sinks) throws SQLException {
        Timestamp now = Timestamp.from(Instant.now());
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO relay_delivery (event_id, sink, state, attempts, updated_at)"
                                + " SELECT ?, ?, ?, 0, ? FROM relay_event WHERE event_id = ? AND NOT EXISTS"
                                + " (SELECT 1 FROM relay_delivery WHERE event_id = ? AND sink = ?)")) {
                    for (String sink : sinks) {
                        ps.setString(1, eventId);
                        ps.setString(2, sink);
                        ps.setString(3, PENDING);
                        ps.setTimestamp(4, now);
                        ps.setString(5, eventId);
                        ps.setString(6, eventId);
                        ps.setString(7, sink);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                List<String> pending = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT sink FROM relay_delivery WHERE event_id = ? AND state = ? ORDER BY sink")) {
                    ps.setString(1, eventId);
                    ps.setString(2, PENDING);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            pending.add(rs.getString(1));
                        }
                    }
                }
                c.commit();
                return pending;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Keeps the Get Quote response so that a retried sink delivers the document the others got. */
    public void storeQuote(String eventId, String quote) throws SQLException {
        update("UPDATE relay_event SET quote = ?, updated_at = ? WHERE event_id = ?", quote, now(), eventId);
    }

    public void markDelivered(String eventId, String sink, int attempts) throws SQLException {
        update("UPDATE relay_delivery SET state = ?, attempts = attempts + ?, last_error = NULL, updated_at = ?"
                + " WHERE event_id = ? AND sink = ?", DONE, attempts, now(), eventId, sink);
    }

    public void markDeliveryDead(String eventId, String sink, int attempts, String reason) throws SQLException {
        update("UPDATE relay_delivery SET state = ?, attempts = attempts + ?, last_error = ?, updated_at = ?"
                + " WHERE event_id = ? AND sink = ?", DEAD, attempts, truncate(reason), now(), eventId, sink);
    }

    /** Every still-pending sink of the event is dead for one reason, e.g. enrichment failed for good. */
    public void markPendingDeliveriesDead(String eventId, int attempts, String reason) throws SQLException {
        update("UPDATE relay_delivery SET state = ?, attempts = attempts + ?, last_error = ?, updated_at = ?"
                + " WHERE event_id = ? AND state = ?", DEAD, attempts, truncate(reason), now(), eventId, PENDING);
        update("UPDATE relay_event SET last_error = ? WHERE event_id = ?", truncate(reason), eventId);
    }

    /**
     * Settles the event from its deliveries and gives up the lease: {@code dead} if a sink is dead, {@code pending}
     * if one still waits (it is taken up again), else {@code done}.
     */
    public String finish(String eventId) throws SQLException {
        String state = DONE;
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT state FROM relay_delivery WHERE event_id = ? AND state <> ?")) {
            ps.setString(1, eventId);
            ps.setString(2, DONE);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (DEAD.equals(rs.getString(1))) {
                        state = DEAD;
                    } else if (!DEAD.equals(state)) {
                        state = PENDING;
                    }
                }
            }
        }
        update("UPDATE relay_event SET state = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?"
                + " WHERE event_id = ? AND lease_owner = ?", state, now(), eventId, instanceId);
        return state;
    }

    /** The state of one event, or {@code null} when the journal does not hold it. */
    public String stateOf(String eventId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT state FROM relay_event WHERE event_id = ?")) {
            ps.setString(1, eventId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private void update(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            c.setAutoCommit(true);
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    private static Timestamp now() {
        return Timestamp.from(Instant.now());
    }

    private static String truncate(String reason) {
        if (reason == null || reason.length() <= MAX_ERROR_LENGTH) {
            return reason;
        }
        return reason.substring(0, MAX_ERROR_LENGTH);
    }

    private static boolean isUniqueViolation(SQLException e) {
        // 23505 is the SQL standard's unique violation, used by both PostgreSQL and H2.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && "23505".equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isPostgreSql(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return c.getMetaData().getDatabaseProductName().toLowerCase().contains("postgres");
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot reach the relay database: " + e.getMessage(), e);
        }
    }
}
