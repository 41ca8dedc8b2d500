package dealhub.relay.sinks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dealhub.relay.RelayTest;
import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The jsonl sink end to end: webhooks into the relay, the quote from DealHub, one line of JSON per event in a file. */
class JsonLinesSinkTest extends RelayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @RegisterExtension
    static WireMockExtension dealhub = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @BeforeEach
    void dealhubAnswers() {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(Samples.read("get-quote-response.json"))));
    }

    @Test
    void appendsEachEventAsOneLineHoldingTheWebhookAndTheQuoteThoughBothCameOnManyLines() throws Exception {
        Path file = folder.resolve("out/not-yet-there/events.jsonl");
        relay = jsonlSink(file).start();
        String webhook = Samples.read("quoteWon.json");
        assertThat(webhook).contains("\n");

        relay.postEvent("/webhooks/dealhub/quoteWon", webhook);
        relay.postEvent("/webhooks/dealhub/quoteWon", webhook.replace("EV0f3c8d21a9b4", "EV-second"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("EV-second"))
                && "done".equals(relay.eventState("EV0f3c8d21a9b4")));

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2);
        Set<String> ids = new TreeSet<>();
        for (String line : lines) {
            JsonNode document = JSON.readTree(line);
            ids.add(document.path("event_id").asText());
            assertThat(document.path("event_type").asText()).isEqualTo("quoteWon");
            assertThat(document.path("webhook").path("dealhub_quote_id").asText()).isEqualTo("Q8m2XyzA91Lp0c7");
            assertThat(document.path("quote")).isEqualTo(JSON.readTree(Samples.read("get-quote-response.json")));
        }
        assertThat(ids).containsExactly("EV-second", "EV0f3c8d21a9b4");
    }

    @Test
    void linesFromParallelDeliveriesNeverInterleave() throws Exception {
        Path file = folder.resolve("events.jsonl");
        relay = jsonlSink(file).with("relay.dispatch.concurrency", "8").start();
        String webhook = Samples.read("quoteWon.json");
        int events = 60;

        List<CompletableFuture<Void>> posts = new ArrayList<>();
        IntStream.range(0, events).forEach(i -> posts.add(CompletableFuture.runAsync(() -> assertThat(relay
                .postEvent("/webhooks/dealhub/quoteWon", webhook.replace("EV0f3c8d21a9b4", "EV-par-" + i))
                .statusCode()).isEqualTo(202))));
        CompletableFuture.allOf(posts.toArray(CompletableFuture[]::new)).join();
        await().atMost(DEADLINE).until(() -> Long.valueOf(events).equals(relay.queryOne(
                "SELECT COUNT(*) FROM relay_event WHERE state = 'done'")));

        List<String> lines = Files.readAllLines(file);
        Set<String> ids = new TreeSet<>();
        for (String line : lines) {
            ids.add(JSON.readTree(line).path("event_id").asText());
        }
        assertThat(lines).hasSize(events);
        assertThat(ids).hasSize(events).allMatch(id -> id.startsWith("EV-par-"));
    }

    private TestRelay.Builder jsonlSink(Path file) {
        return TestRelay.in(folder).with("dealhub.api.base-url", dealhub.baseUrl())
                .with("relay.sinks.lines.type", "jsonl").with("relay.sinks.lines.file", file.toString());
    }
}
