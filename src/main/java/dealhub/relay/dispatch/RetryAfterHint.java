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

/**
 * Lets a server's {@code Retry-After} decide the next delay: Camel's error handler takes the delay from the
 * {@code CamelRedeliveryDelay} header when present, and calls this right after a failure, before it decides.
 * The hint is capped by the retry policy's maximum delay, so a hostile or broken server cannot park work forever.
 */
public class RetryAfterHint implements Processor {

    private final long maxDelayMillis;

    public RetryAfterHint(long maxDelayMillis) {
        this.maxDelayMillis = maxDelayMillis;
    }

    @Override
    public void process(Exchange exchange) {
        exchange.getIn().removeHeader(Exchange.REDELIVERY_DELAY);
        HttpOperationFailedException failure = exchange.getException(HttpOperationFailedException.class);
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
