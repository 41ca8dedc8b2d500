package dealhub.relay.observe;

import java.time.Duration;
import java.time.Instant;

import java.util.Collection;
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
    private final JournalSnapshot journal;

    public RelayMetrics(MeterRegistry registry, JournalSnapshot journal) {
        this.registry = registry;
        this.journal = journal;
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
     * an outage shows as a count that grows while the schedule rides it out. From the journal's figures kept in
     * memory, as the other journal gauges: a scrape never waits for the database.
     */
    public void retriesWaiting(Collection<String> sinks) {
        for (String sink : sinks) {
            sinkGauge("dealhub_deliveries_waiting", "Deliveries waiting for their next attempt, by sink", sink,
                    j -> waiting(j, sink, w -> (double) w.deliveries()));
            sinkGauge("dealhub_deliveries_waiting_oldest_seconds",
                    "Age of the oldest event with a delivery waiting for its next attempt, by sink", sink,
                    j -> waiting(j, sink, w -> Duration.between(w.oldest(), Instant.now()).toMillis() / 1000.0));
        }
    }

    private void sinkGauge(String name, String description, String sink, ToDoubleFunction<JournalSnapshot> value) {
        Gauge.builder(name, journal, value).description(description).tag("sink", sink).register(registry);
    }

    /** The sink's figure, 0 when nothing of it waits, NaN while the figures have never been read. */
    private static double waiting(JournalSnapshot journal, String sink,
            ToDoubleFunction<JournalQueries.RetriesWaiting> figure) {
        JournalSnapshot.Figures last = journal.last();
        if (last.readAt() == null) {
            return Double.NaN;
        }
        JournalQueries.RetriesWaiting waiting = last.retriesWaiting().get(sink);
        return waiting == null ? 0 : figure.applyAsDouble(waiting);
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
