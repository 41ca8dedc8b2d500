package dealhub.relay.routes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The top-level entries of one route file, each as the plain tree YAML reads it into, keyed by kind and id
 * ({@code route:deliver}, {@code routeConfiguration:sink-retries}). Two versions of a file are compared entry by
 * entry: an entry whose tree is equal did not change, whatever happened to comments, order or other entries.
 */
record RouteFileEntries(Map<String, Object> entries) {

    static final String ROUTE = "route:";
    static final String CONFIGURATION = "routeConfiguration:";
    static final String TEMPLATE = "routeTemplate:";

    /** @throws RuntimeException when the text is not YAML (Camel's own loader says the same, in its words) */
    static RouteFileEntries parse(String yaml) {
        Object root = new Load(LoadSettings.builder().build()).loadFromString(yaml);
        Map<String, Object> entries = new LinkedHashMap<>();
        if (root instanceof List<?> items) {
            for (int i = 0; i < items.size(); i++) {
                Object item = items.get(i);
                entries.put(keyOf(item, i), item);
            }
        } else if (root != null) {
            entries.put(keyOf(root, 0), root);
        }
        return new RouteFileEntries(entries);
    }

    /** The route ids of this file. */
    List<String> routeIds() {
        return idsOf(ROUTE);
    }

    List<String> configurationIds() {
        return idsOf(CONFIGURATION);
    }

    private List<String> idsOf(String kind) {
        return entries.keySet().stream().filter(k -> k.startsWith(kind)).map(k -> k.substring(kind.length())).toList();
    }

    Object get(String key) {
        return entries.get(key);
    }

    /**
     * {@code route:<id>}, {@code routeConfiguration:<id>}, {@code routeTemplate:<id>}; anything else (beans,
     * a route without id, an error handler for the whole file) by its kind and position, so that any change to it
     * shows.
     */
    private static String keyOf(Object item, int position) {
        if (item instanceof Map<?, ?> map && map.size() == 1) {
            Object kind = map.keySet().iterator().next();
            Object body = map.get(kind);
            if (body instanceof Map<?, ?> fields && fields.get("id") instanceof String id
                    && List.of("route", "routeConfiguration", "routeTemplate").contains(kind)) {
                return kind + ":" + id;
            }
            return kind + "#" + position;
        }
        return "entry#" + position;
    }
}
