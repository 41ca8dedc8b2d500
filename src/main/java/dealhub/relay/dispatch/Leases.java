package dealhub.relay.dispatch;

import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dealhub.relay.journal.JournalEvent;
import dealhub.relay.journal.WorkQueue;
import dealhub.relay.journal.WorkQueue.Claim;
import dealhub.relay.sinks.SinkRegistry;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's share of the work ({@code routes/dispatch.yaml}, bean {@code leases}): it claims events from the
 * journal up to its capacity, keeps their leases while it works on them, and hands back what it still holds when it
 * stops.
 */
public class Leases {

    private static final Logger LOG = LoggerFactory.getLogger(Leases.class);

    private final WorkQueue queue;
    private final SinkRegistry sinks;
    private final int capacity;
    private final long pollIntervalMs;
    /** Signalled whenever an event leaves dispatch, so that a full poller claims again as soon as there is room. */
    private final Object roomFreed = new Object();
    /**
     * The events this instance has leased and not yet seen leave dispatch: only their leases are renewed, and their
     * number is what keeps it from claiming more than its capacity.
     */
    private final Set<String> working = ConcurrentHashMap.newKeySet();

    /**
     * @param capacity how many events this instance works on at once; it claims no more, so that every event it
     *                 holds is being worked on and the others stay free for other instances
     */
    public Leases(WorkQueue queue, SinkRegistry sinks, int capacity, long pollIntervalMs) {
        this.queue = queue;
        this.sinks = sinks;
        this.capacity = capacity;
        this.pollIntervalMs = pollIntervalMs;
    }

    /**
     * Leases as many due events as there is room for. While this relay is full it waits (at most the poll
     * interval) until a quarter of its capacity is free, so that it claims in batches rather than one event per
     * query. The scheduler polls again at once while this finds work or the relay is full.
     */
    public List<Claim> claim(Exchange exchange) throws SQLException, InterruptedException {
        int room = awaitRoom();
        List<Claim> claimed = room > 0 ? queue.claimDue(room, sinks::subscribedTo) : List.of();
        exchange.setProperty(Exchange.SCHEDULER_POLLED_MESSAGES, !claimed.isEmpty() || room == 0);
        // An event whose lease ran out while this instance still works on it (its renewal failed: the database was
        // too busy, say) comes back leased to this instance again: it is not dispatched a second time beside itself.
        return claimed.stream().filter(claim -> working.add(claim.event().eventId())).toList();
    }

    private int awaitRoom() throws InterruptedException {
        int enough = Math.max(1, capacity / 4);
        long deadline = System.nanoTime() + pollIntervalMs * 1_000_000;
        synchronized (roomFreed) {
            int room = capacity - working.size();
            long left;
            while (room < enough && (left = (deadline - System.nanoTime()) / 1_000_000) > 0) {
                roomFreed.wait(left);
                room = capacity - working.size();
            }
            return room;
        }
    }

    /** Keeps the leases of the events still being worked on, however long their retries take. */
    public void renewLeases() throws SQLException {
        queue.renewLeases(List.copyOf(working));
    }

    /**
     * The event left the dispatch route, settled or not. If it was not settled (the database failed, say), its
     * lease is no longer renewed, runs out, and the event is tried again.
     */
    public void leaveDispatch(Exchange exchange) {
        JournalEvent event = EventExchange.event(exchange);
        if (event != null) {
            working.remove(event.eventId());
        }
        synchronized (roomFreed) {
            roomFreed.notifyAll();
        }
    }

    /** At shutdown: what this instance still holds is handed back at once, to itself after a restart or to others. */
    public void releaseLeases() throws SQLException {
        List<String> held = List.copyOf(working);
        queue.releaseLeases(held);
        working.removeAll(held);
        if (!held.isEmpty()) {
            LOG.info("released {} unfinished event(s) for another run", held.size());
        }
    }
}
