package dealhub.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;

/**
 * The demo's promise: a relay whose DealHub is the built-in simulator backfills the simulated tenant into the BI
 * tables on its first start, by itself, and a restart journals nothing more.
 */
class SimulatedBackfillTest extends RelayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int QUOTES = 120;

    private TestRelay.Builder demo() {
        TestRelay.Builder builder = TestRelay.in(folder).with("dealhub.simulator.enabled", "true")
                .with("dealhub.simulator.quotes", String.valueOf(QUOTES))
                .with("relay.reconcile.enabled", "true").with("relay.reconcile.start-delay-ms", "0")
                .with("relay.sinks.bi.type", "jdbc").with("relay.sinks.bi.events", "*");
        builder.with("dealhub.api.base-url", "http://127.0.0.1:{{camel.server.port}}/simulator");
        return builder;
    }

    @Test
    void theFirstStartBackfillsEverySimulatedQuoteAndARestartJournalsNothing() throws Exception {
        relay = demo().start();
        await().atMost(Duration.ofSeconds(60)).until(() -> ((Number) relay.queryOne(
                "SELECT count(*) FROM dealhub_quote")).intValue() == QUOTES);

        assertThat(relay.queryOne("SELECT count(DISTINCT status) FROM dealhub_quote")).isEqualTo(6L);
        assertThat(((Number) relay.queryOne("SELECT count(DISTINCT currency) FROM dealhub_quote")).intValue())
                .isGreaterThan(3);
        assertThat(((Number) relay.queryOne("SELECT count(*) FROM dealhub_quote_line_item")).intValue())
                .isGreaterThan(QUOTES);
        await().atMost(Duration.ofSeconds(30)).until(() -> ((Number) relay.queryOne(
                "SELECT count(*) FROM relay_event WHERE state <> 'done'")).intValue() == 0);
        assertThat(relay.eventCount()).isEqualTo(QUOTES);
        relay.close();

        relay = demo().start();
        Thread.sleep(3000);
        assertThat(relay.eventCount()).as("no run is due, and none journals again").isEqualTo(QUOTES);
    }

    @Test
    void theSimulatedTenantIsTheSameOnEveryStartAndGetQuoteServesEachListedQuote() throws Exception {
        relay = demo().with("relay.reconcile.enabled", "false").with("relay.sinks.bi.type", "log").start();
        JsonNode first = get("/simulator/api/v2/quotes?limit=50&offset=100&feature=info");
        relay.close();
        relay = demo().with("relay.reconcile.enabled", "false").with("relay.sinks.bi.type", "log").start();
        JsonNode again = get("/simulator/api/v2/quotes?limit=50&offset=100&feature=info");

        assertThat(again).isEqualTo(first);
        assertThat(first.at("/quotes").size()).isEqualTo(QUOTES - 100);
        assertThat(first.at("/info/more_results_matching_the_request").asText()).isEqualTo("false");
        assertThat(get("/simulator/api/v2/quotes?limit=50&offset=0").at("/info/more_results_matching_the_request")
                .asText()).isEqualTo("true");
        Set<String> statuses = new HashSet<>();
        for (JsonNode entry : first.get("quotes")) {
            JsonNode quote = get("/simulator/api/v2/quote/" + entry.get("dealhub_quote_id").asText());
            assertThat(quote.get("status")).isEqualTo(entry.get("status"));
            assertThat(quote.get("info")).isEqualTo(entry.get("info"));
            statuses.add(quote.get("status").asText());
        }
        assertThat(statuses).hasSizeGreaterThan(3);
        assertThat(relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port()
                + "/simulator/api/v2/quotes?limit=51")).GET().build()).statusCode()).isEqualTo(400);
    }

    private JsonNode get(String path) throws Exception {
        return JSON.readTree(relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + path))
                .GET().build()).body());
    }
}
