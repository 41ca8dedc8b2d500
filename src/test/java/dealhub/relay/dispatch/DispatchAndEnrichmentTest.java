package dealhub.relay.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;
import dealhub.relay.RelayTest;

import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * From the journal to the sinks: the router, Get Quote as DealHub sees it (WireMock), retries and dead letters.
 * Runs with the journal on H2 and on PostgreSQL ({@link DispatchAndEnrichmentOnH2Test},
 * {@link DispatchAndEnrichmentOnPostgresTest}).
 */
abstract class DispatchAndEnrichmentTest extends RelayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @RegisterExtension
    static WireMockExtension dealhub = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();


    /** The relay's database for this run. */
    abstract TestRelay.Builder database(TestRelay.Builder relay);

    private TestRelay.Builder relayWithDealHub() {
        return database(TestRelay.in(folder)).with("dealhub.api.base-url", dealhub.baseUrl());
    }

    private static void quoteAnswers(String body) {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body)));
    }

    @Test
    void eachEventTypeReachesExactlyTheSinksSubscribedToIt() throws Exception {
        quoteAnswers(Samples.read("get-quote-response.json"));
        TestRelay.Builder builder = relayWithDealHub();
        Path wonOnly = builder.fileSink("won", "quoteWon");
        Path everything = builder.fileSink("everything", "*");
        relay = builder.start();

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-won", "Q8m2XyzA91Lp0c7"));
        relay.postEvent("/webhooks/dealhub/draftQuote", Samples.quoteEvent("E-draft", "Q3nB7wqE55Hj2d1"));
        relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-user"));
        await().atMost(DEADLINE).until(() -> Stream.of("E-won", "E-draft", "E-user")
                .allMatch(id -> "done".equals(relay.eventState(id))));

        assertThat(fileNames(wonOnly)).containsExactly("quoteWon_E-won.json");
        assertThat(fileNames(everything))
                .containsExactly("draftQuote_E-draft.json", "quoteWon_E-won.json", "user_E-user.json");
        JsonNode won = JSON.readTree(wonOnly.resolve("quoteWon_E-won.json").toFile());
        assertThat(won.at("/event_id").asText()).isEqualTo("E-won");
        assertThat(won.at("/webhook/dealhub_opportunity_id").asText()).isEqualTo("OP4Rt6YuI8oP2");
        assertThat(won.at("/quote/summary/total_net_price").asDouble()).isEqualTo(151320.5);
        assertThat(won.at("/quote/line_items").size()).isEqualTo(3);
        JsonNode user = JSON.readTree(everything.resolve("user_E-user.json").toFile());
        assertThat(user.has("quote")).isFalse();
        assertThat(user.at("/webhook/user/login").asText()).isEqualTo("sam.okafor@northwind.example");
        dealhub.verify(1, getRequestedFor(urlPathEqualTo("/api/v2/quote/Q8m2XyzA91Lp0c7")));
        dealhub.verify(1, getRequestedFor(urlPathEqualTo("/api/v2/quote/Q3nB7wqE55Hj2d1")));
        assertThat(dealhub.getAllServeEvents()).hasSize(2);
    }

    @Test
    void onlyTheEventTypesRelayDispatchQuoteEventsNamesAreEnriched() throws Exception {
        quoteAnswers(Samples.read("get-quote-response.json"));
        TestRelay.Builder builder = relayWithDealHub().with("relay.dispatch.quote-events", "quoteWon,quoteReady");
        Path files = builder.fileSink("files", "*");
        relay = builder.start();

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-won", "Q8m2XyzA91Lp0c7"));
        relay.postEvent("/webhooks/dealhub/draftQuote", Samples.quoteEvent("E-draft", "Q3nB7wqE55Hj2d1"));
        await().atMost(DEADLINE).until(() -> Stream.of("E-won", "E-draft")
                .allMatch(id -> "done".equals(relay.eventState(id))));

        assertThat(JSON.readTree(files.resolve("quoteWon_E-won.json").toFile()).has("quote")).isTrue();
        assertThat(JSON.readTree(files.resolve("draftQuote_E-draft.json").toFile()).has("quote")).isFalse();
        dealhub.verify(0, getRequestedFor(urlPathEqualTo("/api/v2/quote/Q3nB7wqE55Hj2d1")));
    }

    @Test
    void getQuoteReceivesExactlyTheDocumentedRequestAndNothingFromTheWebhook() {
        quoteAnswers(Samples.read("get-quote-response.json"));
        TestRelay.Builder builder = relayWithDealHub();
        builder.fileSink("files", "*");
        relay = builder.start();

        relay.post("/webhooks/dealhub/quoteWon", Samples.read("quoteWon.json"), Map.of(
                "Authorization", "Bearer " + TestRelay.SECRET, "Content-Type", "application/json",
                "X-Forwarded-Host", "evil.example", "Cookie", "session=stolen", "X-Leak", "1"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("EV0f3c8d21a9b4")));

        List<LoggedRequest> requests = dealhub.findAll(getRequestedFor(urlPathMatching("/.*")));
        assertThat(requests).hasSize(1);
        LoggedRequest request = requests.get(0);
        assertThat(request.getUrl()).isEqualTo(
                "/api/v2/quote/Q8m2XyzA91Lp0c7?feature=info&feature=summary&feature=line_items&feature=answers&feature=approvals");
        assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + TestRelay.API_TOKEN);
        assertThat(request.getHeaders().keys()).noneMatch(h -> h.equalsIgnoreCase("X-Leak")
                || h.equalsIgnoreCase("Cookie") || h.equalsIgnoreCase("X-Forwarded-Host")
                || h.equalsIgnoreCase("event") || h.toLowerCase().startsWith("camel")
                || h.toLowerCase().startsWith("dealhub"));
    }

    @Test
    void retriesGetQuoteAfter503AndDeliversOnce() throws Exception {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("second"));
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).inScenario("flaky").whenScenarioStateIs("second")
                .willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).inScenario("flaky").whenScenarioStateIs("up")
                .willReturn(aResponse().withStatus(200).withBody(Samples.read("get-quote-response.json"))));
        TestRelay.Builder builder = relayWithDealHub();
        Path files = builder.fileSink("files", "*");
        relay = builder.start();
        NotifyBuilder delivered = new NotifyBuilder(relay.context()).fromRoute("dispatch").whenDone(1).create();

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-503", "Q1"));

        assertThat(delivered.matches(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-503")));
        assertThat(dealhub.getAllServeEvents()).hasSize(3);
        assertThat(fileNames(files)).containsExactly("quoteWon_E-503.json");
        // Sent once; the journal counts every attempt made for the delivery, the two Get Quote calls that failed too.
        assertThat(relay.deliveryAttempts("E-503", "files")).isEqualTo(3);
        assertThat(relay.queryOne("SELECT quote FROM relay_quote WHERE event_id = ?", "E-503")).isNotNull();
    }

    @Test
    void waitsAsLongAsRetryAfterSaysOn429() {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).inScenario("limited").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")).willSetStateTo("ok"));
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).inScenario("limited").whenScenarioStateIs("ok")
                .willReturn(aResponse().withStatus(200).withBody(Samples.read("get-quote-response.json"))));
        TestRelay.Builder builder = relayWithDealHub().with("relay.retry.schedule", "20ms,5s");
        builder.fileSink("files", "*");
        relay = builder.start();

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-429", "Q1"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-429")));

        List<ServeEvent> calls = dealhub.getAllServeEvents().stream()
                .sorted(Comparator.comparing(e -> e.getRequest().getLoggedDate())).toList();
        assertThat(calls).hasSize(2);
        long gapMillis = calls.get(1).getRequest().getLoggedDate().getTime()
                - calls.get(0).getRequest().getLoggedDate().getTime();
        // The retry schedule alone would have waited 20 ms.
        assertThat(gapMillis).isBetween(950L, 4000L);
    }

    @Test
    void marksTheEventDeadWithDealHubsReasonOn403AndDoesNotRetry() throws Exception {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*"))
                .willReturn(aResponse().withStatus(403).withBody("{\"error\":\"Invalid API token\"}")));
        TestRelay.Builder builder = relayWithDealHub();
        Path files = builder.fileSink("files", "*");
        builder.with("relay.sinks.console.type", "log");
        relay = builder.start();

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-403", "Q1"));
        await().atMost(DEADLINE).until(() -> "dead".equals(relay.eventState("E-403")));
        Thread.sleep(500); // several times the retry delay: a retry would show up now

        dealhub.verify(1, getRequestedFor(urlPathMatching("/api/v2/quote/.*")));
        for (String sink : List.of("files", "console")) {
            assertThat(relay.deliveryState("E-403", sink)).isEqualTo("dead");
            assertThat(relay.deliveryError("E-403", sink)).contains("403").contains("Invalid API token");
        }
        assertThat(fileNames(files)).isEmpty();
    }

    @Test
    void passesOnAQuoteThatNeedsAnUpgradeAsItIs() throws Exception {
        quoteAnswers("{\"dealhub_quote_id\":\"Q-old\",\"status\":\"Draft\",\"quote_upgrade_required\":true}");
        TestRelay.Builder builder = relayWithDealHub();
        Path files = builder.fileSink("files", "*");
        relay = builder.start();

        relay.postEvent("/webhooks/dealhub/quoteReady", Samples.quoteEvent("E-upgrade", "Q-old"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-upgrade")));

        JsonNode document = JSON.readTree(files.resolve("quoteReady_E-upgrade.json").toFile());
        assertThat(document.at("/quote/quote_upgrade_required").asBoolean()).isTrue();
        assertThat(document.at("/quote/line_items").isMissingNode()).isTrue();
    }

    @Test
    void aFailingSinkIsRetriedAloneAndEndsDeadWithItsReason() throws Exception {
        quoteAnswers(Samples.read("get-quote-response.json"));
        TestRelay.Builder builder = relayWithDealHub();
        Path good = builder.fileSink("good", "*");
        blockedFileSink(builder, "broken");
        relay = builder.start();

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-sink", "Q1"));
        await().atMost(DEADLINE).until(() -> "dead".equals(relay.eventState("E-sink")));

        assertThat(relay.deliveryState("E-sink", "good")).isEqualTo("done");
        assertThat(relay.deliveryAttempts("E-sink", "good")).isEqualTo(1);
        assertThat(fileNames(good)).containsExactly("quoteWon_E-sink.json");
        assertThat(relay.deliveryState("E-sink", "broken")).isEqualTo("dead");
        assertThat(relay.deliveryAttempts("E-sink", "broken")).isEqualTo(3);
        assertThat(relay.deliveryError("E-sink", "broken")).isNotBlank();
        dealhub.verify(1, getRequestedFor(urlPathMatching("/api/v2/quote/.*")));
    }

    @Test
    void aSinkReplayedInALaterRoundGetsTheQuoteTheOtherSinksGot() throws Exception {
        quoteAnswers(Samples.read("get-quote-response.json"));
        TestRelay.Builder builder = relayWithDealHub().with("relay.admin.token", "admin-token");
        Path good = builder.fileSink("good", "*");
        Path blocker = blockedFileSink(builder, "late");
        relay = builder.start();
        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-later", "Q1"));
        await().atMost(DEADLINE).until(() -> "dead".equals(relay.eventState("E-later")));

        quoteAnswers("{\"status\":\"a later version of the quote\"}");
        Files.delete(blocker);
        HttpResponse<String> replay = relay.post("/admin/events/E-later/replay", "",
                Map.of("Authorization", "Bearer admin-token"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-later")));

        assertThat(replay.statusCode()).isEqualTo(202);
        assertThat(Files.readString(blocker.resolve("quoteWon_E-later.json")))
                .isEqualTo(Files.readString(good.resolve("quoteWon_E-later.json")));
        dealhub.verify(1, getRequestedFor(urlPathMatching("/api/v2/quote/.*")));
    }

    /** A file sink whose folder is a file: it fails until that file is deleted. Returns the file. */
    private Path blockedFileSink(TestRelay.Builder builder, String name) throws Exception {
        Path blocker = Files.createDirectories(folder.resolve("sinks")).resolve(name);
        Files.writeString(blocker, "a file where the sink expects a folder");
        builder.with("relay.sinks." + name + ".type", "file").with("relay.sinks." + name + ".directory",
                blocker.toString());
        return blocker;
    }

    private static List<String> fileNames(Path folder) throws Exception {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
