package dealhub.relay.reconcile;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

import dealhub.relay.reply.AdminReply;
import dealhub.relay.reply.BadRequestException;

import org.apache.camel.Exchange;
import org.apache.camel.Header;

/**
 * The operators' view of reconciling ({@code routes/admin.yaml}, behind the admin token): {@code POST
 * /admin/reconcile} starts a run now, {@code ?dryRun=true} answers what one would do without journaling anything, and
 * {@code GET /admin/reconcile} shows this instance's run under way and the latest runs of every instance.
 */
public class ReconcileAdmin {

    /** Exchange property: whether the run started is a dry run, answered when it ends. */
    public static final String DRY_RUN = "relayReconcileDryRun";

    private static final int RECENT_RUNS = 10;

    private final Reconciler reconciler;
    private final ReconcileRuns runs;

    public ReconcileAdmin(Reconciler reconciler, ReconcileRuns runs) {
        this.reconciler = reconciler;
        this.runs = runs;
    }

    /** {@code POST /admin/reconcile[?dryRun=true]}: the run starts, or 409 while one is under way. */
    public void start(@Header("dryRun") String dryRun, Exchange exchange) throws SQLException {
        if (dryRun != null && !dryRun.equals("true") && !dryRun.equals("false")) {
            throw new BadRequestException(400, "dryRun must be true or false");
        }
        boolean dry = "true".equals(dryRun);
        if (reconciler.startNow(exchange, dry) == null) {
            throw new BadRequestException(409, "a reconcile run is under way (GET /admin/reconcile shows it)");
        }
        exchange.setProperty(DRY_RUN, dry);
    }

    /** What was started: a dry run's whole result (200), or the run that goes on in the background (202). */
    public AdminReply started(Exchange exchange) {
        ReconcileRun run = exchange.getProperty(Reconciler.RUN, ReconcileRun.class);
        return new AdminReply(run.dryRun() ? 200 : 202, run.describe());
    }

    /** {@code GET /admin/reconcile}: this instance's run under way, and the latest runs of every instance. */
    public AdminReply status() throws SQLException {
        Map<String, Object> body = new LinkedHashMap<>();
        ReconcileRun current = reconciler.current();
        body.put("current", current == null ? null : current.describe());
        body.put("runs", runs.recent(RECENT_RUNS));
        return new AdminReply(200, body);
    }
}
