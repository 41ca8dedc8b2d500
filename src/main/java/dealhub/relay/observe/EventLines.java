package dealhub.relay.observe;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;

/**
 * The INFO lines the relay writes for each event (accepted, enriched, delivered), kept cheap at high rates: up to
 * {@code relay.log.event-lines-per-second} of one kind each second are written one per event; past that, the
 * events of that second get no line each but one summary line with their count, written by the first call in a
 * later second. The journal keeps every event and delivery with its times and outcome (the audit trail, readable
 * through {@code /admin/events}), so the log loses a copy, not a fact. Warnings and errors are never held back.
 */
public final class EventLines {

    private final Logger log;
    private final String what;
    private final int perSecond;
    private final Clock clock;
    private final AtomicLong second = new AtomicLong(Long.MIN_VALUE);
    private final LongAdder written = new LongAdder();
    private final LongAdder held = new LongAdder();

    /**
     * @param what      what the summary says the events were, e.g. "webhooks accepted"
     * @param perSecond lines written one per event each second; 0 writes none of them, only summaries
     */
    public EventLines(Logger log, String what, int perSecond, Clock clock) {
        if (perSecond < 0) {
            throw new IllegalArgumentException("relay.log.event-lines-per-second must be 0 or more");
        }
        this.log = log;
        this.what = what;
        this.perSecond = perSecond;
        this.clock = clock;
    }

    /** Whether this event's INFO line is to be written now; if not, it is counted in a later summary. */
    public boolean admit() {
        if (!log.isInfoEnabled()) {
            return false;
        }
        long now = clock.millis() / 1000;
        long current = second.get();
        if (now != current && second.compareAndSet(current, now)) {
            written.reset();
            long count = held.sumThenReset();
            if (count > 0) {
                log.atInfo().setMessage(what + " without a line each in the second before (more than "
                        + perSecond + " a second; every one is in the journal)").addKeyValue("count", count).log();
            }
        }
        if (written.sum() < perSecond) {
            written.increment();
            return true;
        }
        held.increment();
        return false;
    }
}
