package dealhub.relay.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.http.base.HttpOperationFailedException;

import dealhub.relay.observe.RelayMetrics;
import dealhub.relay.dealhub.QuoteApi;

/**
 * Runs right after each failed attempt (the failure routes' {@code onExceptionOccurredRef}). It counts the attempt,
 * for the journal, and keeps a server's {@code Retry-After}: the retry schedule takes it as the earliest time of the
 * next attempt ({@link RetrySchedule}).
 */
public class FailedAttempt implements Processor {

    /** Exchange property: how many attempts of the current step have failed. */
    public static final String COUNT = "relayFailedAttempts";
    /** Exchange property: the last failure's {@code Retry-After}, a {@link Duration}. */
    public static final String RETRY_AFTER = "relayRetryAfter";

    private final RelayMetrics getQuoteMetrics;
    private final long maxInMemoryDelayMillis;

    /**
     * @param getQuoteMetrics        where failed Get Quote calls are counted, for the enrichment routes; else null
     * @param maxInMemoryDelayMillis for a route Camel retries in memory (reconcile's pages): the longest wait a
     *                               {@code Retry-After} may set for its next attempt; 0 where the schedule retries
     */
    public FailedAttempt(RelayMetrics getQuoteMetrics, long maxInMemoryDelayMillis) {
        this.getQuoteMetrics = getQuoteMetrics;
        this.maxInMemoryDelayMillis = maxInMemoryDelayMillis;
    }

    @Override
    public void process(Exchange exchange) {
        exchange.setProperty(COUNT, exchange.getProperty(COUNT, 0, Integer.class) + 1);
        exchange.removeProperty(RETRY_AFTER);
        exchange.getIn().removeHeader(Exchange.REDELIVERY_DELAY);
        HttpOperationFailedException failure = exchange.getException(HttpOperationFailedException.class);
        if (getQuoteMetrics != null) {
            Long started = exchange.getProperty(QuoteApi.STARTED, Long.class);
            Exception cause = exchange.getException();
            String status = failure != null ? String.valueOf(failure.getStatusCode())
                    : cause == null ? "error" : cause.getClass().getSimpleName();
            getQuoteMetrics.getQuote(started == null ? 0 : System.nanoTime() - started, status);
        }
        if (failure == null || failure.getResponseHeaders() == null) {
            return;
        }
        Long delay = retryAfterMillis(failure.getResponseHeaders());
        if (delay != null) {
            exchange.setProperty(RETRY_AFTER, Duration.ofMillis(delay));
            if (maxInMemoryDelayMillis > 0) {
                exchange.getIn().setHeader(Exchange.REDELIVERY_DELAY, Math.min(delay, maxInMemoryDelayMillis));
            }
        }
    }

    static Long retryAfterMillis(Map<String, String> headers) {
        String value = null;
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if ("Retry-After".equalsIgnoreCase(header.getKey())) {
                value = header.getValue();
            }
        }
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        try {
            return Math.max(0, Long.parseLong(trimmed)) * 1000;
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Math.max(0, Duration.between(Instant.now(), at).toMillis());
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }
}
