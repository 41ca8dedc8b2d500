package dealhub.relay.journal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

import dealhub.relay.sql.BrokenConnections;
import dealhub.relay.sql.Sql;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: small units of journal work from many threads share one transaction, and each caller returns only
 * once the transaction holding its work has committed (or with the failure that stopped it).
 * <p>
 * A commit is what costs (H2 writes a chunk, PostgreSQL flushes its log), so one commit for every unit waiting at
 * that moment keeps the promise "returned means committed" at a fraction of the cost. One writer thread runs the
 * units in the order they came, one batch at a time: while it commits, the next batch gathers. No unit waits for
 * others to arrive; under light load a batch is a single unit.
 * <p>
 * When a batch fails: if the failure may be one unit's own (a data or integrity error, SQLSTATE class 22 or 23, such
 * as a duplicate key; a runtime exception thrown by the unit) or may come from the batching itself (class 40: a
 * deadlock or serialization failure between batches of two writers), the batch is rolled back and its units run
 * again one per transaction, so that only a unit at fault fails, with its own exception. Any other failure (the
 * database is down, say) fails every unit of the batch, and none of them is stored. A unit must therefore not
 * swallow its own SQL errors, and must be safe to run again after a rollback.
 * <p>
 * A caller may bound its wait ({@link #run(Work, Duration)}): a stalled database (a lock held on a table, a server
 * that does not answer) must not hold a webhook for as long as the stall. When the wait runs out, a unit that has not
 * yet been taken into a transaction is withdrawn and never runs; one already in a transaction can no longer be
 * withdrawn and commits (or fails) when the database answers. The caller cannot tell which: its unit must be one
 * whose late commit is harmless, such as an insert that a repeat of the same request finds there.
 */
public final class GroupCommit implements AutoCloseable {

    /** Journal work that runs in a transaction it must not commit, roll back or close. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);
    private static final long IDLE_POLL_MS = 100;

    private final DataSource dataSource;
    private final int maxBatch;
    private final String name;
    private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean running = true;

    /**
     * @param maxBatch the most units in one transaction
     * @param name     the writer thread's name, also in the failures of calls made after {@link #close()}
     */
    public GroupCommit(DataSource dataSource, int maxBatch, String name) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("a batch holds at least one unit");
        }
        this.dataSource = dataSource;
        this.maxBatch = maxBatch;
        this.name = name;
        this.writer = new Thread(this::writeLoop, name);
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Runs {@code work} in the next transaction and returns its result once that transaction has committed. */
    public <T> T run(Work<T> work) throws SQLException {
        return run(work, null);
    }

    /**
     * {@link #run(Work)}, waiting at most {@code wait} for the commit; after that it fails with SQLSTATE 57014 (the
     * statement was cancelled), and the unit may still commit later (see the class comment).
     *
     * @param wait the longest wait, or {@code null} for as long as the database takes
     */
    public <T> T run(Work<T> work, Duration wait) throws SQLException {
        Task<T> task = new Task<>(work);
        if (!running) {
            throw closed();
        }
        queue.add(task);
        if (!running && queue.remove(task)) {
            throw closed();
        }
        try {
            return wait == null ? task.result.get() : task.result.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            boolean withdrawn = queue.remove(task);
            throw new SQLException(name + ": no commit within " + wait.toMillis() + " ms"
                    + (withdrawn ? "; the work was withdrawn" : "; the work may still commit"), "57014", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for a commit of " + name, "08006", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new SQLException(e.getCause());
        }
    }

    /** Units waiting for the writer (for tests and diagnosis). */
    int waiting() {
        return queue.size();
    }

    /** Finishes the units already handed in, then stops; later calls fail. */
    @Override
    public void close() {
        running = false;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Task<?>> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(t -> t.result.completeExceptionally(closed()));
    }

    private void writeLoop() {
        List<Task<?>> batch = new ArrayList<>(maxBatch);
        while (running || !queue.isEmpty()) {
            try {
                Task<?> first = queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) {
                LOG.error("{}: unexpected failure", name, e);
                batch.forEach(t -> t.result.completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    /** One transaction for the whole batch; see the class comment for what happens when it fails. */
    private void commit(List<Task<?>> batch) {
        Exception failure = null;
        boolean committed = false;
        try (Connection c = dataSource.getConnection()) {
            try {
                c.setAutoCommit(false);
                List<Object> results = new ArrayList<>(batch.size());
                for (Task<?> task : batch) {
                    results.add(task.work.run(c));
                }
                c.commit();
                committed = true;
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).complete(results.get(i));
                }
            } catch (SQLException | RuntimeException e) {
                Sql.rollback(c, e);
                BrokenConnections.evictIfBroken(dataSource, c, name);
                failure = e;
            }
        } catch (SQLException e) {
            if (committed) {
                // Only giving the connection back failed: the work is committed and its callers have their answers.
                LOG.warn("{}: could not release a connection after its commit", name, e);
                return;
            }
            failure = e;
        }
        if (failure == null) {
            return;
        }
        if (batch.size() > 1 && isWorthRunningAlone(failure)) {
            // Someone's duplicate or bad value must not cost the others their work: one transaction each.
            for (Task<?> task : batch) {
                commit(List.of(task));
            }
        } else {
            for (Task<?> task : batch) {
                task.result.completeExceptionally(failure);
            }
        }
    }

    private SQLException closed() {
        return new SQLException(name + " is closed", "08003");
    }

    /**
     * Data exceptions (class 22), integrity constraint violations (23) and runtime exceptions belong to one unit;
     * a transaction rolled back for a deadlock or a serialization failure (40) may succeed in a smaller one.
     */
    private static boolean isWorthRunningAlone(Exception e) {
        return e instanceof RuntimeException || Sql.hasStateClass(e, "22", "23", "40");
    }

    private static final class Task<T> {
        final Work<T> work;
        final CompletableFuture<T> result = new CompletableFuture<>();

        Task(Work<T> work) {
            this.work = work;
        }

        @SuppressWarnings("unchecked")
        void complete(Object value) {
            result.complete((T) value);
        }
    }
}
