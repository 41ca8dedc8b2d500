package dealhub.relay.dealhub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dealhub.relay.dealhub.QuoteIds;

import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.Message;

/**
 * A stand-in for DealHub's Get Quote API and quote list, for demos, tests and benchmarks: a quote of the simulated
 * tenant ({@link SimulatedTenant}) answers as itself, and any other valid quote id answers a copy of the sample quote
 * carrying that id. Never on unless {@code dealhub.simulator.enabled=true}.
 */
public class DealHubSimulator {

    private final ObjectMapper mapper = new ObjectMapper();
    private final ObjectNode sample;
    private final SimulatedTenant tenant;

    /** @param quotes how many quotes the simulated tenant lists, made from {@code seed} */
    public DealHubSimulator(Path sampleQuote, int quotes, long seed) throws IOException {
        if (!Files.isReadable(sampleQuote)) {
            throw new IllegalArgumentException("dealhub.simulator.quote-file: cannot read " + sampleQuote);
        }
        if (!(mapper.readTree(sampleQuote.toFile()) instanceof ObjectNode quote)) {
            throw new IllegalArgumentException("dealhub.simulator.quote-file: " + sampleQuote + " is not a JSON object");
        }
        this.sample = quote;
        this.tenant = new SimulatedTenant(quote, quotes, seed);
    }

    public String quote(@Header("id") String quoteId, Exchange exchange) throws IOException {
        Message in = exchange.getIn();
        in.removeHeaders("*");
        in.setHeader(Exchange.CONTENT_TYPE, "application/json");
        if (!QuoteIds.isValid(quoteId)) {
            in.setHeader(Exchange.HTTP_RESPONSE_CODE, 400);
            return "{\"error\":\"quote_id must be " + QuoteIds.RULE + "\"}";
        }
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        return quote(quoteId);
    }

    /** Get Quote's answer for a valid quote id: the tenant's quote, or the sample carrying that id. */
    public String quote(String quoteId) throws IOException {
        ObjectNode quote = tenant.quote(quoteId).orElseGet(() -> {
            ObjectNode copy = sample.deepCopy();
            copy.put("dealhub_quote_id", quoteId);
            return copy;
        });
        return mapper.writeValueAsString(quote);
    }

    /** {@code GET /api/v2/quotes?limit=&offset=[&feature=info]}: a page of the tenant, paging fields under info. */
    public String list(@Header("limit") String limit, @Header("offset") String offset, @Header("feature") Object feature,
            Exchange exchange) throws IOException {
        Message in = exchange.getIn();
        in.removeHeaders("*");
        in.setHeader(Exchange.CONTENT_TYPE, "application/json");
        Integer size = number(limit, 50, 1, 50);
        Integer from = number(offset, 0, 0, 10_000);
        if (size == null || from == null) {
            in.setHeader(Exchange.HTTP_RESPONSE_CODE, 400);
            return "{\"error\":\"limit must be from 1 to 50 and offset from 0 to 10000\"}";
        }
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        return page(from, size, String.valueOf(feature).contains("info"));
    }

    /** A page of the tenant's list, its paging fields under {@code info}. */
    public String page(int from, int size, boolean withInfo) throws IOException {
        ObjectNode page = mapper.createObjectNode();
        page.set("quotes", tenant.list(from, size, withInfo));
        ObjectNode info = page.putObject("info");
        info.put("more_results_matching_the_request", String.valueOf(from + size < tenant.size()));
        info.put("offset", String.valueOf(from));
        info.put("limit", String.valueOf(size));
        return mapper.writeValueAsString(page);
    }

    /** How many quotes the simulated tenant lists. */
    public int quotes() {
        return tenant.size();
    }

    private static Integer number(String value, int absent, int min, int max) {
        if (value == null) {
            return absent;
        }
        try {
            int number = Integer.parseInt(value.trim());
            return number >= min && number <= max ? number : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
