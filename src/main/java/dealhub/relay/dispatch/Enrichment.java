package dealhub.relay.dispatch;

import static dealhub.relay.dispatch.EventExchange.QUOTE;
import static dealhub.relay.dispatch.EventExchange.QUOTE_FETCHED_AT;
import static dealhub.relay.dispatch.EventExchange.QUOTE_ID;
import static dealhub.relay.dispatch.EventExchange.TICKETS;
import static dealhub.relay.dispatch.EventExchange.eventId;
import static dealhub.relay.dispatch.EventExchange.eventType;
import static dealhub.relay.dispatch.EventExchange.failedAttempts;

import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import dealhub.relay.dealhub.QuoteApi;
import dealhub.relay.dealhub.QuoteApi.Features;
import dealhub.relay.observe.EventLines;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java steps of enrichment ({@code routes/enrichment.yaml}, bean {@code enrichment}): whether a quote event gets
 * a round of Get Quote, and another; the request of each round; and what the quote, or its absence, means for the
 * event's sinks.
 */
public class Enrichment {

    /** Exchange property: the features the current Get Quote round asks for; none before the first round. */
    static final String FEATURES = "relayQuoteFeatures";

    private static final Logger LOG = LoggerFactory.getLogger(Enrichment.class);

    private final QuoteApi quoteApi;
    private final Deliveries deliveries;
    private final EventLines lines;

    /** @param lines how many of the "enriched" lines are written one per event at high rates */
    public Enrichment(QuoteApi quoteApi, Deliveries deliveries, EventLines lines) {
        this.lines = lines;
        this.quoteApi = quoteApi;
        this.deliveries = deliveries;
    }

    /**
     * Whether Get Quote is called (again), and with which features. The first round asks for the configured ones,
     * unless nothing needs the quote. After a round that failed for good, {@link QuoteApi#fallback} decides on one
     * more round (without approvals); after a round that fetched the quote, there is none.
     */
    public boolean nextRound(Exchange exchange) {
        Features asked = exchange.getProperty(FEATURES, Features.class);
        Features next;
        if (asked == null) {
            if (!needsQuote(exchange)) {
                return false;
            }
            next = Features.AS_CONFIGURED;
        } else {
            if (exchange.getProperty(QUOTE) != null) {
                return false;
            }
            Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
            next = quoteApi.fallback(asked, failure);
            // A failure that may mend is given the schedule's attempts with approvals before giving them up.
            if (next == null || Failures.isTransient(failure) && !deliveries.lastAttempt(exchange)) {
                return false;
            }
            LOG.atWarn().setMessage("Get Quote failed with approvals (" + Failures.describe(failure)
                            + "): trying without them")
                    .addKeyValue("event_id", eventId(exchange)).addKeyValue("quote_id", exchange.getProperty(QUOTE_ID))
                    .log();
        }
        exchange.setProperty(FEATURES, next);
        return true;
    }

    /** Whether Get Quote has to be called for this event at all. */
    private static boolean needsQuote(Exchange exchange) {
        List<?> pending = exchange.getProperty(TICKETS, List.class);
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

    /** The Get Quote request of this round. */
    public void prepareRequest(Exchange exchange) {
        quoteApi.prepareRequest(exchange, exchange.getProperty(QUOTE_ID, String.class),
                exchange.getProperty(FEATURES, Features.class));
    }

    /**
     * Keeps the fetched quote for this round's sinks. The journal keeps it with the first delivery's outcome, so
     * that a sink tried again later gets the same document.
     */
    public void quoteFetched(Exchange exchange) {
        String quote = exchange.getIn().getBody(String.class);
        exchange.setProperty(QUOTE, quote);
        // To the microsecond: as precise as the journal keeps it (TIMESTAMP), so every round's document is the same.
        exchange.setProperty(QUOTE_FETCHED_AT, Instant.now().truncatedTo(ChronoUnit.MICROS));
        if (lines.admit()) {
            LOG.atInfo().setMessage(exchange.getProperty(FEATURES) == Features.WITHOUT_APPROVALS
                            ? "enriched, without approvals" : "enriched").addKeyValue("event_id", eventId(exchange))
                    .addKeyValue("quote_id", exchange.getProperty(QUOTE_ID))
                    .addKeyValue("attempts", failedAttempts(exchange) + 1).log();
        }
    }

    /**
     * After the last round: if Get Quote was called and failed, every delivery the event's exchange holds failed
     * with DealHub's reason: tried again by its schedule when the failure may mend (the one retry rule,
     * {@link Failures}), else dead.
     */
    public void unlessEnriched(Exchange exchange) throws SQLException {
        if (exchange.getProperty(FEATURES) == null || exchange.getProperty(QUOTE) != null) {
            return;
        }
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        int attempts = Math.max(1, failedAttempts(exchange));
        LOG.atWarn().setMessage("enrichment failed: " + Failures.describe(failure))
                .addKeyValue("event_id", eventId(exchange)).addKeyValue("type", eventType(exchange))
                .addKeyValue("quote_id", exchange.getProperty(QUOTE_ID)).addKeyValue("attempts", attempts).log();
        deliveries.allFailed(exchange, failure, !Failures.isTransient(failure), "Get Quote failed: ", attempts);
    }
}
