package dealhub.relay.http;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests that fail outside the routes: the client closed its connection early, sent a chunk size that is not a
 * number, a body over the limit, or a request that cannot be read. Anyone can cause these at will, so they are the
 * client's faults: each is counted in {@code dealhub_http_client_faults_total{reason}} and logged on one DEBUG
 * line without a stack trace, with an INFO summary at most once a minute, so no client can flood the log. Any
 * other failure is the relay's own fault and stays an ERROR with its stack trace. Every answer is JSON in the
 * relay's words: none names a class.
 */
final class ClientFaults implements Handler<RoutingContext> {

    private static final Logger LOG = LoggerFactory.getLogger(ClientFaults.class);
    private static final Duration SUMMARY_INTERVAL = Duration.ofMinutes(1);

    private final MeterRegistry meters;
    private final Clock clock;
    private final LongAdder sinceSummary = new LongAdder();
    private final AtomicLong nextSummaryMillis = new AtomicLong();

    ClientFaults(MeterRegistry meters, Clock clock) {
        this.meters = meters;
        this.clock = clock;
    }

    /** The router's failure handler, for every route. */
    @Override
    public void handle(RoutingContext request) {
        Throwable failure = request.failure();
        int status = request.statusCode();
        if (failure == null && status >= 400 && status < 500) {
            // Refused by Vert.x's body handler, with the status it chose (413 for a body over the limit).
            clientFault(request.request(), status == 413 ? "body-too-large" : "refused");
            answer(request.response(), status, status == 413 ? "the body is larger than this relay accepts"
                    : "the request cannot be read");
        } else if (closedEarly(failure)) {
            clientFault(request.request(), "closed-early");
            answer(request.response(), 400, "the connection closed before the request was complete");
        } else if (unreadable(failure)) {
            clientFault(request.request(), "malformed-request");
            answer(request.response(), 400, "the request cannot be read");
        } else {
            LOG.error("request to {} failed in the relay", request.normalizedPath(), failure);
            answer(request.response(), 500, "internal error; the request was not handled");
        }
    }

    /**
     * The server's answer to a request Netty could not read (its start line, headers or framing), or refused for
     * an ambiguous length: 400 (414, 431 for a line or headers too long), and the connection closed.
     */
    void invalidRequest(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        if (cause instanceof StrictFramingDecoder.AmbiguousFraming ambiguous) {
            clientFault(request, "ambiguous-framing");
            answer(request.response(), 400, ambiguous.getMessage());
        } else if (cause instanceof TooLongHttpLineException) {
            clientFault(request, "line-too-long");
            answer(request.response(), 414, "the request line is too long");
        } else if (cause instanceof TooLongHttpHeaderException) {
            clientFault(request, "headers-too-large");
            answer(request.response(), 431, "the request headers are too large");
        } else {
            clientFault(request, "malformed-request");
            answer(request.response(), 400, "the request cannot be read");
        }
        request.response().close();
    }

    private void clientFault(HttpServerRequest request, String reason) {
        Counter.builder("dealhub.http.client.faults").description("Requests that failed by the client's doing")
                .tag("reason", reason).register(meters).increment();
        sinceSummary.increment();
        LOG.atDebug().setMessage("client fault").addKeyValue("reason", reason)
                .addKeyValue("remote", request.remoteAddress()).log();
        long now = clock.millis();
        long due = nextSummaryMillis.get();
        if (now >= due && nextSummaryMillis.compareAndSet(due, now + SUMMARY_INTERVAL.toMillis())) {
            LOG.atInfo().setMessage("client faults since the last summary (counted in dealhub_http_client_faults_total)")
                    .addKeyValue("count", sinceSummary.sumThenReset()).addKeyValue("latest", reason).log();
        }
    }

    /** The client went away: reading its request or writing the answer found the connection closed. */
    private static boolean closedEarly(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpClosedException || t instanceof IOException
                    || (t instanceof VertxException && "Connection was closed".equals(t.getMessage()))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Netty could not read the body (a chunk size that is not a number, a chunk line too long). Such failures
     * reach the router only from reading the request: the routes handle their own.
     */
    private static boolean unreadable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof DecoderException || t instanceof IllegalArgumentException) {
                return true;
            }
        }
        return false;
    }

    private static void answer(HttpServerResponse response, int status, String error) {
        if (response.ended() || response.closed() || response.headWritten()) {
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json")
                .end("{\"status\":\"rejected\",\"error\":\"" + error + "\"}");
    }
}
