package dealhub.relay.intake;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dealhub.relay.dealhub.DealHubEvents;

/**
 * Which event names intake takes, and how each is spelled in the journal.
 * <p>
 * DealHub does not retry, so a refused webhook is an event lost: any safe name is taken by default, including one
 * DealHub adds after this relay was built (dispatch's {@code otherwise} carries it to the sinks subscribed to
 * {@code *}). {@code relay.webhook.events} may name the only events wanted, as an operator's opt-in. DealHub's
 * documented names keep their proper spelling in any letter case ({@code quotewon} is {@code quoteWon}), because
 * dispatch and the sinks' subscriptions match names exactly.
 * <p>
 * The one name refused whatever the list says is the relay's own {@code reconciled}: DealHub never sends it, and a
 * webhook forged under it could mark a quote gone from the BI tables.
 */
final class EventNames {

    /** Proper spellings by lower case: the documented names, then the configured ones. */
    private final Map<String, String> spellings = new HashMap<>();
    /** The lower-case names accepted when {@code relay.webhook.events} restricts them; {@code null}: any name. */
    private final Map<String, String> only;

    /** @param accepted the names in {@code relay.webhook.events}; {@code *} among them (the default): any name */
    EventNames(List<String> accepted) {
        DealHubEvents.DOCUMENTED.forEach(name -> spellings.put(name.toLowerCase(Locale.ROOT), name));
        if (accepted.isEmpty() || accepted.contains("*")) {
            only = null;
        } else {
            only = new HashMap<>();
            accepted.forEach(name -> {
                spellings.put(name.toLowerCase(Locale.ROOT), name);
                only.put(name.toLowerCase(Locale.ROOT), name);
            });
        }
    }

    /** Whether the relay makes events of this name itself, so that no webhook may carry it. */
    static boolean isReserved(String name) {
        return DealHubEvents.RECONCILED.equalsIgnoreCase(name);
    }

    /** The name as the journal keeps it, or empty when {@code relay.webhook.events} leaves it out. */
    Optional<String> resolve(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        if (only != null && !only.containsKey(key)) {
            return Optional.empty();
        }
        return Optional.of(spellings.getOrDefault(key, name));
    }
}
