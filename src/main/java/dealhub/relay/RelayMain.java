package dealhub.relay;

import java.util.ArrayList;
import java.util.List;

import dealhub.relay.sinks.SinkRegistry;

import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.Registry;

/**
 * Starts the relay. Settings come from {@code relay-defaults.properties} (built in), then
 * {@code ./application.properties}, then a file named by {@code --properties FILE}, then environment variables.
 */
public final class RelayMain {

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
        System.exit(create(locations).run(rest.toArray(String[]::new)));
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
            public void afterConfigure(BaseMainSupport configured) {
                // Sink routes come from the templates in routes/, so they can only be made once those are loaded.
                Registry registry = configured.getCamelContext().getRegistry();
                try {
                    registry.lookupByNameAndType("sinkRegistry", SinkRegistry.class)
                            .createRoutes(configured.getCamelContext());
                } catch (Exception e) {
                    RelayConfiguration.releaseDatabase(registry);
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
        });
        return main;
    }
}
