package dealhub.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;

/** routes/*.yaml are edited on a running relay: saved changes go live, a broken save keeps the old routes. */
class RouteReloadTest extends RelayTest {

    private static final String PROBE = """
            - route:
                id: probe
                from:
                  uri: platform-http:/probe
                  steps:
                    - setBody:
                        constant: "%s"
            """;


    private Path startWithACopyOfTheRoutes() throws Exception {
        Path routes = Files.createDirectories(folder.resolve("routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.toList()) {
                Files.copy(file, routes.resolve(file.getFileName()));
            }
        }
        Files.writeString(routes.resolve("probe.yaml"), PROBE.formatted("version 1"));
        relay = TestRelay.in(folder)
                .with("camel.main.routes-include-pattern", "file:" + routes + "/*.yaml")
                .with("camel.main.routes-reload-enabled", "true")
                .with("camel.main.routes-reload-directory", routes.toString())
                .start();
        return routes;
    }

    @Test
    void aSavedRouteChangeTakesEffectWithoutARestart() throws Exception {
        Path routes = startWithACopyOfTheRoutes();
        assertThat(probe()).isEqualTo("version 1");

        Files.writeString(routes.resolve("probe.yaml"), PROBE.formatted("version 2"));

        await().atMost(Duration.ofSeconds(20)).until(() -> "version 2".equals(probe()));
    }

    @Test
    void aBrokenSaveKeepsThePreviousRoutesAnswering() throws Exception {
        Path routes = startWithACopyOfTheRoutes();
        String intake = Files.readString(routes.resolve("intake.yaml"));

        Files.writeString(routes.resolve("intake.yaml"), intake + "\n- route: [this is: not, valid\n");
        Files.writeString(routes.resolve("probe.yaml"), "- route:\n    id: probe\n    from: {{{\n");
        Thread.sleep(3000); // time for the reload to be tried (changes are seen within a second)

        assertThat(relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-after-broken", "Q1"))
                .statusCode()).isEqualTo(202);
        assertThat(probe()).isEqualTo("version 1");
    }

    private String probe() {
        return relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + "/probe"))
                .GET().build()).body();
    }
}
