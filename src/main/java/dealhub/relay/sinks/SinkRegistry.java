package dealhub.relay.sinks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dealhub.relay.dealhub.DealHubEvents;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    /**
     * Event names a sink may take besides those intake accepts: an event that names none is {@code unknown}
     * (WebhookParser), and {@code reconciled} is the relay's own.
     */
    private static final Set<String> RELAY_EVENTS = Set.of("unknown", "reconciled");
    private static final Pattern WHOLE_NUMBER = Pattern.compile("[0-9]+");
    private static final Set<String> FLAGS = Set.of("true", "false");
    private static final Logger LOG = LoggerFactory.getLogger(SinkRegistry.class);
    private static final Set<String> IDEMPOTENT_KINDS = Set.of("file", "jdbc", "log");

    /**
     * One configured sink: its kind, the event types it takes in lower case ({@code null} for all) and its template
     * options. Letter case does not count, as at intake: {@code quotewon} takes {@code quoteWon}.
     */
    record Sink(String name, String type, Set<String> events, Map<String, String> options) {

        boolean takes(String eventType) {
            return events == null || events.contains(eventType.toLowerCase(Locale.ROOT));
        }
    }

    private final Map<String, Sink> sinks;

    private SinkRegistry(Map<String, Sink> sinks) {
        this.sinks = sinks;
    }

    /**
     * Reads every {@code relay.sinks.<name>.<key>}, resolving each value (environment variables override), and warns
     * of an event name in a sink's {@code events} that no event can have: {@code knownEvents} are those intake
     * accepts ({@code relay.webhook.events}; with {@code *}, the default, the names DealHub documents).
     */
    public static SinkRegistry fromProperties(PropertiesComponent properties, List<String> knownEvents) {
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
        keysBySink.forEach((name, keys) -> sinks.put(name, sink(name, keys, knownEvents)));
        return new SinkRegistry(Collections.unmodifiableMap(sinks));
    }

    private static Sink sink(String name, Map<String, String> keys, List<String> knownEvents) {
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
            List<String> named = Arrays.stream(events.split(",")).map(String::trim).filter(e -> !e.isEmpty()).toList();
            warnOfUnknownEvents(name, named, knownEvents);
            subscribed = named.stream().map(e -> e.toLowerCase(Locale.ROOT))
                    .collect(Collectors.toCollection(LinkedHashSet::new));
        }
        return new Sink(name, type, subscribed, options);
    }

    /**
     * A misspelt event name would leave the sink silent for good: say so at start, but start (a new name may come).
     * Intake takes any name by default ({@code *}); then the names DealHub documents are the ones to expect.
     */
    private static void warnOfUnknownEvents(String sink, List<String> named, List<String> knownEvents) {
        boolean anyName = knownEvents.contains(ALL_EVENTS);
        Set<String> known = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        known.addAll(anyName ? DealHubEvents.DOCUMENTED : knownEvents);
        known.addAll(RELAY_EVENTS);
        for (String event : named) {
            if (known.contains(event)) {
                continue;
            }
            if (anyName) {
                LOG.warn("relay.sinks.{}.events: '{}' is not an event DealHub documents: unless DealHub sends an"
                        + " event of that very name, this sink never receives it", sink, event);
            } else {
                LOG.warn("relay.sinks.{}.events: '{}' is not an event the relay takes (relay.webhook.events: {}):"
                        + " this sink never receives it", sink, event, String.join(",", knownEvents));
            }
        }
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

    /**
     * Whether a second delivery to this sink would be a second copy the receiver sees (a mail, a request), unlike
     * the file, jdbc and log sinks, which write the same thing again. Such a send is fenced just before it.
     */
    public boolean sendsCopies(String name) {
        Sink sink = sinks.get(name);
        return sink == null || !IDEMPOTENT_KINDS.contains(sink.type());
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
            Map<String, String> defaults = new TreeMap<>();
            template.getTemplateParameters().forEach(p -> defaults.put(p.getName(), p.getDefaultValue()));
            defaults.remove("name");
            sink.options().forEach((option, value) -> checkOption(sink, option, value, defaults));
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

    /**
     * An option the kind declares, and of its default's form: where the default is a whole number (a port, a timeout)
     * or true/false, so must the value be, or Camel would fail later with a message that names neither.
     */
    private static void checkOption(Sink sink, String option, String value, Map<String, String> defaults) {
        String key = PREFIX + sink.name() + "." + option;
        if (!defaults.containsKey(option)) {
            throw new IllegalArgumentException(key + " is not an option of sink kind " + sink.type() + "; its options: "
                    + defaults.keySet());
        }
        String standard = defaults.get(option);
        if (standard == null) {
            return;
        }
        if (WHOLE_NUMBER.matcher(standard).matches() && !WHOLE_NUMBER.matcher(value).matches()) {
            throw new IllegalArgumentException(key + " must be a whole number, not '" + value + "'");
        }
        if (FLAGS.contains(standard) && !FLAGS.contains(value.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException(key + " must be true or false, not '" + value + "'");
        }
    }

    private static String kinds(ModelCamelContext model) {
        return model.getRouteTemplateDefinitions().stream().map(RouteTemplateDefinition::getId)
                .filter(id -> id.startsWith(TEMPLATE_PREFIX)).map(id -> id.substring(TEMPLATE_PREFIX.length()))
                .sorted().collect(Collectors.joining(", "));
    }
}
