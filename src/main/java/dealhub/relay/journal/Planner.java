package dealhub.relay.journal;

import static dealhub.relay.journal.JournalState.DONE;
import static dealhub.relay.journal.JournalState.PENDING;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import dealhub.relay.journal.WorkQueue.Ticket;
import dealhub.relay.sql.Sql;

/**
 * Part of a claim ({@link WorkQueue#claimDue}): turns new events into deliveries, in the claim's transaction. An
 * event is new while its {@code planned_at} is empty; the conditional UPDATE that sets it is what makes one instance
 * the planner (on H2, which has no SKIP LOCKED, a second one finds it set and leaves the event). Each subscribed
 * sink gets a row leased to this instance at version 1; rows already there (an event planned before the schedule
 * existed) are left as they are, and picked up when due.
 */
final class Planner {

    private final Connection c;
    private final String instanceId;
    private final Timestamp now;
    private final Timestamp until;
    private final int timeout;

    Planner(Connection c, String instanceId, Timestamp now, Timestamp until, int timeout) {
        this.c = c;
        this.instanceId = instanceId;
        this.now = now;
        this.until = until;
        this.timeout = timeout;
    }

    /** Plans up to {@code limit} new events, oldest first, adding the deliveries leased here to {@code tickets}. */
    void plan(int limit, boolean skipLocked, Function<String, List<String>> subscribers,
            Map<String, List<Ticket>> tickets) throws SQLException {
        List<String[]> events = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT event_id, event_type FROM relay_event"
                + " WHERE state = ? AND planned_at IS NULL ORDER BY state, planned_at, received_at FETCH FIRST "
                + limit + " ROWS ONLY" + (skipLocked ? " FOR UPDATE SKIP LOCKED" : ""))) {
            ps.setQueryTimeout(timeout);
            ps.setString(1, PENDING);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        for (String[] event : events) {
            if (Sql.execute(c, "UPDATE relay_event SET planned_at = ? WHERE event_id = ? AND planned_at IS NULL",
                    now, event[0]) == 0) {
                continue;
            }
            List<String> sinks = subscribers.apply(event[1]);
            if (sinks.isEmpty()) {
                Sql.execute(c, "UPDATE relay_event SET state = ?, updated_at = ? WHERE event_id = ? AND state = ?",
                        DONE, now, event[0], PENDING);
                continue;
            }
            for (String sink : sinks) {
                if (Sql.execute(c, "INSERT INTO relay_delivery (event_id, sink, state, attempts, updated_at,"
                        + " next_attempt_at, lease_owner, version, retries) SELECT ?, ?, ?, 0, ?, ?, ?, 1, 0"
                        + " WHERE NOT EXISTS (SELECT 1 FROM relay_delivery WHERE event_id = ? AND sink = ?)",
                        event[0], sink, PENDING, now, until, instanceId, event[0], sink) == 1) {
                    tickets.computeIfAbsent(event[0], id -> new ArrayList<>())
                            .add(new Ticket(event[0], sink, 1, 0, 0));
                }
            }
        }
    }
}
