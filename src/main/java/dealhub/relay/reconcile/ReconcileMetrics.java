package dealhub.relay.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import dealhub.relay.reconcile.ReconcileRun.Result;

/** Reconciling's meters, beside the relay's others at {@code /observe/metrics}. Dry runs are not counted. */
public class ReconcileMetrics {

    private final MeterRegistry registry;
    /** Kept in memory, so that a scrape never waits for the database (a stalled one included). */
    private final AtomicReference<Instant> lastSuccess = new AtomicReference<>();

    public ReconcileMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("dealhub_reconcile_last_success_timestamp_seconds", lastSuccess, last -> {
            Instant at = last.get();
            return at == null ? 0 : at.toEpochMilli() / 1000.0;
        }).description("When the last reconcile run that read DealHub's list ended (complete or capped), Unix time")
                .register(registry);
    }

    /**
     * Reconciling runs on schedule here, every {@code interval}: an alert on the last success's age reads it rather
     * than repeat the setting. Not there while the schedule is off, so such an alert stays quiet on those instances.
     */
    public void scheduledEvery(Duration interval) {
        Gauge.builder("dealhub_reconcile_interval_seconds", () -> interval.toMillis() / 1000.0)
                .description("relay.reconcile.interval in seconds (only while reconciling runs on schedule)")
                .register(registry);
    }

    /** The last success of any instance, as the database says: the schedule reads it every minute. */
    void lastSuccess(Instant at) {
        if (at != null) {
            lastSuccess.accumulateAndGet(at, (a, b) -> a == null || b.isAfter(a) ? b : a);
        }
    }

    /** A run ended: complete, capped or failed; and how many quotes had each result. */
    void runEnded(ReconcileRun run) {
        Counter.builder("dealhub_reconcile_runs").description("Reconcile runs, by outcome")
                .tag("outcome", run.state()).register(registry).increment();
        if (!ReconcileRun.FAILED.equals(run.state())) {
            lastSuccess(run.finishedAt());
        }
        for (Result result : Result.values()) {
            Counter.builder("dealhub_reconcile_quotes").description("Quotes seen by reconcile runs, by result")
                    .tag("result", result == Result.NEW ? "new" : result.label()).register(registry)
                    .increment(run.count(result));
        }
    }
}
