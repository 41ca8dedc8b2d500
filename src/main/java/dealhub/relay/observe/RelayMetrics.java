package dealhub.relay.observe;

import java.time.Duration;
import java.time.Instant;

import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

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
        gauge("dealhub_journal_backlog", "Events accepted and not yet settled", journal,
                j -> known(j.last().pending()));
        gauge("dealhub_journal_oldest_pending_seconds", "Age of the oldest event not yet settled", journal, j -> {
            Instant oldest = j.last().oldestPending();
            return oldest == null ? 0 : Duration.between(oldest, Instant.now()).toMillis() / 1000.0;
        });
        gauge("dealhub_deliveries_dead", "Deliveries that are dead, waiting for a replay", journal,
                j -> known(j.last().deadDeliveries()));
        gauge("dealhub_journal_figures_age_seconds",
                "Seconds since the journal figures above were read (they grow old while the database stalls)",
                journal, JournalSnapshot::ageSeconds);
    }

    /** A webhook the relay accepted ({@code accepted}, {@code duplicate}) or refused ({@code rejected}). */
    public void received(String eventType, String outcome, String reason) {
        Counter.builder("dealhub_events_received").description("Webhooks received, by event type and outcome")
                .tag("type", eventType).tag("outcome", outcome).tag("reason", reason)
                .register(registry).increment();
    }

    public void delivery(String sink, String outcome) {
        Counter.builder("dealhub_deliveries").description("Deliveries settled, by sink and outcome")
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
