package dealhub.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile input is normal input: each adversarial request, over real HTTP against a running relay, gets the
 * right 4xx and changes nothing; ids that try to escape are stored verbatim and neutralised in the sinks; the
 * relay stays healthy afterwards.
 */
class HostileInputTest {

    private static final String EVENT = "/webhooks/dealhub/quoteWon";
    private static final Map<String, String> JSON_AND_TOKEN =
            Map.of("Authorization", "Bearer " + TestRelay.SECRET, "Content-Type", "application/json");

    @TempDir
    static Path folder;
    static TestRelay relay;
    static Path sink;

    @BeforeAll
    static void start() {
        TestRelay.Builder builder = TestRelay.in(folder);
        sink = builder.fileSink("files", "*");
        relay = builder.start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static String withEventInfo(String eventInfo) {
        return "{\"event_info\":" + eventInfo + ",\"dealhub_quote_id\":\"Q1\"}";
    }

    private static String withField(String field, String json) {
        return "{\"event_info\":{\"event_id\":\"EV-field\"}," + "\"" + field + "\":" + json + "}";
    }

    private static Arguments json(String what, int status, String path, String body) {
        return Arguments.of(what, status, path, JSON_AND_TOKEN, body.getBytes(StandardCharsets.UTF_8));
    }

    private static Arguments raw(String what, int status, String path, Map<String, String> headers, byte[] body) {
        return Arguments.of(what, status, path, headers, body);
    }

    static Stream<Arguments> hostileRequests() {
        String sample = Samples.read("quoteWon.json");
        String tenKb = "x".repeat(10_240);
        List<Arguments> cases = new ArrayList<>(List.of(
                json("malformed JSON", 400, EVENT, "{\"event_info\": {\"event_id\": \"EV-m\""),
                json("truncated sample", 400, EVENT, sample.substring(0, sample.length() / 2)),
                json("a JSON array", 400, EVENT, "[" + sample + "]"),
                json("a JSON number", 400, EVENT, "42"),
                json("JSON null", 400, EVENT, "null"),
                json("JSON true", 400, EVENT, "true"),
                json("a JSON string", 400, EVENT, "\"quoteWon\""),
                json("an empty body", 400, EVENT, ""),
                json("only whitespace", 400, EVENT, "  \n\t "),
                json("100k-deep array nesting", 400, EVENT, "[".repeat(100_000) + "]".repeat(100_000)),
                json("100k-deep object nesting", 400, EVENT,
                        "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000)),
                json("duplicate keys", 400, EVENT,
                        "{\"event_info\":{\"event_id\":\"EV-d1\",\"event_id\":\"EV-d2\"}}"),
                json("trailing second document", 400, EVENT, sample + sample),
                json("a byte order mark", 400, EVENT, "\uFEFF" + sample),
                json("no event_info", 400, EVENT, "{\"dealhub_quote_id\":\"Q1\"}"),
                json("event_info null", 400, EVENT, withEventInfo("null")),
                json("event_info an array", 400, EVENT, withEventInfo("[\"EV-a\"]")),
                json("event_id missing", 400, EVENT, withEventInfo("{\"webhook_id\":\"W\"}")),
                json("event_id empty", 400, EVENT, withEventInfo("{\"event_id\":\"\"}")),
                json("event_id null", 400, EVENT, withEventInfo("{\"event_id\":null}")),
                json("event_id a number", 400, EVENT, withEventInfo("{\"event_id\":7}")),
                json("event_id an object", 400, EVENT, withEventInfo("{\"event_id\":{\"id\":\"x\"}}")),
                json("event_id 129 characters", 400, EVENT, withEventInfo("{\"event_id\":\"" + "a".repeat(129) + "\"}")),
                json("event_id 10 kB", 400, EVENT, withEventInfo("{\"event_id\":\"" + tenKb + "\"}")),
                json("event_id with CRLF", 400, EVENT, withEventInfo("{\"event_id\":\"EV\\r\\nX-Evil: 1\"}")),
                json("event_id with NUL", 400, EVENT, withEventInfo("{\"event_id\":\"EV\\u0000x\"}")),
                json("webhook_id a number", 400, EVENT, withEventInfo("{\"event_id\":\"EV-w\",\"webhook_id\":5}")),
                json("api_version a number", 400, EVENT, withEventInfo("{\"event_id\":\"EV-v\",\"api_version\":1.0}")),
                json("request_id an array", 400, EVENT, withEventInfo("{\"event_id\":\"EV-r\",\"request_id\":[]}")),
                json("quote id a number", 400, EVENT, withField("dealhub_quote_id", "123")),
                json("quote id ../../etc/passwd", 400, EVENT, withField("dealhub_quote_id", "\"../../etc/passwd\"")),
                json("quote id %2e%2e%2f", 400, EVENT, withField("dealhub_quote_id", "\"%2e%2e%2f\"")),
                json("quote id a/b", 400, EVENT, withField("dealhub_quote_id", "\"a/b\"")),
                json("quote id ' OR 1=1 --", 400, EVENT, withField("dealhub_quote_id", "\"' OR 1=1 --\"")),
                json("quote id 1; DROP TABLE", 400, EVENT, withField("dealhub_quote_id", "\"1; DROP TABLE x\"")),
                json("quote id with CRLF", 400, EVENT, withField("dealhub_quote_id", "\"Q1\\r\\nHost: evil\"")),
                json("quote id with ?", 400, EVENT, withField("dealhub_quote_id", "\"Q1?feature=all\"")),
                json("quote id 10 kB", 400, EVENT, withField("dealhub_quote_id", "\"" + tenKb + "\"")),
                json("opportunity id an object", 400, EVENT, withField("dealhub_opportunity_id", "{}")),
                json("execution_date a number", 400, EVENT, withField("execution_date", "20261102")),
                json("executed_by an array", 400, EVENT, withField("executed_by", "[\"a\"]")),
                json("additional_data a string", 400, EVENT, withField("additional_data", "\"x\"")),
                json("event field a number", 400, "/webhooks/dealhub", withField("event", "1")),
                json("event_type an object", 400, "/webhooks/dealhub", withField("event_type", "{}")),
                json("an event name with ;", 400, "/webhooks/dealhub/quote%3BWon", sample),
                json("an event name of 65 characters", 400, "/webhooks/dealhub/" + "q".repeat(65), sample),
                raw("no credentials", 401, EVENT, Map.of("Content-Type", "application/json"), sample.getBytes()),
                raw("a wrong token", 401, EVENT, Map.of("Authorization", "Bearer guess", "Content-Type",
                        "application/json"), sample.getBytes()),
                raw("an empty token", 401, EVENT, Map.of("Authorization", "Bearer ", "Content-Type",
                        "application/json"), sample.getBytes()),
                raw("the token as basic", 401, EVENT, Map.of("Authorization", "Basic " + TestRelay.SECRET,
                        "Content-Type", "application/json"), sample.getBytes()),
                raw("the token with a suffix", 401, EVENT, Map.of("Authorization", "Bearer " + TestRelay.SECRET + "x",
                        "Content-Type", "application/json"), sample.getBytes()),
                raw("text/plain", 415, EVENT, Map.of("Authorization", "Bearer " + TestRelay.SECRET,
                        "Content-Type", "text/plain"), sample.getBytes()),
                raw("application/xml", 415, EVENT, Map.of("Authorization", "Bearer " + TestRelay.SECRET,
                        "Content-Type", "application/xml"), "<event/>".getBytes()),
                raw("multipart/form-data", 415, EVENT, Map.of("Authorization", "Bearer " + TestRelay.SECRET,
                        "Content-Type", "multipart/form-data; boundary=x"),
                        "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n".getBytes()),
                raw("invalid UTF-8", 400, EVENT, JSON_AND_TOKEN, invalidUtf8()),
                raw("UTF-16 encoded JSON", 400, EVENT, JSON_AND_TOKEN, sample.getBytes(StandardCharsets.UTF_16)),
                raw("a body over 1 MiB", 413, EVENT, JSON_AND_TOKEN,
                        ("{\"event_info\":{\"event_id\":\"EV-big\"},\"pad\":\"" + "p".repeat(1_100_000) + "\"}")
                                .getBytes())));
        return cases.stream();
    }

    private static byte[] invalidUtf8() {
        byte[] bytes = "{\"event_info\":{\"event_id\":\"EV-utf\"},\"x\":\"ab\"}".getBytes(StandardCharsets.UTF_8);
        bytes[bytes.length - 4] = (byte) 0xFF;
        return bytes;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRequests")
    void isRefusedWithTheRightStatusAndChangesNothing(String what, int status, String path,
            Map<String, String> headers, byte[] body) {
        long events = relay.eventCount();

        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + path))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        HttpResponse<String> response = relay.send(request.build());

        assertThat(response.statusCode()).as(what + ": " + response.body()).isEqualTo(status);
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain(TestRelay.SECRET);
        assertThat(relay.eventCount()).isEqualTo(events);
    }

    @Test
    void aStreamedBodyWithoutLengthIsCutOffAtTheLimit() {
        long events = relay.eventCount();
        byte[] chunk = "p".repeat(64 * 1024).getBytes();
        Stream<byte[]> twoMebibytes = Stream.concat(Stream.of("{\"event_info\":{\"event_id\":\"EV-stream\"},\"p\":\"".getBytes()),
                Stream.generate(() -> chunk).limit(32));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + EVENT))
                .header("Authorization", "Bearer " + TestRelay.SECRET).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.SequenceInputStream(
                        java.util.Collections.enumeration(twoMebibytes.map(java.io.ByteArrayInputStream::new).toList()))))
                .build();

        HttpResponse<String> response;
        try {
            response = relay.send(request);
        } catch (RuntimeException connectionClosedMidUpload) {
            response = null; // the relay may close the connection as soon as the limit is passed: also a refusal
        }

        if (response != null) {
            assertThat(response.statusCode()).isEqualTo(413);
        }
        assertThat(relay.eventCount()).isEqualTo(events);
    }

    @Test
    void wrongMethodsAreRefused() {
        HttpResponse<String> get = relay.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + relay.port() + EVENT)).GET().build());
        HttpResponse<String> put = relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + EVENT))
                .header("Authorization", "Bearer " + TestRelay.SECRET)
                .PUT(HttpRequest.BodyPublishers.ofString(Samples.quoteEvent("EV-put", "Q1"))).build());

        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(relay.eventState("EV-put")).isNull();
    }

    /**
     * Request smuggling: ambiguous framing (both Content-Length and Transfer-Encoding, two lengths, a disguised
     * Transfer-Encoding, a folded header) is never taken as a valid webhook, never crashes the relay, and a
     * request hidden in the body never borrows the first request's credentials.
     */
    @Test
    void ambiguousFramingIsRefusedAndAHiddenRequestGainsNothing() throws Exception {
        String smuggled = Samples.quoteEvent("EV-smuggled", "Q1");
        String hidden = "POST " + EVENT + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + smuggled.length() + "\r\n\r\n" + smuggled;
        String chunked = "0\r\n\r\n" + hidden;
        String auth = "Authorization: Bearer " + TestRelay.SECRET + "\r\n";
        List<String> attacks = List.of(
                "POST " + EVENT + " HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\n"
                        + "Content-Length: " + chunked.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked,
                "POST " + EVENT + " HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\n"
                        + "Content-Length: 2\r\nContent-Length: " + (2 + hidden.length()) + "\r\n\r\n{}" + hidden,
                "POST " + EVENT + " HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\n"
                        + "Content-Length: " + chunked.length() + "\r\nTransfer-Encoding : chunked\r\n\r\n" + chunked,
                "POST " + EVENT + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n Bearer "
                        + TestRelay.SECRET + "\r\nContent-Type: application/json\r\nContent-Length: "
                        + smuggled.length() + "\r\n\r\n" + smuggled);
        for (String attack : attacks) {
            String answer = rawExchange(attack);
            assertThat(answer).as(attack).doesNotStartWith("HTTP/1.1 2").doesNotStartWith("HTTP/1.1 5");
        }
        Thread.sleep(300);
        assertThat(relay.eventState("EV-smuggled")).isNull();
    }

    /** Ids from outside are data: stored verbatim, and in the file sink only ever a name inside its folder. */
    @Test
    void idsThatTryToEscapeAreStoredVerbatimAndNeutralisedInFileNames() throws Exception {
        List<String> ids = List.of("../../etc/passwd", "%2e%2e%2fx", "a/b", "a\\b", "NUL", "CON", ";", "' OR 1=1 --",
                "1; DROP TABLE relay_event", ".hidden", "..", "é/../ü", "<script>x</script>", "$(reboot)");
        Map<String, String> bodies = new LinkedHashMap<>();
        for (String id : ids) {
            String json = "{\"event_info\":{\"event_id\":" + new com.fasterxml.jackson.databind.ObjectMapper()
                    .writeValueAsString(id) + "}}";
            bodies.put(id, json);
            assertThat(relay.postEvent("/webhooks/dealhub/user", json).statusCode()).as(id).isEqualTo(202);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> ids.stream().allMatch(id -> "done".equals(relay.eventState(id))));

        for (String id : ids) {
            assertThat(relay.queryOne("SELECT payload FROM relay_event WHERE event_id = ?", id)).isEqualTo(bodies.get(id));
        }
        try (Stream<Path> written = Files.walk(folder)) {
            List<Path> outsideTheSink = written.filter(Files::isRegularFile)
                    .filter(p -> !p.startsWith(sink) && !p.startsWith(folder.resolve("db"))
                            && !p.getFileName().toString().equals("relay-test.properties")).toList();
            assertThat(outsideTheSink).isEmpty();
        }
        try (Stream<Path> files = Files.list(sink)) {
            List<Path> documents = files.filter(p -> p.getFileName().toString().startsWith("user_")).toList();
            assertThat(documents).hasSize(ids.size());
            assertThat(documents).allMatch(p -> p.getFileName().toString().matches("user_[A-Za-z0-9_.-]+\\.json")
                    && !p.getFileName().toString().startsWith("."));
        }
        assertThat(relay.eventCount()).isGreaterThanOrEqualTo(ids.size());
    }

    /** After all of the above, the relay still takes and delivers a proper event. */
    @Test
    void theRelayStaysHealthy() {
        assertThat(relay.postEvent("/webhooks/dealhub/version", Samples.userEvent("EV-healthy")).statusCode())
                .isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).until(() -> "done".equals(relay.eventState("EV-healthy")));
        assertThat(sink.resolve("version_EV-healthy.json")).exists();
    }

    private static String rawExchange(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", relay.port())) {
            socket.setSoTimeout(3000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = in.read(buffer)) > 0;) {
                    answer.write(buffer, 0, n);
                    if (answer.size() > 0 && answer.toString(StandardCharsets.UTF_8).contains("\r\n\r\n")) {
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException | java.net.SocketException closed) {
                // no (more) answer: the server dropped the request
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }
}
