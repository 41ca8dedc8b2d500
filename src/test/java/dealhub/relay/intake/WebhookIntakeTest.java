package dealhub.relay.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Black-box: every answer of POST /webhooks/dealhub[/{event}], over real HTTP, and what lands in the journal. */
class WebhookIntakeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 8192;

    @TempDir
    static Path folder;
    static TestRelay relay;

    @BeforeAll
    static void start() {
        relay = TestRelay.in(folder).with("relay.webhook.max-body-bytes", String.valueOf(MAX_BODY)).start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    @Test
    void acceptsAQuoteEventOnlyOnceItIsInTheJournal() throws Exception {
        String body = Samples.read("quoteWon.json");

        HttpResponse<String> response = relay.postEvent("/webhooks/dealhub/quoteWon", body);

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode reply = JSON.readTree(response.body());
        assertThat(reply.get("event_id").asText()).isEqualTo("EV0f3c8d21a9b4");
        assertThat(reply.get("status").asText()).isEqualTo("accepted");
        assertThat(relay.queryOne("SELECT payload FROM relay_event WHERE event_id = ?", "EV0f3c8d21a9b4"))
                .isEqualTo(body);
        assertThat(relay.queryOne("SELECT event_type FROM relay_event WHERE event_id = ?", "EV0f3c8d21a9b4"))
                .isEqualTo("quoteWon");
        assertThat(relay.queryOne("SELECT quote_id FROM relay_event WHERE event_id = ?", "EV0f3c8d21a9b4"))
                .isEqualTo("Q8m2XyzA91Lp0c7");
    }

    @Test
    void answersDuplicateAndStoresNothingNewForAnEventIdAlreadyStored() throws Exception {
        String body = Samples.quoteEvent("EV-dup-1", "Q1");
        assertThat(relay.postEvent("/webhooks/dealhub/quoteReady", body).statusCode()).isEqualTo(202);
        long before = relay.eventCount();

        HttpResponse<String> again = relay.postEvent("/webhooks/dealhub/quoteWon", body);

        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).get("status").asText()).isEqualTo("duplicate");
        assertThat(relay.eventCount()).isEqualTo(before);
        assertThat(relay.queryOne("SELECT event_type FROM relay_event WHERE event_id = ?", "EV-dup-1"))
                .isEqualTo("quoteReady");
    }

    @Test
    void takesTheEventTypeFromTheBodyWhenThePathNamesNone() {
        String withField = "{\"event_type\":\"quoteReady\",\"event_info\":{\"event_id\":\"EV-body-type\"}}";
        String withOtherCase = "{\"Event\":\"version\",\"event_info\":{\"event_id\":\"EV-body-case\"}}";
        String withNone = Samples.userEvent("EV-no-type");

        assertThat(relay.postEvent("/webhooks/dealhub", withField).statusCode()).isEqualTo(202);
        assertThat(relay.postEvent("/webhooks/dealhub", withOtherCase).statusCode()).isEqualTo(202);
        assertThat(relay.postEvent("/webhooks/dealhub", withNone).statusCode()).isEqualTo(202);

        assertThat(typeOf("EV-body-type")).isEqualTo("quoteReady");
        assertThat(typeOf("EV-body-case")).isEqualTo("version");
        assertThat(typeOf("EV-no-type")).isEqualTo("unknown");
    }

    @Test
    void thePathWinsOverABodyFieldAndMayNameAnEventWithSpaces() {
        String body = "{\"event\":\"quoteWon\",\"event_info\":{\"event_id\":\"EV-path-wins\"}}";

        assertThat(relay.postEvent("/webhooks/dealhub/Failure%20WebHook%20v1", body).statusCode()).isEqualTo(202);

        assertThat(typeOf("EV-path-wins")).isEqualTo("Failure WebHook v1");
    }

    @Test
    void keepsDealRoomEventsWithTheirActionAndAStableIdOfTheirOwn() {
        String body = Samples.read("dealroom-event.json");

        HttpResponse<String> first = relay.postEvent("/webhooks/dealhub", body);
        HttpResponse<String> second = relay.postEvent("/webhooks/dealhub", body);

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(second.statusCode()).isEqualTo(200);
        Object action = relay.queryOne("SELECT event_action FROM relay_event WHERE event_type = 'DEALROOM_EVENT'");
        assertThat(action).isEqualTo("DEAL_BOX_FILE_ADDED");
    }

    static Stream<Arguments> badRequests() {
        String deep = "[".repeat(3000) + "]".repeat(3000);
        return Stream.of(
                Arguments.of("malformed JSON", "/webhooks/dealhub/quoteWon", "{\"event_info\": {"),
                Arguments.of("trailing garbage", "/webhooks/dealhub/quoteWon", "{\"event_info\":{\"event_id\":\"x1\"}} x"),
                Arguments.of("a JSON array", "/webhooks/dealhub/quoteWon", "[{\"event_info\":{\"event_id\":\"x2\"}}]"),
                Arguments.of("a JSON string", "/webhooks/dealhub/quoteWon", "\"quoteWon\""),
                Arguments.of("an empty body", "/webhooks/dealhub/quoteWon", ""),
                Arguments.of("no event_info", "/webhooks/dealhub/quoteWon", "{\"dealhub_quote_id\":\"Q1\"}"),
                Arguments.of("event_info not an object", "/webhooks/dealhub/quoteWon", "{\"event_info\":\"x3\"}"),
                Arguments.of("an empty event_id", "/webhooks/dealhub/quoteWon", "{\"event_info\":{\"event_id\":\" \"}}"),
                Arguments.of("a numeric event_id", "/webhooks/dealhub/quoteWon", "{\"event_info\":{\"event_id\":42}}"),
                Arguments.of("an event_id of 129 characters", "/webhooks/dealhub/quoteWon",
                        "{\"event_info\":{\"event_id\":\"" + "e".repeat(129) + "\"}}"),
                Arguments.of("CRLF in the event_id", "/webhooks/dealhub/quoteWon",
                        "{\"event_info\":{\"event_id\":\"x4\\r\\nX-Injected: 1\"}}"),
                Arguments.of("an event name with other characters", "/webhooks/dealhub/quote%3BWon",
                        "{\"event_info\":{\"event_id\":\"x5\"}}"),
                Arguments.of("an event name of 65 characters", "/webhooks/dealhub/" + "q".repeat(65),
                        "{\"event_info\":{\"event_id\":\"x6\"}}"),
                Arguments.of("a body event field that is not a string", "/webhooks/dealhub",
                        "{\"event\":{\"name\":\"quoteWon\"},\"event_info\":{\"event_id\":\"x7\"}}"),
                Arguments.of("a quote id that climbs directories", "/webhooks/dealhub/quoteWon",
                        "{\"event_info\":{\"event_id\":\"x8\"},\"dealhub_quote_id\":\"../../etc/passwd\"}"),
                Arguments.of("a quote id that is a number", "/webhooks/dealhub/quoteWon",
                        "{\"event_info\":{\"event_id\":\"x9\"},\"dealhub_quote_id\":12345}"),
                Arguments.of("a quote id over 128 characters", "/webhooks/dealhub/quoteWon",
                        "{\"event_info\":{\"event_id\":\"x10\"},\"dealhub_quote_id\":\"" + "Q".repeat(129) + "\"}"),
                Arguments.of("duplicate keys", "/webhooks/dealhub/quoteWon",
                        "{\"event_info\":{\"event_id\":\"x11\"},\"event_info\":{\"event_id\":\"x12\"}}"),
                Arguments.of("nesting far too deep", "/webhooks/dealhub/quoteWon",
                        "{\"event_info\":{\"event_id\":\"x13\"},\"a\":" + deep + "}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void refusesWithA400ThatSaysWhatIsWrongAndStoresNothing(String what, String path, String body) throws Exception {
        long before = relay.eventCount();

        HttpResponse<String> response = relay.postEvent(path, body);

        assertThat(response.statusCode()).as(what).isEqualTo(400);
        JsonNode reply = JSON.readTree(response.body());
        assertThat(reply.get("status").asText()).isEqualTo("rejected");
        assertThat(reply.get("error").asText()).isNotBlank();
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(relay.eventCount()).isEqualTo(before);
    }

    @Test
    void refusesInvalidUtf8InsteadOfStoringReplacementCharacters() {
        byte[] bytes = "{\"event_info\":{\"event_id\":\"utf-X\"}}".getBytes();
        bytes[bytes.length - 5] = (byte) 0xC3; // a lead byte with no continuation: invalid UTF-8
        long before = relay.eventCount();

        HttpResponse<String> response = relay.send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://127.0.0.1:" + relay.port() + "/webhooks/dealhub/quoteWon"))
                .header("Authorization", "Bearer " + TestRelay.SECRET).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(bytes)).build());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(relay.eventCount()).isEqualTo(before);
    }

    @Test
    void refusesMissingOrWrongCredentialsWith401AndStoresNothing() {
        String body = Samples.quoteEvent("EV-auth", "Q1");
        long before = relay.eventCount();

        HttpResponse<String> none = relay.post("/webhooks/dealhub/quoteWon", body, Map.of("Content-Type", "application/json"));
        HttpResponse<String> wrong = relay.post("/webhooks/dealhub/quoteWon", body,
                Map.of("Authorization", "Bearer not-the-secret", "Content-Type", "application/json"));
        HttpResponse<String> otherScheme = relay.post("/webhooks/dealhub/quoteWon", body,
                Map.of("Authorization", "Basic " + TestRelay.SECRET, "Content-Type", "application/json"));

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(otherScheme.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).doesNotContain("not-the-secret");
        assertThat(wrong.headers().map().keySet()).noneMatch(h -> h.equalsIgnoreCase("Authorization"));
        assertThat(relay.eventCount()).isEqualTo(before);
    }

    @Test
    void refusesOtherContentTypesWith415() {
        long before = relay.eventCount();

        HttpResponse<String> text = relay.post("/webhooks/dealhub/quoteWon", Samples.quoteEvent("EV-ct1", "Q1"),
                Map.of("Authorization", "Bearer " + TestRelay.SECRET, "Content-Type", "text/plain"));
        HttpResponse<String> form = relay.post("/webhooks/dealhub/quoteWon", Samples.quoteEvent("EV-ct2", "Q1"),
                Map.of("Authorization", "Bearer " + TestRelay.SECRET,
                        "Content-Type", "application/x-www-form-urlencoded"));

        assertThat(text.statusCode()).isEqualTo(415);
        assertThat(form.statusCode()).isEqualTo(415);
        assertThat(relay.eventCount()).isEqualTo(before);
    }

    @Test
    void acceptsJsonWithACharsetParameter() {
        HttpResponse<String> response = relay.post("/webhooks/dealhub/quoteWon", Samples.quoteEvent("EV-charset", "Q1"),
                Map.of("Authorization", "Bearer " + TestRelay.SECRET, "Content-Type", "application/json; charset=utf-8"));

        assertThat(response.statusCode()).isEqualTo(202);
    }

    @Test
    void refusesBodiesOverTheLimitWith413() {
        String padding = "x".repeat(MAX_BODY);
        String body = "{\"event_info\":{\"event_id\":\"EV-huge\"},\"pad\":\"" + padding + "\"}";

        HttpResponse<String> response = relay.postEvent("/webhooks/dealhub/quoteWon", body);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(relay.eventState("EV-huge")).isNull();
    }

    @Test
    void repliesWithNoneOfTheRequestHeaders() {
        HttpResponse<String> response = relay.post("/webhooks/dealhub/quoteWon", Samples.quoteEvent("EV-echo", "Q1"),
                Map.of("Authorization", "Bearer " + TestRelay.SECRET, "Content-Type", "application/json",
                        "X-Probe", "should-not-come-back"));

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.headers().map().keySet())
                .noneMatch(h -> h.equalsIgnoreCase("X-Probe") || h.equalsIgnoreCase("Authorization")
                        || h.toLowerCase().startsWith("camel"));
    }

    private static String typeOf(String eventId) {
        return (String) relay.queryOne("SELECT event_type FROM relay_event WHERE event_id = ?", eventId);
    }
}
