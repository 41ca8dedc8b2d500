package dealhub.relay.http;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;

import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.main.MainHttpServerFactory;

/**
 * What stands in front of the routes on the relay's HTTP port, before the first connection is accepted: strict
 * request framing ({@link StrictFramingDecoder}), the {@link StartupGate} and {@link ClientFaults}.
 */
public final class HttpFront {

    /** Before every other route on the router: Camel's own start at order 0. */
    private static final int FIRST = -1_000_000;

    /** How long a pause waits for requests already let through: a webhook is answered in milliseconds. */
    private static final long PAUSE_WAIT_MILLIS = 5000;

    private final CamelContext context;
    private final StartupGate gate;
    private volatile ClientFaults faults;

    private HttpFront(CamelContext context, StartupGate gate) {
        this.context = context;
        this.gate = gate;
    }

    /**
     * Makes camel-main's HTTP server the relay's, and binds the start-up gate's readiness check. Must run before
     * camel-main makes its HTTP server, which it does before any {@code CamelConfiguration} runs.
     */
    public static void bind(CamelContext context) throws Exception {
        String managementPath = context.getPropertiesComponent().resolveProperty("camel.management.path")
                .orElse("/observe");
        HttpFront front = new HttpFront(context, new StartupGate(managementPath));
        front.gate.followLifecycleOf(context);
        context.getRegistry().bind("relayHttpServerFactory", MainHttpServerFactory.class,
                new RelayHttpServerFactory(front));
        context.getRegistry().bind("intakeOpenCheck", front.gate);
    }

    /**
     * Answers requests (but health and metrics) {@code 503} with JSON until the returned action runs: while a reload
     * swaps routes that take HTTP requests, whose paths are briefly unserved (a {@code 404} DealHub would not retry).
     */
    public static Runnable pauseRequests(CamelContext context) {
        StartupGate gate = context.getRegistry().lookupByNameAndType("intakeOpenCheck", StartupGate.class);
        if (gate == null) {
            return () -> { };
        }
        try {
            gate.pause(PAUSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return gate::resume;
    }

    /** Puts the front on the router, just before the server listens (the meter registry is bound by then). */
    void install(Router router) {
        MeterRegistry meters = context.getRegistry().lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME,
                MeterRegistry.class);
        faults = new ClientFaults(meters, Clock.systemUTC());
        router.route().order(FIRST).handler(gate).failureHandler(faults);
    }

    void invalidRequest(HttpServerRequest request) {
        faults.invalidRequest(request);
    }
}
