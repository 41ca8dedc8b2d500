package dealhub.relay.dispatch;

import static dealhub.relay.dispatch.EventExchange.DOCUMENT;
import static dealhub.relay.dispatch.EventExchange.EVENT;
import static dealhub.relay.dispatch.EventExchange.HEADER_SINK;
import static dealhub.relay.dispatch.EventExchange.QUOTE;
import static dealhub.relay.dispatch.EventExchange.QUOTE_FETCHED_AT;
import static dealhub.relay.dispatch.EventExchange.QUOTE_ID;
import static dealhub.relay.dispatch.EventExchange.SINK;
import static dealhub.relay.dispatch.EventExchange.SINKS;
import static dealhub.relay.dispatch.EventExchange.STARTED;
import static dealhub.relay.dispatch.EventExchange.eventId;
import static dealhub.relay.dispatch.EventExchange.eventType;
import static dealhub.relay.dispatch.EventExchange.failedAttempts;
import static dealhub.relay.dispatch.EventExchange.setEventHeaders;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;

import dealhub.relay.journal.DeliveryOutcomes;
import dealhub.relay.journal.DeliveryOutcomes.DeliveryOutcome;
import dealhub.relay.journal.JournalEvent;
import dealhub.relay.journal.WorkQueue.Claim;
import dealhub.relay.observe.RelayMetrics;
import dealhub.relay.sinks.SinkRegistry;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Delivery bookkeeping for the dispatch routes ({@code routes/dispatch.yaml}, bean {@code deliveries}): which sinks
 * an event goes to, the document they get, and every delivery's outcome recorded in the journal.
 */
public class Deliveries {

    private static final Logger LOG = LoggerFactory.getLogger(Deliveries.class);

    private final DeliveryOutcomes outcomes;
    private final SinkRegistry sinks;
    private final RelayMetrics metrics;
    private final ObjectMapper mapper = new ObjectMapper();

    public Deliveries(DeliveryOutcomes outcomes, SinkRegistry sinks, RelayMetrics metrics) {
        this.outcomes = outcomes;
        this.sinks = sinks;
        this.metrics = metrics;
    }

    /** Sets the event's headers and properties and decides which of the sinks it waits for can have it. */
    public void begin(Exchange exchange) throws SQLException {
        Claim claim = exchange.getIn().getBody(Claim.class);
        JournalEvent event = claim.event();
        exchange.setProperty(EVENT, event);
        exchange.setProperty(QUOTE_ID, event.quoteId());
        exchange.setProperty(QUOTE, event.quote());
        exchange.setProperty(QUOTE_FETCHED_AT, event.quoteFetchedAt());
        setEventHeaders(exchange.getIn(), event);

        List<String> deliverable = new ArrayList<>();
        for (String sink : claim.pendingSinks()) {
            if (sinks.contains(sink)) {
                deliverable.add(sink);
            } else {
                outcomes.recordOutcome(DeliveryOutcome.deadBeforeTrying(event.eventId(), sink,
                        "sink '" + sink + "' is no longer configured"));
            }
        }
        if (deliverable.isEmpty()) {
            LOG.atInfo().setMessage("no sink waits for this event").addKeyValue("event_id", event.eventId())
                    .addKeyValue("type", event.type()).log();
        }
        exchange.setProperty(SINKS, deliverable);
    }

    /** The JSON document every sink receives: the webhook as received, and the quote when there is one. */
    public String document(Exchange exchange) throws JsonProcessingException {
        JournalEvent event = exchange.getProperty(EVENT, JournalEvent.class);
        ObjectNode document = mapper.createObjectNode();
        document.put("event_id", event.eventId());
        document.put("event_type", event.type());
        if (event.action() != null) {
            document.put("event_action", event.action());
        }
        if (event.quoteId() != null) {
            document.put("dealhub_quote_id", event.quoteId());
        }
        document.put("received_at", event.receivedAt().toString());
        // Both were checked to be JSON objects before they were stored: no need to parse them again.
        document.putRawValue("webhook", new RawValue(event.payload()));
        String quote = exchange.getProperty(QUOTE, String.class);
        if (quote != null) {
            document.putRawValue("quote", new RawValue(quote));
            // Which of two states of a quote is newer: the jdbc sink orders them by this (docs/bi-tables.md).
            Instant fetchedAt = exchange.getProperty(QUOTE_FETCHED_AT, Instant.class);
            if (fetchedAt != null) {
                document.put("quote_fetched_at", fetchedAt.toString());
            }
        }
        return mapper.writeValueAsString(document);
    }

    /** Prepares one (event, sink) delivery: the split hands over the sink's name as the body. */
    public void beginDelivery(Exchange exchange) {
        String sink = exchange.getIn().getBody(String.class);
        exchange.setProperty(SINK, sink);
        exchange.setProperty(STARTED, System.nanoTime());
        exchange.removeProperty(FailedAttempt.COUNT);
        // A sink sees exactly the documented headers: nothing left over from enrichment or an earlier sink.
        Message in = exchange.getIn();
        in.removeHeaders("*");
        setEventHeaders(in, exchange.getProperty(EVENT, JournalEvent.class));
        in.setHeader(HEADER_SINK, sink);
        in.setBody(exchange.getProperty(DOCUMENT, String.class));
    }

    public void delivered(Exchange exchange) throws SQLException {
        String sink = exchange.getProperty(SINK, String.class);
        int attempts = failedAttempts(exchange) + 1;
        outcomes.recordOutcome(new DeliveryOutcome(eventId(exchange), sink, true, attempts, null,
                fetchedQuote(exchange), fetchedAt(exchange)));
        metrics.delivery(sink, "delivered");
        outcome(LOG.atInfo(), exchange, "delivered", sink, attempts).log();
    }

    public void deliveryFailed(Exchange exchange) throws SQLException {
        String sink = exchange.getProperty(SINK, String.class);
        int attempts = failedAttempts(exchange);
        String reason = Failures.describe(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class));
        outcomes.recordOutcome(new DeliveryOutcome(eventId(exchange), sink, false, attempts, reason,
                fetchedQuote(exchange), fetchedAt(exchange)));
        metrics.delivery(sink, "dead");
        outcome(LOG.atWarn(), exchange, "dead: " + reason, sink, attempts).log();
    }

    /**
     * Settles the event's state from its deliveries and releases it, unless it had deliveries: then the last outcome
     * recorded settled it, in the same commit.
     */
    public void finish(Exchange exchange) throws SQLException {
        if (!exchange.getProperty(SINKS, List.class).isEmpty()) {
            return;
        }
        String state = outcomes.finish(eventId(exchange));
        LOG.atDebug().setMessage("settled").addKeyValue("event_id", eventId(exchange)).addKeyValue("state", state).log();
    }

    /** When the quote of this round was fetched, kept with it so that a later round's document is the same. */
    private static Instant fetchedAt(Exchange exchange) {
        return exchange.getProperty(QUOTE_FETCHED_AT, Instant.class);
    }

    /** The quote fetched from DealHub in this round, not yet in the journal; {@code null} if it came from there. */
    private static String fetchedQuote(Exchange exchange) {
        return EventExchange.event(exchange).quote() == null
                ? exchange.getProperty(QUOTE, String.class) : null;
    }

    /** One line per (event, sink) outcome, with the fields that correlate it as key-values. */
    private static LoggingEventBuilder outcome(LoggingEventBuilder line, Exchange exchange, String message, String sink,
            int attempts) {
        return line.setMessage(message).addKeyValue("event_id", eventId(exchange))
                .addKeyValue("type", eventType(exchange)).addKeyValue("quote_id", exchange.getProperty(QUOTE_ID))
                .addKeyValue("sink", sink).addKeyValue("attempts", attempts)
                .addKeyValue("duration_ms", elapsedMillis(exchange));
    }

    private static long elapsedMillis(Exchange exchange) {
        Long started = exchange.getProperty(STARTED, Long.class);
        return started == null ? 0 : (System.nanoTime() - started) / 1_000_000;
    }
}
