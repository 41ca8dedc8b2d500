package dealhub.relay.reconcile;

import java.time.Instant;

/**
 * The last state of a quote the relay saw: from the newest quote it fetched (after a webhook or a reconciled event),
 * or from the last state reconciling journaled, whichever is newer.
 *
 * @param state        as {@link QuoteState} reads it; {@code null} when only absence is known
 * @param eventId      the event that brought that state: the next reconciled event's id derives from it
 * @param absentSince  when a complete listing last missed the quote, unless it was seen since
 */
record KnownState(String state, String eventId, Instant at, Instant absentSince) {
}
