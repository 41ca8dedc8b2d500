package dealhub.relay.observe;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dealhub.relay.journal.JournalQueries;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's figures that metrics and readiness report (the backlog, its oldest event, dead deliveries, the
 * deliveries waiting for their next attempt per sink), read on a thread of their own and kept in memory.
 * <p>
 * A Prometheus scrape or a load balancer's health check must answer at once, also while the database stalls (a lock
 * held on a journal table, a server that does not answer): every instance failing its checks at the same moment in
 * the middle of a database incident would only add to it. So they report the last figures read, and how old those
 * are, rather than wait for the database; each read is bounded by a query timeout, and a failed read keeps the
 * previous figures.
 */
public final class JournalSnapshot implements AutoCloseable {

    /**
     * What was read, and when; {@code -1} counts, no sinks and a {@code null} time until the first read succeeds.
     *
     * @param retriesWaiting per sink, the deliveries waiting for their next attempt (sinks with none are not listed)
     */
    public record Figures(long pending, Instant oldestPending, long deadDeliveries,
            Map<String, JournalQueries.RetriesWaiting> retriesWaiting, Instant readAt) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(JournalSnapshot.class);

    private final JournalQueries journal;
    private final int timeoutSeconds;
    private final ScheduledExecutorService reader;
    private volatile Figures last = new Figures(-1, null, -1, Map.of(), null);

    /**
     * @param every          how often the figures are read again
     * @param timeoutSeconds the longest one read may wait for the database
     */
    public JournalSnapshot(JournalQueries journal, Duration every, int timeoutSeconds) {
        this.journal = journal;
        this.timeoutSeconds = timeoutSeconds;
        this.reader = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "journal-figures");
            thread.setDaemon(true);
            return thread;
        });
        // With a fixed delay, reads never overlap: a stalled one delays the next instead of piling up beside it.
        reader.scheduleWithFixedDelay(this::read, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Figures last() {
        return last;
    }

    /** Seconds since the figures were read, or {@code NaN} before the first read. */
    public double ageSeconds() {
        Instant readAt = last.readAt();
        return readAt == null ? Double.NaN : Duration.between(readAt, Instant.now()).toMillis() / 1000.0;
    }

    private void read() {
        try {
            JournalQueries.Backlog backlog = journal.backlog(timeoutSeconds);
            long dead = journal.deadDeliveries(timeoutSeconds);
            Map<String, JournalQueries.RetriesWaiting> waiting = Map.copyOf(journal.retriesWaiting(timeoutSeconds));
            last = new Figures(backlog.pending(), backlog.oldest(), dead, waiting, Instant.now());
        } catch (SQLException | RuntimeException e) {
            // Not yet migrated, or stalled: the previous figures stay, and their age tells the reader.
            LOG.debug("journal figures not read: {}", e.toString());
        }
    }

    @Override
    public void close() {
        reader.shutdownNow();
    }
}
