package dealhub.relay.reconcile;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The part of a quote a reconcile run compares: its {@code status} and, when the list is asked for {@code info},
 * whether it is its opportunity's primary quote (DealHub sends no webhook to the quote that stops being primary).
 * The same rule reads a listed entry and a fetched Get Quote answer, so that the two compare equal when nothing
 * changed. DealHub publishes no status enum: the status is compared as text.
 */
final class QuoteState {

    private QuoteState() {
    }

    /** The state of a listed entry or a fetched quote, e.g. {@code status=Won} or {@code status=Won;primary=true}. */
    static String of(JsonNode quote, boolean withInfo) {
        String state = "status=" + text(quote.get("status"));
        if (withInfo) {
            state += ";primary=" + text(quote.path("info").get("primary_quote"));
        }
        return state.length() <= 200 ? state : state.substring(0, 200); // relay_reconcile_quote.state
    }

    /** The status part of a state, for the synthetic event's document. */
    static String status(String state) {
        if (state == null || !state.startsWith("status=")) {
            return null;
        }
        int end = state.indexOf(';');
        String status = state.substring("status=".length(), end < 0 ? state.length() : end);
        return status.isEmpty() ? null : status;
    }

    private static String text(JsonNode value) {
        return value == null || value.isNull() || value.isContainerNode() ? "" : value.asText();
    }
}
