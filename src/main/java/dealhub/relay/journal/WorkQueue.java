package dealhub.relay.journal;

import static dealhub.relay.journal.JournalState.PENDING;

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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import javax.sql.DataSource;

import dealhub.relay.sql.Sql;

/**
 * The journal as a work queue: pending events are leased to one instance at a time, each with a delivery row for
 * every sink subscribed to its type.
 * <p>
 * The database decides correctness, never memory: work is handed out by leases that expire if their holder dies,
 * and an event whose lease ran out is pending work again, for any instance.
 */
public class WorkQueue {

    private final DataSource dataSource;
    private final String instanceId;
    private final Duration lease;
    /** Whether the database is PostgreSQL, known from the first claim's connection (none is opened before). */
    private volatile Boolean skipLocked;

    /** @param instanceId the lease owner this instance claims as */
    public WorkQueue(DataSource dataSource, String instanceId, Duration lease) {
        this.dataSource = dataSource;
        this.instanceId = instanceId;
        this.lease = lease;
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
                Sql.rollback(c, e);
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
        Map<String, StoredQuote> quotes = new HashMap<>();
        String marks = String.join(",", Collections.nCopies(events.size(), "?"));
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT event_id, quote, fetched_at FROM relay_quote WHERE event_id IN (" + marks + ")")) {
            for (int i = 0; i < events.size(); i++) {
                ps.setString(i + 1, events.get(i).eventId());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp fetchedAt = rs.getTimestamp(3);
                    quotes.put(rs.getString(1),
                            new StoredQuote(rs.getString(2), fetchedAt == null ? null : fetchedAt.toInstant()));
                }
            }
        }
        if (quotes.isEmpty()) {
            return events;
        }
        return events.stream().map(e -> {
            StoredQuote stored = quotes.get(e.eventId());
            return stored == null ? e : new JournalEvent(e.eventId(), e.type(), e.action(), e.quoteId(), e.payload(),
                    stored.quote(), e.receivedAt(), stored.fetchedAt());
        }).toList();
    }

    /** A quote kept from an earlier round, and when Get Quote answered with it. */
    private record StoredQuote(String quote, Instant fetchedAt) {
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
     * Hands back at once the leases held by any owner that starts with {@code ownerPrefix}, this instance's own
     * excepted: at start, those of this instance's earlier incarnations, which are certainly dead. Their events are
     * pending work again at once, for any instance, instead of after their leases run out.
     *
     * @return how many events were released
     */
    public int releaseLeasesOf(String ownerPrefix) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE relay_event SET lease_owner = NULL, lease_until = NULL"
                        + " WHERE lease_owner LIKE ? ESCAPE '!' AND lease_owner <> ?")) {
            c.setAutoCommit(true);
            ps.setString(1, ownerPrefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
            ps.setString(2, instanceId);
            return ps.executeUpdate();
        }
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
}
