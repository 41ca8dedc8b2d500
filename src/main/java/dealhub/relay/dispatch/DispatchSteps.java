package dealhub.relay.dispatch;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;

import dealhub.relay.journal.EventJournal;
import dealhub.relay.journal.EventJournal.Claim;
import dealhub.relay.journal.EventJournal.DeliveryOutcome;
import dealhub.relay.journal.JournalEvent;
import dealhub.relay.observe.RelayMetrics;
import dealhub.relay.sinks.SinkRegistry;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The Java steps of the dispatch routes ({@code routes/dispatch.yaml}, {@code routes/enrichment.yaml}): claiming
 * work from the journal, planning each event's deliveries, and recording every outcome back in the journal.
 */
public class DispatchSteps {

    /** Exchange properties the dispatch routes share. */
    public static final String EVENT = "relayEvent";
    public static final String QUOTE_ID = "relayQuoteId";
    public static final String QUOTE = "relayQuote";
    public static final String SINKS = "relaySinks";
    public static final String SINK = "relaySink";
    public static final String DOCUMENT = "relayDocument";
    public static final String STARTED = "relayDeliveryStarted";

    /** Message headers every sink receives with the document. */
    public static final String HEADER_EVENT_ID = "DealhubEventId";
    public static final String HEADER_EVENT_TYPE = "DealhubEventType";
    public static final String HEADER_EVENT_ACTION = "DealhubEventAction";
    public static final String HEADER_QUOTE_ID = "DealhubQuoteId";
    public static final String HEADER_SINK = "DealhubSink";

    private static final Logger LOG = LoggerFactory.getLogger(DispatchSteps.class);
    private static final int MAX_REASON_BODY = 1024;

    private final EventJournal journal;
    private final SinkRegistry sinks;
    private final QuoteApi quoteApi;
    private final RelayMetrics metrics;
    private final int capacity;
    private final long pollIntervalMs;
    /** Signalled whenever an event leaves dispatch, so that a full poller claims again as soon as there is room. */
    private final Object roomFreed = new Object();
    private final ObjectMapper mapper = new ObjectMapper();
    /**
     * The events this instance has leased and not yet seen leave dispatch: only their leases are renewed, and their
     * number is what keeps it from claiming more than its capacity.
     */
    private final Set<String> working = ConcurrentHashMap.newKeySet();

    /**
     * @param capacity how many events this instance works on at once; it claims no more, so that every event it
     *                 holds is being worked on and the others stay free for other instances
     */
    public DispatchSteps(EventJournal journal, SinkRegistry sinks, QuoteApi quoteApi, RelayMetrics metrics,
            int capacity, long pollIntervalMs) {
        this.journal = journal;
        this.quoteApi = quoteApi;
        this.sinks = sinks;
        this.metrics = metrics;
        this.capacity = capacity;
        this.pollIntervalMs = pollIntervalMs;
    }

    /**
     * Leases as many due events as there is room for. While this relay is full it waits (at most the poll
     * interval) until a quarter of its capacity is free, so that it claims in batches rather than one event per
     * query. The scheduler polls again at once while this finds work or the relay is full.
     */
    public List<Claim> claim(Exchange exchange) throws SQLException, InterruptedException {
        int room = awaitRoom();
        List<Claim> claimed = room > 0 ? journal.claimDue(room, sinks::subscribedTo) : List.of();
        exchange.setProperty(Exchange.SCHEDULER_POLLED_MESSAGES, !claimed.isEmpty() || room == 0);
        // An event whose lease ran out while this instance still works on it (its renewal failed: the database was
        // too busy, say) comes back leased to this instance again: it is not dispatched a second time beside itself.
        return claimed.stream().filter(claim -> working.add(claim.event().eventId())).toList();
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

    /** Keeps the leases of the events still being worked on, however long their retries take. */
    public void renewLeases() throws SQLException {
        journal.renewLeases(List.copyOf(working));
    }

    /**
     * The event left the dispatch route, settled or not. If it was not settled (the database failed, say), its
     * lease is no longer renewed, runs out, and the event is tried again.
     */
    public void leaveDispatch(Exchange exchange) {
        JournalEvent event = exchange.getProperty(EVENT, JournalEvent.class);
        if (event != null) {
            working.remove(event.eventId());
        }
        synchronized (roomFreed) {
            roomFreed.notifyAll();
        }
    }

    /** At shutdown: what this instance still holds is handed back at once, to itself after a restart or to others. */
    public void releaseLeases() throws SQLException {
        List<String> held = List.copyOf(working);
        journal.releaseLeases(held);
        working.removeAll(held);
        if (!held.isEmpty()) {
            LOG.info("released {} unfinished event(s) for another run", held.size());
        }
    }

    /** Sets the event's headers and properties and decides which of the sinks it waits for can have it. */
    public void begin(Exchange exchange) throws SQLException {
        Claim claim = exchange.getIn().getBody(Claim.class);
        JournalEvent event = claim.event();
        exchange.setProperty(EVENT, event);
        exchange.setProperty(QUOTE_ID, event.quoteId());
        exchange.setProperty(QUOTE, event.quote());
        setEventHeaders(exchange.getIn(), event);

        List<String> deliverable = new ArrayList<>();
        for (String sink : claim.pendingSinks()) {
            if (sinks.contains(sink)) {
                deliverable.add(sink);
            } else {
                journal.recordOutcome(DeliveryOutcome.deadBeforeTrying(event.eventId(), sink,
                        "sink '" + sink + "' is no longer configured"));
            }
        }
        if (deliverable.isEmpty()) {
            LOG.atInfo().setMessage("no sink waits for this event").addKeyValue("event_id", event.eventId())
                    .addKeyValue("type", event.type()).log();
        }
        exchange.setProperty(SINKS, deliverable);
    }

    /** Whether Get Quote still has to be called for this event. */
    public boolean needsQuote(Exchange exchange) {
        List<?> pending = exchange.getProperty(SINKS, List.class);
        if (pending == null || pending.isEmpty() || exchange.getProperty(QUOTE) != null) {
            return false;
        }
        if (exchange.getProperty(QUOTE_ID) == null) {
            LOG.atWarn().setMessage("a quote event without dealhub_quote_id: delivered without the quote")
                    .addKeyValue("event_id", eventId(exchange)).log();
            return false;
        }
        return true;
    }

    /** Whether the last Get Quote round failed and asked to be tried once more without approvals. */
    public boolean retryWithoutApprovals(Exchange exchange) {
        return exchange.getProperty(QUOTE) == null && exchange.getProperty(QuoteApi.WITHOUT_APPROVALS, false, Boolean.class);
    }

    /**
     * Keeps the fetched quote for this round's sinks. The journal keeps it with the first delivery's outcome
     * ({@link #fetchedQuote}), so that a sink retried in a later round gets the same document.
     */
    public void quoteFetched(Exchange exchange) {
        String quote = exchange.getIn().getBody(String.class);
        exchange.setProperty(QUOTE, quote);
        LOG.atInfo().setMessage(exchange.getProperty(QuoteApi.WITHOUT_APPROVALS, false, Boolean.class)
                        ? "enriched, without approvals" : "enriched").addKeyValue("event_id", eventId(exchange))
                .addKeyValue("quote_id", exchange.getProperty(QUOTE_ID))
                .addKeyValue("attempts", failedAttempts(exchange) + 1).log();
    }

    /**
     * Get Quote failed for good: every sink still waiting for this event is dead, with DealHub's reason. Unless
     * approvals were asked for and DealHub answered 400 or 5xx: then the quote is tried once more without them.
     */
    public void enrichmentFailed(Exchange exchange) throws SQLException {
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (quoteApi.asksForApprovals() && !exchange.getProperty(QuoteApi.WITHOUT_APPROVALS, false, Boolean.class)
                && failure instanceof HttpOperationFailedException http
                && (http.getStatusCode() == 400 || http.getStatusCode() >= 500)) {
            exchange.setProperty(QuoteApi.WITHOUT_APPROVALS, true);
            LOG.atWarn().setMessage("Get Quote failed with approvals (" + describe(failure) + "): trying without them")
                    .addKeyValue("event_id", eventId(exchange)).addKeyValue("quote_id", exchange.getProperty(QUOTE_ID))
                    .log();
            return;
        }
        String reason = "Get Quote failed: " + describe(failure);
        int attempts = failedAttempts(exchange);
        journal.markPendingDeliveriesDead(eventId(exchange), attempts, reason);
        exchange.setProperty(SINKS, List.of());
        LOG.atWarn().setMessage("enrichment dead, and so the event's sinks: " + reason)
                .addKeyValue("event_id", eventId(exchange)).addKeyValue("type", eventType(exchange))
                .addKeyValue("quote_id", exchange.getProperty(QUOTE_ID)).addKeyValue("attempts", attempts).log();
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

    private static void setEventHeaders(Message message, JournalEvent event) {
        message.setHeader(HEADER_EVENT_ID, event.eventId());
        message.setHeader(HEADER_EVENT_TYPE, event.type());
        message.setHeader(HEADER_EVENT_ACTION, event.action());
        message.setHeader(HEADER_QUOTE_ID, event.quoteId());
    }

    public void delivered(Exchange exchange) throws SQLException {
        String sink = exchange.getProperty(SINK, String.class);
        int attempts = failedAttempts(exchange) + 1;
        journal.recordOutcome(new DeliveryOutcome(eventId(exchange), sink, true, attempts, null,
                fetchedQuote(exchange)));
        metrics.delivery(sink, "delivered");
        outcome(LOG.atInfo(), exchange, "delivered", sink, attempts).log();
    }

    public void deliveryFailed(Exchange exchange) throws SQLException {
        String sink = exchange.getProperty(SINK, String.class);
        int attempts = failedAttempts(exchange);
        String reason = describe(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class));
        journal.recordOutcome(new DeliveryOutcome(eventId(exchange), sink, false, attempts, reason,
                fetchedQuote(exchange)));
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
        String state = journal.finish(eventId(exchange));
        LOG.atDebug().setMessage("settled").addKeyValue("event_id", eventId(exchange)).addKeyValue("state", state).log();
    }

    /** The quote fetched from DealHub in this round, not yet in the journal; {@code null} if it came from there. */
    private static String fetchedQuote(Exchange exchange) {
        return exchange.getProperty(EVENT, JournalEvent.class).quote() == null
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

    private static String eventType(Exchange exchange) {
        return exchange.getProperty(EVENT, JournalEvent.class).type();
    }

    private static String eventId(Exchange exchange) {
        return exchange.getProperty(EVENT, JournalEvent.class).eventId();
    }

    private static int failedAttempts(Exchange exchange) {
        return exchange.getProperty(FailedAttempt.COUNT, 0, Integer.class);
    }

    private static long elapsedMillis(Exchange exchange) {
        Long started = exchange.getProperty(STARTED, Long.class);
        return started == null ? 0 : (System.nanoTime() - started) / 1_000_000;
    }

    /** A failure as one line for the journal and the log: the status and the start of the reply for HTTP. */
    static String describe(Throwable failure) {
        if (failure == null) {
            return "unknown failure";
        }
        String text;
        if (failure instanceof HttpOperationFailedException http) {
            String body = http.getResponseBody() == null ? "" : http.getResponseBody();
            if (body.length() > MAX_REASON_BODY) {
                body = body.substring(0, MAX_REASON_BODY) + "...";
            }
            text = "HTTP " + http.getStatusCode() + (body.isBlank() ? "" : ": " + body);
        } else {
            Throwable root = failure;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            text = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        }
        return text.replaceAll("[\\r\\n\\t]+", " ");
    }
}
