package dealhub.relay.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dealhub.relay.RelayTest;
import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;

/**
 * The admin API's searches, counts, dead letters and replays by filter, over HTTP, as the console uses them: every
 * filter, paging with a cursor, and strict parameters. Runs with the journal on H2 and on PostgreSQL
 * ({@link AdminSearchOnH2Test}, {@link AdminSearchOnPostgresTest}).
 */
abstract class AdminSearchTest extends RelayTest {

    static final String TOKEN = "test-admin-token";
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration DEADLINE = Duration.ofSeconds(30);
    static final List<String> USER_EVENTS = List.of("E-1", "E-2", "E-3", "E-4", "E-5");

    Path blocker;

    /** The relay's database for this run. */
    abstract TestRelay.Builder database(TestRelay.Builder relay);

    /**
     * Five user events (sink "good" delivers them, sink "picky" cannot: dead), a version event (good only: done) and
     * a quote event whose quote cannot be fetched (dead at good, for another reason), all settled.
     */
    void startWithSettledEvents() {
        TestRelay.Builder builder = database(TestRelay.in(folder)).with("relay.admin.token", TOKEN);
        builder.fileSink("good", "*");
        try {
            blocker = Files.createDirectories(folder.resolve("sinks")).resolve("picky");
            Files.writeString(blocker, "a file where the sink wants its folder");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        builder.with("relay.sinks.picky.type", "file").with("relay.sinks.picky.events", "user")
                .with("relay.sinks.picky.directory", blocker.toString());
        relay = builder.start();
        for (String id : USER_EVENTS) {
            relay.postEvent("/webhooks/dealhub/user", Samples.userEvent(id));
        }
        relay.postEvent("/webhooks/dealhub/version", Samples.userEvent("V-1"));
        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("Q-1", "QAAA111"));
        await().atMost(DEADLINE).until(() -> ((Number) relay.queryOne(
                "SELECT count(*) FROM relay_event WHERE state <> 'pending'")).intValue() == 7);
    }

    @Test
    void eachFilterNarrowsTheEventsNewestFirst() throws Exception {
        startWithSettledEvents();

        assertThat(ids(get("/admin/events?state=dead&type=user"))).containsExactly("E-5", "E-4", "E-3", "E-2", "E-1");
        assertThat(ids(get("/admin/events?sink=picky&state=dead"))).containsExactly("E-5", "E-4", "E-3", "E-2", "E-1");
        assertThat(ids(get("/admin/events?sink=good&state=done"))).containsExactly("V-1", "E-5", "E-4", "E-3", "E-2",
                "E-1");
        assertThat(ids(get("/admin/events?sink=good&state=dead"))).containsExactly("Q-1");
        assertThat(ids(get("/admin/events?sink=picky&type=version"))).isEmpty();
        assertThat(ids(get("/admin/events?id=QAAA111"))).containsExactly("Q-1");
        assertThat(ids(get("/admin/events?id=E-3"))).containsExactly("E-3");
        assertThat(ids(get("/admin/events?state=done"))).containsExactly("V-1");

        JsonNode all = get("/admin/events?type=user");
        String third = all.at("/events/2/received_at").asText();
        String first = all.at("/events/0/received_at").asText();
        assertThat(ids(get("/admin/events?type=user&from=" + third + "&to=" + first)))
                .as("from is inclusive, to is not").containsExactly("E-4", "E-3");

        JsonNode counts = get("/admin/counts?type=user");
        assertThat(counts.at("/events/dead").asLong()).isEqualTo(5);
        assertThat(counts.at("/events/done").asLong()).isZero();
        assertThat(counts.at("/deliveries/done").asLong()).isEqualTo(5);
        assertThat(counts.at("/deliveries/dead").asLong()).isEqualTo(5);
        assertThat(get("/admin/counts?sink=picky").at("/deliveries/dead").asLong()).isEqualTo(5);
        JsonNode overview = get("/admin/overview");
        assertThat(overview.at("/events/dead").asLong()).isEqualTo(6);
        assertThat(overview.at("/deliveries/done").asLong()).isEqualTo(6);
        assertThat(overview.at("/backlog").asLong()).isZero();
        long accepted = 0;
        for (JsonNode interval : overview.get("history")) {
            accepted += interval.get("received").asLong();
        }
        assertThat(accepted).as("webhooks accepted in the last hour's intervals").isEqualTo(7);
    }

    @Test
    void aCursorWalksEveryPageOnceAndInOrder() throws Exception {
        startWithSettledEvents();
        List<String> walked = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = get("/admin/events?limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
            walked.addAll(ids(page));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            pages++;
        } while (cursor != null);

        assertThat(pages).isEqualTo(4);
        assertThat(walked).containsExactlyElementsOf(ids(get("/admin/events")));
        assertThat(walked).hasSize(7).doesNotHaveDuplicates();
    }

    @Test
    void deadLettersAreGroupedBySinkAndReasonAndADryRunChangesNothing() throws Exception {
        startWithSettledEvents();

        JsonNode groups = get("/admin/dead-letters");
        assertThat(groups.get("deliveries").asLong()).isEqualTo(6);
        assertThat(groups.at("/groups/0/sink").asText()).isEqualTo("picky");
        assertThat(groups.at("/groups/0/deliveries").asLong()).isEqualTo(5);
        assertThat(groups.at("/groups/0/reason").asText()).contains("picky");
        assertThat(groups.at("/groups/1/sink").asText()).isEqualTo("good");
        assertThat(groups.at("/groups/1/deliveries").asLong()).isEqualTo(1);
        String reason = groups.at("/groups/0/reason").asText();
        assertThat(ids(get("/admin/events?state=dead&reason=" + encode(reason)))).hasSize(5);
        assertThat(get("/admin/dead-letters?type=quoteWon").get("deliveries").asLong()).isEqualTo(1);

        HttpResponse<String> dry = post("/admin/replay?state=dead&sink=picky&dryRun=true");
        assertThat(dry.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(dry.body()).get("deliveries").asLong()).isEqualTo(5);
        assertThat(relay.queryOne("SELECT count(*) FROM relay_delivery WHERE state = 'dead'")).isEqualTo(6L);
    }

    @Test
    void aReplayByFilterRedoesOnlyWhatItMatchesAndReportsItsProgress() throws Exception {
        startWithSettledEvents();
        Files.delete(blocker); // "picky" can now write

        HttpResponse<String> one = post("/admin/replay?state=dead&sink=picky&id=E-2");
        assertThat(one.statusCode()).isEqualTo(202);
        JsonNode replay = JSON.readTree(one.body());
        assertThat(replay.get("replayed_deliveries").asInt()).isEqualTo(1);
        String replayId = replay.get("replay_id").asText();
        await().atMost(DEADLINE).until(() -> get("/admin/replays/" + replayId).get("delivered").asInt() == 1);
        assertThat(get("/admin/replays/" + replayId).get("pending").asInt()).isZero();
        assertThat(relay.eventState("E-2")).isEqualTo("done");
        assertThat(relay.eventState("E-1")).isEqualTo("dead");

        HttpResponse<String> rest = post("/admin/replay?state=dead&sink=picky");
        assertThat(JSON.readTree(rest.body()).get("replayed_deliveries").asInt()).isEqualTo(4);
        String restId = JSON.readTree(rest.body()).get("replay_id").asText();
        await().atMost(DEADLINE).until(() -> get("/admin/replays/" + restId).get("delivered").asInt() == 4);
        for (String id : USER_EVENTS) {
            assertThat(relay.eventState(id)).isEqualTo("done");
            assertThat(relay.deliveryAttempts(id, "good")).as("delivered once, never again").isEqualTo(1);
        }
        assertThat(relay.eventState("Q-1")).as("another sink's dead delivery stays dead").isEqualTo("dead");
        HttpResponse<String> none = post("/admin/replay?state=dead&sink=picky");
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(none.body()).get("replayed_deliveries").asInt()).isZero();
        assertThat(status("GET", "/admin/replays/RPnothing")).isEqualTo(404);
    }

    @Test
    void everyParameterIsCheckedAndNothingIsTakenForSql() throws Exception {
        startWithSettledEvents();

        for (String bad : List.of("/admin/events?state=lost", "/admin/events?limit=0", "/admin/events?limit=1001",
                "/admin/events?limit=ten", "/admin/events?colour=red", "/admin/events?type=user&type=version",
                "/admin/events?type=%3Cscript%3E", "/admin/events?sink=a%20b", "/admin/events?from=yesterday",
                "/admin/events?to=2026-13-01T00:00:00Z", "/admin/events?cursor=not-a-cursor",
                "/admin/events?cursor=" + encode("x|y"), "/admin/events?id=%0Aforged",
                "/admin/events?id=%C3%28", "/admin/counts?state=dead", "/admin/dead-letters?limit=5",
                "/admin/overview?x=1", "/admin/events?type=user'%20OR%20'1'='1")) {
            HttpResponse<String> answer = send("GET", bad);
            assertThat(answer.statusCode()).as(bad).isEqualTo(400);
            assertThat(JSON.readTree(answer.body()).get("error").asText()).as(bad).isNotBlank()
                    .doesNotContain("Exception").doesNotContain("dealhub.relay");
        }
        assertThat(send("POST", "/admin/replay?state=done").statusCode()).isEqualTo(400);
        assertThat(send("POST", "/admin/replay?state=dead&dryRun=maybe").statusCode()).isEqualTo(400);
        assertThat(send("POST", "/admin/replay").statusCode()).isEqualTo(400);

        assertThat(ids(get("/admin/events?id=" + encode("E-1' OR '1'='1")))).as("bound, not spliced").isEmpty();
        assertThat(ids(get("/admin/events?reason=" + encode("x' OR 1=1 --")))).isEmpty();
        assertThat(relay.eventCount()).isEqualTo(7);
        assertThat(send("GET", "/admin/events?type=user").statusCode()).isEqualTo(200);
    }

    // ---- over HTTP ----

    JsonNode get(String path) {
        HttpResponse<String> answer = send("GET", path);
        assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
        try {
            return JSON.readTree(answer.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    HttpResponse<String> post(String path) {
        return send("POST", path);
    }

    int status(String method, String path) {
        return send(method, path).statusCode();
    }

    HttpResponse<String> send(String method, String path) {
        return relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("events").forEach(event -> ids.add(event.get("event_id").asText()));
        return ids;
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
