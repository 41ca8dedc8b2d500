package dealhub.relay.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dealhub.relay.support.Samples;
import dealhub.relay.support.SharedRelay;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request smuggling, over a raw socket against the whole relay: a request whose length can be read two ways is
 * refused with 400 and its connection closed, so a second request hidden behind it, with valid credentials, is
 * never answered nor stored. Requests framed one way only keep working, several on one connection included.
 */
class RequestSmugglingTest {

    private static final String EVENT = "/webhooks/dealhub/quoteWon";
    private static final String HEAD = "POST " + EVENT + " HTTP/1.1\r\nHost: relay\r\nAuthorization: Bearer "
            + TestRelay.SECRET + "\r\nContent-Type: application/json\r\n";
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3}) ");

    @RegisterExtension
    static final SharedRelay relay = new SharedRelay();

    /** A complete, authenticated webhook for {@code eventId}, to be hidden behind a request of ambiguous length. */
    private static String hidden(String eventId) {
        String body = Samples.quoteEvent(eventId, "Q1");
        return HEAD + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    private static String chunk(String data) {
        return Integer.toHexString(data.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + data + "\r\n";
    }

    static Stream<Arguments> ambiguousRequests() {
        return Stream.of(
                attack("Content-Length and Transfer-Encoding: chunked", "cl-te", (front, chunked) -> HEAD
                        + "Content-Length: " + chunked.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked),
                attack("Transfer-Encoding: chunked, then Content-Length", "te-cl", (front, chunked) -> HEAD
                        + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" + chunked),
                attack("two different Content-Length values", "two-lengths", (front, chunked) -> HEAD
                        + "Content-Length: " + front.length() + "\r\nContent-Length: " + (front.length() + 600)
                        + "\r\n\r\n" + front),
                attack("Transfer-Encoding: chunked, identity", "te-list", (front, chunked) -> HEAD
                        + "Transfer-Encoding: chunked, identity\r\n\r\n" + chunked),
                attack("Transfer-Encoding twice", "te-twice", (front, chunked) -> HEAD
                        + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked),
                attack("Transfer-Encoding: xchunked with a Content-Length", "xchunked", (front, chunked) -> HEAD
                        + "Transfer-Encoding: xchunked\r\nContent-Length: " + front.length() + "\r\n\r\n" + front),
                attack("Transfer-Encoding: gzip", "gzip", (front, chunked) -> HEAD
                        + "Transfer-Encoding: gzip\r\n\r\n" + chunked),
                attack("Transfer-Encoding in HTTP/1.0", "http10", (front, chunked) -> HEAD.replace("HTTP/1.1", "HTTP/1.0")
                        + "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: " + chunked.length()
                        + "\r\n\r\n" + chunked));
    }

    /**
     * A request framed by {@code framing} around a webhook of its own ({@code EV-<name>-front}, as is and chunked),
     * followed by an authenticated webhook ({@code EV-<name>-hidden}) that only a wrong reading of the length sees.
     */
    private static Arguments attack(String what, String name, java.util.function.BinaryOperator<String> framing) {
        String front = Samples.quoteEvent("EV-" + name + "-front", "Q1");
        String chunked = chunk(front) + "0\r\n\r\n";
        return Arguments.of(what, "EV-" + name, framing.apply(front, chunked) + hidden("EV-" + name + "-hidden"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ambiguousRequests")
    void isRefusedWith400AndTheConnectionClosedSoTheHiddenRequestIsNeverAnsweredNorStored(String what,
            String events, String attack) throws Exception {
        Exchange exchange = exchange(attack);

        assertThat(exchange.statuses()).as(what + ": " + exchange.text).containsExactly(400);
        assertThat(exchange.closed).as(what + ": the connection is closed after the answer").isTrue();
        Thread.sleep(200);
        assertThat(relay.get().eventState(events + "-hidden")).as(what).isNull();
        assertThat(relay.get().eventState(events + "-front")).as(what).isNull();
    }

    @Test
    void requestsFramedOneWayStillWorkSeveralOnOneConnection() throws Exception {
        String first = Samples.quoteEvent("EV-plain-1", "Q1");
        String second = Samples.quoteEvent("EV-plain-2", "Q1");
        String pipelined = HEAD + "Content-Length: " + first.length() + "\r\n\r\n" + first
                + HEAD + "Transfer-Encoding: chunked\r\n\r\n" + chunk(second) + "0\r\n\r\n"
                + HEAD + "Connection: close\r\nContent-Length: " + first.length() + "\r\n\r\n" + first;

        Exchange exchange = exchange(pipelined);

        assertThat(exchange.statuses()).as(exchange.text).containsExactly(202, 202, 200);
        assertThat(relay.get().eventState("EV-plain-1")).isNotNull();
        assertThat(relay.get().eventState("EV-plain-2")).isNotNull();
    }

    /** What came back on one connection after sending {@code request}, and whether the relay closed it. */
    private record Exchange(String text, boolean closed) {
        java.util.List<Integer> statuses() {
            java.util.List<Integer> statuses = new java.util.ArrayList<>();
            Matcher m = STATUS_LINE.matcher(text);
            while (m.find()) {
                statuses.add(Integer.parseInt(m.group(1)));
            }
            return statuses;
        }
    }

    private static Exchange exchange(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", relay.get().port())) {
            socket.setSoTimeout(3000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            boolean closed;
            try {
                for (int n; (n = in.read(buffer)) > 0;) {
                    answer.write(buffer, 0, n);
                }
                closed = true;
            } catch (SocketTimeoutException stillOpen) {
                closed = false;
            } catch (java.net.SocketException reset) {
                closed = true;
            }
            return new Exchange(answer.toString(StandardCharsets.UTF_8), closed);
        }
    }
}
