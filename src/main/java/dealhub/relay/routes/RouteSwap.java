package dealhub.relay.routes;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteDefinitionHelper;
import org.apache.camel.spi.RouteController;

/**
 * Replaces some of the running routes with new definitions, all of them or none.
 * <p>
 * The new definitions are first built beside the running routes under other ids (every endpoint, bean and
 * expression resolved, nothing started), so that a mistake Camel finds only when it builds a route refuses the swap
 * while the old routes still run. Then each route to be replaced is stopped gracefully, with at most
 * {@code drainSeconds} for what it has in flight; one that does not drain in time is left running, the others are
 * started again, and the swap is refused: in-flight work is never killed. Routes not named are not touched.
 */
final class RouteSwap {

    private static final String TRIAL_PREFIX = "reload-check-";

    private final CamelContext context;
    private final Model model;
    private final long drainSeconds;
    private final Supplier<Runnable> pauseRequests;

    /** @param pauseRequests answers HTTP requests 503 until the action it returns runs */
    RouteSwap(CamelContext context, long drainSeconds, Supplier<Runnable> pauseRequests) {
        this.context = context;
        this.model = context.getCamelContextExtension().getContextPlugin(Model.class);
        this.drainSeconds = drainSeconds;
        this.pauseRequests = pauseRequests;
    }

    /** Builds each route of {@code trialCopies} (a second, separate load of the new definitions) without keeping it. */
    void build(Collection<RouteDefinition> trialCopies) throws RefusedReloadException {
        for (RouteDefinition copy : trialCopies) {
            String id = copy.getRouteId();
            copy.setId(TRIAL_PREFIX + id);
            try {
                RouteDefinitionHelper.prepareRoute(context, copy);
                copy.markPrepared();
                RouteDefinitionHelper.forceAssignIds(context, copy.getInput());
                RouteDefinitionHelper.forceAssignIds(context, copy);
                Route trial = model.getModelReifierFactory().createRoute(context, copy);
                trial.getEndpoint(); // built: endpoints, beans and expressions resolved; never started
            } catch (Exception e) {
                throw new RefusedReloadException("route '" + id + "' cannot be built: " + reason(e), e);
            }
        }
    }

    /**
     * Stops the routes {@code replaced} and {@code removed} name, puts {@code configurations} and {@code routes} in
     * their place, and starts them; on any failure puts everything back as it was.
     */
    void swap(Map<String, RouteDefinition> routes, Collection<String> removed,
            Map<String, RouteConfigurationDefinition> configurations) throws RefusedReloadException {
        // A route taking HTTP requests leaves its path unserved from its stop to its successor's start: callers are
        // answered 503 meanwhile (retried), not 404 (lost).
        boolean http = Stream.concat(routes.keySet().stream(), removed.stream()).map(context::getRoute)
                .anyMatch(r -> r != null && r.getEndpoint().getEndpointUri().startsWith("platform-http:"))
                || routes.values().stream().anyMatch(r -> r.getInput().getEndpointUri().startsWith("platform-http:"));
        Runnable resume = http ? pauseRequests.get() : () -> { };
        try {
            replace(routes, removed, configurations);
        } finally {
            resume.run();
        }
    }

    private void replace(Map<String, RouteDefinition> routes, Collection<String> removed,
            Map<String, RouteConfigurationDefinition> configurations) throws RefusedReloadException {
        List<String> toStop = new ArrayList<>();
        routes.keySet().stream().filter(id -> context.getRoute(id) != null).forEach(toStop::add);
        toStop.addAll(removed);
        List<RouteDefinition> previous = toStop.stream().map(model::getRouteDefinition).toList();
        List<String> stopped = new ArrayList<>();
        RouteController controller = context.getRouteController();
        try {
            for (String id : toStop) {
                if (!controller.stopRoute(id, drainSeconds, TimeUnit.SECONDS, true)) {
                    throw new RefusedReloadException("route '" + id + "' still had work in flight after "
                            + drainSeconds + " s (relay.routes.reload-drain-seconds); save the file again later");
                }
                stopped.add(id);
            }
        } catch (RefusedReloadException e) {
            restart(stopped);
            throw e;
        } catch (Exception e) {
            restart(stopped);
            throw new RefusedReloadException("route could not be stopped: " + reason(e), e);
        }

        List<RouteConfigurationDefinition> previousConfigurations = new ArrayList<>();
        try {
            for (RouteConfigurationDefinition configuration : configurations.values()) {
                RouteConfigurationDefinition old = model.getRouteConfigurationDefinition(configuration.getId());
                if (old != null && configuration.getId().equals(old.getId())) {
                    model.removeRouteConfiguration(old);
                    previousConfigurations.add(old);
                }
                model.addRouteConfiguration(configuration);
            }
            for (String id : removed) {
                model.removeRouteDefinition(model.getRouteDefinition(id));
            }
            model.addRouteDefinitions(routes.values());
        } catch (Exception e) {
            rollBack(routes.keySet(), previous, configurations.values(), previousConfigurations);
            throw new RefusedReloadException("the new routes did not start: " + reason(e), e);
        }
    }

    private void rollBack(Collection<String> added, List<RouteDefinition> previous,
            Collection<RouteConfigurationDefinition> newConfigurations,
            List<RouteConfigurationDefinition> previousConfigurations) {
        try {
            for (RouteConfigurationDefinition configuration : newConfigurations) {
                model.removeRouteConfiguration(configuration);
            }
            model.addRouteConfigurations(previousConfigurations);
            for (String id : added) {
                RouteDefinition definition = model.getRouteDefinition(id);
                if (definition != null) {
                    model.removeRouteDefinition(definition);
                }
            }
            model.addRouteDefinitions(previous);
        } catch (Exception e) {
            throw new IllegalStateException("putting the previous routes back failed: " + reason(e), e);
        }
    }

    private void restart(List<String> stopped) {
        for (String id : stopped) {
            try {
                context.getRouteController().startRoute(id);
            } catch (Exception e) {
                throw new IllegalStateException("route '" + id + "' could not be started again: " + reason(e), e);
            }
        }
    }

    /** The innermost message: Camel wraps the cause that names the mistake in several layers of its own. */
    static String reason(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        return message.replaceAll("\\s+", " ");
    }
}
