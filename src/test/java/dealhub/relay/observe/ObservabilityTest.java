package dealhub.relay.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dealhub.relay.support.Samples;
import dealhub.relay.support.SwitchableProxy;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health and metrics under /observe, as a load balancer and Prometheus see them. */
class ObservabilityTest {

    @TempDir
    Path folder;

    @Test
    void isNotReadyWhileTheDatabaseIsDownAndReadyAgainWhenItReturns() {
        try (SwitchableProxy database = upFrom(new SwitchableProxy("127.0.0.1", 5432));
             TestRelay relay = TestRelay.in(folder).onPostgres(database.port())
                     .with("relay.datasource.connection-timeout-ms", "1000").start()) {
            assertThat(get(relay, "/observe/health/ready").statusCode()).isEqualTo(200);
            assertThat(get(relay, "/observe/health/live").statusCode()).isEqualTo(200);

            database.down();

            await().atMost(Duration.ofSeconds(20)).until(() -> get(relay, "/observe/health/ready").statusCode() == 503);
            assertThat(get(relay, "/observe/health/ready?exposureLevel=full").body())
                    .contains("journal-database").contains("DOWN").doesNotContain("Exception");
            assertThat(get(relay, "/observe/health/live").statusCode()).isEqualTo(200);
            HttpResponse<String> meanwhile = relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("EV-db-down"));
            assertThat(meanwhile.statusCode()).isEqualTo(503);
            assertThat(meanwhile.body()).contains("retry later").doesNotContain("Exception");

            database.up();

            await().atMost(Duration.ofSeconds(20)).until(() -> get(relay, "/observe/health/ready").statusCode() == 200);
            assertThat(relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("EV-db-back")).statusCode())
                    .isEqualTo(202);
            await().atMost(Duration.ofSeconds(20)).until(() -> "done".equals(relay.eventState("EV-db-back")));
            assertThat(relay.eventState("EV-db-down")).isNull();
        }
    }

    @Test
    void countsWhatItReceivesAndDelivers() {
        TestRelay.Builder builder = TestRelay.in(folder);
        builder.fileSink("files", "*");
        try (TestRelay relay = builder.start()) {
            for (int i = 0; i < 5; i++) {
                relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("EV-m" + i));
            }
            relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("EV-m0"));
            relay.postEvent("/webhooks/dealhub/user", "not json");
            relay.post("/webhooks/dealhub/user", Samples.userEvent("EV-x"), java.util.Map.of("Content-Type", "application/json"));
            await().atMost(Duration.ofSeconds(20)).until(() -> ((Number) relay.queryOne(
                    "SELECT count(*) FROM relay_event WHERE state = 'done'")).intValue() == 5);

            // The journal's figures are read in the background: the scrape shows them within a second or so.
            await().atMost(Duration.ofSeconds(10)).until(() -> value(get(relay, "/observe/metrics").body(),
                    "dealhub_journal_backlog") == 0);
            String metrics = get(relay, "/observe/metrics").body();

            assertThat(value(metrics, "dealhub_events_received_total{outcome=\"accepted\",reason=\"none\",type=\"user\"}")).isEqualTo(5);
            assertThat(value(metrics, "dealhub_events_received_total{outcome=\"duplicate\",reason=\"none\",type=\"user\"}")).isEqualTo(1);
            assertThat(value(metrics, "dealhub_events_received_total{outcome=\"rejected\",reason=\"400\",type=\"none\"}")).isEqualTo(1);
            assertThat(value(metrics, "dealhub_events_received_total{outcome=\"rejected\",reason=\"401\",type=\"none\"}")).isEqualTo(1);
            assertThat(value(metrics, "dealhub_deliveries_total{outcome=\"delivered\",sink=\"files\"}")).isEqualTo(5);
            assertThat(value(metrics, "dealhub_journal_backlog")).isZero();
            assertThat(value(metrics, "dealhub_deliveries_dead")).isZero();
        }
    }

    private static SwitchableProxy upFrom(SwitchableProxy proxy) {
        proxy.up();
        return proxy;
    }

    private static HttpResponse<String> get(TestRelay relay, String path) {
        return relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + path)).GET().build());
    }

    private static double value(String metrics, String series) {
        Matcher line = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        assertThat(line.find()).as(series + " in\n" + metrics.lines().filter(l -> l.startsWith("dealhub")).toList()).isTrue();
        return Double.parseDouble(line.group(1));
    }
}
