package dealhub.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start, for real: the jar that {@code mvn package} built, started from the repository root
 * with the shipped application.properties (only the port and database moved aside by a --properties file, and
 * the output folder by an environment variable), takes samples/quoteWon.json and writes the enriched document.
 */
class QuickStartIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path folder;
    Process relay;

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.destroy();
            assertThat(relay.waitFor(30, TimeUnit.SECONDS)).as("the relay stops on SIGTERM").isTrue();
        }
    }

    @Test
    void thePackagedJarAcceptsTheSampleAndWritesTheEnrichedDocument() throws Exception {
        int port = freePort();
        Path events = folder.resolve("events");
        Path overrides = Files.writeString(folder.resolve("test.properties"), "camel.server.port = " + port + "\n"
                + "relay.datasource.url = jdbc:h2:file:" + folder.resolve("db/relay") + ";WRITE_DELAY=0\n");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", "target/dealhub-relay.jar", "--properties", overrides.toString())
                .directory(Path.of("").toAbsolutePath().toFile())
                .redirectErrorStream(true)
                .redirectOutput(folder.resolve("relay.log").toFile());
        builder.environment().put("RELAY_SINKS_FILES_DIRECTORY", events.toString());
        relay = builder.start();

        HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhooks/dealhub/quoteWon"))
                .header("Authorization", "Bearer demo-secret-change-me")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofFile(Path.of("samples/quoteWon.json"))).build();
        HttpResponse<String> response = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                // until it can store events, the starting relay answers 503: retry later
                .until(() -> HTTP.send(post, HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() != 503);

        assertThat(response.statusCode()).as(Files.readString(folder.resolve("relay.log"))).isEqualTo(202);
        Path document = events.resolve("quoteWon_EV0f3c8d21a9b4.json");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(document));
        JsonNode written = new ObjectMapper().readTree(document.toFile());
        assertThat(written.at("/webhook/event_info/event_id").asText()).isEqualTo("EV0f3c8d21a9b4");
        assertThat(written.at("/quote/dealhub_quote_id").asText()).isEqualTo("Q8m2XyzA91Lp0c7");
        assertThat(written.at("/quote/info/account_name").asText()).isEqualTo("Northwind Traders");
        assertThat(written.at("/quote/line_items").size()).isEqualTo(3);
        assertThat(Files.readString(folder.resolve("relay.log")))
                .contains("delivered event_id=\"EV0f3c8d21a9b4\"").contains("sink=\"files\"").contains("sink=\"console\"")
                .doesNotContain("demo-secret-change-me").doesNotContain("simulator-token");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
