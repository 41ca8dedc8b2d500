package dealhub.relay.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dealhub.relay.RelayTest;
import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Retries kept in the journal, seen from outside: a failing sink waits there for its next attempt while the event's
 * other sinks are delivered at once; the wait survives a restart; a Retry-After is the earliest next attempt;
 * operators see what waits (metrics, admin API); and the counters, the admin list and the log agree with the
 * journal.
 */
class RetryScheduleTest extends RelayTest {

    private static final String ADMIN = "test-admin-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static WireMockExtension receiver = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private TestRelay.Builder withCrm(String schedule) {
        TestRelay.Builder builder = TestRelay.in(folder).with("relay.sinks.crm.type", "http")
                .with("relay.sinks.crm.url", receiver.baseUrl() + "/crm").with("relay.retry.schedule", schedule)
                .with("relay.admin.token", ADMIN);
        builder.fileSink("files", "*");
        return builder;
    }

    @Test
    void aFailingSinkWaitsInTheJournalWhileTheEventsOtherSinkIsDeliveredAtOnce() throws Exception {
        receiver.stubFor(post(urlEqualTo("/crm")).willReturn(aResponse().withStatus(503)));
        relay = withCrm("1h").start();
        Instant sent = Instant.now();

        relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-outage"));

        await().atMost(Duration.ofSeconds(30)).until(() -> "done".equals(relay.deliveryState("E-outage", "files")));
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.deliveryAttempts("E-outage", "crm") == 1);
        assertThat(Duration.between(sent, Instant.now())).isLessThan(Duration.ofSeconds(10));
        assertThat(relay.deliveryState("E-outage", "crm")).isEqualTo("pending");
        Instant next = ((Timestamp) relay.queryOne(
                "SELECT next_attempt_at FROM relay_delivery WHERE event_id = 'E-outage' AND sink = 'crm'")).toInstant();
        assertThat(next).isAfter(Instant.now().plus(Duration.ofMinutes(45)));
        assertThat(relay.queryOne("SELECT lease_owner FROM relay_delivery WHERE event_id = 'E-outage' AND sink = 'crm'"))
                .as("no thread and no lease kept while it waits").isNull();

        JsonNode retries = JSON.readTree(admin("/admin/retries"));
        assertThat(retries.at("/waiting").asLong()).isEqualTo(1);
        assertThat(retries.at("/sinks/0/sink").asText()).isEqualTo("crm");
        // The journal's figures are read in the background, about once a second.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(value(metrics(), "dealhub_journal_backlog")).as("dispatched: an outage is not an overload")
                        .isZero());
        String metrics = metrics();
        assertThat(value(metrics, "dealhub_deliveries_waiting{sink=\"crm\"}")).isEqualTo(1);
        assertThat(value(metrics, "dealhub_deliveries_waiting{sink=\"files\"}")).isZero();
        assertThat(value(metrics, "dealhub_deliveries_waiting_oldest_seconds{sink=\"crm\"}")).isPositive();
    }

    @Test
    void aDeliveryWaitingForItsNextAttemptIsMadeByTheNextRunAfterARestart() throws Exception {
        receiver.stubFor(post(urlEqualTo("/crm")).willReturn(aResponse().withStatus(503)));
        relay = withCrm("3s").start();
        relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-restart"));
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.deliveryAttempts("E-restart", "crm") == 1);
        relay.close();

        receiver.stubFor(post(urlEqualTo("/crm")).willReturn(aResponse().withStatus(204)));
        relay = withCrm("3s").start();

        await().atMost(Duration.ofSeconds(20)).until(() -> "done".equals(relay.eventState("E-restart")));
        assertThat(relay.deliveryAttempts("E-restart", "crm")).isEqualTo(2);
        assertThat(receiver.findAll(postRequestedFor(urlEqualTo("/crm")))).hasSize(2);
    }

    @Test
    void aRetryAfterLongerThanTheScheduleIsTheEarliestNextAttempt() {
        receiver.stubFor(post(urlEqualTo("/crm")).willReturn(aResponse().withStatus(429).withHeader("Retry-After", "30")));
        relay = withCrm("100ms,1h").start();

        relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-429"));
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.deliveryAttempts("E-429", "crm") == 1);

        Timestamp next = (Timestamp) relay.queryOne(
                "SELECT next_attempt_at FROM relay_delivery WHERE event_id = 'E-429' AND sink = 'crm'");
        assertThat(Duration.between(Instant.now(), next.toInstant())).isGreaterThan(Duration.ofSeconds(25));
    }

    @Test
    void getQuoteFailingForGoodCountsEachSinkDeadAndTheLogAgreesWithTheJournalAfterAReplay() throws Exception {
        receiver.stubFor(get(urlPathMatching("/api/v2/quote/.*")).willReturn(aResponse().withStatus(403)));
        receiver.stubFor(post(urlEqualTo("/crm")).willReturn(aResponse().withStatus(500)));
        relay = withCrm("20ms").with("dealhub.api.base-url", receiver.baseUrl()).start();
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        ((Logger) LoggerFactory.getLogger(Deliveries.class)).addAppender(log);
        try {
            relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-403", "Q1"));
            relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-crm"));
            await().atMost(Duration.ofSeconds(30)).until(() -> "dead".equals(relay.eventState("E-403"))
                    && "dead".equals(relay.eventState("E-crm")));

            // The journal's figures are read in the background, about once a second.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(value(metrics(), "dealhub_deliveries_dead")).isEqualTo(3));
            String metrics = metrics();
            assertThat(value(metrics, "dealhub_deliveries_total{outcome=\"dead\",sink=\"files\"}")).isEqualTo(1);
            assertThat(value(metrics, "dealhub_deliveries_total{outcome=\"dead\",sink=\"crm\"}")).isEqualTo(2);
            JsonNode dead = JSON.readTree(admin("/admin/events?state=dead&type=user"));
            assertThat(dead.at("/events/0/last_error").asText()).isEqualTo("HTTP 500");

            receiver.stubFor(post(urlEqualTo("/crm")).willReturn(aResponse().withStatus(204)));
            relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port()
                    + "/admin/events/E-crm/replay")).header("Authorization", "Bearer " + ADMIN)
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            await().atMost(Duration.ofSeconds(30)).until(() -> "done".equals(relay.eventState("E-crm")));

            assertThat(relay.deliveryAttempts("E-crm", "crm")).isEqualTo(3);
            List<String> attemptsLogged = log.list.stream().filter(e -> e.getMessage().equals("delivered"))
                    .filter(e -> e.getKeyValuePairs().stream().anyMatch(kv -> "crm".equals(kv.value)))
                    .flatMap(e -> e.getKeyValuePairs().stream()).filter(kv -> kv.key.equals("attempts"))
                    .map(kv -> String.valueOf(kv.value)).toList();
            assertThat(attemptsLogged).containsExactly("3");
        } finally {
            ((Logger) LoggerFactory.getLogger(Deliveries.class)).detachAppender(log);
        }
    }

    private String admin(String path) {
        return relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + path))
                .header("Authorization", "Bearer " + ADMIN).GET().build()).body();
    }

    private String metrics() {
        return relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + "/observe/metrics"))
                .GET().build()).body();
    }

    private static double value(String metrics, String series) {
        Matcher line = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        assertThat(line.find()).as(series + " in\n" + metrics.lines().filter(l -> l.startsWith("dealhub")).toList())
                .isTrue();
        return Double.parseDouble(line.group(1));
    }
}
