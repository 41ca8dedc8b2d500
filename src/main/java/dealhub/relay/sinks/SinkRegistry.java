package dealhub.relay.sinks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.spi.PropertiesComponent;

/**
 * The sinks configured in {@code relay.sinks.<name>.*}. Each sink is one route, {@code direct:sink-<name>}, made
 * from the route template of its kind ({@code sink-<type>} in {@code routes/sink-<type>.yaml}); its other keys are
 * that template's parameters. Adding a sink is configuration; adding a sink kind is one template.
 */
public class SinkRegistry {

    public static final String PREFIX = "relay.sinks.";
    public static final String TEMPLATE_PREFIX = "sink-";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");
    private static final String ALL_EVENTS = "*";

    /** One configured sink: its kind, the event types it takes ({@code null} for all) and its template options. */
    record Sink(String name, String type, Set<String> events, Map<String, String> options) {

        boolean takes(String eventType) {
            return events == null || events.contains(eventType);
        }
    }

    private final Map<String, Sink> sinks;

    private SinkRegistry(Map<String, Sink> sinks) {
        this.sinks = sinks;
    }

    /** Reads every {@code relay.sinks.<name>.<key>}, resolving each value (environment variables override). */
    public static SinkRegistry fromProperties(PropertiesComponent properties) {
        Map<String, Map<String, String>> keysBySink = new TreeMap<>();
        for (String key : properties.loadProperties(k -> k.startsWith(PREFIX)).stringPropertyNames()) {
            String rest = key.substring(PREFIX.length());
            int dot = rest.indexOf('.');
            if (dot < 1 || dot == rest.length() - 1) {
                throw new IllegalArgumentException("'" + key + "' is not of the form relay.sinks.<name>.<option>");
            }
            String value = properties.resolveProperty(key).orElse("").trim();
            keysBySink.computeIfAbsent(rest.substring(0, dot), n -> new TreeMap<>()).put(rest.substring(dot + 1), value);
        }
        Map<String, Sink> sinks = new LinkedHashMap<>();
        keysBySink.forEach((name, keys) -> sinks.put(name, sink(name, keys)));
        return new SinkRegistry(Collections.unmodifiableMap(sinks));
    }

    private static Sink sink(String name, Map<String, String> keys) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("sink name '" + name
                    + "' must be 1 to 63 characters of A-Z a-z 0-9 _ - (relay.sinks.<name>.type)");
        }
        Map<String, String> options = new TreeMap<>(keys);
        String type = options.remove("type");
        if (type == null || type.isEmpty()) {
            throw new IllegalArgumentException("relay.sinks." + name + ".type is missing");
        }
        String events = options.remove("events");
        Set<String> subscribed = null;
        if (events != null && !events.isEmpty() && !ALL_EVENTS.equals(events)) {
            subscribed = Arrays.stream(events.split(",")).map(String::trim).filter(e -> !e.isEmpty())
                    .collect(Collectors.toCollection(LinkedHashSet::new));
        }
        return new Sink(name, type, subscribed, options);
    }

    /** The names of the sinks that take this event type, in a stable order. */
    public List<String> subscribedTo(String eventType) {
        List<String> names = new ArrayList<>();
        for (Sink sink : sinks.values()) {
            if (sink.takes(eventType)) {
                names.add(sink.name());
            }
        }
        return names;
    }

    public boolean contains(String name) {
        return sinks.containsKey(name);
    }

    public Set<String> names() {
        return sinks.keySet();
    }

    /**
     * Creates each sink's route from its kind's template. Fails start-up with a message naming the key at fault: an
     * unknown kind, an option the template does not declare, a required option left out.
     */
    public void createRoutes(CamelContext context) throws Exception {
        ModelCamelContext model = (ModelCamelContext) context;
        for (Sink sink : sinks.values()) {
            RouteTemplateDefinition template = model.getRouteTemplateDefinition(TEMPLATE_PREFIX + sink.type());
            if (template == null) {
                throw new IllegalArgumentException("relay.sinks." + sink.name() + ".type=" + sink.type()
                        + " is not a sink kind; known kinds: " + kinds(model));
            }
            Set<String> declared = new TreeSet<>();
            template.getTemplateParameters().forEach(p -> declared.add(p.getName()));
            declared.remove("name");
            for (String option : sink.options().keySet()) {
                if (!declared.contains(option)) {
                    throw new IllegalArgumentException("relay.sinks." + sink.name() + "." + option
                            + " is not an option of sink kind " + sink.type() + "; its options: " + declared);
                }
            }
            TemplatedRouteBuilder builder = TemplatedRouteBuilder.builder(context, template.getId())
                    .routeId(TEMPLATE_PREFIX + sink.name())
                    .parameter("name", sink.name());
            sink.options().forEach(builder::parameter);
            try {
                builder.add();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("sink '" + sink.name() + "' (" + sink.type() + "): "
                        + e.getMessage(), e);
            }
        }
    }

    private static String kinds(ModelCamelContext model) {
        return model.getRouteTemplateDefinitions().stream().map(RouteTemplateDefinition::getId)
                .filter(id -> id.startsWith(TEMPLATE_PREFIX)).map(id -> id.substring(TEMPLATE_PREFIX.length()))
                .sorted().collect(Collectors.joining(", "));
    }
}
