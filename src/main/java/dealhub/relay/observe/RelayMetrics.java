package dealhub.relay.observe;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dealhub.relay.journal.JournalQueries;

/**
 * The relay's own meters, next to Camel's, in the Prometheus registry served at {@code /observe/metrics}.
 * Every tag takes a bounded set of values: event types are checked at intake, sinks come from configuration.
 */
public class RelayMetrics {

    private final MeterRegistry registry;

    public RelayMetrics(MeterRegistry registry, JournalSnapshot journal) {
        this.registry = registry;
        // The journal is the truth, so the gauges report its figures rather than count in memory; they are read in
        // the background (JournalSnapshot), so that a scrape answers at once even while the database stalls.
        gauge("dealhub_journal_backlog", "Events accepted and not yet dispatched", journal,
                j -> known(j.last().pending()));
        gauge("dealhub_journal_oldest_pending_seconds", "Age of the oldest event not yet dispatched", journal, j -> {
            Instant oldest = j.last().oldestPending();
            return oldest == null ? 0 : Duration.between(oldest, Instant.now()).toMillis() / 1000.0;
        });
        gauge("dealhub_deliveries_dead", "Deliveries that are dead, waiting for a replay", journal,
                j -> known(j.last().deadDeliveries()));
        gauge("dealhub_journal_figures_age_seconds",
                "Seconds since the journal figures above were read (they grow old while the database stalls)",
                journal, JournalSnapshot::ageSeconds);
    }

    /**
     * Deliveries waiting in the journal for their next attempt, and the age of the oldest one's event, per sink:
     * an outage shows as a count that grows while the schedule rides it out. Read from the journal at most once a
     * second, however many sinks and scrapes.
     */
    public void retriesWaiting(Collection<String> sinks, JournalQueries journal) {
        // Held by the gauges alone: a gauge keeps only a weak reference unless told otherwise.
        RetriesSnapshot snapshot = new RetriesSnapshot(journal);
        for (String sink : sinks) {
            Gauge.builder("dealhub_deliveries_waiting", snapshot, s -> s.get(sink).map(w -> (double) w.deliveries())
                            .orElse(s.failed() ? Double.NaN : 0.0))
                    .description("Deliveries waiting for their next attempt, by sink").tag("sink", sink)
                    .strongReference(true).register(registry);
            Gauge.builder("dealhub_deliveries_waiting_oldest_seconds", snapshot, s -> s.get(sink)
                            .map(w -> Duration.between(w.oldest(), Instant.now()).toMillis() / 1000.0)
                            .orElse(s.failed() ? Double.NaN : 0.0))
                    .description("Age of the oldest event with a delivery waiting for its next attempt, by sink")
                    .tag("sink", sink).strongReference(true).register(registry);
        }
    }

    /** The journal's retries waiting, read again when a second old. */
    private static final class RetriesSnapshot {

        private final JournalQueries journal;
        private Map<String, JournalQueries.RetriesWaiting> waiting = Map.of();
        private boolean failed;
        private long readAt;

        RetriesSnapshot(JournalQueries journal) {
            this.journal = journal;
        }

        synchronized Optional<JournalQueries.RetriesWaiting> get(String sink) {
            if (readAt == 0 || System.nanoTime() - readAt > 1_000_000_000L) {
                try {
                    waiting = journal.retriesWaiting();
                    failed = false;
                } catch (SQLException e) {
                    failed = true;
                }
                readAt = System.nanoTime();
            }
            return Optional.ofNullable(waiting.get(sink));
        }

        synchronized boolean failed() {
            return failed;
        }
    }

    /** A webhook the relay accepted ({@code accepted}, {@code duplicate}) or refused ({@code rejected}). */
    public void received(String eventType, String outcome, String reason) {
        Counter.builder("dealhub_events_received").description("Webhooks received, by event type and outcome")
                .tag("type", eventType).tag("outcome", outcome).tag("reason", reason)
                .register(registry).increment();
    }

    /** One attempt's outcome: {@code delivered}, {@code retrying} (waits for its next attempt) or {@code dead}. */
    public void delivery(String sink, String outcome) {
        Counter.builder("dealhub_deliveries").description("Delivery attempts' outcomes, by sink")
                .tag("sink", sink).tag("outcome", outcome).register(registry).increment();
    }

    /** One Get Quote call: how long it took and how it ended ({@code 200}, another status, or an error name). */
    public void getQuote(long nanos, String status) {
        Timer.builder("dealhub_get_quote").description("Get Quote calls, by answer")
                .tag("status", status).publishPercentileHistogram()
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    private <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
        Gauge.builder(name, source, value).description(description).register(registry);
    }

    /** A count, or NaN while it has never been read. */
    private static double known(long count) {
        return count < 0 ? Double.NaN : count;
    }
}
