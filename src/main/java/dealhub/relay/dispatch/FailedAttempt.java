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
 * Runs right after each failed attempt, before Camel's error handler decides what comes next (the retry
 * routes' {@code onExceptionOccurredRef}). It counts the attempt, for the journal, and lets a server's
 * {@code Retry-After} set the next delay: the error handler takes it from the {@code CamelRedeliveryDelay} header
 * when present. That delay is capped by the retry policy's maximum, so a broken server cannot park work forever.
 */
public class FailedAttempt implements Processor {

    /** Exchange property: how many attempts of the current step have failed. */
    public static final String COUNT = "relayFailedAttempts";

    private final long maxDelayMillis;
    private final RelayMetrics getQuoteMetrics;

    /** @param getQuoteMetrics where failed Get Quote calls are counted, for the enrichment routes; else null */
    public FailedAttempt(long maxDelayMillis, RelayMetrics getQuoteMetrics) {
        this.maxDelayMillis = maxDelayMillis;
        this.getQuoteMetrics = getQuoteMetrics;
    }

    @Override
    public void process(Exchange exchange) {
        // A property, not a header: the error handler restores the message, not the properties, before a retry.
        exchange.setProperty(COUNT, exchange.getProperty(COUNT, 0, Integer.class) + 1);
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
            exchange.getIn().setHeader(Exchange.REDELIVERY_DELAY, Math.min(delay, maxDelayMillis));
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
