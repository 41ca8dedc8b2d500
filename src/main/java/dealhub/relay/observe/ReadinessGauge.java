package dealhub.relay.observe;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;

/**
 * {@code dealhub_ready}: 1 while every readiness check that {@code /observe/health/ready} runs is UP, else 0, so that
 * an alert rule can see what a load balancer sees. A scrape must answer at once, also while the database stalls: the
 * journal database check is asked not to wait ({@link JournalHealthChecks.Database#NO_WAIT}) and answers from its
 * last probe; every other check reads memory (routes, consumers, the backlog figures, the start-up gate).
 */
public final class ReadinessGauge {

    private ReadinessGauge() {
    }

    public static void register(MeterRegistry registry, CamelContext context) {
        Gauge.builder("dealhub_ready", context, ReadinessGauge::ready)
                .description("1 while the relay is ready to accept webhooks (every readiness check UP), else 0")
                .strongReference(true).register(registry);
    }

    private static double ready(CamelContext context) {
        try {
            Collection<HealthCheck.Result> results = HealthCheckHelper.invoke(context, ReadinessGauge::options,
                    check -> !check.isReadiness(), null);
            return !results.isEmpty() && HealthCheckHelper.isResultsUp(results, true) ? 1 : 0;
        } catch (RuntimeException notYet) {
            return 0; // no health check registry yet (starting) or none any more (stopping)
        }
    }

    private static Map<String, Object> options(HealthCheck check) {
        Map<String, Object> options = new HashMap<>();
        options.put(HealthCheck.CHECK_KIND, HealthCheck.Kind.READINESS);
        options.put(JournalHealthChecks.Database.NO_WAIT, true);
        return options;
    }
}
