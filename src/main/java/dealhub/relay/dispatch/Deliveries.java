package dealhub.relay.dispatch;

import static dealhub.relay.dispatch.EventExchange.DOCUMENT;
import static dealhub.relay.dispatch.EventExchange.EVENT;
import static dealhub.relay.dispatch.EventExchange.HEADER_SINK;
import static dealhub.relay.dispatch.EventExchange.QUOTE;
import static dealhub.relay.dispatch.EventExchange.QUOTE_FETCHED_AT;
import static dealhub.relay.dispatch.EventExchange.QUOTE_ID;
import static dealhub.relay.dispatch.EventExchange.SENT;
import static dealhub.relay.dispatch.EventExchange.SINK;
import static dealhub.relay.dispatch.EventExchange.STARTED;
import static dealhub.relay.dispatch.EventExchange.TICKET;
import static dealhub.relay.dispatch.EventExchange.TICKETS;
import static dealhub.relay.dispatch.EventExchange.eventId;
import static dealhub.relay.dispatch.EventExchange.eventType;
import static dealhub.relay.dispatch.EventExchange.failedAttempts;
import static dealhub.relay.dispatch.EventExchange.setEventHeaders;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;

import dealhub.relay.journal.DeliveryOutcomes;
import dealhub.relay.journal.DeliveryOutcomes.Outcome;
import dealhub.relay.journal.DeliveryOutcomes.Recorded;
import dealhub.relay.journal.JournalEvent;
import dealhub.relay.journal.WorkQueue.Claim;
import dealhub.relay.journal.WorkQueue.Ticket;
import dealhub.relay.observe.EventLines;
import dealhub.relay.observe.RelayMetrics;
import dealhub.relay.sinks.SinkRegistry;
import dealhub.relay.sql.Sql;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Delivery bookkeeping for the dispatch routes ({@code routes/dispatch.yaml}, bean {@code deliveries}): which of an
 * event's claimed deliveries can go out, the document they get, and every attempt's outcome recorded in the journal:
 * delivered, waiting for its next attempt ({@link RetrySchedule}), or dead. An outcome the journal refuses because
 * the delivery is no longer held here (taken over) is logged and not counted.
 */
public class Deliveries {

    private static final Logger LOG = LoggerFactory.getLogger(Deliveries.class);

    private final DeliveryOutcomes outcomes;
    private final SinkRegistry sinks;
    private final RelayMetrics metrics;
    private final Leases leases;
    private final RetrySchedule schedule;
    private final ObjectMapper mapper = new ObjectMapper();
    private final EventLines lines;

    /** @param lines how many of the "delivered" lines are written one per delivery at high rates */
    public Deliveries(DeliveryOutcomes outcomes, SinkRegistry sinks, RelayMetrics metrics, Leases leases,
            RetrySchedule schedule, EventLines lines) {
        this.lines = lines;
        this.outcomes = outcomes;
        this.sinks = sinks;
        this.metrics = metrics;
        this.leases = leases;
        this.schedule = schedule;
    }

    /** Sets the event's headers and properties and decides which of its claimed deliveries can go out. */
    public void begin(Exchange exchange) throws SQLException {
        Claim claim = exchange.getIn().getBody(Claim.class);
        JournalEvent event = claim.event();
        exchange.setProperty(EVENT, event);
        exchange.setProperty(QUOTE_ID, event.quoteId());
        exchange.setProperty(QUOTE, event.quote());
        exchange.setProperty(QUOTE_FETCHED_AT, event.quoteFetchedAt());
        setEventHeaders(exchange.getIn(), event);
        // Set first: should anything below fail, the event's failure handler still knows what to hand back.
        exchange.setProperty(TICKETS, claim.deliveries());
        List<Ticket> deliverable = new ArrayList<>();
        for (Ticket ticket : claim.deliveries()) {
            if (sinks.contains(ticket.sink())) {
                deliverable.add(ticket);
            } else {
                settle(exchange, ticket, Outcome.dead(0, "sink '" + ticket.sink() + "' is no longer configured",
                        null, null), "dead", 0);
            }
        }
        exchange.setProperty(TICKETS, deliverable);
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

    /** Prepares one (event, sink) delivery: the split hands over its ticket as the body. */
    public void beginDelivery(Exchange exchange) {
        Ticket ticket = exchange.getIn().getBody(Ticket.class);
        exchange.setProperty(TICKET, ticket);
        exchange.setProperty(SINK, ticket.sink());
        exchange.setProperty(STARTED, System.nanoTime());
        exchange.removeProperty(SENT);
        exchange.removeProperty(FailedAttempt.COUNT);
        exchange.removeProperty(FailedAttempt.RETRY_AFTER);
        // A sink sees exactly the documented headers: nothing left over from enrichment or another sink.
        Message in = exchange.getIn();
        in.removeHeaders("*");
        setEventHeaders(in, exchange.getProperty(EVENT, JournalEvent.class));
        in.setHeader(HEADER_SINK, ticket.sink());
        in.setBody(exchange.getProperty(DOCUMENT, String.class));
    }

    public void delivered(Exchange exchange) throws SQLException {
        Ticket ticket = exchange.getProperty(TICKET, Ticket.class);
        // From here on a failure is the journal's, not the sink's: it must not be recorded as a failed attempt.
        exchange.setProperty(SENT, true);
        settle(exchange, ticket, Outcome.delivered(1, fetchedQuote(exchange), fetchedAt(exchange)), "delivered", 1);
    }

    /** The sink failed: tried again by the schedule unless no attempt can succeed or the schedule is spent. */
    public void deliveryFailed(Exchange exchange) throws SQLException {
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (exchange.getProperty(SENT, false, Boolean.class)) {
            // The sink took it; only its record failed, and this instance could no longer prove it held the delivery.
            // Recording a failure now would schedule a second copy; left alone, the lease runs out and the delivery is
            // performed again only by whoever takes it over: at least once, and said so.
            outcome(LOG.atError(), exchange, "delivered, but the outcome could not be recorded: the delivery may be"
                    + " performed again (" + Failures.describe(failure) + ")", exchange.getProperty(SINK, String.class),
                    1).log();
            return;
        }
        failed(exchange, exchange.getProperty(TICKET, Ticket.class), failure, Failures.isPermanent(failure), "",
                Math.max(1, failedAttempts(exchange)));
    }

    /**
     * Every delivery the event's exchange still holds failed before its sink was tried (Get Quote, or the route
     * itself): each is tried again by its schedule, or dead when {@code permanent} or its schedule is spent.
     */
    void allFailed(Exchange exchange, Exception failure, boolean permanent, String prefix, int attempts)
            throws SQLException {
        @SuppressWarnings("unchecked")
        List<Ticket> tickets = exchange.getProperty(TICKETS, List.class);
        if (tickets == null) {
            return;
        }
        exchange.setProperty(TICKETS, List.of());
        int recorded = 0;
        try {
            for (Ticket ticket : tickets) {
                failed(exchange, ticket, failure, permanent, prefix, attempts);
                recorded++;
            }
        } finally {
            // Those not recorded (the database failed) are let go all the same: their leases run out.
            tickets.subList(recorded, tickets.size()).forEach(leases::release);
        }
    }

    /** Whether a failure now would leave every delivery the event's exchange holds dead: their schedule is spent. */
    boolean lastAttempt(Exchange exchange) {
        List<?> tickets = exchange.getProperty(TICKETS, List.class);
        return tickets.stream().allMatch(t -> ((Ticket) t).retries() >= schedule.steps().size());
    }

    /**
     * The event's route failed before its sinks: a transient failure of its deliveries, which the schedule tries
     * again. A send to an endpoint no route consumes (a route stopped, or being replaced) is named as such.
     */
    public void eventFailed(Exchange exchange) throws SQLException {
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        allFailed(exchange, failure, false, Failures.isUnroutable(failure) ? "could not be routed: " : "", 1);
    }

    /** Not performed: this instance could not prove it still holds the delivery. Not an attempt. */
    public void abandoned(Exchange exchange) {
        Ticket ticket = exchange.getProperty(TICKET, Ticket.class);
        LOG.atWarn().setMessage("not delivered: " + Failures.describe(
                        exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class)))
                .addKeyValue("event_id", ticket.eventId()).addKeyValue("sink", ticket.sink()).log();
    }

    private void failed(Exchange exchange, Ticket ticket, Exception failure, boolean permanent, String prefix,
            int attempts) throws SQLException {
        String reason = prefix + Failures.describe(failure);
        Instant next = permanent ? null
                : schedule.next(ticket.retries(), exchange.getProperty(FailedAttempt.RETRY_AFTER, Duration.class),
                        Instant.now());
        String quote = fetchedQuote(exchange);
        Instant fetchedAt = fetchedAt(exchange);
        if (next == null) {
            settle(exchange, ticket, Outcome.dead(attempts, reason, quote, fetchedAt), "dead: " + reason, attempts);
        } else {
            settle(exchange, ticket, Outcome.retry(next, attempts, reason, quote, fetchedAt),
                    "failed, next attempt at " + next + ": " + reason, attempts);
        }
    }

    private void settle(Exchange exchange, Ticket claimed, Outcome outcome, String message, int attempts)
            throws SQLException {
        Ticket ticket = leases.recordingOutcome(claimed);
        if (claimed.equals(exchange.getProperty(TICKET))) {
            exchange.setProperty(EventExchange.RELEASED, true);
        }
        Recorded recorded = record(ticket, outcome);
        int total = ticket.attempts() + attempts;
        if (recorded == Recorded.FENCED) {
            outcome(LOG.atWarn(), exchange, "outcome not recorded, the delivery is no longer held here: " + message,
                    ticket.sink(), total).log();
            return;
        }
        String counted = outcome.delivered() ? "delivered" : outcome.retryAt() != null ? "retrying" : "dead";
        metrics.delivery(ticket.sink(), counted);
        if (!outcome.delivered()) {
            outcome(LOG.atWarn(), exchange, message, ticket.sink(), total).log();
        } else if (lines.admit()) {
            outcome(LOG.atInfo(), exchange, message, ticket.sink(), total).log();
        }
    }

    /**
     * Records the outcome as the version this instance holds. A delivery the sink took must not be performed again
     * for want of its record: while the database fails, the record is tried again for as long as this instance can
     * prove it still holds the delivery (its lease renewed meanwhile). A failed attempt is not retried here:
     * unrecorded, it is simply tried again when its lease runs out.
     */
    private Recorded record(Ticket claimed, Outcome outcome) throws SQLException {
        Ticket held = claimed;
        try {
            while (true) {
                held = leases.current(claimed);
                try {
                    Recorded recorded = outcomes.record(held, outcome);
                    if (recorded == Recorded.FENCED && leases.current(claimed).version() != held.version()) {
                        continue; // claimed again here while being recorded: recorded as that version
                    }
                    leases.recorded(held, recorded != Recorded.FENCED);
                    return recorded;
                } catch (SQLException e) {
                    if (!outcome.delivered() || Sql.hasStateClass(e, "22", "23") || !leases.stillHeld(held)) {
                        throw e;
                    }
                    LOG.atWarn().setMessage("delivered, but the outcome could not be recorded yet; trying again ("
                                    + e.getMessage() + ")").addKeyValue("event_id", held.eventId())
                            .addKeyValue("sink", held.sink()).log();
                    Thread.sleep(leases.recordRetryPause().toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            leases.recorded(held, false);
            throw new SQLException("interrupted while recording an outcome", "57014", e);
        } catch (SQLException | RuntimeException e) {
            leases.recorded(held, false);
            throw e;
        }
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
