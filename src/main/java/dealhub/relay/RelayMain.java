package dealhub.relay;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

/**
 * Starts the relay. Settings come from {@code relay-defaults.properties} (built in), then
 * {@code ./application.properties}, then a file named by {@code --properties FILE}, then environment variables.
 */
public final class RelayMain {

    private RelayMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> rest = new ArrayList<>();
        String propertiesFile = null;
        for (int i = 0; i < args.length; i++) {
            if ("--properties".equals(args[i]) && i + 1 < args.length) {
                propertiesFile = args[++i];
            } else {
                rest.add(args[i]);
            }
        }
        Main main = create(propertiesFile == null ? List.of() : List.of("file:" + propertiesFile));
        System.exit(main.run(rest.toArray(String[]::new)));
    }

    /**
     * A configured, not yet started relay; {@code overrides} are property files that win over
     * {@code application.properties}, the first one most.
     */
    public static Main create(List<String> overrides) {
        Main main = new Main(RelayMain.class);
        // Where a key is in several locations, the first location holding it wins.
        List<String> locations = new ArrayList<>(overrides);
        locations.add("file:application.properties;optional=true");
        locations.add("classpath:relay-defaults.properties");
        main.setPropertyPlaceholderLocations(String.join(",", locations));
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterConfigure(BaseMainSupport configured) {
                // Sink routes come from the templates in routes/, so they can only be made once those are loaded.
                try {
                    configured.getCamelContext().getRegistry()
                            .lookupByNameAndType("sinkRegistry", dealhub.relay.sinks.SinkRegistry.class)
                            .createRoutes(configured.getCamelContext());
                } catch (Exception e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
        });
        return main;
    }
}
