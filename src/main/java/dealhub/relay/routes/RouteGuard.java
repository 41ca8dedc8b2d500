package dealhub.relay.routes;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.micrometer.core.instrument.MeterRegistry;

import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.model.Model;
import org.apache.camel.support.RouteWatcherReloadStrategy;

/**
 * Guards the relay's routes, at start and when a route file is saved: a start whose routes send to an in-memory
 * endpoint nobody consumes, or lack a required route, is refused with one line naming them; Camel's reload is
 * replaced by {@link SafeRouteReload}; readiness watches the required routes ({@link RequiredRoutesCheck}).
 */
public final class RouteGuard {

    private RouteGuard() {
    }

    /**
     * Call once the routes are defined and before Camel starts.
     *
     * @param required     route ids the relay cannot work without
     * @param knownTargets by the fixed start of a dynamic send, the in-memory endpoints it may mean
     *                     ({@code direct:sink-}: each sink's {@code direct:sink-<name>})
     * @param drainSeconds how long a route being replaced gets for what it has in flight
     * @param pauseRequests answers HTTP requests 503 until the action it returns runs
     */
    public static void install(CamelContext context, Collection<String> required,
            Map<String, Collection<String>> knownTargets, long drainSeconds, Supplier<Runnable> pauseRequests)
            throws Exception {
        ConsumerCheck consumers = new ConsumerCheck(context, knownTargets);
        Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
        List<String> problems = new ArrayList<>(
                consumers.problems(model.getRouteDefinitions(), model.getRouteConfigurationDefinitions()));
        required.stream().filter(id -> model.getRouteDefinition(id) == null)
                .forEach(id -> problems.add("required route '" + id + "' is in no route file (relay.routes.required)"));
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the routes cannot work: " + String.join("; ", problems));
        }
        context.getRegistry().bind("requiredRoutesCheck", new RequiredRoutesCheck(context, required));

        RouteWatcherReloadStrategy camels = context.hasService(RouteWatcherReloadStrategy.class);
        if (camels != null && !(camels instanceof SafeRouteReload)) {
            String folder = camels.getFolder();
            // Camel keeps a service added before the start in its start-up list even when it is removed: without a
            // folder, its watcher does nothing.
            camels.setFolder(null);
            context.removeService(camels);
            MeterRegistry meters = context.getRegistry().lookupByNameAndType(
                    MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class);
            context.addService(new SafeRouteReload(folder, camels.isRecursive(), camels.getPattern(),
                    consumers, required, new RouteSwap(context, drainSeconds, pauseRequests), meters));
        }
    }
}
