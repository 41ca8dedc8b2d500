package dealhub.relay.dealhub;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import dealhub.relay.observe.RelayMetrics;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.http.HttpMethods;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * Builds DealHub's Get Quote request ({@code GET /api/v2/quote/{id}?feature=…}) and checks its answer.
 * <p>
 * The request is rebuilt from scratch on every attempt: nothing that arrived with the webhook can reach it, and the
 * quote id is validated and URL-encoded, so a payload cannot change the host, the path or the query.
 */
public class QuoteApi {

    /** Which features a Get Quote call asks for. */
    public enum Features {
        /** The features {@code dealhub.api.features} names. */
        AS_CONFIGURED,
        /** The same, less approvals. */
        WITHOUT_APPROVALS
    }

    /** What {@code feature=all} stands for, less approvals. */
    private static final List<String> ALL_BUT_APPROVALS =
            List.of("info", "summary", "deal_room_info", "line_items", "answers");

    /** Exchange property: when the current Get Quote call started, for its latency. */
    public static final String STARTED = "relayGetQuoteStarted";

    private static final Pattern FEATURE = Pattern.compile("[a-z_]{1,32}");

    private final String authorization;
    private final String featureQuery;
    private final String featureQueryWithoutApprovals;
    private final boolean asksForApprovals;
    private final JsonFactory json = new JsonFactory();
    private final RelayMetrics metrics;

    public QuoteApi(String token, List<String> features, RelayMetrics metrics) {
        this.metrics = metrics;
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("dealhub.api.token (or DEALHUB_API_TOKEN) is required to call Get Quote");
        }
        for (String feature : features) {
            if (!FEATURE.matcher(feature).matches()) {
                throw new IllegalArgumentException("dealhub.api.features: '" + feature + "' is not a feature name");
            }
        }
        this.authorization = "Bearer " + token.trim();
        this.featureQuery = query(features);
        this.asksForApprovals = features.contains("approvals") || features.contains("all");
        this.featureQueryWithoutApprovals = query(features.stream()
                .flatMap(f -> f.equals("all") ? ALL_BUT_APPROVALS.stream() : Stream.of(f))
                .filter(f -> !f.equals("approvals")).distinct().toList());
    }

    private static String query(List<String> features) {
        return features.stream().map(f -> "feature=" + f).collect(Collectors.joining("&"));
    }

    /**
     * What to ask for after a call that asked for {@code asked} failed for good, or {@code null} when nothing more is
     * to be tried. DealHub fails every time for a quote whose approvers were deleted, as long as approvals are asked
     * for: so a 400 or a 5xx to a call with approvals gets one more call without them, and the quote is delivered
     * without them.
     */
    public Features fallback(Features asked, Throwable failure) {
        if (asked == Features.AS_CONFIGURED && asksForApprovals && failure instanceof HttpOperationFailedException http
                && (http.getStatusCode() == 400 || http.getStatusCode() >= 500)) {
            return Features.WITHOUT_APPROVALS;
        }
        return null;
    }

    /** Replaces the message headers with exactly the Get Quote request for the quote, asking for {@code features}. */
    public void prepareRequest(Exchange exchange, String quoteId, Features features) {
        if (!QuoteIds.isValid(quoteId)) {
            throw new IllegalArgumentException("dealhub_quote_id must be " + QuoteIds.RULE);
        }
        Message in = exchange.getIn();
        // Keep only the error handler's own attempt counters: it counts attempts in them.
        in.removeHeaders("*", "CamelRedelivery*", "CamelRedelivered");
        // The enum, not "GET": camel-http converts a string header to its enum by a slow lookup on every call.
        in.setHeader(Exchange.HTTP_METHOD, HttpMethods.GET);
        in.setHeader(Exchange.HTTP_PATH, "/api/v2/quote/" + URLEncoder.encode(quoteId, StandardCharsets.UTF_8));
        String query = features == Features.WITHOUT_APPROVALS ? featureQueryWithoutApprovals : featureQuery;
        in.setHeader(Exchange.HTTP_QUERY, query.isEmpty() ? null : query);
        in.setHeader("Authorization", authorization);
        in.setHeader("Accept", "application/json");
        in.setBody(null);
        exchange.setProperty(STARTED, System.nanoTime());
    }

    /**
     * The quote as JSON text; anything but one whole JSON object is refused so that the call is tried again. The
     * text is checked token by token, not made into a tree: every sink gets it as it came.
     */
    public String acceptResponse(Exchange exchange) {
        String body = exchange.getIn().getBody(String.class);
        if (body == null || !isOneJsonObject(body)) {
            throw new MalformedQuoteException("Get Quote answered with a body that is not a JSON object");
        }
        metrics.getQuote(System.nanoTime() - exchange.getProperty(STARTED, Long.class), "200");
        return body;
    }

    private boolean isOneJsonObject(String text) {
        try (JsonParser parser = json.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "QuoteApi[features=" + featureQuery + "]";
    }
}
