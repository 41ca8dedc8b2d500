package dealhub.relay.reconcile;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dealhub.relay.dealhub.DealHubEvents;
import dealhub.relay.reconcile.ReconcileRun.Result;

/**
 * A synthetic event of type {@code reconciled}: a quote the list showed new or changed, or a known quote a complete
 * list no longer had. Its id derives from the quote, the state seen and the event of the state before it, so a second
 * run or another instance derives the same id and the journal, keyed by event id, stores it once; a quote that goes
 * back to an earlier state later still gets a new event, as its previous event differs.
 *
 * @param state the state listed, {@code null} for a quote that is gone
 */
record Reconciled(String quoteId, Result result, String state, String previousState, String eventId,
        String payload, Instant at) {

    public static final String TYPE = DealHubEvents.RECONCILED;
    /** The event action of a gone quote: delivered without a Get Quote call (DealHub no longer lists it). */
    public static final String ABSENT = "absent";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** relay_event.event_id's width. */
    private static final int MAX_EVENT_ID = 128;

    static Reconciled of(String runId, String quoteId, Result result, String state, KnownState previous, Instant at) {
        String previousState = previous == null ? null : previous.state();
        String digest = digest(quoteId + "\n" + (previous == null ? "" : previous.eventId()) + "\n"
                + (state == null ? "absent" : state));
        // The quote id is in the event id when it fits (quote ids run up to 128 characters, as event ids do).
        String eventId = "reconciled-" + quoteId + "-" + digest;
        if (eventId.length() > MAX_EVENT_ID) {
            eventId = "reconciled-" + digest;
        }
        // The document's "webhook": what the sinks see of the event. A gone quote carries "listed": false, which the
        // jdbc sink records as the quote's absent_since (docs/bi-tables.md).
        ObjectNode payload = MAPPER.createObjectNode();
        payload.put("dealhub_quote_id", quoteId);
        if (state != null) {
            payload.put("status", QuoteState.status(state));
        }
        ObjectNode reconcile = payload.putObject("reconcile");
        reconcile.put("listed", state != null);
        reconcile.put("result", result.label());
        reconcile.put("state", state);
        reconcile.put("previous_state", previousState);
        reconcile.put("run_id", runId);
        reconcile.put("seen_at", at.toString());
        return new Reconciled(quoteId, result, state, previousState, eventId, payload.toString(), at);
    }

    /** The journal's event action: new, changed, or absent for a gone quote. */
    String action() {
        return state == null ? ABSENT : result.label();
    }

    private static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
