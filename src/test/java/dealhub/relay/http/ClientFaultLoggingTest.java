package dealhub.relay.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A client that closes its connection early or sends a chunk size that is not a number cannot flood the log: no
 * warning, no error and no stack trace per request, only a count in /observe/metrics (and an INFO summary at most
 * once a minute). A fault of the relay's own stays an ERROR with its stack trace, and its answer names no class.
 */
class ClientFaultLoggingTest {

    private static final int ATTEMPTS = 20;
    private static final String HEAD = "POST /webhooks/dealhub/quoteWon HTTP/1.1\r\nHost: relay\r\nAuthorization: Bearer "
            + TestRelay.SECRET + "\r\nContent-Type: application/json\r\n";

    @TempDir
    Path folder;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void captureLog() {
        log.start();
        root.addAppender(log);
    }

    @AfterEach
    void stopCapturing() {
        root.detachAppender(log);
    }

    @Test
    void clientsThatCloseEarlyOrSendABadChunkSizeAreCountedNotLoggedWithStackTraces() throws Exception {
        try (TestRelay relay = TestRelay.in(folder).start()) {
            log.list.clear();
            String body = Samples.quoteEvent("EV-cut", "Q1");
            for (int i = 0; i < ATTEMPTS; i++) {
                sendAndClose(relay.port(), HEAD + "Content-Length: " + (body.length() + 500) + "\r\n\r\n" + body);
                sendAndClose(relay.port(), HEAD + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + body + "\r\n0\r\n\r\n");
                String whole = Samples.quoteEvent("EV-gone-" + i, "Q1");
                closeAtOnce(relay.port(), HEAD + "Content-Length: " + whole.length() + "\r\n\r\n" + whole);
            }

            await().atMost(Duration.ofSeconds(10)).until(() -> faults(relay, "closed-early") >= ATTEMPTS
                    && faults(relay, "malformed-request") >= ATTEMPTS);
            Thread.sleep(300); // anything logged late
            List<ILoggingEvent> events = List.copyOf(log.list);
            assertThat(events).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
            assertThat(events).filteredOn(e -> e.getThrowableProxy() != null)
                    .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
            assertThat(events).filteredOn(e -> e.getLoggerName().endsWith("ClientFaults") && e.getLevel() == Level.INFO)
                    .hasSizeLessThanOrEqualTo(1);
            assertThat(relay.eventState("EV-cut")).isNull();
        }
    }

    @Test
    void aFaultOfTheRelaysOwnStaysAnErrorWithItsStackTraceAndItsAnswerNamesNoClass() {
        try (TestRelay relay = TestRelay.in(folder).start()) {
            VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(relay.context(),
                    VertxPlatformHttpRouter.getRouterNameFromPort(relay.port()));
            router.route("/test-only/fault").handler(request -> request.fail(new IllegalStateException("a bug")));
            log.list.clear();

            HttpResponse<String> answer = relay.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + relay.port() + "/test-only/fault")).GET().build());

            assertThat(answer.statusCode()).isEqualTo(500);
            assertThat(answer.body()).startsWith("{").doesNotContain("IllegalStateException").doesNotContain("java.");
            await().atMost(Duration.ofSeconds(5)).until(() -> List.copyOf(log.list).stream().anyMatch(e ->
                    e.getLevel() == Level.ERROR && e.getThrowableProxy() != null
                            && e.getThrowableProxy().getClassName().equals(IllegalStateException.class.getName())));
        }
    }

    /** Sends {@code request}, reads whatever comes back for a moment, and closes the connection. */
    private static void sendAndClose(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(200);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            try {
                in.read(new byte[4096]);
            } catch (java.net.SocketTimeoutException | java.net.SocketException noAnswer) {
                // closed before the request was complete: the relay has nothing to answer
            }
        }
    }

    /** Sends a whole request and closes the connection at once, before the answer can come. */
    private static void closeAtOnce(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoLinger(true, 0); // reset, not a polite close
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
        }
    }

    private static double faults(TestRelay relay, String reason) {
        String metrics = relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port()
                + "/observe/metrics")).GET().build()).body();
        Matcher m = Pattern.compile("^dealhub_http_client_faults_total\\{reason=\"" + reason + "\"} (\\S+)$",
                Pattern.MULTILINE).matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
