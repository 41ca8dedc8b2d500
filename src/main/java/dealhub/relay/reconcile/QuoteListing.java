package dealhub.relay.reconcile;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dealhub.relay.dealhub.QuoteIds;
import dealhub.relay.reconcile.ListedPage.ListedQuote;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.http.HttpMethods;

/**
 * Builds the request for one page of DealHub's quote list ({@code GET /api/v2/quotes?limit=&offset=}) and reads
 * its answer. As DealHub advises for bulk syncs, the list is asked for no features, or for {@code info} only; the
 * quotes themselves are fetched one by one by enrichment, for those that changed.
 * <p>
 * DealHub's tutorial shows the paging fields at the top level, its OpenAPI schema under {@code info}: both are read,
 * as booleans, numbers or strings. The request is built from scratch, so nothing of an admin call reaches it.
 */
public class QuoteListing {

    /** The most quotes DealHub lists per page. */
    public static final int MAX_PAGE_SIZE = 50;

    private final String authorization;
    private final int pageSize;
    private final boolean withInfo;
    private final ObjectMapper mapper = new ObjectMapper();

    /**
     * @param features {@code none}, or {@code info} to compare whether a quote is primary as well
     */
    public QuoteListing(String token, int pageSize, String features) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("dealhub.api.token (or DEALHUB_API_TOKEN) is required to list quotes");
        }
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("relay.reconcile.page-size must be from 1 to " + MAX_PAGE_SIZE);
        }
        if (!features.equals("none") && !features.equals("info")) {
            throw new IllegalArgumentException("relay.reconcile.features must be none or info, not '" + features + "'");
        }
        this.authorization = "Bearer " + token.trim();
        this.pageSize = pageSize;
        this.withInfo = features.equals("info");
    }

    public boolean withInfo() {
        return withInfo;
    }

    /** Replaces the message with exactly the request for the page at {@code offset}. */
    public void prepareRequest(Exchange exchange) {
        ReconcileRun run = exchange.getProperty(Reconciler.RUN, ReconcileRun.class);
        Message in = exchange.getIn();
        // Keep only the error handler's own attempt counters: it counts attempts in them.
        in.removeHeaders("*", "CamelRedelivery*", "CamelRedelivered");
        in.setHeader(Exchange.HTTP_METHOD, HttpMethods.GET);
        in.setHeader(Exchange.HTTP_PATH, "/api/v2/quotes");
        in.setHeader(Exchange.HTTP_QUERY, "limit=" + pageSize + "&offset=" + run.offset()
                + (withInfo ? "&feature=info" : ""));
        in.setHeader("Authorization", authorization);
        in.setHeader("Accept", "application/json");
        in.setBody(null);
    }

    /** The page DealHub answered; anything but an object with a {@code quotes} array is refused, to be tried again. */
    public ListedPage acceptPage(Exchange exchange) {
        String body = exchange.getIn().getBody(String.class);
        JsonNode answer;
        try {
            answer = body == null ? null : mapper.readTree(body);
        } catch (IOException e) {
            answer = null;
        }
        if (answer == null || !answer.isObject() || !answer.path("quotes").isArray()) {
            throw new MalformedListingException("the quote list answered with something else than {\"quotes\": [...]}");
        }
        List<ListedQuote> quotes = new ArrayList<>();
        for (JsonNode entry : answer.get("quotes")) {
            JsonNode id = entry.get("dealhub_quote_id");
            String quoteId = id != null && id.isTextual() && QuoteIds.isValid(id.asText()) ? id.asText() : null;
            quotes.add(new ListedQuote(quoteId, entry.isObject() ? QuoteState.of(entry, withInfo) : null));
        }
        JsonNode more = pagingField(answer, "more_results_matching_the_request");
        boolean hasMore = more == null ? quotes.size() >= pageSize : more.asBoolean(false);
        if (hasMore && quotes.isEmpty()) {
            throw new MalformedListingException("the quote list said there were more quotes, on an empty page");
        }
        return new ListedPage(quotes, hasMore);
    }

    /** A paging field at the top level (DealHub's tutorial) or under {@code info} (its OpenAPI schema). */
    private static JsonNode pagingField(JsonNode answer, String name) {
        JsonNode top = answer.get(name);
        if (top != null && !top.isNull()) {
            return top;
        }
        JsonNode nested = answer.path("info").get(name);
        return nested == null || nested.isNull() ? null : nested;
    }
}
