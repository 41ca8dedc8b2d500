import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.management.OperatingSystemMXBean;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dealhub.relay.journal.DeliveryOutcomes;
import dealhub.relay.journal.DeliveryOutcomes.Outcome;
import dealhub.relay.journal.EventStore;
import dealhub.relay.journal.GroupCommit;
import dealhub.relay.journal.JournalEvent;
import dealhub.relay.journal.JournalSchema;
import dealhub.relay.journal.WorkQueue;
import dealhub.relay.journal.WorkQueue.Claim;
import dealhub.relay.journal.WorkQueue.Ticket;

/**
 * The journal's floor, measured by bench/run.sh: the CPU that the relay's own journal classes spend per event on the
 * default H2 (file, WRITE_DELAY=0), with nothing else in the process: no HTTP, no Camel, no JSON, no Get Quote, no
 * sink. Per event, what exactly once needs on the happy path: the webhook committed before its answer (32 threads,
 * sharing commits), the claim that plans and leases its delivery, and the outcome that settles it with the quote
 * kept (16 threads, sharing commits). The whole relay cannot spend less per event than this while it journals so.
 *
 *   java -cp target/dealhub-relay.jar bench/JournalFloor.java <folder> <events> <webhook file> <quote file>
 *
 * Prints one line: events, wall time, events/s and µs of this process's CPU per event (after a warm-up of a tenth).
 */
public class JournalFloor {

    private static final int SENDERS = 32;
    private static final int WORKERS = 16;
    private static final int CAPACITY = 128;

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        int events = Integer.parseInt(args[1]);
        String webhook = Files.readString(Path.of(args[2]));
        String quote = Files.readString(Path.of(args[3]));
        Files.createDirectories(folder);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:file:" + folder.toAbsolutePath() + "/relay;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE");
        config.setUsername("sa");
        config.setMaximumPoolSize(10);
        try (HikariDataSource dataSource = new HikariDataSource(config)) {
            JournalSchema.migrateInBackground(dataSource).await();
            GroupCommit commits = new GroupCommit(dataSource, 256, "journal-writer");
            Journal journal = new Journal(new EventStore(commits, Duration.ofSeconds(10)),
                    new WorkQueue(dataSource, commits, "floor", Duration.ofSeconds(15), 5),
                    new DeliveryOutcomes(dataSource, commits, "floor"), webhook, quote);
            journal.run("warm", events / 10);
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            journal.run("run", events);
            long wallNanos = System.nanoTime() - t0;
            long cpuNanos = os.getProcessCpuTime() - cpu0;
            commits.close();
            System.out.printf("journal floor: %d events in %d ms, %d events/s, %d µs CPU per event%n", events,
                    wallNanos / 1_000_000, events * 1_000_000_000L / wallNanos, cpuNanos / 1000 / events);
        }
    }

    private record Journal(EventStore store, WorkQueue queue, DeliveryOutcomes outcomes, String webhook,
            String quote) {

        /** Takes {@code count} webhooks while it dispatches them; returns once every one is settled. */
        void run(String tag, int count) throws Exception {
            AtomicInteger next = new AtomicInteger();
            AtomicInteger settled = new AtomicInteger();
            BlockingQueue<Ticket> work = new ArrayBlockingQueue<>(CAPACITY);
            ExecutorService threads = Executors.newFixedThreadPool(SENDERS + WORKERS + 1);
            CountDownLatch done = new CountDownLatch(1);
            List<Exception> failures = new ArrayList<>();
            for (int s = 0; s < SENDERS; s++) {
                threads.submit(() -> {
                    for (int n; (n = next.getAndIncrement()) < count; ) {
                        String id = tag + "-" + n;
                        store.record(new JournalEvent(id, "quoteWon", null, "Q8m2XyzA91Lp0c7",
                                webhook.replace("EV0f3c8d21a9b4", id), null, Instant.now()));
                    }
                    return null;
                });
            }
            threads.submit(() -> { // the poller: claims while there is room, as Leases does
                while (settled.get() < count) {
                    int room = CAPACITY - work.size();
                    List<Claim> claims = room < CAPACITY / 4 ? List.of()
                            : queue.claimDue(room, type -> List.of("lines"), true);
                    for (Claim claim : claims) {
                        for (Ticket ticket : claim.deliveries()) {
                            work.put(ticket);
                        }
                    }
                    if (claims.isEmpty()) {
                        Thread.sleep(5);
                    }
                }
                return null;
            });
            for (int w = 0; w < WORKERS; w++) {
                threads.submit(() -> {
                    while (settled.get() < count) {
                        Ticket ticket = work.poll(50, TimeUnit.MILLISECONDS);
                        if (ticket == null) {
                            continue;
                        }
                        outcomes.record(ticket, Outcome.delivered(1, quote, Instant.now()));
                        if (settled.incrementAndGet() == count) {
                            done.countDown();
                        }
                    }
                    return null;
                });
            }
            if (!done.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException(tag + ": only " + settled.get() + " of " + count + " settled");
            }
            threads.shutdownNow();
            threads.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
