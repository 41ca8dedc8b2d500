package dealhub.relay.dispatch;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dealhub.relay.journal.WorkQueue;
import dealhub.relay.journal.WorkQueue.Claim;
import dealhub.relay.journal.WorkQueue.Ticket;
import dealhub.relay.sinks.SinkRegistry;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's share of the work ({@code routes/dispatch.yaml}, bean {@code leases}): it claims (event, sink)
 * deliveries from the journal up to its capacity, keeps their leases while it works on them, and hands back what
 * it still holds when it stops.
 * <p>
 * Contract:
 * <ul>
 * <li>A delivery is worked on at most once at a time by this instance: one claimed again while still in hand (its
 * lease ran out under a slow database) is not dispatched beside itself; the one in hand goes on as the new
 * version ({@link #current}).</li>
 * <li>Renewals are bounded (the work queue's statement timeout). A renewal that times out or takes long means no
 * instance could renew: for one lease term after it, this instance takes over no delivery another holds, so a
 * holder that was merely stalled keeps its work ({@link #takeOverAllowed}).</li>
 * <li>A sink that would send a second copy (email, http) is sent to only after the journal confirms, just before,
 * that this instance still holds the delivery ({@link #holdForSend}).</li>
 * </ul>
 */
public class Leases {

    private static final Logger LOG = LoggerFactory.getLogger(Leases.class);

    private final WorkQueue queue;
    private final SinkRegistry sinks;
    private final int capacity;
    private final long pollIntervalMs;
    private final Duration lease;
    /** Signalled whenever a delivery leaves dispatch, so that a full poller claims again as soon as there is room. */
    private final Object roomFreed = new Object();
    /** The deliveries in hand, by {@link Ticket#key()}: only their leases are renewed; their number is the load. */
    private final Map<String, Ticket> working = new ConcurrentHashMap<>();
    /** Until when (System.nanoTime) no lease another instance holds is taken over: a stall was seen. */
    private volatile long holdOffUntil = System.nanoTime();

    /**
     * @param capacity how many deliveries this instance works on at once; it claims no more, so that every one it
     *                 holds is being worked on and the others stay free for other instances
     */
    public Leases(WorkQueue queue, SinkRegistry sinks, int capacity, long pollIntervalMs, Duration lease) {
        this.queue = queue;
        this.sinks = sinks;
        this.capacity = capacity;
        this.pollIntervalMs = pollIntervalMs;
        this.lease = lease;
    }

    /**
     * Leases as many due deliveries as there is room for, grouped by event. While this relay is full it waits (at
     * most the poll interval) until a quarter of its capacity is free, so that it claims in batches rather than one
     * delivery per query. The scheduler polls again at once while this finds work or the relay is full.
     */
    public List<Claim> claim(Exchange exchange) throws SQLException, InterruptedException {
        int room = awaitRoom();
        List<Claim> claimed = List.of();
        if (room > 0) {
            long started = System.nanoTime();
            try {
                claimed = queue.claimDue(room, sinks::subscribedTo, takeOverAllowed());
            } catch (SQLException e) {
                stalled();
                throw e;
            }
            if (System.nanoTime() - started > lease.toNanos() / 4) {
                stalled();
            }
        }
        exchange.setProperty(Exchange.SCHEDULER_POLLED_MESSAGES, !claimed.isEmpty() || room == 0);
        List<Claim> fresh = new ArrayList<>(claimed.size());
        for (Claim claim : claimed) {
            List<Ticket> mine = new ArrayList<>();
            for (Ticket ticket : claim.deliveries()) {
                if (working.put(ticket.key(), ticket) == null) {
                    mine.add(ticket);
                }
            }
            if (!mine.isEmpty()) {
                fresh.add(new Claim(claim.event(), mine));
            }
        }
        return fresh;
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

    boolean takeOverAllowed() {
        return System.nanoTime() - holdOffUntil >= 0;
    }

    private void stalled() {
        holdOffUntil = System.nanoTime() + lease.toNanos();
    }

    /** Keeps the leases of the deliveries still being worked on, however long they take. */
    public void renewLeases() {
        long started = System.nanoTime();
        List<Ticket> lost;
        try {
            lost = queue.renewLeases(working.values());
        } catch (SQLException e) {
            stalled();
            LOG.warn("leases could not be renewed: for one lease term no other instance's work is taken over ({})",
                    e.getMessage());
            return;
        }
        if (System.nanoTime() - started > lease.toNanos() / 4) {
            stalled();
        }
        for (Ticket ticket : lost) {
            // Settled meanwhile (its outcome raced the renewal), or taken over: either way its outcome is fenced.
            LOG.atDebug().setMessage("lease no longer held").addKeyValue("event_id", ticket.eventId())
                    .addKeyValue("sink", ticket.sink()).log();
        }
    }

    /** The version of the delivery this instance holds now (a claim may have renewed it under another). */
    Ticket current(Ticket ticket) {
        Ticket held = working.get(ticket.key());
        return held == null ? ticket : held;
    }

    /**
     * The delivery's outcome is about to be recorded: it leaves this instance's hands first, so that a claim right
     * after the record (a retry due at once) dispatches it afresh instead of taking it for the one in hand. Returns
     * the version this instance holds.
     */
    Ticket release(Ticket claimed) {
        Ticket held = working.remove(claimed.key());
        synchronized (roomFreed) {
            roomFreed.notifyAll();
        }
        return held == null ? claimed : held;
    }

    /**
     * Right before a send that must not happen twice: fails with {@link LeaseLostException} unless the journal
     * confirms that this instance still holds the delivery. Idempotent sinks (file, jdbc, log) are not asked.
     */
    public void holdForSend(Exchange exchange) throws LeaseLostException {
        Ticket ticket = current(exchange.getProperty(EventExchange.TICKET, Ticket.class));
        if (!sinks.sendsCopies(ticket.sink())) {
            return;
        }
        boolean held;
        try {
            held = queue.holdForSend(ticket);
        } catch (SQLException e) {
            stalled();
            throw new LeaseLostException("the journal did not confirm the lease: " + e.getMessage());
        }
        if (!held) {
            throw new LeaseLostException("the delivery is no longer held by this instance");
        }
    }

    /**
     * The delivery left dispatch. Settled, it left this instance's hands then ({@link #release}); unsettled (its
     * outcome could not be recorded), its lease runs out and it is tried again.
     */
    public void finished(Exchange exchange) {
        Ticket ticket = exchange.getProperty(EventExchange.TICKET, Ticket.class);
        if (ticket != null && !exchange.getProperty(EventExchange.RELEASED, false, Boolean.class)) {
            release(ticket);
        }
    }

    /** At shutdown: what this instance still holds is handed back at once, to itself after a restart or to others. */
    public void releaseLeases() throws SQLException {
        List<Ticket> held = List.copyOf(working.values());
        queue.releaseLeases(held);
        held.forEach(t -> working.remove(t.key()));
        if (!held.isEmpty()) {
            LOG.info("released {} unfinished deliveries for another run", held.size());
        }
    }

    /** A delivery this instance can no longer prove it holds: it is not performed, and not counted as an attempt. */
    public static class LeaseLostException extends Exception {
        public LeaseLostException(String message) {
            super(message);
        }
    }
}
