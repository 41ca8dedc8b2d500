package dealhub.relay;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dealhub.relay.support.RelayProcess;
import dealhub.relay.support.Samples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged relay's log, in its JSON format, through successes, refusals, retries and dead deliveries: every
 * line is one JSON object, outcomes carry their event and sink as fields, and no configured secret ever appears.
 */
class LogsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static WireMockExtension outside = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @TempDir
    Path folder;

    @Test
    void jsonLinesWithCorrelatedOutcomesAndNoSecretAnywhere() throws Exception {
        String signingKey = Base64.getEncoder().encodeToString("signing-secret-32-bytes-long-key".getBytes());
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("webhook", "hook-secret-A1");
        secrets.put("webhook, rotated", "hook-secret-B2");
        secrets.put("admin", "admin-secret-C3");
        secrets.put("api", "api-secret-D4");
        secrets.put("database", "db-secret-E5");
        secrets.put("smtp", "smtp-secret-F6&%+");
        secrets.put("http header", "http-secret-G7");
        secrets.put("signing", signingKey);
        outside.stubFor(get(urlPathMatching("/api/v2/quote/.*")).willReturn(aResponse().withStatus(403)
                .withBody("{\"error\":\"token rejected\"}")));
        outside.stubFor(any(urlPathMatching("/receiver")).willReturn(aResponse().withStatus(503)));

        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("relay.datasource.url", "jdbc:h2:file:" + folder.resolve("db/relay") + ";WRITE_DELAY=0");
        settings.put("relay.datasource.password", secrets.get("database"));
        settings.put("relay.webhook.secrets", secrets.get("webhook") + "," + secrets.get("webhook, rotated"));
        settings.put("relay.admin.token", secrets.get("admin"));
        settings.put("dealhub.simulator.enabled", "false");
        settings.put("dealhub.api.base-url", outside.baseUrl());
        settings.put("dealhub.api.token", secrets.get("api"));
        settings.put("relay.retry.max-attempts", "2");
        settings.put("relay.retry.initial-delay-ms", "50");
        settings.put("relay.sinks.files.directory", folder.resolve("events").toString());
        settings.put("relay.sinks.mail.type", "email");
        settings.put("relay.sinks.mail.host", "127.0.0.1");
        settings.put("relay.sinks.mail.port", String.valueOf(RelayProcess.freePort()));
        settings.put("relay.sinks.mail.starttls", "false");
        settings.put("relay.sinks.mail.username", "relay");
        settings.put("relay.sinks.mail.password", secrets.get("smtp"));
        settings.put("relay.sinks.mail.from", "relay@example.com");
        settings.put("relay.sinks.mail.to", "ops@example.com");
        settings.put("relay.sinks.mail.template", "quoteWon");
        settings.put("relay.sinks.forward.type", "http");
        settings.put("relay.sinks.forward.url", outside.baseUrl() + "/receiver");
        settings.put("relay.sinks.forward.headers", "X-Api-Key: " + secrets.get("http header"));
        settings.put("relay.sinks.forward.signing-secret", "whsec_" + signingKey);

        RelayProcess relay = RelayProcess.start(folder, "relay", RelayProcess.freePort(), settings,
                Map.of("LOG_FORMAT", "json"));
        try (relay) {
            post(relay, "quoteWon", Samples.quoteEvent("EV-log-quote", "Q1"), secrets.get("webhook"));
            post(relay, "user", Samples.userEvent("EV-log-user"), secrets.get("webhook, rotated"));
            post(relay, "user", Samples.userEvent("EV-log-refused"), "not-the-secret");
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                String dead = admin(relay, "/admin/events?state=dead", secrets.get("admin"));
                return dead.contains("EV-log-quote") && dead.contains("EV-log-user");
            });
            admin(relay, "/admin/events/EV-log-user", secrets.get("admin"));
        }

        String log = relay.log();
        secrets.forEach((what, secret) -> assertThat(log).as("the %s secret", what).doesNotContain(secret));
        List<JsonNode> lines = log.lines().map(LogsIT::json).toList();
        assertThat(lines).anySatisfy(line -> {
            assertThat(line.get("formattedMessage").asText()).isEqualTo("delivered");
            assertThat(line.at("/kvpList").toString()).contains("\"event_id\":\"EV-log-user\"").contains("\"sink\":\"files\"");
        });
        assertThat(lines).anySatisfy(line -> {
            assertThat(line.get("formattedMessage").asText()).startsWith("dead");
            assertThat(line.at("/kvpList").toString()).contains("\"event_id\":\"EV-log-user\"").contains("\"sink\":\"mail\"");
        });
        assertThat(lines).anySatisfy(line -> assertThat(line.get("formattedMessage").asText()).startsWith("rejected"));
    }

    private static void post(RelayProcess relay, String type, String body, String secret) throws Exception {
        relay.send(HttpRequest.newBuilder(relay.uri("/webhooks/dealhub/" + type))
                .header("Authorization", "Bearer " + secret).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static String admin(RelayProcess relay, String path, String token) throws Exception {
        return relay.send(HttpRequest.newBuilder(relay.uri(path)).header("Authorization", "Bearer " + token)
                .GET().build()).body();
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not a JSON log line: " + line, e);
        }
    }
}
