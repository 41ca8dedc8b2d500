package dealhub.relay.dispatch;

import dealhub.relay.journal.JournalEvent;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/** What the dispatch routes keep on an event's exchange, and the headers every sink receives with the document. */
final class EventExchange {

    /** Exchange properties the dispatch routes share. */
    static final String EVENT = "relayEvent";
    static final String QUOTE_ID = "relayQuoteId";
    static final String QUOTE = "relayQuote";
    /** When Get Quote answered in this round; unset when the quote came from the journal (an earlier round). */
    static final String QUOTE_FETCHED_AT = "relayQuoteFetchedAt";
    static final String SINK = "relaySink";
    /** The claimed deliveries of the event ({@code List<Ticket>}), and the one a delivery's exchange performs. */
    static final String TICKETS = "relayTickets";
    static final String TICKET = "relayTicket";
    /** Set once the delivery's outcome is being recorded: it has left dispatch. */
    static final String RELEASED = "relayReleased";
    /** Set once the sink took the delivery: a failure after it is the journal's, not the sink's. */
    static final String SENT = "relaySent";
    static final String DOCUMENT = "relayDocument";
    static final String STARTED = "relayDeliveryStarted";

    /** Message headers every sink receives with the document. */
    static final String HEADER_EVENT_ID = "DealhubEventId";
    static final String HEADER_EVENT_TYPE = "DealhubEventType";
    static final String HEADER_EVENT_ACTION = "DealhubEventAction";
    static final String HEADER_QUOTE_ID = "DealhubQuoteId";
    static final String HEADER_SINK = "DealhubSink";

    private EventExchange() {
    }

    static JournalEvent event(Exchange exchange) {
        return exchange.getProperty(EVENT, JournalEvent.class);
    }

    static String eventId(Exchange exchange) {
        return event(exchange).eventId();
    }

    static String eventType(Exchange exchange) {
        return event(exchange).type();
    }

    /** How many attempts of the current step failed ({@link FailedAttempt} counts them). */
    static int failedAttempts(Exchange exchange) {
        return exchange.getProperty(FailedAttempt.COUNT, 0, Integer.class);
    }

    static void setEventHeaders(Message message, JournalEvent event) {
        message.setHeader(HEADER_EVENT_ID, event.eventId());
        message.setHeader(HEADER_EVENT_TYPE, event.type());
        message.setHeader(HEADER_EVENT_ACTION, event.action());
        message.setHeader(HEADER_QUOTE_ID, event.quoteId());
    }
}
