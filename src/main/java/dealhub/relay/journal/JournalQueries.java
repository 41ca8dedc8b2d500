package dealhub.relay.journal;

import static dealhub.relay.journal.JournalState.DEAD;
import static dealhub.relay.journal.JournalState.PENDING;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import dealhub.relay.sql.Sql;

/**
 * What operators (the admin API) and the relay's metrics and health checks read from the journal. Nothing here
 * writes, so none of it goes through the group commit.
 */
public class JournalQueries {

    private final DataSource dataSource;

    public JournalQueries(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Events in a state (and of a type), newest first, without their payloads. */
    public List<Map<String, Object>> list(String state, String type, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT event_id, event_type, event_action, quote_id, state,"
                + " received_at, updated_at, last_error FROM relay_event WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (state != null) {
            sql.append(" AND state = ?");
            args.add(state);
        }
        if (type != null) {
            sql.append(" AND event_type = ?");
            args.add(type);
        }
        sql.append(" ORDER BY received_at DESC FETCH FIRST ").append(limit).append(" ROWS ONLY");
        return query(sql.toString(), args.toArray());
    }

    /** One event with its payload and every delivery's outcome, or {@code null}. */
    public Map<String, Object> detail(String eventId) throws SQLException {
        List<Map<String, Object>> events = query("SELECT e.event_id, e.event_type, e.event_action, e.quote_id,"
                + " e.state, e.received_at, e.updated_at, e.last_error, e.lease_owner, e.payload, q.quote"
                + " FROM relay_event e LEFT JOIN relay_quote q ON q.event_id = e.event_id WHERE e.event_id = ?",
                eventId);
        if (events.isEmpty()) {
            return null;
        }
        Map<String, Object> event = events.get(0);
        event.put("deliveries", query("SELECT sink, state, attempts, retries, last_error, updated_at, worker,"
                + " next_attempt_at, lease_owner FROM relay_delivery WHERE event_id = ? ORDER BY sink", eventId));
        return event;
    }

    /**
     * How many events wait for dispatch, and since when the oldest of them has waited. An event whose deliveries
     * wait for their next attempt has been dispatched: an outage of one sink must not make the relay look
     * overloaded (readiness) while it rides the outage out; {@link #retriesWaiting} counts those.
     *
     * @param timeoutSeconds the longest the database may take to answer (a stall must not hold the caller)
     */
    public Backlog backlog(int timeoutSeconds) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT count(*), min(received_at) FROM relay_event WHERE state = ? AND planned_at IS NULL")) {
            ps.setQueryTimeout(timeoutSeconds);
            ps.setString(1, PENDING);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Timestamp oldest = rs.getTimestamp(2);
                return new Backlog(rs.getLong(1), oldest == null ? null : oldest.toInstant());
            }
        }
    }

    /** The journal's backlog: pending events and the arrival of the oldest one ({@code null} when none). */
    public record Backlog(long pending, Instant oldest) {
    }

    /** How many deliveries are dead, waiting for a replay; {@code timeoutSeconds} as for {@link #backlog(int)}. */
    public long deadDeliveries(int timeoutSeconds) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM relay_delivery WHERE state = ?")) {
            ps.setQueryTimeout(timeoutSeconds);
            ps.setString(1, DEAD);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Deliveries waiting for a retry (pending after a failed attempt), per sink: how many, the arrival of the
     * oldest one's event, and the next attempt due. Sinks with none are not listed.
     */
    public Map<String, RetriesWaiting> retriesWaiting() throws SQLException {
        return retriesWaiting(1);
    }

    /** {@link #retriesWaiting()}, waiting at most {@code timeoutSeconds} for the database. */
    public Map<String, RetriesWaiting> retriesWaiting(int timeoutSeconds) throws SQLException {
        Map<String, RetriesWaiting> waiting = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT d.sink, count(*), min(e.received_at), min(d.next_attempt_at) FROM relay_delivery d"
                        + " JOIN relay_event e ON e.event_id = d.event_id WHERE d.state = ? AND d.retries > 0"
                        + " GROUP BY d.sink ORDER BY d.sink")) {
            // Read for an admin call or the metrics' figures: a stalled database must not hold the caller for long.
            ps.setQueryTimeout(timeoutSeconds);
            ps.setString(1, PENDING);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    waiting.put(rs.getString(1), new RetriesWaiting(rs.getLong(2), rs.getTimestamp(3).toInstant(),
                            rs.getTimestamp(4) == null ? null : rs.getTimestamp(4).toInstant()));
                }
            }
        }
        return waiting;
    }

    /** One sink's deliveries waiting for a retry: how many, the oldest one's event's arrival, the next one due. */
    public record RetriesWaiting(long deliveries, Instant oldest, Instant nextAttempt) {
    }

    private List<Map<String, Object>> query(String sql, Object... args) throws SQLException {
        return Sql.rows(dataSource, 0, sql, Arrays.asList(args));
    }
}
