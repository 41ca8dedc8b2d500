package dealhub.relay.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dealhub.relay.support.InMemoryH2;
import dealhub.relay.support.SwitchableProxy;

import org.flywaydb.core.Flyway;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit of accepted events: many callers, one transaction, and still "returned true means committed",
 * duplicates answered as duplicates wherever they meet, and a failed transaction acknowledging no one.
 */
class GroupCommitTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private HikariDataSource dataSource;
    private GroupCommit commits;
    private EventStore journal;
    private ExecutorService callers;

    @BeforeEach
    void start() {
        dataSource = InMemoryH2.withJournal(4);
        commits = new GroupCommit(dataSource, 256, "test-journal-writer");
        journal = new EventStore(commits);
        callers = Executors.newFixedThreadPool(64);
    }

    @AfterEach
    void stop() throws InterruptedException {
        callers.shutdownNow();
        callers.awaitTermination(10, TimeUnit.SECONDS);
        commits.close();
        dataSource.close();
    }

    @Test
    void concurrentEventsAreEachStoredOnceAndEveryRepeatIsADuplicate() throws Exception {
        List<Future<Boolean>> answers = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String id = "E" + (i % 200); // every id posted twice, at about the same time
            answers.add(callers.submit(() -> journal.record(event(id))));
        }

        int accepted = 0;
        int duplicates = 0;
        for (Future<Boolean> answer : answers) {
            if (answer.get(10, TimeUnit.SECONDS)) {
                accepted++;
            } else {
                duplicates++;
            }
        }

        assertThat(accepted).isEqualTo(200);
        assertThat(duplicates).isEqualTo(200);
        assertThat(count("SELECT COUNT(*) FROM relay_event")).isEqualTo(200);
        assertThat(count("SELECT COUNT(DISTINCT event_id) FROM relay_event")).isEqualTo(200);
    }

    @Test
    void duplicatesInsideOneBatchAreAnsweredAsDuplicates() throws Exception {
        journal.record(event("ALREADY"));
        CountDownLatch release = holdTheWriter();
        List<Future<Boolean>> same = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            same.add(callers.submit(() -> journal.record(event("SAME"))));
        }
        Future<Boolean> other = callers.submit(() -> journal.record(event("OTHER")));
        Future<Boolean> already = callers.submit(() -> journal.record(event("ALREADY")));
        await().atMost(DEADLINE).until(() -> commits.waiting() == 7);

        release.countDown();

        assertThat(same.stream().filter(GroupCommitTest::answer).count()).isEqualTo(1);
        assertThat(answer(other)).isTrue();
        assertThat(answer(already)).isFalse();
        assertThat(count("SELECT COUNT(*) FROM relay_event")).isEqualTo(3);
    }

    @Test
    void aDuplicateCommittedElsewhereDuringTheBatchCostsTheOthersNothing() throws Exception {
        // Another relay instance inserts RACE and has not committed yet when this one's batch inserts it too.
        try (Connection elsewhere = dataSource.getConnection()) {
            elsewhere.setAutoCommit(false);
            insertDirectly(elsewhere, "RACE");
            CountDownLatch release = holdTheWriter();
            Future<Boolean> race = callers.submit(() -> journal.record(event("RACE")));
            Future<Boolean> first = callers.submit(() -> journal.record(event("FIRST")));
            Future<Boolean> second = callers.submit(() -> journal.record(event("SECOND")));
            await().atMost(DEADLINE).until(() -> commits.waiting() == 3);

            release.countDown();
            Thread.sleep(200); // the batch now waits for the other transaction's lock on RACE
            elsewhere.commit();

            assertThat(answer(race)).isFalse();
            assertThat(answer(first)).isTrue();
            assertThat(answer(second)).isTrue();
        }
        assertThat(count("SELECT COUNT(*) FROM relay_event")).isEqualTo(3);
    }

    @Test
    void aFailedCommitAcknowledgesNoOneAndStoresNothing() throws Exception {
        CountDownLatch release = holdTheWriter();
        List<Future<Boolean>> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String id = "LOST" + i;
            answers.add(callers.submit(() -> journal.record(event(id))));
        }
        await().atMost(DEADLINE).until(() -> commits.waiting() == 10);
        // The database fails under the batch: here its table is gone.
        execute("ALTER TABLE relay_event RENAME TO relay_event_away");

        release.countDown();

        for (Future<Boolean> answer : answers) {
            assertThatThrownBy(() -> answer.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(SQLException.class);
        }
        execute("ALTER TABLE relay_event_away RENAME TO relay_event");
        assertThat(count("SELECT COUNT(*) FROM relay_event")).isZero();
        // and the writer goes on with the next batch
        assertThat(journal.record(event("AFTER"))).isTrue();
    }

    @Test
    void aUnitThatThrowsFailsAloneWithItsOwnExceptionAndTheOthersAreStored() throws Exception {
        CountDownLatch release = holdTheWriter();
        Future<Boolean> before = callers.submit(() -> journal.record(event("BEFORE")));
        await().atMost(DEADLINE).until(() -> commits.waiting() == 1);
        Future<Object> broken = callers.submit(() -> commits.run(c -> {
            insertDirectly(c, "HALF");
            throw new IllegalStateException("this unit's own bug");
        }));
        await().atMost(DEADLINE).until(() -> commits.waiting() == 2);
        Future<Boolean> after = callers.submit(() -> journal.record(event("AFTER")));
        await().atMost(DEADLINE).until(() -> commits.waiting() == 3);

        release.countDown();

        assertThat(answer(before)).isTrue();
        assertThat(answer(after)).isTrue();
        assertThatThrownBy(() -> broken.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOf(IllegalStateException.class).hasMessage("this unit's own bug");
        assertThat(count("SELECT COUNT(*) FROM relay_event")).isEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM relay_event WHERE event_id = 'HALF'")).isZero();
    }

    @Test
    void aConnectionBrokenUnderTheWriterIsReplacedOnceTheDatabaseIsBack() throws Exception {
        // An H2 server reached through a proxy, two pooled connections: the proxy cuts them, then lets new ones through.
        Server server = Server.createTcpServer("-tcpPort", "0", "-ifNotExists").start();
        HikariConfig config = new HikariConfig();
        try (SwitchableProxy proxy = new SwitchableProxy("127.0.0.1", server.getPort())) {
            proxy.up();
            config.setJdbcUrl("jdbc:h2:tcp://127.0.0.1:" + proxy.port() + "/mem:" + UUID.randomUUID()
                    + ";DB_CLOSE_DELAY=-1");
            config.setUsername("sa");
            config.setMaximumPoolSize(2);
            config.setConnectionTimeout(500);
            try (HikariDataSource remote = new HikariDataSource(config);
                 GroupCommit remoteCommits = new GroupCommit(remote, 16, "test-remote-writer")) {
                Flyway.configure().dataSource(remote).locations("classpath:db/migration").load().migrate();
                EventStore remoteJournal = new EventStore(remoteCommits);
                assertThat(remoteJournal.record(event("BEFORE"))).isTrue();

                proxy.down();
                assertThatThrownBy(() -> remoteJournal.record(event("DURING"))).isInstanceOf(SQLException.class);
                proxy.up();

                // Tried again at once, as a busy relay does: the broken connection must not come back from the pool.
                await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                        .until(() -> remoteJournal.record(event("AFTER")));
            }
        } finally {
            server.stop();
        }
    }

    @Test
    void aCallerWhoseCommitWaitsTooLongIsToldSoAndItsWorkNotYetStartedNeverRuns() throws Exception {
        EventStore impatient = new EventStore(commits, Duration.ofMillis(300));
        CountDownLatch release = holdTheWriter();
        long start = System.nanoTime();

        assertThatThrownBy(() -> impatient.record(event("QUEUED")))
                .isInstanceOf(SQLException.class).hasMessageContaining("withdrawn")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("57014"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));

        release.countDown();
        await().atMost(DEADLINE).until(() -> commits.waiting() == 0);
        assertThat(journal.record(event("LATER"))).isTrue();
        assertThat(count("SELECT COUNT(*) FROM relay_event WHERE event_id = 'QUEUED'")).isZero();
    }

    @Test
    void workAlreadyInATransactionStillCommitsAfterItsCallerStoppedWaiting() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inserted = new CountDownLatch(1);
        assertThatThrownBy(() -> commits.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO relay_event (event_id, event_type, payload,"
                    + " state, received_at, updated_at) VALUES ('LATE', 'user', '{}', 'pending', ?, ?)")) {
                ps.setTimestamp(1, java.sql.Timestamp.from(Instant.now()));
                ps.setTimestamp(2, java.sql.Timestamp.from(Instant.now()));
                ps.executeUpdate();
            }
            inserted.countDown();
            try {
                return release.await(10, TimeUnit.SECONDS); // the database stalls before the commit
            } catch (InterruptedException e) {
                throw new SQLException(e);
            }
        }, Duration.ofMillis(300))).isInstanceOf(SQLException.class).hasMessageContaining("may still commit");
        assertThat(inserted.await(1, TimeUnit.SECONDS)).isTrue();

        release.countDown();

        await().atMost(DEADLINE).until(() -> count("SELECT COUNT(*) FROM relay_event WHERE event_id = 'LATE'") == 1);
        assertThat(journal.record(event("LATE"))).as("its repeat is a duplicate").isFalse();
    }

    /** Keeps the writer busy with one unit until the latch is released, so that the next callers form one batch. */
    private CountDownLatch holdTheWriter() {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        callers.submit(() -> commits.run(c -> {
            holding.countDown();
            try {
                return release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new SQLException(e);
            }
        }));
        try {
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        return release;
    }

    private static boolean answer(Future<Boolean> answer) {
        try {
            return answer.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static JournalEvent event(String id) {
        return new JournalEvent(id, "quoteWon", null, "Q1", "{\"event_info\":{\"event_id\":\"" + id + "\"}}", null,
                Instant.now());
    }

    private static void insertDirectly(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO relay_event (event_id, event_type, payload, state,"
                + " received_at, updated_at) VALUES (?, 'quoteWon', '{}', 'pending', CURRENT_TIMESTAMP,"
                + " CURRENT_TIMESTAMP)")) {
            ps.setString(1, id);
            ps.executeUpdate();
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private long count(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
