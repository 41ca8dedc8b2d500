package dealhub.relay.routes;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.camel.CamelContext;
import org.apache.camel.model.OptionalIdentifiedDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.SendDefinition;
import org.apache.camel.model.ToDynamicDefinition;

/**
 * Every {@code direct:} and {@code seda:} endpoint a route sends to has a route consuming it.
 * <p>
 * A name mistyped in a {@code to:} builds and starts without a word, and each message sent there then waits for a
 * consumer that never comes and fails ("No consumers available"). Checked over the whole set of routes a start or a
 * reload would leave running, before it does. A {@code toD} is checked by its fixed start: when the relay knows every
 * endpoint it can mean ({@code direct:sink-} means the configured sinks' {@code direct:sink-<name>}) each must be
 * consumed, otherwise at least one consumer must start that way.
 */
final class ConsumerCheck {

    private final CamelContext context;
    private final Map<String, Collection<String>> knownTargets;

    /** @param knownTargets by the fixed start of a dynamic send, every endpoint it may mean (possibly none) */
    ConsumerCheck(CamelContext context, Map<String, Collection<String>> knownTargets) {
        this.context = context;
        this.knownTargets = knownTargets;
    }

    /** One sentence per send that no route would consume, naming the route and the endpoint; empty when none. */
    List<String> problems(Collection<RouteDefinition> routes, Collection<RouteConfigurationDefinition> configurations) {
        Set<String> consumed = new LinkedHashSet<>();
        for (RouteDefinition route : routes) {
            consumed.add(normalized(resolve(route, route.getInput().getEndpointUri())));
        }
        List<String> problems = new ArrayList<>();
        for (RouteDefinition route : routes) {
            checkSends(route, "route '" + route.getRouteId() + "'", route.getOutputs(), consumed, problems);
        }
        for (RouteConfigurationDefinition configuration : configurations) {
            List<ProcessorDefinition<?>> handlers = new ArrayList<>(configuration.getOnExceptions());
            handlers.addAll(configuration.getOnCompletions());
            checkSends(null, "route configuration '" + configuration.getId() + "'", handlers, consumed, problems);
        }
        return problems;
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private void checkSends(RouteDefinition route, String where, List<? extends ProcessorDefinition<?>> outputs,
            Set<String> consumed, List<String> problems) {
        Collection<SendDefinition> sends = ProcessorDefinitionHelper.filterTypeInOutputs((List) outputs,
                SendDefinition.class);
        for (SendDefinition<?> send : sends) {
            String target = normalized(resolve(route, send.getEndpointUri()));
            if (isInMemory(target) && !consumed.contains(target)) {
                problems.add(where + " sends to " + target + ", which no route consumes");
            }
        }
        Collection<ToDynamicDefinition> dynamicSends = ProcessorDefinitionHelper.filterTypeInOutputs((List) outputs,
                ToDynamicDefinition.class);
        for (ToDynamicDefinition send : dynamicSends) {
            String prefix = normalized(fixedStart(resolve(route, send.getUri())));
            if (!isInMemory(prefix)) {
                continue;
            }
            Collection<String> meant = knownTargets.get(prefix);
            for (String target : meant == null ? List.<String>of() : meant) {
                if (!consumed.contains(normalized(target))) {
                    problems.add(where + " sends to " + normalized(target) + ", which no route consumes");
                }
            }
            if (meant == null && consumed.stream().noneMatch(c -> c.startsWith(prefix))) {
                problems.add(where + " sends to " + prefix + "..., and no route consumes an endpoint named so");
            }
        }
    }

    /** The text before the first expression of a dynamic URI. */
    private static String fixedStart(String uri) {
        int expression = uri.indexOf("${");
        int simple = uri.indexOf("$simple{");
        int end = expression < 0 ? simple : simple < 0 ? expression : Math.min(expression, simple);
        return end < 0 ? uri : uri.substring(0, end);
    }

    private static boolean isInMemory(String uri) {
        return uri.startsWith("direct:") || uri.startsWith("seda:");
    }

    /** {@code direct://a?x=1} and {@code direct:a} are one endpoint. */
    static String normalized(String uri) {
        String text = uri.trim();
        int colon = text.indexOf(':');
        if (colon < 0) {
            return text;
        }
        String scheme = text.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = text.substring(colon + 1);
        if (rest.startsWith("//")) {
            rest = rest.substring(2);
        }
        int query = rest.indexOf('?');
        return scheme + ":" + (query < 0 ? rest : rest.substring(0, query));
    }

    /**
     * The URI with its property placeholders resolved, those of a route made from a template from the template's
     * parameters; as written when something cannot be resolved (it is then no in-memory endpoint of ours).
     */
    private String resolve(OptionalIdentifiedDefinition<?> route, String uri) {
        if (uri == null) {
            return "";
        }
        String text = uri;
        if (route instanceof RouteDefinition definition && definition.getTemplateParameters() != null) {
            for (Map.Entry<String, Object> parameter : definition.getTemplateParameters().entrySet()) {
                String value = String.valueOf(parameter.getValue());
                text = text.replace("{{" + parameter.getKey() + "}}", value)
                        .replace("{{?" + parameter.getKey() + "}}", value);
            }
        }
        try {
            return context.resolvePropertyPlaceholders(text);
        } catch (RuntimeException unresolvable) {
            return text;
        }
    }
}
