package dealhub.relay.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.havingExactly;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;
import dealhub.relay.RelayTest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Get Quote failing in each way it can: every failure is tried again by the retry schedule kept in the journal
 * (200 ms, then 400 ms, no jitter here), then the event's sinks are dead with the reason.
 */
class DownstreamFaultsTest extends RelayTest {

    private static final int ATTEMPTS = 3;
    private static final long FIRST_DELAY_MS = 200;
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @RegisterExtension
    static WireMockExtension dealhub = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();


    private void startAgainst(String baseUrl) {
        TestRelay.Builder builder = TestRelay.in(folder)
                .with("dealhub.api.base-url", baseUrl)
                .with("dealhub.api.response-timeout-ms", "500")
                .with("dealhub.api.connect-timeout-ms", "500")
                .with("relay.retry.schedule", FIRST_DELAY_MS + "ms," + 2 * FIRST_DELAY_MS + "ms")
                // without approvals, so that no failure here gets the second round that approvals get
                .with("dealhub.api.features", "info,summary,line_items,answers");
        builder.fileSink("files", "*");
        relay = builder.start();
    }

    private String deadReasonAfterAllAttempts(String eventId) {
        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent(eventId, "Q1"));
        await().atMost(DEADLINE).until(() -> "dead".equals(relay.eventState(eventId)));
        assertThat(relay.deliveryState(eventId, "files")).isEqualTo("dead");
        assertThat(relay.deliveryAttempts(eventId, "files")).isEqualTo(ATTEMPTS);
        return relay.deliveryError(eventId, "files");
    }

    /** The calls DealHub saw were spaced by the backoff: 200 ms, then 400 ms (less a little for clock grain). */
    private static void assertBackoffBetweenCalls() {
        List<ServeEvent> calls = dealhub.getAllServeEvents().stream()
                .sorted(Comparator.comparing(e -> e.getRequest().getLoggedDate())).toList();
        assertThat(calls).hasSize(ATTEMPTS);
        for (int i = 1; i < calls.size(); i++) {
            long gap = calls.get(i).getRequest().getLoggedDate().getTime()
                    - calls.get(i - 1).getRequest().getLoggedDate().getTime();
            long expected = FIRST_DELAY_MS << (i - 1);
            assertThat(gap).as("gap before call %d", i + 1).isBetween(expected - 20, expected + 3000);
        }
    }

    @Test
    void aServerErrorIsRetriedWithBackoffThenDead() {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).willReturn(aResponse().withStatus(500).withBody("boom")));
        startAgainst(dealhub.baseUrl());

        String reason = deadReasonAfterAllAttempts("E-500");

        assertThat(reason).contains("HTTP 500").contains("boom");
        assertBackoffBetweenCalls();
    }

    @Test
    void aSlowAnswerTimesOutAndIsRetriedThenDead() {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).willReturn(aResponse().withStatus(200)
                .withBody(Samples.read("get-quote-response.json")).withFixedDelay(2000)));
        startAgainst(dealhub.baseUrl());

        String reason = deadReasonAfterAllAttempts("E-slow");

        assertThat(reason).containsIgnoringCase("timeout").contains("Get Quote failed");
        dealhub.verify(ATTEMPTS, getRequestedFor(urlPathMatching("/api/v2/quote/.*")));
    }

    @Test
    void aMalformedAnswerIsRetriedThenDead() {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*"))
                .willReturn(aResponse().withStatus(200).withBody("<html>maintenance</html>")));
        startAgainst(dealhub.baseUrl());

        String reason = deadReasonAfterAllAttempts("E-malformed");

        assertThat(reason).contains("not a JSON object");
        assertBackoffBetweenCalls();
    }

    @Test
    void anAnswerWithMoreThanOneJsonValueIsRetriedThenDead() {
        // Sinks get the quote as it came, inside their document: text after the object would break every one.
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*"))
                .willReturn(aResponse().withStatus(200).withBody("{\"status\":\"Won\"} {\"status\":\"Lost\"}")));
        startAgainst(dealhub.baseUrl());

        String reason = deadReasonAfterAllAttempts("E-two-values");

        assertThat(reason).contains("not a JSON object");
        dealhub.verify(ATTEMPTS, getRequestedFor(urlPathMatching("/api/v2/quote/.*")));
    }

    @Test
    void aDroppedConnectionIsRetriedThenDead() {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*"))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        startAgainst(dealhub.baseUrl());

        deadReasonAfterAllAttempts("E-reset");

        assertBackoffBetweenCalls();
    }

    @Test
    void aQuoteThatFailsWithApprovalsIsFetchedAndDeliveredWithoutThem() throws Exception {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).withQueryParam("feature", havingExactly(
                "info", "summary", "line_items", "answers", "approvals")).willReturn(aResponse().withStatus(500)));
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).withQueryParam("feature", havingExactly(
                "info", "summary", "line_items", "answers")).willReturn(aResponse().withStatus(200)
                .withBody(Samples.read("get-quote-response.json").replace("\"approvals\"", "\"not_asked\""))));
        TestRelay.Builder builder = TestRelay.in(folder).with("dealhub.api.base-url", dealhub.baseUrl())
                .with("relay.retry.schedule", "20ms,40ms");
        Path files = builder.fileSink("files", "*");
        relay = builder.start();

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-approvals", "Q1"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-approvals")));

        dealhub.verify(ATTEMPTS, getRequestedFor(urlPathMatching("/api/v2/quote/.*"))
                .withQueryParam("feature", havingExactly("info", "summary", "line_items", "answers", "approvals")));
        dealhub.verify(1, getRequestedFor(urlPathMatching("/api/v2/quote/.*"))
                .withQueryParam("feature", havingExactly("info", "summary", "line_items", "answers")));
        JsonNode document = new ObjectMapper().readTree(files.resolve("quoteWon_E-approvals.json").toFile());
        assertThat(document.at("/quote/line_items").size()).isEqualTo(3);
        assertThat(document.at("/quote/approvals").isMissingNode()).isTrue();
    }

    @Test
    void aRefusedConnectionIsRetriedThenDead() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        startAgainst("http://127.0.0.1:" + closedPort);

        String reason = deadReasonAfterAllAttempts("E-refused");

        assertThat(reason).containsIgnoringCase("refused");
    }
}
