package dealhub.relay.journal;

import static dealhub.relay.journal.JournalState.DEAD;
import static dealhub.relay.journal.JournalState.DONE;
import static dealhub.relay.journal.JournalState.PENDING;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import dealhub.relay.sql.Sql;

/**
 * The operators' searches over the journal (the console and the admin API): events by a filter, newest first, a page
 * at a time; counts by state; dead deliveries grouped by sink and reason. Read only. Every value a caller gives is
 * bound as a parameter: the SQL text is made of fixed pieces alone.
 */
public class EventSearch {

    /** Every query here is an operator's: a slow one must not hold a thread for long. */
    private static final int TIMEOUT_SECONDS = 10;

    /** In a dead letters group's reason: where each delivery's reason names its event id, or its quote id. */
    public static final String EVENT_ID = "{event_id}";
    public static final String QUOTE_ID = "{quote_id}";

    /** A delivery's last error is the reason given, once its event's ids are put where the reason has placeholders. */
    private static final String REASON_IS = " = REPLACE(REPLACE(?, '" + EVENT_ID + "', e.event_id), '" + QUOTE_ID
            + "', COALESCE(e.quote_id, '" + QUOTE_ID + "'))";

    private final DataSource dataSource;

    public EventSearch(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Which events (or deliveries) a search is about; a {@code null} field does not narrow it.
     *
     * @param state  the event's state; with {@code sink}, the state of that sink's delivery
     * @param type   the event type
     * @param sink   events with a delivery to this sink
     * @param id     an event id or a quote id
     * @param from   received at or after
     * @param to     received before
     * @param reason the delivery's last error, exactly, or as {@link #deadGroups} gives it (a dead letters group's)
     */
    public record Filter(String state, String type, String sink, String id, Instant from, Instant to, String reason) {

        public static final Filter ALL = new Filter(null, null, null, null, null, null, null);

        public Filter withState(String newState) {
            return new Filter(newState, type, sink, id, from, to, reason);
        }
    }

    /** Where a page ends: the last event's arrival and id (events are ordered by both, newest first). */
    public record Position(Instant receivedAt, String eventId) {
    }

    /** A page of events, and where the next one starts ({@code null} when this is the last). */
    public record Page(List<Map<String, Object>> events, Position next) {
    }

    /** One (event, sink) delivery. */
    public record DeliveryKey(String eventId, String sink) {
    }

    /** Events matching {@code filter}, newest first, after {@code after} (or from the newest), at most {@code limit}. */
    public Page events(Filter filter, Position after, int limit) throws SQLException {
        Where where = where(filter);
        if (after != null) {
            Timestamp at = Timestamp.from(after.receivedAt());
            where.add(" AND (e.received_at < ? OR (e.received_at = ? AND e.event_id < ?))", at, at, after.eventId());
        }
        where.args.add(limit + 1);
        List<Map<String, Object>> rows = query("SELECT e.event_id, e.event_type, e.event_action, e.quote_id, e.state,"
                + " e.received_at, e.updated_at, e.last_error FROM relay_event e WHERE 1 = 1" + where.sql
                + " ORDER BY e.received_at DESC, e.event_id DESC FETCH FIRST ? ROWS ONLY", where.args);
        if (rows.size() <= limit) {
            return new Page(rows, null);
        }
        rows.remove(limit);
        Map<String, Object> last = rows.get(limit - 1);
        return new Page(rows, new Position(Instant.parse((String) last.get("received_at")),
                (String) last.get("event_id")));
    }

    /**
     * How many events match {@code filter} in each state (its own state aside), and how many of their deliveries
     * (to its sink, if it names one) are in each state.
     */
    public Map<String, Map<String, Long>> counts(Filter filter) throws SQLException {
        Where events = where(filter.withState(null));
        Where deliveries = where(filter.withState(null));
        if (filter.sink() != null) {
            deliveries.add(" AND d.sink = ?", filter.sink());
        }
        Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
        counts.put("events", byState("SELECT e.state, count(*) FROM relay_event e WHERE 1 = 1" + events.sql
                + " GROUP BY e.state", events.args));
        counts.put("deliveries", byState("SELECT d.state, count(*) FROM relay_delivery d JOIN relay_event e"
                + " ON e.event_id = d.event_id WHERE 1 = 1" + deliveries.sql + " GROUP BY d.state", deliveries.args));
        return counts;
    }

    /**
     * Dead deliveries matching {@code filter} (its state aside), grouped by sink and reason: how many, and the
     * arrivals of the oldest and newest of their events. Largest groups first.
     * <p>
     * Many reasons name the delivery's own event or quote (a file name, a URL): in a reason of one delivery alone,
     * its event id and quote id read {@value #EVENT_ID} and {@value #QUOTE_ID}, so that such deliveries fall into one
     * group; a {@code reason} filter given that text matches each of them ({@link #where}).
     */
    public List<Map<String, Object>> deadGroups(Filter filter) throws SQLException {
        Where where = deadDeliveries(filter);
        // Each column named: the rows are keyed by label, and PostgreSQL labels every min() alike.
        List<Map<String, Object>> rows = query("SELECT d.sink, d.last_error, count(*) AS n, min(e.received_at) AS"
                + " oldest, max(e.received_at) AS newest, min(d.event_id) AS one_event, min(e.quote_id) AS one_quote"
                + " FROM relay_delivery d JOIN relay_event e"
                + " ON e.event_id = d.event_id WHERE 1 = 1" + where.sql + " GROUP BY d.sink, d.last_error", where.args);
        Map<List<String>, Map<String, Object>> groups = new LinkedHashMap<>();
        for (Map<String, Object> row : rows) {
            Object[] v = row.values().toArray();
            long count = ((Number) v[2]).longValue();
            String reason = v[1] == null || count > 1 ? (String) v[1] : generic((String) v[1], (String) v[5],
                    (String) v[6]);
            Map<String, Object> group = groups.computeIfAbsent(Arrays.asList((String) v[0], reason), k -> {
                Map<String, Object> g = new LinkedHashMap<>();
                g.put("sink", v[0]);
                g.put("reason", reason);
                g.put("deliveries", 0L);
                g.put("oldest", v[3]);
                g.put("newest", v[4]);
                return g;
            });
            group.put("deliveries", (Long) group.get("deliveries") + count);
            if (Instant.parse((String) v[3]).isBefore(Instant.parse((String) group.get("oldest")))) {
                group.put("oldest", v[3]);
            }
            if (Instant.parse((String) v[4]).isAfter(Instant.parse((String) group.get("newest")))) {
                group.put("newest", v[4]);
            }
        }
        List<Map<String, Object>> sorted = new ArrayList<>(groups.values());
        sorted.sort(Comparator.comparing((Map<String, Object> g) -> -(Long) g.get("deliveries"))
                .thenComparing(g -> (String) g.get("sink")));
        return sorted;
    }

    /** A reason with its event's id and quote id put as {@value #EVENT_ID} and {@value #QUOTE_ID}. */
    private static String generic(String reason, String eventId, String quoteId) {
        String generic = reason.replace(eventId, EVENT_ID);
        return quoteId == null || quoteId.isEmpty() ? generic : generic.replace(quoteId, QUOTE_ID);
    }

    /** How many dead deliveries match {@code filter} (its state aside): what a replay of it would send again. */
    public long countDead(Filter filter) throws SQLException {
        Where where = deadDeliveries(filter);
        return byState("SELECT d.state, count(*) FROM relay_delivery d JOIN relay_event e ON e.event_id = d.event_id"
                + " WHERE 1 = 1" + where.sql + " GROUP BY d.state", where.args).getOrDefault(DEAD, 0L);
    }

    /** The dead deliveries matching {@code filter} (its state aside). */
    List<DeliveryKey> deadKeys(Connection c, Filter filter) throws SQLException {
        Where where = deadDeliveries(filter);
        List<DeliveryKey> keys = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT d.event_id, d.sink FROM relay_delivery d"
                + " JOIN relay_event e ON e.event_id = d.event_id WHERE 1 = 1" + where.sql)) {
            ps.setQueryTimeout(TIMEOUT_SECONDS);
            Sql.bind(ps, 1, where.args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(new DeliveryKey(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return keys;
    }

    /** How many of these deliveries are in each state now (a replay's progress). */
    public Map<String, Long> states(Collection<DeliveryKey> keys) throws SQLException {
        Map<String, Long> states = new LinkedHashMap<>();
        List<DeliveryKey> all = new ArrayList<>(keys);
        int batch = 100;
        for (int start = 0; start < all.size(); start += batch) {
            List<DeliveryKey> part = all.subList(start, Math.min(all.size(), start + batch));
            StringBuilder sql = new StringBuilder("SELECT state, count(*) FROM relay_delivery WHERE 1 = 0");
            List<Object> args = new ArrayList<>();
            for (DeliveryKey key : part) {
                sql.append(" OR (event_id = ? AND sink = ?)");
                args.add(key.eventId());
                args.add(key.sink());
            }
            byState(sql.append(" GROUP BY state").toString(), args).forEach((state, n) -> states.merge(state, n,
                    Long::sum));
        }
        return states;
    }

    private static Where deadDeliveries(Filter filter) {
        Where where = where(filter.withState(null));
        where.add(" AND d.state = ?", DEAD);
        if (filter.sink() != null) {
            where.add(" AND d.sink = ?", filter.sink());
        }
        if (filter.reason() != null) {
            where.add(" AND d.last_error" + REASON_IS, filter.reason());
        }
        return where;
    }

    /** The conditions on the event ({@code e}) that a filter makes, with their values to bind. */
    private static Where where(Filter filter) {
        Where where = new Where();
        if (filter.sink() != null) {
            StringBuilder delivery = new StringBuilder(
                    " AND EXISTS (SELECT 1 FROM relay_delivery s WHERE s.event_id = e.event_id AND s.sink = ?");
            List<Object> args = new ArrayList<>(List.of(filter.sink()));
            if (filter.state() != null) {
                delivery.append(" AND s.state = ?");
                args.add(filter.state());
            }
            if (filter.reason() != null) {
                delivery.append(" AND s.last_error").append(REASON_IS);
                args.add(filter.reason());
            }
            where.add(delivery.append(")").toString(), args.toArray());
        } else {
            if (filter.state() != null) {
                where.add(" AND e.state = ?", filter.state());
            }
            if (filter.reason() != null) {
                where.add(" AND EXISTS (SELECT 1 FROM relay_delivery s WHERE s.event_id = e.event_id"
                        + " AND s.last_error" + REASON_IS + ")", filter.reason());
            }
        }
        if (filter.type() != null) {
            where.add(" AND e.event_type = ?", filter.type());
        }
        if (filter.id() != null) {
            where.add(" AND (e.event_id = ? OR e.quote_id = ?)", filter.id(), filter.id());
        }
        if (filter.from() != null) {
            where.add(" AND e.received_at >= ?", Timestamp.from(filter.from()));
        }
        if (filter.to() != null) {
            where.add(" AND e.received_at < ?", Timestamp.from(filter.to()));
        }
        return where;
    }

    /** Fixed pieces of SQL and the values they bind, in order. */
    private static final class Where {
        final StringBuilder sql = new StringBuilder();
        final List<Object> args = new ArrayList<>();

        void add(String condition, Object... values) {
            sql.append(condition);
            args.addAll(List.of(values));
        }
    }

    private Map<String, Long> byState(String sql, List<Object> args) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String state : List.of(PENDING, DONE, DEAD)) {
            counts.put(state, 0L);
        }
        for (Map<String, Object> row : query(sql, args)) {
            Object[] values = row.values().toArray();
            counts.put((String) values[0], ((Number) values[1]).longValue());
        }
        return counts;
    }

    private List<Map<String, Object>> query(String sql, List<Object> args) throws SQLException {
        return Sql.rows(dataSource, TIMEOUT_SECONDS, sql, args);
    }
}
