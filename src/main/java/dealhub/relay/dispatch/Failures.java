package dealhub.relay.dispatch;

import java.io.IOException;

import dealhub.relay.dealhub.MalformedQuoteException;
import dealhub.relay.sinks.PermanentDeliveryException;

import org.apache.camel.Exchange;
import org.apache.camel.NoSuchEndpointException;
import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.component.direct.DirectConsumerNotAvailableException;
import org.apache.camel.component.seda.SedaConsumerNotAvailableException;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * Which failures are worth another attempt: one rule for Get Quote and every sink, which the retry configurations of
 * {@code routes/enrichment.yaml} and {@code routes/dispatch.yaml} both ask (bean {@code failures}).
 * <ul>
 * <li>Transient: HTTP 408, 429 or 5xx; an I/O failure (a timeout, a refused or dropped connection); an answer that
 * is not what was asked for (a malformed quote); a route that has no consumer (a route file being edited, a
 * misspelt {@code direct:} name), which a corrected route mends.</li>
 * <li>Permanent: any other HTTP status (redirects are not followed: a moved receiver is configuration); a sink's
 * {@link PermanentDeliveryException} (the receiver refused the document itself).</li>
 * <li>Anything else is neither. A sink retries it (a mail server's or a database's failure mostly mends itself);
 * Get Quote does not (an invalid quote id stays invalid).</li>
 * </ul>
 * The failure's causes count too: a transient or permanent cause decides for the failure that wraps it.
 */
public class Failures {

    private static final int MAX_REASON_BODY = 1024;

    /** Whether another attempt may succeed where this one failed. */
    public boolean isTransient(Exchange exchange) {
        return isTransient(failure(exchange));
    }

    /** Whether no further attempt can succeed. */
    public boolean isPermanent(Exchange exchange) {
        return isPermanent(failure(exchange));
    }

    static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpOperationFailedException http) {
                return isTransientStatus(http.getStatusCode());
            }
            if (t instanceof PermanentDeliveryException) {
                return false;
            }
            if (t instanceof IOException || t instanceof MalformedQuoteException || isUnroutable(t)) {
                return true;
            }
        }
        return false;
    }

    static boolean isPermanent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpOperationFailedException http) {
                return !isTransientStatus(http.getStatusCode());
            }
            if (t instanceof PermanentDeliveryException) {
                return true;
            }
            if (t instanceof IOException || t instanceof MalformedQuoteException) {
                return false;
            }
        }
        return false;
    }

    /** Whether the failure is a send to an endpoint that no route consumes or that cannot be resolved. */
    static boolean isUnroutable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof DirectConsumerNotAvailableException || t instanceof SedaConsumerNotAvailableException
                    || t instanceof NoSuchEndpointException || t instanceof ResolveEndpointFailedException) {
                return true;
            }
        }
        return false;
    }

    /** 408 Request Timeout, 429 Too Many Requests (its Retry-After honoured) and server errors pass. */
    private static boolean isTransientStatus(int status) {
        return status == 408 || status == 429 || status >= 500;
    }

    /** The failure being handled: while the error handler decides, it is still the exchange's exception. */
    private static Throwable failure(Exchange exchange) {
        Exception failure = exchange.getException();
        return failure != null ? failure : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
    }

    /** A failure as one line for the journal and the log: the status and the start of the reply for HTTP. */
    static String describe(Throwable failure) {
        if (failure == null) {
            return "unknown failure";
        }
        String text;
        if (failure instanceof HttpOperationFailedException http) {
            String body = http.getResponseBody() == null ? "" : http.getResponseBody();
            if (body.length() > MAX_REASON_BODY) {
                body = body.substring(0, MAX_REASON_BODY) + "...";
            }
            text = "HTTP " + http.getStatusCode() + (body.isBlank() ? "" : ": " + body);
        } else {
            Throwable root = failure;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            text = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        }
        return text.replaceAll("[\\r\\n\\t]+", " ");
    }
}
