package dealhub.relay.routes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads a saved route file all or nothing, and only the routes whose definition changed.
 * <p>
 * Camel's own reload stops and removes every route of the file, one after the other (each waiting the shutdown
 * grace for what it has in flight), and only then builds the new ones: a file that parses but cannot be built
 * (a {@code to:} whose component does not exist) left its routes gone. Here the saved file is compared with the
 * last version that was applied, entry by entry; the routes that changed are loaded, checked ({@link ConsumerCheck},
 * the required routes are all still there) and built beside the running ones ({@link RouteSwap}); only then are they
 * swapped in. Anything that fails keeps every previous route running, and says so in one WARN naming the file and
 * the reason, and in {@code dealhub_route_reloads_total{outcome="refused"}}.
 */
public final class SafeRouteReload extends RouteWatcherReloadStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(SafeRouteReload.class);

    private final ConsumerCheck consumers;
    private final Collection<String> required;
    private final RouteSwap swap;
    /** The last applied version of each route file, by its absolute path. */
    private final Map<Path, RouteFileEntries> applied = new HashMap<>();
    /** Which file each route was last loaded from: a route moved to another file is not removed with the first. */
    private final Map<String, Path> owners = new HashMap<>();
    private final Map<String, Counter> outcomes = new HashMap<>();

    SafeRouteReload(String folder, boolean recursive, String pattern, ConsumerCheck consumers,
            Collection<String> required, RouteSwap swap, MeterRegistry meters) {
        super(folder, recursive);
        setPattern(pattern);
        setRemoveAllRoutes(false);
        this.consumers = consumers;
        this.required = required;
        this.swap = swap;
        for (String outcome : List.of("applied", "unchanged", "refused")) {
            outcomes.put(outcome, Counter.builder("dealhub.route.reloads")
                    .description("route files saved while the relay runs, by what became of them")
                    .tag("outcome", outcome).register(meters));
        }
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        if (getFolder() == null) {
            return;
        }
        // What the running routes were loaded from: the versions later saves are compared with.
        try (Stream<Path> files = Files.walk(Path.of(getFolder()), isRecursive() ? Integer.MAX_VALUE : 1)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                if (getFileFilter().accept(file.toFile())) {
                    try {
                        remember(key(file), RouteFileEntries.parse(Files.readString(file)));
                    } catch (RuntimeException | IOException unreadable) {
                        LOG.debug("route file {} is not readable YAML at start", file, unreadable);
                    }
                }
            }
        }
    }

    @Override
    protected void onRouteReload(Collection<Resource> resources, boolean removeEverything) {
        if (resources == null) {
            // A properties file changed: placeholders in routes are resolved when they are built, i.e. at the next start.
            LOG.info("settings changed on disk: routes use them from the next start");
            return;
        }
        for (Resource resource : resources) {
            reload(resource);
        }
    }

    private synchronized void reload(Resource resource) {
        Path file = Path.of(resource.getURI());
        String name = file.getFileName().toString();
        if (!Files.exists(file)) {
            LOG.warn("route file {} was deleted: its routes keep running until the relay restarts", name);
            outcomes.get("unchanged").increment();
            return;
        }
        try {
            String outcome = apply(file, name, resource);
            outcomes.get(outcome).increment();
        } catch (RefusedReloadException e) {
            outcomes.get("refused").increment();
            LOG.warn("route file {} was NOT reloaded, the previous routes keep running: {}", name, e.getMessage());
            LOG.debug("route file {} refused", name, e);
        } catch (RuntimeException e) {
            outcomes.get("refused").increment();
            LOG.warn("route file {} was NOT reloaded, the previous routes keep running: {}", name,
                    RouteSwap.reason(e), e);
        }
    }

    private String apply(Path file, String name, Resource resource) throws RefusedReloadException {
        RouteFileEntries saved;
        try {
            saved = RouteFileEntries.parse(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            throw new RefusedReloadException("it is not valid YAML: " + RouteSwap.reason(e), e);
        }
        RouteFileEntries before = applied.getOrDefault(key(file), new RouteFileEntries(Map.of()));
        Set<String> changed = new LinkedHashSet<>();
        Set<String> keys = new LinkedHashSet<>(before.entries().keySet());
        keys.addAll(saved.entries().keySet());
        for (String key : keys) {
            if (!Objects.equals(before.get(key), saved.get(key))) {
                changed.add(key);
            }
        }
        List<String> others = changed.stream().filter(k -> !k.startsWith(RouteFileEntries.ROUTE)
                && !k.startsWith(RouteFileEntries.CONFIGURATION) && !k.startsWith(RouteFileEntries.TEMPLATE)).toList();
        if (!others.isEmpty()) {
            throw new RefusedReloadException("only routes (with an id) and route configurations are reloaded; "
                    + others + " changed, which takes a restart");
        }
        if (changed.stream().anyMatch(k -> k.startsWith(RouteFileEntries.TEMPLATE))) {
            LOG.info("route file {}: a changed route template (sink kind) is used from the next start", name);
        }
        Set<String> configurationIds = idsOf(changed, RouteFileEntries.CONFIGURATION);
        configurationIds.retainAll(saved.configurationIds());
        Set<String> routeIds = idsOf(changed, RouteFileEntries.ROUTE);
        // A route whose configuration changed is rebuilt with it.
        Model model = getCamelContext().getCamelContextExtension().getContextPlugin(Model.class);
        for (String id : saved.routeIds()) {
            RouteDefinition running = model.getRouteDefinition(id);
            if (running != null && configurationIds.contains(running.getRouteConfigurationId())) {
                routeIds.add(id);
            }
        }
        List<String> removed = before.routeIds().stream().filter(id -> !saved.routeIds().contains(id))
                .filter(id -> key(file).equals(owners.get(id)) && getCamelContext().getRoute(id) != null).toList();
        routeIds.retainAll(saved.routeIds());
        if (routeIds.isEmpty() && removed.isEmpty() && configurationIds.isEmpty()) {
            remember(key(file), saved);
            LOG.info("route file {} saved: no route in it changed, nothing restarted", name);
            return "unchanged";
        }

        Loaded loaded = load(resource, routeIds, configurationIds);
        check(model, loaded, removed);
        swap.build(load(resource, routeIds, Set.of()).routes().values());
        swap.swap(loaded.routes(), removed, loaded.configurations());
        removed.forEach(owners::remove);
        remember(key(file), saved);
        LOG.info("route file {} reloaded: routes {} replaced or added{}{}", name, routeIds,
                removed.isEmpty() ? "" : ", " + removed + " removed",
                configurationIds.isEmpty() ? "" : ", route configurations " + configurationIds);
        return "applied";
    }

    /** The whole set of routes the reload would leave running: every send consumed, every required route there. */
    private void check(Model model, Loaded loaded, List<String> removed) throws RefusedReloadException {
        Map<String, RouteDefinition> routes = new LinkedHashMap<>();
        for (RouteDefinition running : model.getRouteDefinitions()) {
            routes.put(running.getRouteId(), running);
        }
        removed.forEach(routes::remove);
        routes.putAll(loaded.routes());
        Map<String, RouteConfigurationDefinition> configurations = new LinkedHashMap<>();
        for (RouteConfigurationDefinition running : model.getRouteConfigurationDefinitions()) {
            configurations.put(running.getId(), running);
        }
        configurations.putAll(loaded.configurations());
        List<String> problems = consumers.problems(routes.values(), configurations.values());
        if (!problems.isEmpty()) {
            throw new RefusedReloadException(String.join("; ", problems));
        }
        List<String> missing = required.stream().filter(id -> !routes.containsKey(id)).toList();
        if (!missing.isEmpty()) {
            throw new RefusedReloadException("required route(s) " + missing + " would be gone (relay.routes.required)");
        }
    }

    private record Loaded(Map<String, RouteDefinition> routes,
            Map<String, RouteConfigurationDefinition> configurations) {
    }

    /** The named routes and route configurations of the file, as Camel's YAML loader makes them; nothing added. */
    private Loaded load(Resource resource, Set<String> routeIds, Set<String> configurationIds)
            throws RefusedReloadException {
        Map<String, RouteDefinition> routes = new LinkedHashMap<>();
        Map<String, RouteConfigurationDefinition> configurations = new LinkedHashMap<>();
        try {
            for (RoutesBuilder found : PluginHelper.getRoutesLoader(getCamelContext())
                    .findRoutesBuilders(List.of(resource))) {
                if (!(found instanceof RouteBuilder builder)) {
                    throw new RefusedReloadException("it holds routes of a kind the relay does not reload");
                }
                builder.setCamelContext(getCamelContext());
                if (builder instanceof RouteConfigurationBuilder withConfigurations) {
                    withConfigurations.configuration();
                    for (RouteConfigurationDefinition c : withConfigurations.getRouteConfigurationCollection()
                            .getRouteConfigurations()) {
                        if (configurationIds.contains(c.getId())) {
                            configurations.put(c.getId(), c);
                        }
                    }
                }
                for (RouteDefinition route : builder.configureRoutes(getCamelContext()).getRoutes()) {
                    if (routeIds.contains(route.getRouteId())) {
                        routes.put(route.getRouteId(), route);
                    }
                }
            }
        } catch (RefusedReloadException e) {
            throw e;
        } catch (Exception e) {
            throw new RefusedReloadException("Camel cannot read it: " + RouteSwap.reason(e), e);
        }
        return new Loaded(routes, configurations);
    }

    private void remember(Path file, RouteFileEntries entries) {
        applied.put(file, entries);
        entries.routeIds().forEach(id -> owners.put(id, file));
    }

    private static Set<String> idsOf(Collection<String> keys, String kind) {
        Set<String> ids = new LinkedHashSet<>();
        keys.stream().filter(k -> k.startsWith(kind)).forEach(k -> ids.add(k.substring(kind.length())));
        return ids;
    }

    private static Path key(Path file) {
        return file.toAbsolutePath().normalize();
    }
}
