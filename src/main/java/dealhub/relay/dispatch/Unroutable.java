package dealhub.relay.dispatch;

import static dealhub.relay.dispatch.EventExchange.QUOTE_ID;
import static dealhub.relay.dispatch.EventExchange.SINKS;
import static dealhub.relay.dispatch.EventExchange.eventId;
import static dealhub.relay.dispatch.EventExchange.eventType;

import java.sql.SQLException;
import java.util.List;

import dealhub.relay.journal.DeliveryOutcomes;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An event the dispatch route could not route ({@code routes/dispatch.yaml}, bean {@code unroutable}): a step sent it
 * to an endpoint no route consumes (a route stopped by hand, or being replaced for longer than
 * {@code camel.component.direct.timeout}). Its waiting deliveries are dead with that reason, visible in the journal
 * and replayable, instead of the event being leased again and again with nothing recorded.
 */
public class Unroutable {

    private static final Logger LOG = LoggerFactory.getLogger(Unroutable.class);

    private final DeliveryOutcomes outcomes;

    public Unroutable(DeliveryOutcomes outcomes) {
        this.outcomes = outcomes;
    }

    public void deadWithReason(Exchange exchange) throws SQLException {
        String reason = "could not be routed: "
                + Failures.describe(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class));
        outcomes.markPendingDeliveriesDead(eventId(exchange), 1, reason);
        exchange.setProperty(SINKS, List.of());
        String state = outcomes.finish(eventId(exchange));
        LOG.atWarn().setMessage("event " + state + ": " + reason).addKeyValue("event_id", eventId(exchange))
                .addKeyValue("type", eventType(exchange)).addKeyValue("quote_id", exchange.getProperty(QUOTE_ID))
                .log();
    }
}
