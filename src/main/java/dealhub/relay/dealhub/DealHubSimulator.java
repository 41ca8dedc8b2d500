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
 * A stand-in for DealHub's Get Quote API, for demos, tests and benchmarks: every valid quote id answers a copy of
 * the sample quote carrying that id. Never on unless {@code dealhub.simulator.enabled=true}.
 */
public class DealHubSimulator {

    private final ObjectMapper mapper = new ObjectMapper();
    private final ObjectNode sample;

    public DealHubSimulator(Path sampleQuote) throws IOException {
        if (!Files.isReadable(sampleQuote)) {
            throw new IllegalArgumentException("dealhub.simulator.quote-file: cannot read " + sampleQuote);
        }
        if (!(mapper.readTree(sampleQuote.toFile()) instanceof ObjectNode quote)) {
            throw new IllegalArgumentException("dealhub.simulator.quote-file: " + sampleQuote + " is not a JSON object");
        }
        this.sample = quote;
    }

    public String quote(@Header("id") String quoteId, Exchange exchange) throws IOException {
        Message in = exchange.getIn();
        in.removeHeaders("*");
        in.setHeader(Exchange.CONTENT_TYPE, "application/json");
        if (!QuoteIds.isValid(quoteId)) {
            in.setHeader(Exchange.HTTP_RESPONSE_CODE, 400);
            return "{\"error\":\"quote_id must be " + QuoteIds.RULE + "\"}";
        }
        ObjectNode quote = sample.deepCopy();
        quote.put("dealhub_quote_id", quoteId);
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        return mapper.writeValueAsString(quote);
    }
}
