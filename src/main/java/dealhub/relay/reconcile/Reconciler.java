package dealhub.relay.reconcile;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import dealhub.relay.reconcile.ListedPage.ListedQuote;
import dealhub.relay.reconcile.ReconcileRun.Result;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The Java steps of {@code routes/reconcile.yaml}: starting a run (on schedule, under the reconcile lease), comparing
 * each page of DealHub's quote list with what the relay last saw, journaling a {@code reconciled} event for each new
 * or changed quote, and, after a complete list, for each known quote that is gone; then one line with the counts.
 * A dry run does all of it but journal, and holds no lease.
 */
public class Reconciler {

    /** Exchange property: the run the exchange works on. */
    public static final String RUN = "relayReconcileRun";

    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    /** Known quotes compared for absence per query. */
    private static final int GONE_BATCH = 200;

    private final ReconcileRuns runs;
    private final QuoteStates states;
    private final ReconcileMetrics metrics;
    private final Duration interval;
    private final int maxOffset;
    /** This instance's run under way, if any; another instance's shows in the runs table. */
    private final AtomicReference<ReconcileRun> current = new AtomicReference<>();

    /**
     * @param interval  a run is due when no run of any instance ended within it
     * @param maxOffset the largest {@code offset} DealHub's list accepts (10,000 in its published spec)
     */
    public Reconciler(ReconcileRuns runs, QuoteStates states, ReconcileMetrics metrics, Duration interval,
            int maxOffset) {
        this.runs = runs;
        this.states = states;
        this.metrics = metrics;
        this.interval = interval;
        this.maxOffset = maxOffset;
    }

    /** On schedule: starts a run when none ended within the interval and no instance runs one; else {@code null}. */
    public ReconcileRun startIfDue(Exchange exchange) throws SQLException {
        metrics.lastSuccess(runs.lastSuccess());
        if (current.get() != null || !due() || !runs.tryLease()) {
            return null;
        }
        // Another instance may have ended a run between the check and the lease.
        if (!due()) {
            runs.releaseLease();
            return null;
        }
        return begin(exchange, "schedule");
    }

    private boolean due() throws SQLException {
        Instant last = runs.lastFinished();
        return last == null || !last.plus(interval).isAfter(Instant.now());
    }

    /**
     * An operator's run: at once, unless one is under way (then {@code null}). A dry run needs no lease: it journals
     * nothing.
     */
    public ReconcileRun startNow(Exchange exchange, boolean dryRun) throws SQLException {
        if (dryRun) {
            ReconcileRun run = new ReconcileRun(UUID.randomUUID().toString(), "admin", true, Instant.now());
            exchange.setProperty(RUN, run);
            return run;
        }
        if (current.get() != null || !runs.tryLease()) {
            return null;
        }
        return begin(exchange, "admin");
    }

    private ReconcileRun begin(Exchange exchange, String trigger) throws SQLException {
        ReconcileRun run = new ReconcileRun(UUID.randomUUID().toString(), trigger, false, Instant.now());
        try {
            runs.begin(run);
        } catch (SQLException | RuntimeException e) {
            runs.releaseLease();
            throw e;
        }
        current.set(run);
        exchange.setProperty(RUN, run);
        LOG.atInfo().setMessage("reconcile run started").addKeyValue("run_id", run.id())
                .addKeyValue("trigger", trigger).log();
        return run;
    }

    /** This instance's run under way, else {@code null}. */
    public ReconcileRun current() {
        return current.get();
    }

    /** Whether the run reads another page; a relay that stops ends its run there, giving the lease back at once. */
    public boolean hasNextPage(Exchange exchange) {
        ReconcileRun run = run(exchange);
        if (run.hasNextPage() && (exchange.getContext().isStopping() || exchange.getContext().isStopped())) {
            run.cutShort("the relay stopped before the run ended");
        }
        return run.hasNextPage();
    }

    /** Before each attempt at a page: a run whose lease another instance took over stops. */
    public void keepLease(Exchange exchange) throws SQLException {
        if (!run(exchange).dryRun() && !runs.renewLease()) {
            throw new QuoteStates.LeaseLostException();
        }
    }

    /** Compares the page's quotes with what the relay last saw, and journals the new and changed ones. */
    public void reconcilePage(Exchange exchange) throws SQLException {
        ReconcileRun run = run(exchange);
        if (!ReconcileRun.RUNNING.equals(run.state())) {
            return; // the page failed for good (pageFailed): there is nothing to compare
        }
        ListedPage page = exchange.getIn().getBody(ListedPage.class);
        Map<String, String> listed = new java.util.LinkedHashMap<>();
        for (ListedQuote quote : page.quotes()) {
            if (quote.quoteId() == null || quote.state() == null) {
                run.add(Result.SKIPPED);
            } else if (run.firstListing(quote.quoteId())) {
                listed.put(quote.quoteId(), quote.state());
            }
        }
        Map<String, KnownState> known = states.known(listed.keySet());
        Instant now = Instant.now();
        List<Reconciled> events = new ArrayList<>();
        listed.forEach((quoteId, state) -> {
            KnownState last = known.get(quoteId);
            if (last != null && last.absentSince() == null && state.equals(last.state())) {
                run.add(Result.UNCHANGED);
            } else {
                Result result = last == null ? Result.NEW : Result.CHANGED;
                run.add(result);
                events.add(Reconciled.of(run.id(), quoteId, result, state, last, now));
            }
        });
        if (!run.dryRun()) {
            states.journal(events, runs);
        }
        run.pageRead(page.quotes().size(), page.more());
        if (run.hasNextPage() && run.offset() > maxOffset) {
            run.capped();
            LOG.atWarn().setMessage("DealHub's quote list goes on beyond offset " + maxOffset + ", the most it accepts:"
                    + " the quotes after it are not reconciled, and no quote is judged gone")
                    .addKeyValue("run_id", run.id()).addKeyValue("listed", run.listedCount()).log();
        }
        if (!run.dryRun()) {
            runs.save(run);
        }
    }

    /** A page failed for good (after the retries the policy allows): the run gives up. */
    public void pageFailed(Exchange exchange) {
        run(exchange).failed(describe(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class)));
    }

    /**
     * Ends the run: after a complete list, known quotes it did not have are reported gone; then the run is recorded,
     * counted and logged, and the lease given back. The body becomes the run, for an operator's answer.
     */
    public ReconcileRun finish(Exchange exchange) throws SQLException {
        ReconcileRun run = run(exchange);
        try {
            if (ReconcileRun.RUNNING.equals(run.state())) {
                reportGone(run);
            }
        } catch (SQLException | RuntimeException e) {
            run.failed("reporting gone quotes failed: " + describe(e));
        } finally {
            run.finished(Instant.now());
            if (!run.dryRun()) {
                // Counted before the run shows as ended: whoever sees it ended sees it counted.
                metrics.runEnded(run);
                try {
                    runs.save(run);
                    runs.releaseLease();
                } finally {
                    current.compareAndSet(run, null);
                }
            }
        }
        log(run);
        exchange.getIn().setBody(run);
        return run;
    }

    /** Known quotes the complete list did not have, unless already reported gone: a reconciled event each. */
    private void reportGone(ReconcileRun run) throws SQLException {
        List<String> candidates = new ArrayList<>();
        for (String quoteId : states.knownBefore(run.startedAt())) {
            if (!run.listed(quoteId)) {
                candidates.add(quoteId);
            }
        }
        for (int from = 0; from < candidates.size(); from += GONE_BATCH) {
            Set<String> batch = new LinkedHashSet<>(candidates.subList(from, Math.min(candidates.size(), from + GONE_BATCH)));
            Map<String, KnownState> known = states.known(batch);
            Instant now = Instant.now();
            List<Reconciled> events = new ArrayList<>();
            for (String quoteId : batch) {
                KnownState last = known.get(quoteId);
                if (last == null || last.absentSince() == null) {
                    run.add(Result.GONE);
                    events.add(Reconciled.of(run.id(), quoteId, Result.GONE, null, last, now));
                }
            }
            if (!run.dryRun()) {
                states.journal(events, runs);
            }
        }
    }

    private static void log(ReconcileRun run) {
        LoggingEventBuilder line = ReconcileRun.FAILED.equals(run.state()) ? LOG.atWarn() : LOG.atInfo();
        line = line.setMessage((run.dryRun() ? "reconcile dry run " : "reconcile run ") + run.state()
                + (run.failure() == null ? "" : ": " + run.failure()));
        for (Map.Entry<String, Object> field : run.describe().entrySet()) {
            if (!field.getKey().equals("failure") && !field.getKey().equals("state") && field.getValue() != null) {
                line = line.addKeyValue(field.getKey(), field.getValue());
            }
        }
        line.addKeyValue("duration_ms", Duration.between(run.startedAt(), run.finishedAt()).toMillis()).log();
    }

    private static ReconcileRun run(Exchange exchange) {
        return exchange.getProperty(RUN, ReconcileRun.class);
    }

    /** A failure in words an operator can act on, without a stack trace. */
    private static String describe(Exception failure) {
        if (failure == null) {
            return "unknown failure";
        }
        if (failure instanceof HttpOperationFailedException http) {
            return "the quote list answered HTTP " + http.getStatusCode();
        }
        return failure.getMessage() == null ? failure.getClass().getSimpleName()
                : failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }
}
