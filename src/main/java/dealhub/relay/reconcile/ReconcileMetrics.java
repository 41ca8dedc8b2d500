package dealhub.relay.reconcile;

import java.sql.SQLException;
import java.time.Instant;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import dealhub.relay.reconcile.ReconcileRun.Result;

/** Reconciling's meters, beside the relay's others at {@code /observe/metrics}. Dry runs are not counted. */
public class ReconcileMetrics {

    private final MeterRegistry registry;

    public ReconcileMetrics(MeterRegistry registry, ReconcileRuns runs) {
        this.registry = registry;
        // From the database, so every instance reports the last success of any of them.
        Gauge.builder("dealhub_reconcile_last_success_timestamp_seconds", runs, r -> {
            try {
                Instant last = r.lastSuccess();
                return last == null ? 0 : last.toEpochMilli() / 1000.0;
            } catch (SQLException e) {
                return Double.NaN;
            }
        }).description("When the last reconcile run that read DealHub's list ended (complete or capped), Unix time")
                .register(registry);
    }

    /** A run ended: complete, capped or failed; and how many quotes had each result. */
    void runEnded(ReconcileRun run) {
        Counter.builder("dealhub_reconcile_runs").description("Reconcile runs, by outcome")
                .tag("outcome", run.state()).register(registry).increment();
        for (Result result : Result.values()) {
            Counter.builder("dealhub_reconcile_quotes").description("Quotes seen by reconcile runs, by result")
                    .tag("result", result == Result.NEW ? "new" : result.label()).register(registry)
                    .increment(run.count(result));
        }
    }
}
