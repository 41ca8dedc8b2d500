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
 * Contract (what fencing guarantees, and what it cannot):
 * <ul>
 * <li>A delivery is worked on at most once at a time by this instance: one claimed again while still in hand (its
 * lease ran out under a slow database) is not dispatched beside itself; the one in hand goes on as the new
 * version ({@link #current}). The same holds while its outcome is being recorded.</li>
 * <li>This instance keeps renewing a delivery's lease until the journal has its outcome, not only until the sink
 * answered: a record that waits on a slow or locked database does not let the lease run out, so another instance
 * does not take over a delivery that was performed and is merely not yet recorded ({@link #recordingOutcome}). A
 * lease is the holder's proof of life: each renewal is a bounded statement on the delivery's own row, so another
 * instance takes a delivery over only after its holder has been silent for a whole lease term.</li>
 * <li>Renewals are bounded (the work queue's statement timeout). A renewal that times out or takes long means no
 * instance could renew: for one lease term after it, this instance takes over no delivery another holds, so a
 * holder that was merely stalled keeps its work ({@link #takeOverAllowed}).</li>
 * <li>A sink that would send a second copy (email, http, jsonl) is sent to only while this instance can tell that it
 * holds the delivery ({@link #holdForSend}): within half a lease term of the start of the statement that leased or
 * renewed it (the journal then holds a lease running half a term longer, which another instance waits out before
 * taking over, clocks agreeing within half a term), or else once the journal confirms it just before the send.</li>
 * <li>Not guaranteed: a delivery performed by an instance that then cannot reach the journal for a whole lease
 * term (it died, froze, or lost the database) before its outcome was recorded is performed again by another
 * instance. Nothing can tell that instance from a dead one; for a sink that is not idempotent (email, http) that
 * is a second copy, at least once (docs/operating.md).</li>
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
    /**
     * The deliveries whose outcome is being recorded, by {@link Ticket#key()}: out of dispatch (they take no room), but
     * still held, and renewed, until the journal has the outcome.
     */
    private final Map<String, Ticket> recording = new ConcurrentHashMap<>();
    /**
     * When (System.nanoTime) the statement that last leased or renewed each delivery in hand began, by
     * {@link Ticket#key()}: its lease runs a whole term from a moment after that.
     */
    private final Map<String, Long> leasedAt = new ConcurrentHashMap<>();
    /** When (System.nanoTime) the last renewal that reached the journal began: this instance's last proof of life. */
    private volatile long renewedAt = System.nanoTime();
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
        long started = System.nanoTime();
        if (room > 0) {
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
                // Its outcome is being recorded here (its lease ran out meanwhile): recorded as this version, not
                // performed again.
                if (recording.computeIfPresent(ticket.key(), (key, old) -> ticket) != null) {
                    continue;
                }
                leasedAt.put(ticket.key(), started);
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
        List<Ticket> held = new ArrayList<>(working.values());
        held.addAll(recording.values());
        List<Ticket> lost;
        try {
            lost = queue.renewLeases(held);
        } catch (SQLException e) {
            stalled();
            LOG.warn("leases could not be renewed: for one lease term no other instance's work is taken over ({})",
                    e.getMessage());
            return;
        }
        renewedAt = started;
        if (System.nanoTime() - started > lease.toNanos() / 4) {
            stalled();
        }
        for (Ticket ticket : held) {
            leasedAt.computeIfPresent(ticket.key(), (key, at) -> started);
        }
        for (Ticket ticket : lost) {
            leasedAt.remove(ticket.key());
            recording.remove(ticket.key(), ticket);
            // Settled meanwhile (its outcome raced the renewal), or taken over: either way its outcome is fenced.
            LOG.atDebug().setMessage("lease no longer held").addKeyValue("event_id", ticket.eventId())
                    .addKeyValue("sink", ticket.sink()).log();
        }
    }

    /** The version of the delivery this instance holds now (a claim may have renewed it under another). */
    Ticket current(Ticket ticket) {
        Ticket held = working.get(ticket.key());
        if (held == null) {
            held = recording.get(ticket.key());
        }
        return held == null ? ticket : held;
    }

    /**
     * Lets the delivery go without an outcome (the database failed before it could be recorded): its lease is no
     * longer renewed, runs out, and the delivery is tried again.
     */
    Ticket release(Ticket claimed) {
        Ticket held = working.remove(claimed.key());
        leasedAt.remove(claimed.key());
        recording.remove(claimed.key());
        roomFreed();
        return held == null ? claimed : held;
    }

    /**
     * The delivery's outcome is about to be recorded: it leaves dispatch first, so that a claim right after the record
     * (a retry due at once) dispatches it afresh instead of taking it for the one in hand, but its lease is renewed
     * until {@link #recorded}. Returns the version this instance holds.
     */
    Ticket recordingOutcome(Ticket claimed) {
        Ticket held = working.remove(claimed.key());
        leasedAt.remove(claimed.key());
        Ticket ticket = held == null ? claimed : held;
        recording.put(ticket.key(), ticket);
        roomFreed();
        return ticket;
    }

    /**
     * The outcome of {@code ticket} is in the journal ({@code settled}), or will not be recorded by this instance. A
     * later claim of the same delivery, held back while the outcome was being recorded, is handed back at once: the
     * delivery is due again for anyone, instead of waiting for that lease to run out.
     */
    void recorded(Ticket ticket, boolean settled) {
        Ticket left = recording.remove(ticket.key());
        if (settled && left != null && left.version() > ticket.version()) {
            try {
                queue.releaseLeases(List.of(left));
            } catch (SQLException e) {
                LOG.debug("a lease not handed back runs out: {}", e.getMessage());
            }
        }
    }

    /**
     * Whether this instance can still prove it holds the delivery whose outcome it records: nobody took it over, and
     * a renewal reached the journal within the last lease term, so nobody could have.
     */
    boolean stillHeld(Ticket ticket) {
        return recording.containsKey(ticket.key()) && System.nanoTime() - renewedAt < lease.toNanos();
    }

    /** How long to wait before recording an outcome again after the database failed. */
    Duration recordRetryPause() {
        return Duration.ofMillis(Math.max(100, Math.min(1000, lease.toMillis() / 10)));
    }

    private void roomFreed() {
        synchronized (roomFreed) {
            roomFreed.notifyAll();
        }
    }

    /**
     * Right before a send that must not happen twice: fails with {@link LeaseLostException} unless this instance
     * still holds the delivery, known from a lease granted or renewed less than half a term ago, or else confirmed
     * by the journal now (a statement that also extends the lease by a term). Idempotent sinks (file, jdbc, log) are
     * not asked.
     */
    public void holdForSend(Exchange exchange) throws LeaseLostException {
        Ticket ticket = current(exchange.getProperty(EventExchange.TICKET, Ticket.class));
        if (!sinks.sendsCopies(ticket.sink()) || heldLately(ticket)) {
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

    /**
     * Whether this very version of the delivery is in hand and its lease began less than half a term ago: a lease
     * taken over since would have to have run out first. Saves the send a statement, and under load its share of a
     * commit (bench/RESULTS.md, round 6).
     */
    private boolean heldLately(Ticket ticket) {
        Long at = leasedAt.get(ticket.key());
        // Not after a stall: a statement that took long (up to a quarter term unnoticed) blurs when it leased.
        return at != null && takeOverAllowed() && ticket.equals(working.get(ticket.key()))
                && System.nanoTime() - at < lease.toNanos() / 2;
    }

    /** At shutdown: what this instance still holds is handed back at once, to itself after a restart or to others. */
    public void releaseLeases() throws SQLException {
        List<Ticket> held = List.copyOf(working.values());
        queue.releaseLeases(held);
        held.forEach(t -> {
            working.remove(t.key());
            leasedAt.remove(t.key());
        });
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
