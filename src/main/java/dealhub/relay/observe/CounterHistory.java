package dealhub.relay.observe;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The last hour of this instance's own counters (webhooks accepted, deliveries delivered and dead) and of the
 * journal's backlog, sampled into memory at a fixed interval: what the console's overview draws. Nothing is written
 * anywhere; a restart starts an empty hour.
 */
public final class CounterHistory implements AutoCloseable {

    /** One interval: its end, and what happened within it (the backlog as read at its end). */
    public record Sample(Instant at, long received, long delivered, long dead, long backlog) {
    }

    private final MeterRegistry registry;
    private final JournalSnapshot journal;
    private final int kept;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private final ScheduledExecutorService sampler;
    private long[] last;

    /** @param every how often a sample is taken; an hour's worth of them is kept */
    public CounterHistory(MeterRegistry registry, JournalSnapshot journal, Duration every) {
        this.registry = registry;
        this.journal = journal;
        this.kept = (int) Math.max(1, Duration.ofHours(1).dividedBy(every));
        this.last = totals();
        this.sampler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "counter-history");
            thread.setDaemon(true);
            return thread;
        });
        sampler.scheduleAtFixedRate(this::sample, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The samples of the last hour, oldest first, and the interval under way as the last one. */
    public synchronized List<Map<String, Object>> lastHour() {
        List<Map<String, Object>> view = new ArrayList<>();
        samples.forEach(sample -> view.add(describe(sample)));
        view.add(describe(since(last)));
        return view;
    }

    private synchronized void sample() {
        long[] now = totals();
        samples.addLast(since(last, now));
        last = now;
        while (samples.size() > kept) {
            samples.removeFirst();
        }
    }

    private Sample since(long[] before) {
        return since(before, totals());
    }

    private Sample since(long[] before, long[] now) {
        long backlog = journal.last().pending();
        return new Sample(Instant.now(), now[0] - before[0], now[1] - before[1], now[2] - before[2],
                Math.max(0, backlog));
    }

    /** Webhooks accepted, deliveries delivered, deliveries dead: counted since this instance started. */
    private long[] totals() {
        return new long[] {
            count("dealhub_events_received", "outcome", "accepted"),
            count("dealhub_deliveries", "outcome", "delivered"),
            count("dealhub_deliveries", "outcome", "dead")
        };
    }

    private long count(String name, String tag, String value) {
        double total = 0;
        for (Counter counter : registry.find(name).tag(tag, value).counters()) {
            total += counter.count();
        }
        return (long) total;
    }

    private static Map<String, Object> describe(Sample sample) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("at", sample.at().toString());
        view.put("received", sample.received());
        view.put("delivered", sample.delivered());
        view.put("dead", sample.dead());
        view.put("backlog", sample.backlog());
        return view;
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
