package dealhub.relay.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dealhub.relay.support.SwitchableProxy;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dealhub_ready} says what {@code /observe/health/ready} says, for an alert rule: 1 while the relay is ready,
 * 0 while its journal database is away or stalls, and a scrape answers at once meanwhile: it never waits for the
 * database.
 */
class ReadinessGaugeTest {

    private static final Pattern READY = Pattern.compile("^dealhub_ready (\\S+)$", Pattern.MULTILINE);

    @TempDir
    Path folder;

    @Test
    void isOneWhileReadyZeroWhileTheDatabaseIsAwayAndOneAgainWhenItReturns() {
        try (SwitchableProxy database = new SwitchableProxy("127.0.0.1", 5432); TestRelay relay = onPostgres(database)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> ready(relay) == 1);
            assertThat(status(relay)).isEqualTo(200);

            database.down();

            await().atMost(Duration.ofSeconds(20)).until(() -> ready(relay) == 0);
            assertThat(status(relay)).isEqualTo(503);

            database.up();

            await().atMost(Duration.ofSeconds(20)).until(() -> ready(relay) == 1);
            assertThat(status(relay)).isEqualTo(200);
        }
    }

    @Test
    void aScrapeAnswersAtOnceWhileTheDatabaseStallsAndSaysNotReady() {
        try (SwitchableProxy database = new SwitchableProxy("127.0.0.1", 5432); TestRelay relay = onPostgres(database)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> ready(relay) == 1);

            database.stall();

            await().atMost(Duration.ofSeconds(20)).until(() -> ready(relay) == 0);
            // Waiting on the database check would take its whole bound (1 s) on each scrape: the fastest of three
            // tells that apart from a busy machine's delays.
            Duration fastest = Duration.ofDays(1);
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                assertThat(ready(relay)).isZero();
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                fastest = took.compareTo(fastest) < 0 ? took : fastest;
            }
            assertThat(fastest).as("a scrape while the database stalls").isLessThan(Duration.ofMillis(700));

            database.up();

            await().atMost(Duration.ofSeconds(30)).until(() -> ready(relay) == 1);
        }
    }

    private TestRelay onPostgres(SwitchableProxy database) {
        database.up();
        return TestRelay.in(folder).onPostgres(database.port()).with("relay.datasource.connection-timeout-ms", "1000")
                .start();
    }

    private static double ready(TestRelay relay) {
        String metrics = relay.send(request(relay, "/observe/metrics")).body();
        Matcher m = READY.matcher(metrics);
        assertThat(m.find()).as("dealhub_ready in /observe/metrics").isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static int status(TestRelay relay) {
        return relay.send(request(relay, "/observe/health/ready")).statusCode();
    }

    private static HttpRequest request(TestRelay relay, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + path)).GET().build();
    }
}
