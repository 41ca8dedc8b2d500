package dealhub.relay;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import dealhub.relay.admin.AdminApi;
import dealhub.relay.admin.AdminReplays;
import dealhub.relay.admin.ConsoleFiles;
import dealhub.relay.dealhub.DealHubSimulator;
import dealhub.relay.dealhub.QuoteApi;
import dealhub.relay.dispatch.Deliveries;
import dealhub.relay.dispatch.Enrichment;
import dealhub.relay.dispatch.FailedAttempt;
import dealhub.relay.dispatch.Failures;
import dealhub.relay.dispatch.InstanceIdentity;
import dealhub.relay.dispatch.Leases;
import dealhub.relay.dispatch.RetrySchedule;
import dealhub.relay.intake.WebhookAuthenticator;
import dealhub.relay.intake.WebhookIntake;
import dealhub.relay.intake.WebhookParser;
import dealhub.relay.journal.DeliveryOutcomes;
import dealhub.relay.journal.DeliveryReplay;
import dealhub.relay.journal.EventSearch;
import dealhub.relay.journal.EventStore;
import dealhub.relay.journal.GroupCommit;
import dealhub.relay.journal.JournalQueries;
import dealhub.relay.journal.JournalSchema;
import dealhub.relay.journal.WorkQueue;
import dealhub.relay.observe.CounterHistory;
import dealhub.relay.observe.EventLines;
import dealhub.relay.observe.JournalHealthChecks;
import dealhub.relay.observe.JournalSnapshot;
import dealhub.relay.observe.ReadinessGauge;
import dealhub.relay.observe.RelayMetrics;
import dealhub.relay.reconcile.QuoteListing;
import dealhub.relay.reconcile.QuoteStates;
import dealhub.relay.reconcile.ReconcileAdmin;
import dealhub.relay.reconcile.ReconcileMetrics;
import dealhub.relay.reconcile.ReconcileRuns;
import dealhub.relay.reconcile.Reconciler;
import dealhub.relay.reply.JsonReply;
import dealhub.relay.sinks.JsonLines;
import dealhub.relay.sinks.SafeFileNames;
import dealhub.relay.sinks.SinkRegistry;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.util.TimeUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the beans the YAML routes call, from the relay's settings, and checks those settings: a relay that
 * would misbehave refuses to start, saying which key is wrong.
 */
public class RelayConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(RelayConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        SettingPlaceholders.requireResolved(context.getPropertiesComponent());
        Settings settings = new Settings(context.getPropertiesComponent());
        Registry registry = context.getRegistry();

        HikariDataSource dataSource = dataSource(settings);
        registry.bind("relayDataSource", DataSource.class, dataSource);
        JournalSchema schema = JournalSchema.migrateInBackground(dataSource);
        registry.bind("journalSchema", schema);
        // A relay that stops lets the migration finish, then closes the pool.
        stopWithCamel(context, () -> releaseDatabase(registry));
        // Routes start consuming (webhooks, dispatch, admin) only once the journal's tables are there.
        context.addStartupListener((camel, alreadyStarted) -> schema.await());
        InstanceIdentity identity = null;
        try {
            identity = InstanceIdentity.take(settings.optional("relay.instance-id"), Path.of(""),
                    Path.of(System.getProperty("java.io.tmpdir")));
            bindBeans(context, settings, registry, dataSource, identity);
        } catch (Exception | Error e) {
            if (identity != null) {
                identity.close();
            }
            releaseDatabase(registry);
            throw e;
        }
    }

    /**
     * Lets the journal's migration finish, then closes the relay's pool. Camel does so when it stops; a start refused
     * while the relay is being configured must do it itself (Camel stops nothing then), or the migration and the
     * pool go on writing into a database its caller has given up.
     */
    static void releaseDatabase(Registry registry) {
        registry.lookupByNameAndType("journalSchema", JournalSchema.class).awaitEnd();
        registry.lookupByNameAndType("relayDataSource", HikariDataSource.class).close();
    }

    /** The beans the routes call, and the checks of the settings they are made from. */
    private static void bindBeans(CamelContext context, Settings settings, Registry registry,
            HikariDataSource dataSource, InstanceIdentity identity) throws Exception {
        stopWithCamel(context, identity::close);
        String instanceId = identity.owner();
        Duration lease = Duration.ofSeconds(settings.integer("relay.dispatch.lease-seconds"));
        if (settings.integer("relay.dispatch.lease-renew-ms") >= lease.toMillis()) {
            throw new IllegalArgumentException("relay.dispatch.lease-renew-ms must be shorter than"
                    + " relay.dispatch.lease-seconds, or leases run out while their events are worked on");
        }
        // Stopped before the database: it finishes the writes already handed in.
        GroupCommit commits = new GroupCommit(dataSource, settings.integer("relay.journal.max-batch"), "journal-writer");
        stopWithCamel(context, commits::close);
        EventStore events = new EventStore(commits,
                Duration.ofMillis(positive(settings, "relay.webhook.commit-timeout-ms")));
        // No statement of the work queue waits longer than a renewal interval (nor a quarter of the lease): a renewal
        // that cannot complete fails in time for this instance to know its leases are not being kept.
        int queryTimeoutSeconds = (int) Math.max(1, Math.min(settings.integer("relay.dispatch.lease-renew-ms") / 1000,
                lease.toSeconds() / 4));
        WorkQueue workQueue = new WorkQueue(dataSource, commits, instanceId, lease, queryTimeoutSeconds);
        // After the journal's tables are there (the listener before this one), before dispatch claims.
        context.addStartupListener((camel, alreadyStarted) -> takeBackEarlierLeases(workQueue, identity));
        DeliveryOutcomes outcomes = new DeliveryOutcomes(dataSource, commits, instanceId);
        JournalQueries queries = new JournalQueries(dataSource);
        SinkRegistry sinks = SinkRegistry.fromProperties(context.getPropertiesComponent(),
                settings.list("relay.webhook.events"));

        // The registry Camel serves at /observe/metrics, so the relay's meters appear next to Camel's own.
        MeterRegistry meters = registry.lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class);
        if (meters == null) {
            meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            registry.bind(MicrometerConstants.METRICS_REGISTRY_NAME, meters);
        }
        // Metrics and readiness answer at once, also while the database stalls: the journal's figures are read in
        // the background, and the database check waits a bounded time.
        JournalSnapshot figures = new JournalSnapshot(queries, Duration.ofSeconds(1), 2);
        stopWithCamel(context, figures::close);
        RelayMetrics metrics = new RelayMetrics(meters, figures);
        metrics.retriesWaiting(sinks.names());
        JournalHealthChecks.Database databaseCheck = new JournalHealthChecks.Database(dataSource, Duration.ofSeconds(1));
        stopWithCamel(context, databaseCheck::close);
        registry.bind("journalDatabaseCheck", databaseCheck);
        registry.bind("journalBacklogCheck",
                new JournalHealthChecks.Backlog(figures, settings.integer("relay.health.max-backlog")));
        ReadinessGauge.register(meters, context);

        registry.bind("sinkRegistry", sinks);
        registry.bind("webhookAuthenticator", new WebhookAuthenticator(
                WebhookAuthenticator.Mode.of(settings.string("relay.webhook.auth")),
                settings.list("relay.webhook.secrets")));
        registry.bind("webhookParser", new WebhookParser(Clock.systemUTC(), settings.list("relay.webhook.events")));
        int eventLines = settings.integer("relay.log.event-lines-per-second");
        registry.bind("webhookIntake", new WebhookIntake(events, metrics, new EventLines(
                LoggerFactory.getLogger(WebhookIntake.class), "webhooks accepted", eventLines, Clock.systemUTC())));
        registry.bind("jsonReply", new JsonReply());
        QuoteApi quoteApi = new QuoteApi(settings.optional("dealhub.api.token").orElse(null),
                settings.list("dealhub.api.features"), metrics);
        registry.bind("quoteApi", quoteApi);
        Leases leases = new Leases(workQueue, sinks, settings.integer("relay.dispatch.capacity"),
                settings.integer("relay.dispatch.poll-interval-ms"), lease);
        registry.bind("leases", leases);
        // Stopped before the database (services stop in reverse order), after the routes have drained.
        stopWithCamel(context, leases::releaseLeases);
        RetrySchedule schedule = RetrySchedules.fromSettings(settings);
        Deliveries deliveries = new Deliveries(outcomes, sinks, metrics, leases, schedule, new EventLines(
                LoggerFactory.getLogger(Deliveries.class), "deliveries done", eventLines, Clock.systemUTC()));
        registry.bind("deliveries", deliveries);
        registry.bind("enrichment", new Enrichment(quoteApi, deliveries, new EventLines(
                LoggerFactory.getLogger(Enrichment.class), "quotes fetched", eventLines, Clock.systemUTC())));
        registry.bind("failures", new Failures());

        registry.bind("safeFileNames", new SafeFileNames());
        registry.bind("jsonLines", new JsonLines());
        bindAdmin(context, settings, registry, dataSource, queries, outcomes, meters, figures);

        registry.bind("failedAttempt", new FailedAttempt(null, 0));
        registry.bind("failedGetQuote", new FailedAttempt(metrics, 0));

        bindReconcile(context, registry, settings, dataSource, identity, meters, schedule);

        if (settings.flag("dealhub.simulator.enabled")) {
            registry.bind("dealhubSimulator",
                    new DealHubSimulator(Path.of(settings.string("dealhub.simulator.quote-file")),
                            settings.integer("dealhub.simulator.quotes"), settings.integer("dealhub.simulator.seed")));
            LOG.warn("**************************************************************************");
            LOG.warn("* dealhub.simulator.enabled=true: this relay serves a FAKE Get Quote API *");
            LOG.warn("* at /simulator from sample data. For demos and tests only, never in     *");
            LOG.warn("* production: point dealhub.api.base-url at DealHub and turn it off.     *");
            LOG.warn("**************************************************************************");
        }
        LOG.info("relay instance {} on {}: sinks {}", instanceId, dataSource.getPoolName(), sinks.names());
    }

    /** The beans of the admin API (routes/admin.yaml) and of the console (routes/console.yaml). */
    private static void bindAdmin(CamelContext context, Settings settings, Registry registry, DataSource dataSource,
            JournalQueries queries, DeliveryOutcomes outcomes, MeterRegistry meters, JournalSnapshot figures)
            throws Exception {
        String token = settings.optional("relay.admin.token").orElse(null);
        EventSearch search = new EventSearch(dataSource);
        CounterHistory history = new CounterHistory(meters, figures, Duration.ofSeconds(10));
        stopWithCamel(context, history::close);
        registry.bind("adminApi", new AdminApi(queries, search, history, outcomes, token));
        registry.bind("adminReplays", new AdminReplays(search, new DeliveryReplay(dataSource, search)));
        registry.bind("consoleFiles", new ConsoleFiles(token != null));
        registry.bind("consoleHeaderFilter", ConsoleFiles.headerFilter());
    }

    /** Something to do when Camel stops; Camel stops its services in the reverse order they were added. */
    private interface StopAction {
        void stop() throws Exception;
    }

    private static void stopWithCamel(CamelContext context, StopAction action) throws Exception {
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() throws Exception {
                action.stop();
            }
        }, true, true);
    }

    private static HikariDataSource dataSource(Settings settings) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("relay-db");
        config.setJdbcUrl(settings.string("relay.datasource.url"));
        settings.optional("relay.datasource.username").ifPresent(config::setUsername);
        settings.optional("relay.datasource.password").ifPresent(config::setPassword);
        config.setMaximumPoolSize(settings.integer("relay.datasource.pool-size"));
        // Fail fast when the database is away: intake answers 503 and DealHub retries, rather than hanging.
        config.setConnectionTimeout(settings.integer("relay.datasource.connection-timeout-ms"));
        // The first connection (opening an embedded database takes a while) is made by the journal's migration on
        // its own thread; a database that cannot be reached stops the start there, with the driver's reason.
        config.setInitializationFailTimeout(-1);
        return new HikariDataSource(config);
    }

    private static int positive(Settings settings, String key) {
        int value = settings.integer(key);
        if (value < 1) {
            throw new IllegalArgumentException(key + " must be at least 1");
        }
        return value;
    }

    /**
     * What this instance's earlier incarnations still held when they died (kill -9, a crash) is free again at once:
     * it need not wait for their leases to run out.
     */
    private static void takeBackEarlierLeases(WorkQueue workQueue, InstanceIdentity identity) throws Exception {
        int released = workQueue.releaseLeasesOf(identity.ownerPrefix());
        if (released > 0) {
            LOG.info("took back {} deliveries leased by an earlier run of {}", released, identity.name());
        }
    }

    /** The beans of routes/reconcile.yaml and of the admin API's /admin/reconcile. */
    private static void bindReconcile(CamelContext context, Registry registry, Settings settings, DataSource dataSource,
            InstanceIdentity identity, MeterRegistry meters, RetrySchedule schedule) throws Exception {
        QuoteListing listing = new QuoteListing(settings.optional("dealhub.api.token").orElse(null),
                settings.integer("relay.reconcile.page-size"), settings.string("relay.reconcile.features"));
        Duration lease = Duration.ofSeconds(settings.integer("relay.reconcile.lease-seconds"));
        ReconcileRuns runs = new ReconcileRuns(dataSource, identity.owner(), lease);
        // Before the schedule's first check: a run this instance's killed incarnation held restarts at once.
        context.addStartupListener((camel, alreadyStarted) -> {
            if (runs.takeBackFromEarlierRun(identity.ownerPrefix())) {
                LOG.info("took back the reconcile lease of an earlier run of {}", identity.name());
            }
        });
        RedeliveryPolicy pageRetries = RetrySchedules.pageRetries(schedule, lease);
        registry.bind("pageRetryPolicy", pageRetries);
        registry.bind("failedPage", new FailedAttempt(null, RetrySchedules.longestPageWait(pageRetries)));
        Duration interval = TimeUtils.toDuration(settings.string("relay.reconcile.interval"));
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("relay.reconcile.interval must be a positive duration, e.g. 6h");
        }
        ReconcileMetrics metrics = new ReconcileMetrics(meters);
        if (settings.flag("relay.reconcile.enabled")) {
            metrics.scheduledEvery(interval);
        }
        Reconciler reconciler = new Reconciler(runs, new QuoteStates(dataSource, listing.withInfo()), metrics, interval,
                settings.integer("relay.reconcile.max-offset"));
        registry.bind("quoteListing", listing);
        registry.bind("reconciler", reconciler);
        registry.bind("reconcileAdmin", new ReconcileAdmin(reconciler, runs));
    }
}
