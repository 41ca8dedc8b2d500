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

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dealhub.relay.support.RelayProcess;
import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One of two instances sharing a PostgreSQL journal dies (kill -9) with events leased: the survivor takes them
 * over once their leases run out and finishes them; every event still lands exactly once.
 */
class ScaleOutIT {

    private static final int EVENTS = 600;

    @RegisterExtension
    static WireMockExtension dealhub = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()
            .containerThreads(40)).build();

    @TempDir
    Path folder;

    @Test
    void theSurvivorFinishesTheWorkOfAKilledInstanceAfterItsLeasesRunOut() throws Exception {
        String quote = Samples.read("get-quote-response.json");
        dealhub.stubFor(get(urlPathMatching("/slow/.*")).willReturn(aResponse().withBody(quote).withFixedDelay(30_000)));
        dealhub.stubFor(get(urlPathMatching("/fast/.*")).willReturn(aResponse().withBody(quote)));
        Path sink = folder.resolve("sink");
        TestRelay.Builder survivorSettings = TestRelay.in(folder).onPostgres()
                .with("relay.dispatch.lease-seconds", "3").with("relay.dispatch.lease-renew-ms", "1000");
        survivorSettings.fileSink("files", "*");
        // the same sinks as the doomed instance, which runs with the shipped application.properties
        survivorSettings.with("relay.sinks.files.directory", sink.toString()).with("relay.sinks.console.type", "log")
                .with("relay.sinks.bi.type", "jdbc").with("relay.sinks.bi.events", "*");
        // The survivor starts later: first the doomed instance takes all the work it can.
        TestRelay schemaOwner = TestRelay.in(folder.resolve("owner")).onPostgres().start();
        String url = schemaOwner.databaseUrl();
        try (schemaOwner) {
            schemaOwner.context().getRouteController().stopRoute("dispatch-poll");
            try (RelayProcess doomed = RelayProcess.start(folder, "doomed", RelayProcess.freePort(), Map.of(
                    "relay.datasource.url", url,
                    "relay.datasource.username", "postgres",
                    "relay.sinks.files.directory", sink.toString(),
                    "relay.dispatch.lease-seconds", "3",
                    "relay.dispatch.lease-renew-ms", "1000",
                    // a slow Get Quote keeps its claimed quote events in flight when it dies
                    "dealhub.api.base-url", dealhub.baseUrl() + "/slow",
                    "dealhub.api.response-timeout-ms", "60000",
                    // only the events posted here: no simulated quotes backfilled
                    "relay.reconcile.enabled", "false"))) {
                for (int i = 0; i < EVENTS; i++) {
                    String id = "EV-kill-" + i;
                    String type = i % 3 == 0 ? "quoteWon" : "user";
                    String body = type.equals("user") ? Samples.userEvent(id) : Samples.quoteEvent(id, "Q1");
                    assertThat(doomed.send(HttpRequest.newBuilder(doomed.uri("/webhooks/dealhub/" + type))
                            .header("Authorization", "Bearer demo-secret-change-me")
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build()).statusCode()).isEqualTo(202);
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> ((Number) schemaOwner.queryOne(
                        "SELECT count(*) FROM relay_delivery WHERE lease_owner IS NOT NULL")).intValue() > 0);
                doomed.kill();
            }
            long leased = ((Number) schemaOwner.queryOne(
                    "SELECT count(*) FROM relay_delivery WHERE lease_owner IS NOT NULL")).longValue();
            assertThat(leased).as("events the dead instance still held").isPositive();

            try (TestRelay survivor = survivorSettings.with("relay.datasource.url", url)
                    .with("dealhub.api.base-url", dealhub.baseUrl() + "/fast").start()) {
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> ((Number)
                        survivor.queryOne("SELECT count(*) FROM relay_event WHERE state <> 'pending'")).intValue() == EVENTS);
                assertThat(survivor.queryOne("SELECT count(*) FROM relay_event WHERE state = 'done'"))
                        .as("not done: %s", survivor.queryOne("SELECT min(last_error) FROM relay_delivery WHERE state <> 'done'"))
                        .isEqualTo((long) EVENTS);
                assertThat(survivor.queryOne("SELECT count(*) FROM relay_delivery WHERE state <> 'done'")).isEqualTo(0L);
            }
        }
        try (Stream<Path> files = Files.list(sink)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertThat(names).hasSize(EVENTS).noneMatch(n -> n.startsWith("."));
        }
    }

}
