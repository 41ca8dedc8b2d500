package dealhub.relay.observe;

import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** Readiness checks of the relay's own, served with Camel's under {@code /observe/health}. */
public final class JournalHealthChecks {

    private JournalHealthChecks() {
    }

    /**
     * Ready only while the journal's database answers: without it no webhook can be accepted. It must answer within
     * {@code wait}, or the check says DOWN rather than hold the load balancer that asked: a database that takes
     * longer is, for a webhook, one that does not answer.
     */
    public static class Database extends AbstractHealthCheck implements AutoCloseable {

        /**
         * An option of a call that must not wait at all (the {@code dealhub_ready} gauge, read by a scrape): it is
         * answered from the last probe that ended, and a probe is started for the next call.
         */
        public static final String NO_WAIT = "relay.no-wait";

        private final DataSource dataSource;
        private final Duration wait;
        /** One probe at a time: a probe still stuck in the database is waited on again, not joined by another. */
        private final ExecutorService prober = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "journal-health");
            thread.setDaemon(true);
            return thread;
        });
        private Future<Boolean> probe;
        private long probeStartedNanos;
        /** What the last probe that ended found (set before its future completes); {@code null} before the first. */
        private volatile Boolean lastAnswer;

        public Database(DataSource dataSource, Duration wait) {
            super("relay", "journal-database");
            this.dataSource = dataSource;
            this.wait = wait;
        }

        @Override
        public boolean isLiveness() {
            return false; // a restart would not bring the database back
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            Future<Boolean> current;
            long runningNanos;
            synchronized (this) {
                if (probe == null || probe.isDone()) {
                    probe = prober.submit(this::answers);
                    probeStartedNanos = System.nanoTime();
                }
                current = probe;
                runningNanos = System.nanoTime() - probeStartedNanos;
            }
            if (options != null && Boolean.TRUE.equals(options.get(NO_WAIT))) {
                if (!current.isDone() && runningNanos > wait.toNanos()) {
                    builder.down().message("the journal database did not answer within " + wait.toMillis() + " ms");
                } else if (Boolean.TRUE.equals(lastAnswer)) {
                    builder.up();
                } else {
                    builder.down().message("the journal database does not answer");
                }
                return;
            }
            try {
                if (current.get(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                    builder.up();
                } else {
                    builder.down().message("the journal database does not answer");
                }
            } catch (TimeoutException e) {
                builder.down().message("the journal database did not answer within " + wait.toMillis() + " ms");
            } catch (ExecutionException e) {
                // in the relay's words: health answers anyone on the webhook port, and name no class
                builder.down().message("the journal database is unreachable");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                builder.down().message("interrupted");
            }
        }

        private boolean answers() throws Exception {
            boolean answers = false;
            try (Connection c = dataSource.getConnection()) {
                answers = c.isValid((int) Math.max(1, wait.toSeconds()));
                return answers;
            } finally {
                lastAnswer = answers;
            }
        }

        @Override
        public void close() {
            prober.shutdownNow();
        }
    }

    /**
     * Ready only while the backlog of unsettled events stays below the configured bound. It reads the figures kept
     * in memory ({@link JournalSnapshot}), so it answers at once whatever the database does.
     */
    public static class Backlog extends AbstractHealthCheck {

        private final JournalSnapshot journal;
        private final long maxBacklog;

        public Backlog(JournalSnapshot journal, long maxBacklog) {
            super("relay", "journal-backlog");
            this.journal = journal;
            this.maxBacklog = maxBacklog;
        }

        @Override
        public boolean isLiveness() {
            return false;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            long pending = journal.last().pending();
            builder.detail("pending", pending).detail("max", maxBacklog).detail("age", journal.ageSeconds());
            if (pending < maxBacklog) {
                builder.up(); // also before the first read: whether the database answers is the other check's part
            } else {
                builder.down().message(pending + " events wait for dispatch (relay.health.max-backlog="
                        + maxBacklog + ")");
            }
        }
    }
}
