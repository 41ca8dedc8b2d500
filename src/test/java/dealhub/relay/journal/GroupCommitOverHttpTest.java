package dealhub.relay.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Black-box: webhooks posted at the same moment share journal commits, and the answers still say exactly what was
 * stored: one 202 per new event, 200 for every repeat, 503 for all when the database fails under them.
 */
class GroupCommitOverHttpTest {

    @TempDir
    static Path folder;
    static TestRelay relay;
    static ExecutorService senders;

    @BeforeAll
    static void start() {
        relay = TestRelay.in(folder).start();
        senders = Executors.newFixedThreadPool(32);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        senders.shutdownNow();
        senders.awaitTermination(10, TimeUnit.SECONDS);
        relay.close();
    }

    @Test
    void concurrentPostsAreEachAcceptedOnceAndRepeatsAreDuplicates() throws Exception {
        long before = relay.eventCount();
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 128; i++) {
            String id = "GC-" + (i % 64); // every event posted twice, at about the same time
            answers.add(senders.submit(() -> relay.postEvent("/webhooks/dealhub/quoteWon",
                    Samples.quoteEvent(id, "Q1"))));
        }

        int accepted = 0;
        int duplicates = 0;
        for (Future<HttpResponse<String>> answer : answers) {
            int status = answer.get(30, TimeUnit.SECONDS).statusCode();
            assertThat(status).isIn(200, 202);
            if (status == 202) {
                accepted++;
            } else {
                duplicates++;
            }
        }

        assertThat(accepted).isEqualTo(64);
        assertThat(duplicates).isEqualTo(64);
        assertThat(relay.eventCount() - before).isEqualTo(64);
    }

    @Test
    void whenTheDatabaseFailsEveryConcurrentPostGets503AndNothingIsStored() throws Exception {
        long before = relay.eventCount();
        execute("ALTER TABLE relay_event RENAME TO relay_event_away");
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                String id = "DOWN-" + i;
                answers.add(senders.submit(() -> relay.postEvent("/webhooks/dealhub/quoteWon",
                        Samples.quoteEvent(id, "Q1"))));
            }
            for (Future<HttpResponse<String>> answer : answers) {
                assertThat(answer.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
            }
        } finally {
            execute("ALTER TABLE relay_event_away RENAME TO relay_event");
        }
        assertThat(relay.eventCount()).isEqualTo(before);
        assertThat(relay.queryOne("SELECT count(*) FROM relay_event WHERE event_id LIKE 'DOWN-%'"))
                .isEqualTo(0L);
    }

    private static void execute(String sql) throws Exception {
        try (Connection c = relay.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
