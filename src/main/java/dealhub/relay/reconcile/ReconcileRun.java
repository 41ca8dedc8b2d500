package dealhub.relay.reconcile;

import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One reconcile run as it goes: where it is in DealHub's list, what it found, and how it ended. A run is worked on by
 * one exchange at a time; operators read it from other threads, hence the synchronized access.
 */
public final class ReconcileRun {

    public static final String RUNNING = "running";
    /** The whole list was read: quotes that were not on it are gone. */
    public static final String COMPLETE = "complete";
    /** The list was read as far as DealHub's offset cap lets it: what it reached is reconciled, gone is not judged. */
    public static final String CAPPED = "capped";
    /** A page failed for good: what earlier pages found stays journaled; the next run starts again. */
    public static final String FAILED = "failed";

    /** The results a listed or known quote can have. */
    public enum Result {
        NEW, CHANGED, UNCHANGED, GONE, SKIPPED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final String id;
    private final String trigger;
    private final boolean dryRun;
    private final Instant startedAt;
    private final Set<String> listedIds = new HashSet<>();
    private final Map<Result, Integer> counts = new LinkedHashMap<>();
    private int offset;
    private int pages;
    private boolean more = true;
    private String state = RUNNING;
    private String failure;
    private Instant finishedAt;
    private boolean cutShort;

    ReconcileRun(String id, String trigger, boolean dryRun, Instant startedAt) {
        this.id = id;
        this.trigger = trigger;
        this.dryRun = dryRun;
        this.startedAt = startedAt;
        for (Result result : Result.values()) {
            counts.put(result, 0);
        }
    }

    public String id() {
        return id;
    }

    public String trigger() {
        return trigger;
    }

    public boolean dryRun() {
        return dryRun;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public synchronized int offset() {
        return offset;
    }

    synchronized boolean hasNextPage() {
        return more && RUNNING.equals(state);
    }

    /** Whether this is the first time the run sees this quote id (offset paging may list a quote twice). */
    synchronized boolean firstListing(String quoteId) {
        return listedIds.add(quoteId);
    }

    synchronized boolean listed(String quoteId) {
        return listedIds.contains(quoteId);
    }

    synchronized void add(Result result) {
        counts.merge(result, 1, Integer::sum);
    }

    public synchronized int count(Result result) {
        return counts.get(result);
    }

    /** The distinct entries the list held: every result but gone. */
    public synchronized int listedCount() {
        return counts.get(Result.NEW) + counts.get(Result.CHANGED) + counts.get(Result.UNCHANGED)
                + counts.get(Result.SKIPPED);
    }

    /** A page was read: the next one starts after the quotes it held. */
    synchronized void pageRead(int quotes, boolean hasMore) {
        pages++;
        offset += quotes;
        more = hasMore;
    }

    public synchronized int pages() {
        return pages;
    }

    synchronized void capped() {
        more = false;
        state = CAPPED;
    }

    synchronized void failed(String reason) {
        more = false;
        state = FAILED;
        failure = reason;
    }

    /**
     * The relay stops before the run has read the list: it fails, and the journal keeps no end time for it, as for a
     * run whose instance died, so that the schedule finds a run due at the next start rather than a whole interval
     * later ({@link ReconcileRuns#save}).
     */
    synchronized void cutShort(String reason) {
        failed(reason);
        cutShort = true;
    }

    /** The end the journal keeps: none for a run cut short by a stop, which leaves the next run due. */
    public synchronized Instant recordedEnd() {
        return cutShort ? null : finishedAt;
    }

    /** Ends the run; a run that neither failed nor hit the cap read the whole list. */
    synchronized void finished(Instant at) {
        if (RUNNING.equals(state)) {
            state = COMPLETE;
        }
        finishedAt = at;
    }

    public synchronized String state() {
        return state;
    }

    public synchronized String failure() {
        return failure;
    }

    public synchronized Instant finishedAt() {
        return finishedAt;
    }

    /** The run as operators see it (GET and POST /admin/reconcile). */
    public synchronized Map<String, Object> describe() {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("run_id", id);
        view.put("trigger", trigger);
        view.put("dry_run", dryRun);
        view.put("state", state);
        view.put("started_at", startedAt.toString());
        view.put("finished_at", finishedAt == null ? null : finishedAt.toString());
        view.put("pages", pages);
        view.put("listed", listedCount());
        for (Map.Entry<Result, Integer> count : counts.entrySet()) {
            view.put(count.getKey() == Result.NEW ? "new" : count.getKey().label(), count.getValue());
        }
        view.put("capped", CAPPED.equals(state));
        view.put("failure", failure);
        return view;
    }
}
