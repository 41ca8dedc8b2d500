package dealhub.relay;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A database stall (another session holds a lock on a journal table) must not hang what answers from outside:
 * readiness and metrics answer within two seconds, a webhook gets 503 once its commit has waited
 * {@code relay.webhook.commit-timeout-ms}, and an event whose commit completed after its 503 is still delivered once,
 * its repeat answered 200.
 */
class DatabaseStallTest {

    /** What a load balancer's health check or a Prometheus scrape would wait, with room for a loaded machine. */
    private static final Duration PROMPT = Duration.ofSeconds(2);

    @RegisterExtension
    static WireMockExtension receiver = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @TempDir
    Path folder;

    @ParameterizedTest
    @ValueSource(strings = {"relay_event", "relay_delivery"})
    void readinessAndMetricsAnswerPromptlyWhileAJournalTableIsLocked(String table) throws Exception {
        try (TestRelay relay = relay().start()) {
            // Warm: the first scrape builds Camel's meters, the first health call its checks.
            assertThat(get(relay, "/observe/metrics").statusCode()).isEqualTo(200);
            assertThat(get(relay, "/observe/health/ready").statusCode()).isEqualTo(200);

            try (Connection lock = lockTable(relay, table)) {
                for (String path : new String[] {"/observe/health/ready", "/observe/metrics", "/observe/health/ready"}) {
                    long start = System.nanoTime();
                    HttpResponse<String> answer = get(relay, path);
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    assertThat(took).as(path + " while " + table + " is locked").isLessThan(PROMPT);
                    assertThat(answer.statusCode()).as(path).isIn(200, 503);
                }
                assertThat(get(relay, "/observe/metrics").body()).contains("dealhub_journal_backlog");
            }
        }
    }

    @Test
    void aWebhookWhoseCommitWaitsTooLongGets503AndIsStillDeliveredOnceWithItsRepeatAnswered200() throws Exception {
        receiver.stubFor(post(urlPathEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        try (TestRelay relay = relay().with("relay.webhook.commit-timeout-ms", "1500").start()) {
            HttpResponse<String> during;
            Duration took;
            try (Connection lock = lockTable(relay, "relay_event")) {
                long start = System.nanoTime();
                during = relay.send(webhook(relay, "EV-stalled"));
                took = Duration.ofNanos(System.nanoTime() - start);
            }

            assertThat(during.statusCode()).isEqualTo(503);
            assertThat(took).isLessThan(Duration.ofMillis(1500).plus(PROMPT));
            assertThat(during.headers().firstValue("Retry-After")).isPresent();
            assertThat(during.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(during.body()).contains("\"status\":\"rejected\"").contains("retry later")
                    .doesNotContain("Exception").doesNotContain("java.");

            // Its commit went through once the lock was gone: the event is delivered, and only once.
            await().atMost(Duration.ofSeconds(20)).until(() -> "done".equals(relay.eventState("EV-stalled")));
            HttpResponse<String> repeat = relay.send(webhook(relay, "EV-stalled"));
            assertThat(repeat.statusCode()).isEqualTo(200);
            assertThat(repeat.body()).contains("duplicate");
            Thread.sleep(500);
            assertThat(receiver.findAll(postRequestedFor(urlPathEqualTo("/hook")))).hasSize(1);
        }
    }

    private TestRelay.Builder relay() {
        return TestRelay.in(folder).onPostgres()
                .with("relay.sinks.hook.type", "http")
                .with("relay.sinks.hook.events", "*")
                .with("relay.sinks.hook.url", receiver.baseUrl() + "/hook");
    }

    /** A session of its own holding an exclusive lock on {@code table} until it is closed. */
    private static Connection lockTable(TestRelay relay, String table) throws Exception {
        Connection c = DriverManager.getConnection(relay.databaseUrl(), "postgres", "");
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
        }
        return c; // closing the session rolls its transaction back, which releases the lock
    }

    private static HttpRequest webhook(TestRelay relay, String eventId) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + "/webhooks/dealhub/user"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + TestRelay.SECRET).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Samples.userEvent(eventId))).build();
    }

    private static HttpResponse<String> get(TestRelay relay, String path) {
        return relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + path))
                .timeout(Duration.ofSeconds(30)).GET().build());
    }
}
