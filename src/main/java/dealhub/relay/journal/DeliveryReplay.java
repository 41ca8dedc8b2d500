package dealhub.relay.journal;

import static dealhub.relay.journal.JournalState.DEAD;
import static dealhub.relay.journal.JournalState.PENDING;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import dealhub.relay.journal.EventSearch.DeliveryKey;
import dealhub.relay.journal.EventSearch.Filter;
import dealhub.relay.sql.Sql;

/**
 * An operator's replay of the dead deliveries a filter matches (the console's "replay everything this filter
 * shows"): each becomes pending and due at once with the whole schedule ahead of it, as
 * {@link DeliveryOutcomes#replay(String)} does for one event, and a dead event with one of them pending work again.
 * Delivered and pending deliveries are not touched.
 */
public class DeliveryReplay {

    private final DataSource dataSource;
    private final EventSearch search;

    public DeliveryReplay(DataSource dataSource, EventSearch search) {
        this.dataSource = dataSource;
        this.search = search;
    }

    /** Replays the dead deliveries {@code filter} matches, in one transaction; returns those it replayed. */
    public List<DeliveryKey> replay(Filter filter) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<DeliveryKey> replayed = replay(c, search.deadKeys(c, filter));
                c.commit();
                return replayed;
            } catch (SQLException | RuntimeException e) {
                Sql.rollback(c, e);
                throw e;
            }
        }
    }

    private static List<DeliveryKey> replay(Connection c, List<DeliveryKey> keys) throws SQLException {
        Timestamp now = Sql.now();
        List<DeliveryKey> replayed = new ArrayList<>();
        // Each update checks the state again: a delivery replayed by someone else meanwhile is not counted twice.
        try (PreparedStatement ps = c.prepareStatement("UPDATE relay_delivery SET state = ?, updated_at = ?,"
                + " next_attempt_at = ?, lease_owner = NULL, retries = 0 WHERE event_id = ? AND sink = ? AND state = ?")) {
            for (DeliveryKey key : keys) {
                Sql.bind(ps, 1, List.of(PENDING, now, now, key.eventId(), key.sink(), DEAD));
                if (ps.executeUpdate() == 1) {
                    replayed.add(key);
                }
            }
        }
        Set<String> events = new LinkedHashSet<>();
        replayed.forEach(key -> events.add(key.eventId()));
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE relay_event SET state = ?, updated_at = ? WHERE event_id = ? AND state = ?")) {
            for (String eventId : events) {
                Sql.bind(ps, 1, List.of(PENDING, now, eventId, DEAD));
                ps.addBatch();
            }
            if (!events.isEmpty()) {
                ps.executeBatch();
            }
        }
        return replayed;
    }
}
