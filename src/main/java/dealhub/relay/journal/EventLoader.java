package dealhub.relay.journal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dealhub.relay.journal.WorkQueue.Claim;
import dealhub.relay.journal.WorkQueue.Ticket;

/**
 * Part of a claim ({@link WorkQueue#claimDue}): the events of the claimed deliveries, each with its quote when one
 * was kept on an earlier round (a retry, a replay), so that every sink gets the same document.
 */
final class EventLoader {

    private EventLoader() {
    }

    static List<Claim> load(Connection c, Map<String, List<Ticket>> tickets, int timeout) throws SQLException {
        if (tickets.isEmpty()) {
            return List.of();
        }
        List<String> ids = new ArrayList<>(tickets.keySet());
        String marks = String.join(",", Collections.nCopies(ids.size(), "?"));
        List<Claim> claims = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT e.event_id, e.event_type, e.event_action, e.quote_id,"
                + " e.payload, q.quote, e.received_at, q.fetched_at FROM relay_event e LEFT JOIN relay_quote q"
                + " ON q.event_id = e.event_id WHERE e.event_id IN (" + marks + ")")) {
            ps.setQueryTimeout(timeout);
            for (int i = 0; i < ids.size(); i++) {
                ps.setString(i + 1, ids.get(i));
            }
            Map<String, JournalEvent> events = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp fetchedAt = rs.getTimestamp(8);
                    events.put(rs.getString(1), new JournalEvent(rs.getString(1), rs.getString(2), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getTimestamp(7).toInstant(),
                            fetchedAt == null ? null : fetchedAt.toInstant()));
                }
            }
            for (String id : ids) {
                List<Ticket> deliveries = new ArrayList<>(tickets.get(id));
                deliveries.sort(Comparator.comparing(Ticket::sink));
                claims.add(new Claim(events.get(id), List.copyOf(deliveries)));
            }
        }
        return claims;
    }
}
