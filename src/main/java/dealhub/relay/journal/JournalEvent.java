package dealhub.relay.journal;

import java.time.Instant;

/**
 * One accepted webhook as the journal holds it.
 *
 * @param eventId    {@code event_info.event_id}, the dedupe key
 * @param type       the resolved event type (path, body field or {@code unknown})
 * @param action     DealRoom events only: the activity named in {@code action_summary}
 * @param quoteId    {@code dealhub_quote_id} when the event carries one
 * @param payload    the webhook body as received
 * @param quote      the Get Quote response once fetched, else {@code null}
 * @param receivedAt when the relay accepted it
 * @param quoteFetchedAt when Get Quote answered with {@code quote}; {@code null} when unknown or not fetched
 */
public record JournalEvent(String eventId, String type, String action, String quoteId, String payload, String quote,
        Instant receivedAt, Instant quoteFetchedAt) {

    /** An event as intake stores it: no quote fetched yet, or one whose fetch time is not known. */
    public JournalEvent(String eventId, String type, String action, String quoteId, String payload, String quote,
            Instant receivedAt) {
        this(eventId, type, action, quoteId, payload, quote, receivedAt, null);
    }
}
