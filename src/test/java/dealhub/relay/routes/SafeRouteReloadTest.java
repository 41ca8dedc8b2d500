package dealhub.relay.routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dealhub.relay.RelayTest;
import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.apache.camel.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Route files saved on a running relay: a save that cannot work is refused as a whole and the previous routes keep
 * delivering; a save that can is applied without stopping the routes it did not change.
 */
class SafeRouteReloadTest extends RelayTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @RegisterExtension
    static WireMockExtension receiver = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private Path routes;
    private Path delivered;

    @AfterEach
    void stopCapturingLogs() {
        rootLogger().detachAppender(logs);
    }

    @Test
    void aDispatchFileThatParsesButCannotBeBuiltIsRefusedAndTheRelayKeepsDelivering() throws Exception {
        relay = startWithACopyOfTheRoutes().start();

        save("dispatch.yaml", "- to: direct:fan-out", "- to: nosuchcomponent:fan-out");
        awaitReloads("refused", 1);

        assertThat(relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-user")).statusCode()).isEqualTo(202);
        assertThat(relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-quote", "Q1")).statusCode())
                .isEqualTo(202);
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-user"))
                && "done".equals(relay.eventState("E-quote")));
        assertThat(delivered.resolve("quoteWon_E-quote.json")).exists();
        assertThat(warnings()).singleElement().asString()
                .contains("dispatch.yaml", "NOT reloaded", "nosuchcomponent");
        assertThat(get("/observe/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void anIntakeFileThatParsesButCannotBeBuiltIsRefusedAndWebhooksAreStillAccepted() throws Exception {
        relay = startWithACopyOfTheRoutes().start();

        save("intake.yaml", "method: store\n        - to: direct:json-reply",
                "method: store\n        - to: nosuchcomponent:json-reply");
        awaitReloads("refused", 1);

        HttpResponse<String> answer = relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-intake"));
        assertThat(answer.statusCode()).isEqualTo(202);
        assertThat(answer.body()).contains("accepted");
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-intake")));
        assertThat(warnings()).singleElement().asString().contains("intake.yaml", "nosuchcomponent");
    }

    @Test
    void aMistypedDirectNameIsRefusedNamingTheRouteAndTheEndpoint() throws Exception {
        relay = startWithACopyOfTheRoutes().start();

        save("dispatch.yaml", "- to: direct:enrich-quote", "- to: direct:enrich-qoute");
        awaitReloads("refused", 1);

        assertThat(warnings()).singleElement().asString()
                .contains("dispatch.yaml", "route 'dispatch' sends to direct:enrich-qoute, which no route consumes");
        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-typo", "Q1"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-typo")));
        assertThat(Files.readString(delivered.resolve("quoteWon_E-typo.json"))).contains("\"quote\"");
    }

    @Test
    void aStartWithAMistypedDirectNameIsRefusedInOneLineNamingTheRouteAndTheEndpoint() throws Exception {
        TestRelay.Builder builder = startWithACopyOfTheRoutes();
        save("dispatch.yaml", "- to: direct:enrich-quote", "- to: direct:enrich-qoute");

        Throwable refused = builder.startFailure();

        assertThat(refused).hasMessageContaining("route 'dispatch' sends to direct:enrich-qoute, which no route consumes");
        assertThat(refused.getMessage()).doesNotContain("\n");
    }

    @Test
    void webhooksArrivingWhileTheirHttpRouteIsSwappedAreAnsweredAcceptedOrRetryLaterNeverNotFound() throws Exception {
        relay = startWithACopyOfTheRoutes().start();
        Set<String> statuses = ConcurrentHashMap.newKeySet();
        AtomicBoolean posting = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        Thread client = new Thread(() -> {
            while (posting.get()) {
                HttpResponse<String> answer = relay.postEvent("/webhooks/dealhub",
                        Samples.userEvent("E-swap-" + sent.incrementAndGet()));
                statuses.add(answer.statusCode() + (answer.statusCode() == 202 ? "" : " " + answer.body()));
            }
        });
        client.start();

        save("intake.yaml", "    id: webhook\n", "    id: webhook\n    description: saved while webhooks arrive\n");
        awaitReloads("applied", 1);
        posting.set(false);
        client.join();

        assertThat(statuses).contains("202").allMatch(s -> s.equals("202") || s.startsWith("503 {"));
        assertThat(warnings()).isEmpty();
    }

    @Test
    void aSaveThatChangesNoRouteRestartsNothingAndAnAddedRouteStartsAlone() throws Exception {
        relay = startWithACopyOfTheRoutes().start();
        List<Route> before = List.of(route("dispatch-poll"), route("dispatch"), route("deliver"));

        save("dispatch.yaml", "# Dispatch:", "# Dispatch (edited):");
        awaitReloads("unchanged", 1);
        addExtraRoute();
        awaitReloads("applied", 1);

        assertThat(relay.context().getRoute("extra")).isNotNull();
        assertThat(List.of(route("dispatch-poll"), route("dispatch"), route("deliver")))
                .usingElementComparator((a, b) -> a == b ? 0 : 1).isEqualTo(before);
        assertThat(warnings()).isEmpty();
    }

    @Test
    void aReloadWhileADeliveryWaitsForItsNextAttemptLeavesPollingRunningAndTheDeliveryDelivered() throws Exception {
        TestRelay.Builder builder = startWithACopyOfTheRoutes()
                .with("relay.retry.initial-delay-ms", "3000").with("relay.retry.max-delay-ms", "3000");
        Path blocker = blockedSink(builder, "late");
        relay = builder.start();
        relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-waiting"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.deliveryState("E-waiting", "files")));

        // The late sink's first attempt failed; its next one waits in memory. Now a route file is saved.
        save("dispatch.yaml", "# Dispatch:", "# Dispatch (edited):");
        addExtraRoute();
        await().atMost(Duration.ofSeconds(5)).until(() -> route("extra") != null);
        relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-meanwhile"));
        await().atMost(Duration.ofSeconds(2)).until(() -> "done".equals(relay.deliveryState("E-meanwhile", "files")));
        Files.delete(blocker);

        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-waiting")));
        assertThat(relay.deliveryAttempts("E-waiting", "late")).isGreaterThan(1);
        assertThat(blocker.resolve("user_E-waiting.json")).exists();
    }

    @Test
    void aChangedRouteThatCannotFinishItsInFlightWorkInTimeKeepsRunningAndTheDeliveryIsNotKilled() throws Exception {
        // The in-flight work: one attempt at an http sink that answers after four seconds, longer than the drain.
        receiver.stubFor(post(urlEqualTo("/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(4000)));
        TestRelay.Builder builder = startWithACopyOfTheRoutes().with("relay.routes.reload-drain-seconds", "1")
                .with("relay.sinks.slow.type", "http").with("relay.sinks.slow.events", "*")
                .with("relay.sinks.slow.url", receiver.baseUrl() + "/slow");
        relay = builder.start();
        relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-in-flight"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.deliveryState("E-in-flight", "files"))
                && relay.context().getInflightRepository().size("deliver") > 0);
        Route deliver = route("deliver");

        save("dispatch.yaml", "    id: deliver\n", "    id: deliver\n    description: edited while a delivery is sent\n");
        awaitReloads("refused", 1);

        assertThat(warnings()).singleElement().asString()
                .contains("dispatch.yaml", "route 'deliver' still had work in flight after 1 s");
        assertThat(route("deliver")).isSameAs(deliver);
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-in-flight")));
        assertThat(relay.deliveryAttempts("E-in-flight", "slow")).as("the one slow attempt finished").isEqualTo(1);
        receiver.verify(1, postRequestedFor(urlEqualTo("/slow")));
    }

    @Test
    void anEventSentToARouteThatIsGoneIsDeadWithTheReasonInsteadOfLeasedAgainAndAgain() throws Exception {
        relay = startWithACopyOfTheRoutes().with("camel.component.direct.timeout", "500").start();
        relay.context().getRouteController().stopRoute("enrich-quote");

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-unroutable", "Q1"));

        await().atMost(DEADLINE).until(() -> "dead".equals(relay.eventState("E-unroutable")));
        assertThat(relay.deliveryError("E-unroutable", "files"))
                .contains("could not be routed", "direct://enrich-quote");
        // Tried again by the schedule (TestRelay's 20ms,40ms: three attempts), then dead with the reason.
        assertThat(relay.deliveryAttempts("E-unroutable", "files")).isEqualTo(3);
    }

    @Test
    void readinessIsDownWhileARequiredRouteIsStopped() throws Exception {
        relay = startWithACopyOfTheRoutes().start();

        relay.context().getRouteController().stopRoute("deliver");

        HttpResponse<String> ready = get("/observe/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("required-routes", "deliver");
    }

    private TestRelay.Builder startWithACopyOfTheRoutes() throws Exception {
        routes = Files.createDirectories(folder.resolve("routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.toList()) {
                Files.copy(file, routes.resolve(file.getFileName()));
            }
        }
        logs.start();
        rootLogger().addAppender(logs);
        TestRelay.Builder builder = TestRelay.in(folder)
                .with("camel.main.routes-include-pattern", "file:" + routes + "/*.yaml")
                .with("camel.main.routes-reload-enabled", "true")
                .with("camel.main.routes-reload-directory", routes.toString())
                .with("dealhub.simulator.enabled", "true")
                .with("dealhub.simulator.quote-file", Path.of("samples/get-quote-response.json").toAbsolutePath()
                        .toString())
                .with("dealhub.api.base-url", "http://127.0.0.1:{{camel.server.port}}/simulator");
        delivered = builder.fileSink("files", "*");
        return builder;
    }

    /** A file sink whose folder is a file: its deliveries fail until that file is deleted. Returns the file. */
    private Path blockedSink(TestRelay.Builder builder, String name) throws Exception {
        Path blocker = Files.createDirectories(folder.resolve("sinks")).resolve(name);
        Files.writeString(blocker, "a file where the sink expects a folder: deliveries fail until it is gone");
        builder.with("relay.sinks." + name + ".type", "file").with("relay.sinks." + name + ".events", "*")
                .with("relay.sinks." + name + ".directory", blocker.toString());
        return blocker;
    }

    private void save(String file, String what, String replacement) throws Exception {
        String text = Files.readString(routes.resolve(file));
        assertThat(text).contains(what);
        write(file, text.replace(what, replacement));
    }

    private void addExtraRoute() throws Exception {
        write("dispatch.yaml", Files.readString(routes.resolve("dispatch.yaml"))
                + "\n- route:\n    id: extra\n    from:\n      uri: direct:extra\n      steps:\n        - log: extra\n");
    }

    /** Saves a file the way editors do: the new version replaces the old one whole. */
    private void write(String file, String text) throws Exception {
        Path draft = Files.writeString(folder.resolve(file + ".draft"), text);
        Files.move(draft, routes.resolve(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void awaitReloads(String outcome, int count) {
        await().atMost(DEADLINE).until(() -> reloads(outcome) >= count);
    }

    private double reloads(String outcome) {
        Matcher m = Pattern.compile("dealhub_route_reloads_total\\{outcome=\"" + outcome + "\"} (\\S+)")
                .matcher(get("/observe/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private Route route(String routeId) {
        return relay.context().getRoute(routeId);
    }

    private List<String> warnings() {
        return logs.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .filter(e -> e.getLoggerName().startsWith("dealhub.relay.routes"))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    private HttpResponse<String> get(String path) {
        return relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + path)).GET().build());
    }

    private static Logger rootLogger() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
