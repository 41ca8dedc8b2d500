package dealhub.relay.http;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import dealhub.relay.reply.Receipt;

import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.camel.support.LifecycleStrategySupport;

/**
 * Answers {@code 503} with {@code Retry-After} and a JSON body to every request but health and metrics while the
 * routes cannot take it, and keeps readiness DOWN meanwhile.
 * <p>
 * Camel opens the port as it starts (health must answer early), before the routes that take webhooks exist, and
 * they go away again before the port closes when it stops. A webhook in either moment got {@code 404}, which
 * DealHub does not retry and a load balancer takes as final: the event was lost. The gate opens once Camel has
 * fully started (the journal's tables are there and every route consumes) and closes as soon as Camel begins to
 * stop. A reload that swaps routes taking HTTP requests closes it for the moment of the swap too ({@link #pause}):
 * the old route's path is gone before the new one's is there.
 */
final class StartupGate extends AbstractHealthCheck implements Handler<RoutingContext> {

    static final String RETRY_AFTER_SECONDS = String.valueOf(Receipt.RETRY_AFTER_SECONDS);
    private static final String BODY = "{\"status\":\"rejected\",\"error\":\"the relay is starting or stopping and"
            + " cannot store events now; retry later\"}";

    private final String managementPath;
    private volatile boolean open;
    private final AtomicInteger pauses = new AtomicInteger();
    /** Requests let through and not yet answered: a pause waits for them before routes are swapped. */
    private final AtomicInteger passing = new AtomicInteger();

    /** @param managementPath where health and metrics are served ({@code camel.management.path}): never gated */
    StartupGate(String managementPath) {
        super("relay", "intake-open");
        this.managementPath = managementPath.endsWith("/") ? managementPath : managementPath + "/";
    }

    /** Opens the gate once Camel has fully started and closes it when Camel begins to stop. */
    void followLifecycleOf(CamelContext context) throws Exception {
        context.addStartupListener(new ExtendedStartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext camel, boolean alreadyStarted) {
                // not yet: routes start after this
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext camel, boolean alreadyStarted) {
                open = true;
            }
        });
        context.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStopping(CamelContext camel) {
                open = false;
            }
        });
    }

    /**
     * Answers 503 until {@link #resume}, once the requests already let through are answered (at most
     * {@code waitMillis}): one that passed the gate but reached its route after the route stopped would fail with a
     * 500. Readiness is left alone: a swap takes milliseconds.
     */
    void pause(long waitMillis) throws InterruptedException {
        pauses.incrementAndGet();
        long deadline = System.nanoTime() + waitMillis * 1_000_000;
        while (passing.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    void resume() {
        pauses.decrementAndGet();
    }

    @Override
    public void handle(RoutingContext request) {
        if ((request.normalizedPath() + "/").startsWith(managementPath)) {
            request.next();
            return;
        }
        // Counted before the pause is checked, as pause() counts itself before it checks for requests: whichever comes
        // second sees the other, so no request slips past a pause that has begun (one did, and met a missing route).
        passing.incrementAndGet();
        if (open && pauses.get() == 0) {
            request.addEndHandler(ended -> passing.decrementAndGet());
            request.next();
            return;
        }
        passing.decrementAndGet();
        request.response().setStatusCode(503).putHeader("Retry-After", RETRY_AFTER_SECONDS)
                .putHeader("Content-Type", "application/json").end(BODY);
    }

    @Override
    public boolean isLiveness() {
        return false; // starting up is not a reason to be restarted
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        if (open) {
            builder.up();
        } else {
            builder.down().message("the relay is starting or stopping: webhooks are answered 503");
        }
    }
}
