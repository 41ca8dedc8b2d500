package dealhub.relay.journal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

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
    private final GroupCommit commits;
    private final String instanceId;
    private final Duration lease;
    /** Whether the database is PostgreSQL, known from the first claim's connection (none is opened before). */
    private volatile Boolean skipLocked;

    /**
     * @param commits where the many small writes of intake and dispatch (one event, one delivery) go, to share
     *                their commits with those of other threads
     */
    public EventJournal(DataSource dataSource, GroupCommit commits, String instanceId, Duration lease) {
        this.dataSource = dataSource;
        this.commits = commits;
        this.instanceId = instanceId;
        this.lease = lease;
    }

    /**
     * Stores an accepted event. Returns {@code false}, storing nothing, when its {@code event_id} is already there.
     * When this returns the row is committed: only then may the caller answer 2xx. Events arriving together share
     * one commit ({@link GroupCommit}); a failed commit stores none of them and fails every one.
     */
    public boolean record(JournalEvent event) throws SQLException {
        try {
            return commits.run(c -> insertIfAbsent(c, event));
        } catch (SQLException e) {
            if (isUniqueViolation(e)) {
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

    /**
     * Leases up to {@code limit} pending events to this instance, oldest first, and returns them with the sinks each
     * one still waits for. An event whose lease ran out (its holder died or stalled) is pending work again.
     * <p>
     * In the same transaction each leased event gets a delivery row for every sink {@code subscribers} names for its
     * type (rows already there, from an earlier round, keep their state): one commit for the whole batch instead of
     * one per event.
     *
     * @param subscribers the sinks that take an event type
     */
    public List<Claim> claimDue(int limit, Function<String, List<String>> subscribers) throws SQLException {
        Timestamp now = Timestamp.from(Instant.now());
        // "ORDER BY state, received_at" is the index's order, so only the first rows are read, however long the
        // backlog. PostgreSQL locks what it selects, skipping rows other instances are claiming. H2 would read
        // the whole backlog for a FOR UPDATE, so there the conditional UPDATE below is what claims: a row that
        // another transaction leased in the meantime is not updated, and not returned.
        List<JournalEvent> claimed = new ArrayList<>();
        List<Claim> claims = List.of();
        try (Connection c = dataSource.getConnection()) {
            if (skipLocked == null) {
                skipLocked = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
            }
            String select = "SELECT event_id, event_type, event_action, quote_id, payload, received_at"
                    + " FROM relay_event WHERE state = ? AND (lease_until IS NULL OR lease_until < ?)"
                    + " ORDER BY state, received_at FETCH FIRST " + limit + " ROWS ONLY"
                    + (skipLocked ? " FOR UPDATE SKIP LOCKED" : "");
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(select)) {
                    ps.setString(1, PENDING);
                    ps.setTimestamp(2, now);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            claimed.add(new JournalEvent(rs.getString(1), rs.getString(2), rs.getString(3),
                                    rs.getString(4), rs.getString(5), null, rs.getTimestamp(6).toInstant()));
                        }
                    }
                }
                if (!claimed.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE relay_event SET lease_owner = ?, lease_until = ? WHERE event_id = ? AND state = ?"
                                    + " AND (lease_until IS NULL OR lease_until < ?)")) {
                        Timestamp until = Timestamp.from(now.toInstant().plus(lease));
                        for (JournalEvent e : claimed) {
                            ps.setString(1, instanceId);
                            ps.setTimestamp(2, until);
                            ps.setString(3, e.eventId());
                            ps.setString(4, PENDING);
                            ps.setTimestamp(5, now);
                            ps.addBatch();
                        }
                        int[] updated = ps.executeBatch();
                        List<JournalEvent> leased = new ArrayList<>(claimed.size());
                        for (int i = 0; i < updated.length; i++) {
                            if (updated[i] != 0) {
                                leased.add(claimed.get(i));
                            }
                        }
                        claims = planDeliveries(c, withStoredQuotes(c, leased), subscribers);
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        return claims;
    }

    /** A leased event and the sinks whose delivery of it is still pending, in name order. */
    public record Claim(JournalEvent event, List<String> pendingSinks) {
    }

    /** The events, each with its quote when one was fetched on an earlier round (a retry, a replay). */
    private static List<JournalEvent> withStoredQuotes(Connection c, List<JournalEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return events;
        }
        Map<String, String> quotes = new HashMap<>();
        String marks = String.join(",", Collections.nCopies(events.size(), "?"));
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT event_id, quote FROM relay_quote WHERE event_id IN (" + marks + ")")) {
            for (int i = 0; i < events.size(); i++) {
                ps.setString(i + 1, events.get(i).eventId());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    quotes.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        if (quotes.isEmpty()) {
            return events;
        }
        return events.stream().map(e -> new JournalEvent(e.eventId(), e.type(), e.action(), e.quoteId(), e.payload(),
                quotes.get(e.eventId()), e.receivedAt())).toList();
    }

    /** Makes sure each event has a delivery row for each sink subscribed to its type; what is still pending. */
    private static List<Claim> planDeliveries(Connection c, List<JournalEvent> events,
            Function<String, List<String>> subscribers) throws SQLException {
        if (events.isEmpty()) {
            return List.of();
        }
        Timestamp now = Timestamp.from(Instant.now());
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO relay_delivery (event_id, sink, state, attempts, updated_at) SELECT ?, ?, ?, 0, ?"
                        + " WHERE NOT EXISTS (SELECT 1 FROM relay_delivery WHERE event_id = ? AND sink = ?)")) {
            for (JournalEvent event : events) {
                for (String sink : subscribers.apply(event.type())) {
                    ps.setString(1, event.eventId());
                    ps.setString(2, sink);
                    ps.setString(3, PENDING);
                    ps.setTimestamp(4, now);
                    ps.setString(5, event.eventId());
                    ps.setString(6, sink);
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
        Map<String, List<String>> pending = new HashMap<>();
        String marks = String.join(",", Collections.nCopies(events.size(), "?"));
        try (PreparedStatement ps = c.prepareStatement("SELECT event_id, sink FROM relay_delivery"
                + " WHERE state = ? AND event_id IN (" + marks + ") ORDER BY event_id, sink")) {
            ps.setString(1, PENDING);
            for (int i = 0; i < events.size(); i++) {
                ps.setString(i + 2, events.get(i).eventId());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pending.computeIfAbsent(rs.getString(1), id -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        return events.stream().map(e -> new Claim(e, pending.getOrDefault(e.eventId(), List.of()))).toList();
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
                execute(c, "INSERT INTO relay_quote (event_id, quote) SELECT ?, ? WHERE NOT EXISTS"
                        + " (SELECT 1 FROM relay_quote WHERE event_id = ?)", outcome.eventId(), outcome.fetchedQuote(),
                        outcome.eventId());
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
     */
    public record DeliveryOutcome(String eventId, String sink, boolean delivered, int attempts, String reason,
            String fetchedQuote) {

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

    /** Extends this instance's leases on events it is still working on, so no other instance takes them over. */
    public void renewLeases(Collection<String> eventIds) throws SQLException {
        Timestamp until = Timestamp.from(Instant.now().plus(lease));
        forEach("UPDATE relay_event SET lease_until = ? WHERE event_id = ? AND lease_owner = ?", eventIds,
                (ps, id) -> {
                    ps.setTimestamp(1, until);
                    ps.setString(2, id);
                    ps.setString(3, instanceId);
                });
    }

    /** Gives up this instance's leases at once (at shutdown), so the events need not wait for them to run out. */
    public void releaseLeases(Collection<String> eventIds) throws SQLException {
        forEach("UPDATE relay_event SET lease_owner = NULL, lease_until = NULL WHERE event_id = ? AND lease_owner = ?",
                eventIds, (ps, id) -> {
                    ps.setString(1, id);
                    ps.setString(2, instanceId);
                });
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
        event.put("deliveries", query("SELECT sink, state, attempts, last_error, updated_at, worker"
                + " FROM relay_delivery WHERE event_id = ? ORDER BY sink", eventId));
        return event;
    }

    /** How many events wait for dispatch, and since when the oldest of them has waited. */
    public Backlog backlog() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT count(*), min(received_at) FROM relay_event WHERE state = ?")) {
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

    /** How many deliveries are dead, waiting for a replay. */
    public long deadDeliveries() throws SQLException {
        return ((Number) query("SELECT count(*) AS n FROM relay_delivery WHERE state = ?", DEAD).get(0).get("n"))
                .longValue();
    }

    /**
     * Settles the event from its deliveries and gives up the lease: {@code dead} if a sink is dead, {@code pending}
     * if one still waits (it is taken up again), else {@code done}. For a round that delivered nothing: a round's
     * deliveries settle the event themselves ({@link #recordOutcome}).
     */
    public String finish(String eventId) throws SQLException {
        return commits.run(c -> settle(c, eventId, stateOf(openDeliveryStates(c, eventId))));
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

    private interface Binder {
        void bind(PreparedStatement ps, String id) throws SQLException;
    }

    private void forEach(String sql, Collection<String> ids, Binder binder) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            c.setAutoCommit(true);
            for (String id : ids) {
                binder.bind(ps, id);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private <T> T inTransaction(GroupCommit.Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static int execute(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    private List<Map<String, Object>> query(String sql, Object... args) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= columns; i++) {
                        Object value = rs.getObject(i);
                        if (value instanceof Timestamp t) {
                            value = t.toInstant().toString();
                        } else if (value instanceof java.sql.Clob clob) {
                            value = clob.getSubString(1, (int) clob.length());
                        }
                        row.put(rs.getMetaData().getColumnLabel(i).toLowerCase(Locale.ROOT), value);
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
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
}
