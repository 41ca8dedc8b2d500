package dealhub.relay.journal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

/**
 * The journal's tables, made or brought up to date by Flyway ({@code db/migration}) on a thread of its own while the
 * rest of the relay starts: it is a large share of a start, and nothing needs the tables before the routes run.
 * Whatever needs them first calls {@link #await()}: the routes before they start consuming, the jdbc sink before it
 * adds its own tables to the relay's database.
 */
public final class JournalSchema {

    private final CompletableFuture<Void> migrated;

    private JournalSchema(CompletableFuture<Void> migrated) {
        this.migrated = migrated;
    }

    public static JournalSchema migrateInBackground(DataSource dataSource) {
        CompletableFuture<Void> migrated = new CompletableFuture<>();
        Thread migrator = new Thread(() -> {
            try {
                Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
                migrated.complete(null);
            } catch (RuntimeException | Error e) {
                migrated.completeExceptionally(e);
            }
        }, "journal-schema");
        migrator.setDaemon(true);
        migrator.start();
        return new JournalSchema(migrated);
    }

    /**
     * Waits until the migration has ended, however it ended: a relay that stops (its start failed for another
     * reason, say) must not close the database under a migration still writing to it.
     */
    public void awaitEnd() {
        migrated.handle((done, failure) -> null).join();
    }

    /** Returns once the tables are there; a failed migration stops the caller (and so the start) with its cause. */
    public void await() {
        try {
            migrated.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the journal's tables were being made", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("The journal's tables could not be made: " + e.getCause().getMessage(),
                    e.getCause());
        }
    }
}
