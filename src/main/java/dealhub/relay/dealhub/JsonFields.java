package dealhub.relay.dealhub;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/** Reading DealHub's JSON, whose key casing varies between event families ({@code Dealhub_Opportunity_id}). */
public final class JsonFields {

    private JsonFields() {
    }

    /** The field of that name, else of that name in any letter case; {@code null} when there is none. */
    public static JsonNode field(JsonNode object, String name) {
        JsonNode exact = object.get(name);
        if (exact != null || !object.isObject()) {
            return exact;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equalsIgnoreCase(name)) {
                return entry.getValue();
            }
        }
        return null;
    }
}
