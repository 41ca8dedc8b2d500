package dealhub.relay.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dealhub.relay.support.Samples;
import dealhub.relay.support.SwitchableProxy;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * From the first accepted connection on, while the relay starts, a webhook is answered 503 with Retry-After and
 * a JSON body (the sender may try again, or another instance) until intake can store it, then 202: never 404,
 * which DealHub would not retry. Readiness stays DOWN until then. The relay's database is kept away at first
 * (behind a proxy that is down), so that the start waits for the journal's tables with its port open, as a
 * slow start of the packaged jar does.
 */
class StartupGateTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path folder;

    /** A webhook's answer, and what readiness said just before it ({@code -1}: no answer within a second). */
    private record Answer(int status, String body, String retryAfter, int readiness, String readinessBody) {
    }

    @Test
    void aWebhookDuringStartUpIsAnswered503UntilIntakeCanStoreItNever404() throws Exception {
        SwitchableProxy database = new SwitchableProxy("127.0.0.1", 5432);
        TestRelay.Builder builder = TestRelay.in(folder).onPostgres(database.port())
                .with("relay.datasource.connection-timeout-ms", "30000");
        int port = Integer.parseInt(builder.setting("camel.server.port"));
        CompletableFuture<TestRelay> starting = CompletableFuture.supplyAsync(builder::start);
        List<Answer> answers = new ArrayList<>();
        try (database) {
            int acceptedSinceOpen = 0;
            for (int i = 0; acceptedSinceOpen < 5 && i < 20_000; i++) {
                // readiness first: once it says ready, the webhook after it must be taken
                HttpResponse<String> readiness = readiness(port);
                HttpResponse<String> webhook = send(port, HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + port + "/webhooks/dealhub/quoteWon"))
                        .header("Authorization", "Bearer " + TestRelay.SECRET)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Samples.quoteEvent("EV-start-" + i, "Q1"))));
                if (webhook == null) {
                    continue; // the port is not open yet
                }
                answers.add(new Answer(webhook.statusCode(), webhook.body(),
                        webhook.headers().firstValue("Retry-After").orElse(null),
                        readiness == null ? -1 : readiness.statusCode(), readiness == null ? "" : readiness.body()));
                if (webhook.statusCode() == 202) {
                    acceptedSinceOpen++;
                }
                if (answers.size() == 3) {
                    database.up(); // the start may go on
                }
            }
        } finally {
            starting.get(60, TimeUnit.SECONDS).close();
        }

        assertThat(answers).extracting(Answer::status).as("every answer while starting").containsOnly(503, 202)
                .contains(503, 202);
        List<Answer> refused = answers.stream().filter(a -> a.status() == 503).toList();
        assertThat(refused).allSatisfy(a -> {
            assertThat(a.retryAfter()).isNotBlank();
            assertThat(a.body()).startsWith("{").contains("\"status\":\"rejected\"").contains("retry later");
            assertThat(a.readiness()).as("readiness just before a webhook was refused").isNotEqualTo(200);
        });
        assertThat(refused).as("readiness answered by the health check, which names the closed gate")
                .anySatisfy(a -> assertThat(a.readinessBody()).contains("intake-open").contains("DOWN"));
        int firstAccepted = answers.indexOf(answers.stream().filter(a -> a.status() == 202).findFirst().orElseThrow());
        assertThat(answers.subList(firstAccepted, answers.size())).extracting(Answer::status).containsOnly(202);
    }

    /**
     * {@code /observe/health/ready}, or {@code null} when it has not answered within a second (its database check
     * waits for the database that is kept away): not ready either way.
     */
    private static HttpResponse<String> readiness(int port) throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health/ready"))
                    .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException noAnswerInTime) {
            return null;
        }
    }

    /** The answer, or {@code null} when nothing listens on the port yet. */
    private static HttpResponse<String> send(int port, HttpRequest.Builder request) throws InterruptedException {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException notListeningYet) {
            Thread.sleep(2);
            return null;
        }
    }
}
