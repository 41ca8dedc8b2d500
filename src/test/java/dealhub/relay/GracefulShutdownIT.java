package dealhub.relay;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dealhub.relay.support.RelayProcess;
import dealhub.relay.support.Samples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM while the relay is busy: it stops within its grace period, finishing what it can and handing back the
 * leases of the rest, so that after a restart every event is delivered, none twice and none half-written.
 */
class GracefulShutdownIT {

    private static final int EVENTS = 200;
    private static final String TOKEN = "admin-token-for-the-shutdown-test";

    @RegisterExtension
    static WireMockExtension dealhub = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()
            .containerThreads(40)).build();

    @TempDir
    Path folder;

    @Test
    void stopsWithinTheGracePeriodAndLeavesNothingHalfDone() throws Exception {
        String quote = Samples.read("get-quote-response.json");
        // Slow enough that most events are still waiting when SIGTERM comes.
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).willReturn(aResponse().withBody(quote)
                .withFixedDelay(1500)));
        Path sink = folder.resolve("events");
        int port = RelayProcess.freePort();
        Map<String, String> settings = Map.of(
                "relay.datasource.url", "jdbc:h2:file:" + folder.resolve("db/relay") + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE",
                "relay.sinks.files.directory", sink.toString(),
                "dealhub.api.base-url", dealhub.baseUrl(),
                "relay.admin.token", TOKEN,
                "relay.shutdown.grace-seconds", "5",
                // only the events posted here: no simulated quotes backfilled
                "relay.reconcile.enabled", "false");

        try (RelayProcess relay = RelayProcess.start(folder, "first", port, settings)) {
            for (int i = 0; i < EVENTS; i++) {
                assertThat(post(relay, "EV-term-" + i)).isEqualTo(202);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !dealhub.getAllServeEvents().isEmpty());

            Duration stopped = relay.terminate(Duration.ofSeconds(30));

            assertThat(stopped).isLessThan(Duration.ofSeconds(15));
            assertThat(relay.log()).contains("released").contains("unfinished deliveries for another run");
        }
        long deliveredBeforeRestart = countFiles(sink);
        assertThat(deliveredBeforeRestart).isLessThan(EVENTS);

        dealhub.resetAll();
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).willReturn(aResponse().withBody(quote)));
        try (RelayProcess relay = RelayProcess.start(folder, "second", port, settings)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                    new ObjectMapper().readTree(relay.send(HttpRequest.newBuilder(relay.uri("/admin/events?state=done&limit=1000"))
                            .header("Authorization", "Bearer " + TOKEN).GET().build()).body()).get("events").size() == EVENTS);
        }
        try (Stream<Path> files = Files.list(sink)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertThat(names).hasSize(EVENTS).noneMatch(name -> name.startsWith("."));
        }
    }

    private static int post(RelayProcess relay, String eventId) throws Exception {
        return relay.send(HttpRequest.newBuilder(relay.uri("/webhooks/dealhub/quoteWon"))
                .header("Authorization", "Bearer demo-secret-change-me").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Samples.quoteEvent(eventId, "Q1"))).build()).statusCode();
    }

    private static long countFiles(Path folder) throws Exception {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.count();
        }
    }
}
