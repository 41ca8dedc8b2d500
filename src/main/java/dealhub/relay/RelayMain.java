package dealhub.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.LoggerContext;

import dealhub.relay.http.HttpFront;
import dealhub.relay.routes.RouteGuard;
import dealhub.relay.sinks.SinkRegistry;

import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the relay. Settings come from {@code relay-defaults.properties} (built in), then
 * {@code ./application.properties}, then a file named by {@code --properties FILE}, then environment variables.
 */
public final class RelayMain {

    private static final Logger LOG = LoggerFactory.getLogger(RelayMain.class);

    private RelayMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> rest = new ArrayList<>();
        List<String> locations = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if ("--properties".equals(args[i]) && i + 1 < args.length) {
                locations.add("file:" + args[++i]);
            } else {
                rest.add(args[i]);
            }
        }
        locations.add("file:application.properties;optional=true");
        int status = run(locations, rest.toArray(String[]::new));
        // The log is written by a thread of its own: after a refused start, let it write why before the JVM ends.
        // (After a normal stop Camel's shutdown hook may still be logging: exit as before.)
        if (status != 0 && LoggerFactory.getILoggerFactory() instanceof LoggerContext logging) {
            logging.stop();
        }
        System.exit(status);
    }

    /**
     * Runs the relay until it stops and returns its exit status. A start that fails is logged as one line saying why
     * (the setting at fault and what is wrong with it), with the stack trace only at DEBUG, and returns 1.
     */
    public static int run(List<String> locations, String[] args) {
        Main main = create(locations);
        try {
            return main.run(args);
        } catch (Exception e) {
            LOG.error("dealhub-relay did not start: {}", StartFailure.reason(e));
            LOG.debug("dealhub-relay did not start", e);
            main.stop();
            return 1;
        }
    }

    /**
     * A configured, not yet started relay reading its settings from {@code locations} (property files, the first
     * one winning over the next), then from the built-in defaults.
     */
    public static Main create(List<String> locations) {
        // The beans come from RelayConfiguration, named here: scanning the 32 MB shaded jar for configuration
        // classes instead cost about 0.2 s of every start.
        Main main = new Main();
        main.configure().setBasePackageScanEnabled(false);
        main.configure().addConfiguration(RelayConfiguration.class);
        // Where a key is in several locations, the first location holding it wins.
        List<String> all = new ArrayList<>(locations);
        all.add("classpath:relay-defaults.properties");
        main.setPropertyPlaceholderLocations(String.join(",", all));
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport configuring) {
                // before camel-main makes its HTTP server from camel.server.*, which it does before any
                // CamelConfiguration runs
                try {
                    HttpFront.bind(configuring.getCamelContext());
                } catch (Exception e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }

            @Override
            public void afterConfigure(BaseMainSupport configured) {
                // Sink routes come from the templates in routes/, so they can only be made once those are loaded.
                Registry registry = configured.getCamelContext().getRegistry();
                try {
                    SinkRegistry sinks = registry.lookupByNameAndType("sinkRegistry", SinkRegistry.class);
                    sinks.createRoutes(configured.getCamelContext());
                    guardRoutes(configured.getCamelContext(), sinks);
                } catch (Exception e) {
                    RelayConfiguration.releaseDatabase(registry);
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
        });
        return main;
    }

    /** Every route the relay needs is there, every in-memory send has a consumer, now and after each reload. */
    private static void guardRoutes(CamelContext context, SinkRegistry sinks) throws Exception {
        Settings settings = new Settings(context.getPropertiesComponent());
        List<String> required = new ArrayList<>(settings.list("relay.routes.required"));
        List<String> sinkEndpoints = new ArrayList<>();
        for (String sink : sinks.names()) {
            required.add(SinkRegistry.TEMPLATE_PREFIX + sink);
            sinkEndpoints.add("direct:sink-" + sink);
        }
        RouteGuard.install(context, required, Map.of("direct:sink-", sinkEndpoints),
                settings.integer("relay.routes.reload-drain-seconds"), () -> HttpFront.pauseRequests(context));
    }
}
