package dealhub.relay.routes;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness is DOWN while a route the relay needs (webhooks, dispatch, the sinks: {@code relay.routes.required}) is
 * missing or not started. Camel's own route checks look only at the routes there are: a route that is gone is
 * nobody's concern there, and the relay would answer UP while events pile up unread.
 */
final class RequiredRoutesCheck extends AbstractHealthCheck {

    private final CamelContext context;
    private final Collection<String> required;

    RequiredRoutesCheck(CamelContext context, Collection<String> required) {
        super("relay", "required-routes");
        this.context = context;
        this.required = required;
    }

    @Override
    public boolean isLiveness() {
        return false; // a restart would not bring a route back that a saved file took away
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        List<String> down = required.stream().filter(id -> {
            ServiceStatus status = context.getRouteController().getRouteStatus(id);
            return status == null || !status.isStarted();
        }).toList();
        if (down.isEmpty()) {
            builder.up();
        } else {
            builder.down().message("required route(s) missing or stopped: " + String.join(", ", down));
        }
    }
}
