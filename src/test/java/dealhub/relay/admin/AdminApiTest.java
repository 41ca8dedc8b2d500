package dealhub.relay.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;
import dealhub.relay.RelayTest;

import org.junit.jupiter.api.Test;

/** The operators' API over HTTP: its token, listing, detail, and replays that redo dead deliveries only. */
class AdminApiTest extends RelayTest {

    private static final String TOKEN = "test-admin-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    Path good;
    Path blocker;

    /** A relay whose sink "good" works and whose sink "picky" fails until {@link #blocker} is removed. */
    private void startWithAFailingSink() throws Exception {
        TestRelay.Builder builder = TestRelay.in(folder).with("relay.admin.token", TOKEN);
        good = builder.fileSink("good", "*");
        blocker = Files.createDirectories(folder.resolve("sinks")).resolve("picky");
        Files.writeString(blocker, "a file where the sink wants its folder");
        builder.with("relay.sinks.picky.type", "file").with("relay.sinks.picky.directory", blocker.toString());
        relay = builder.start();
    }

    @Test
    void isOffWhenNoTokenIsSet() {
        relay = TestRelay.in(folder).start();

        assertThat(get("/admin/events", "Bearer anything").statusCode()).isEqualTo(404);
        assertThat(post("/admin/replay?state=dead", "Bearer anything").statusCode()).isEqualTo(404);
    }

    @Test
    void refusesRequestsWithoutItsToken() throws Exception {
        startWithAFailingSink();

        assertThat(get("/admin/events", null).statusCode()).isEqualTo(401);
        assertThat(get("/admin/events", "Bearer " + TestRelay.SECRET).statusCode()).isEqualTo(401);
        assertThat(post("/admin/replay?state=dead", "Bearer wrong").statusCode()).isEqualTo(401);
    }

    @Test
    void listsEventsByStateAndTypeAndShowsEachSinksOutcome() throws Exception {
        startWithAFailingSink();
        relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-1"));
        relay.postEvent("/webhooks/dealhub/version", Samples.userEvent("E-2"));
        await().atMost(DEADLINE).until(() -> "dead".equals(relay.eventState("E-1"))
                && "dead".equals(relay.eventState("E-2")));

        JsonNode dead = JSON.readTree(get("/admin/events?state=dead&type=user", "Bearer " + TOKEN).body());
        JsonNode none = JSON.readTree(get("/admin/events?state=done", "Bearer " + TOKEN).body());
        JsonNode one = JSON.readTree(get("/admin/events?limit=1", "Bearer " + TOKEN).body());
        HttpResponse<String> detail = get("/admin/events/E-1", "Bearer " + TOKEN);

        assertThat(dead.get("events")).hasSize(1);
        assertThat(dead.at("/events/0/event_id").asText()).isEqualTo("E-1");
        assertThat(none.get("events")).isEmpty();
        assertThat(one.get("events")).hasSize(1);
        assertThat(detail.statusCode()).isEqualTo(200);
        JsonNode event = JSON.readTree(detail.body());
        assertThat(event.at("/payload/user/login").asText()).isEqualTo("sam.okafor@northwind.example");
        assertThat(event.at("/deliveries/0/sink").asText()).isEqualTo("good");
        assertThat(event.at("/deliveries/0/state").asText()).isEqualTo("done");
        assertThat(event.at("/deliveries/1/sink").asText()).isEqualTo("picky");
        assertThat(event.at("/deliveries/1/state").asText()).isEqualTo("dead");
        assertThat(event.at("/deliveries/1/attempts").asInt()).isEqualTo(3);
        assertThat(event.at("/deliveries/1/last_error").asText()).contains("picky");
        assertThat(get("/admin/events/nope", "Bearer " + TOKEN).statusCode()).isEqualTo(404);
        assertThat(get("/admin/events?state=lost", "Bearer " + TOKEN).statusCode()).isEqualTo(400);
        assertThat(get("/admin/events?limit=0", "Bearer " + TOKEN).statusCode()).isEqualTo(400);
    }

    @Test
    void replayingAnEventRedoesItsDeadDeliveriesOnly() throws Exception {
        startWithAFailingSink();
        relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-replay"));
        await().atMost(DEADLINE).until(() -> "dead".equals(relay.eventState("E-replay")));
        Path delivered = good.resolve("user_E-replay.json");
        assertThat(delivered).exists();
        Files.delete(delivered); // were "good" delivered again, the file would come back
        Files.delete(blocker);   // "picky" can now write

        HttpResponse<String> replay = post("/admin/events/E-replay/replay", "Bearer " + TOKEN);

        assertThat(replay.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(replay.body()).get("replayed_deliveries").asInt()).isEqualTo(1);
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-replay")));
        assertThat(blocker.resolve("user_E-replay.json")).exists();
        assertThat(delivered).doesNotExist();
        assertThat(relay.deliveryAttempts("E-replay", "good")).isEqualTo(1);
        assertThat(relay.deliveryAttempts("E-replay", "picky")).isEqualTo(4);

        HttpResponse<String> again = post("/admin/events/E-replay/replay", "Bearer " + TOKEN);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).get("replayed_deliveries").asInt()).isZero();
    }

    @Test
    void replayingEveryDeadEventRedoesThemAll() throws Exception {
        startWithAFailingSink();
        for (String id : new String[] {"E-a", "E-b", "E-c"}) {
            relay.postEvent("/webhooks/dealhub/user", Samples.userEvent(id));
        }
        await().atMost(DEADLINE).until(() -> ((Number) relay.queryOne(
                "SELECT count(*) FROM relay_event WHERE state = 'dead'")).intValue() == 3);
        Files.delete(blocker);

        HttpResponse<String> replay = post("/admin/replay?state=dead", "Bearer " + TOKEN);

        assertThat(replay.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(replay.body()).get("replayed_deliveries").asInt()).isEqualTo(3);
        await().atMost(DEADLINE).until(() -> ((Number) relay.queryOne(
                "SELECT count(*) FROM relay_event WHERE state = 'done'")).intValue() == 3);
        assertThat(post("/admin/replay?state=done", "Bearer " + TOKEN).statusCode()).isEqualTo(400);
    }

    private HttpResponse<String> get(String path, String authorization) {
        return relay.send(request(path, authorization).GET().build());
    }

    private HttpResponse<String> post(String path, String authorization) {
        return relay.send(request(path, authorization).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private HttpRequest.Builder request(String path, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + path));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return request;
    }
}
