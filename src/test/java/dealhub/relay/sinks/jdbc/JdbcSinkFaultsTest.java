package dealhub.relay.sinks.jdbc;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dealhub.relay.sinks.PermanentDeliveryException;
import dealhub.relay.support.Samples;
import dealhub.relay.support.SwitchableProxy;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;

/**
 * Faults: what the database refuses, documents that are not the relay's, a separate BI database that is down, and a
 * quote locked by someone else; each fails alone, and nothing of an event is half written.
 */
abstract class JdbcSinkFaultsTest extends JdbcSinkFixture {


    @Test
    void dataTheDatabaseRefusesIsDeadAtOnceAndNothingIsHalfWritten() throws Exception {
        ObjectNode quote = sampleQuote();
        // The third line item is too large for NUMERIC(20, 6): the first two are already inserted by then.
        ((ObjectNode) quote.get("line_items").get(2)).put("net_price", new BigDecimal("1e30"));
        quoteAnswers(quote.toString());
        relay = relayWithBiSink().start();

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.read("quoteWon.json"));
        await().atMost(DEADLINE).until(() -> "dead".equals(relay.eventState("EV0f3c8d21a9b4")));

        assertThat(relay.deliveryAttempts("EV0f3c8d21a9b4", "bi")).isEqualTo(1);
        // The database's own words: H2 names the column, PostgreSQL the overflow.
        assertThat(relay.deliveryError("EV0f3c8d21a9b4", "bi")).containsAnyOf("NET_PRICE", "numeric field overflow");
        assertThat(snapshot(relay.dataSource())).allSatisfy((table, rows) -> assertThat(rows).as(table).isEmpty());
    }

    @Test
    void documentsDeliveredTogetherAreEachWrittenWholeAndARefusedOneFailsAlone() throws Exception {
        relay = relayWithBiSink().start();
        ObjectNode tooLarge = sampleQuote("Q-too-large");
        ((ObjectNode) tooLarge.get("line_items").get(2)).put("net_price", new BigDecimal("1e30"));
        List<String> documents = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            documents.add(document("E-together-" + i, "quoteWon", "Q-together-" + i, "2026-11-02 14:07:33",
                    "2026-11-02T14:07:34Z", sampleQuote("Q-together-" + i)));
        }
        documents.add(12, document("E-refused", "quoteWon", "Q-too-large", "2026-11-02 14:07:33",
                "2026-11-02T14:07:34Z", tooLarge));
        documents.add(6, withoutQuoteId(document("E-malformed", "quoteWon", "Q-malformed", "2026-11-02 14:07:33",
                "2026-11-02T14:07:34Z", sampleQuote("Q-malformed"))));

        // All at once, as the deliver route's threads do: the sink's writer puts those waiting into one transaction.
        ExecutorService senders = Executors.newFixedThreadPool(documents.size());
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (String document : documents) {
                sent.add(senders.submit(() -> toSink(document)));
            }
            Map<String, Throwable> failures = new TreeMap<>();
            for (int i = 0; i < sent.size(); i++) {
                try {
                    sent.get(i).get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    failures.put(JSON.readTree(documents.get(i)).get("event_id").asText(), e.getCause());
                }
            }
            assertThat(failures).containsOnlyKeys("E-malformed", "E-refused");
            assertThat(failures.values()).allSatisfy(failure -> assertThat(failure)
                    .hasCauseInstanceOf(PermanentDeliveryException.class));
        } finally {
            senders.shutdownNow();
        }

        assertThat(rows(relay.dataSource(), "SELECT count(*) AS n, count(DISTINCT dealhub_quote_id) AS quotes"
                + " FROM dealhub_quote_event")).containsExactly(row("n", 24L, "quotes", 24L));
        assertThat(rows(relay.dataSource(), "SELECT count(*) AS n FROM dealhub_quote_line_item"))
                .containsExactly(row("n", 72L));
        assertThat(rows(relay.dataSource(), "SELECT count(*) AS n FROM dealhub_quote"
                + " WHERE dealhub_quote_id IN ('Q-too-large', 'Q-malformed')")).containsExactly(row("n", 0L));
    }

    @Test
    void aDocumentWithAQuoteButNoQuoteIdIsDeadAtOnce() throws Exception {
        relay = relayWithBiSink().start();
        String document = withoutQuoteId(document("E-bad", "quoteWon", QUOTE_ID, "2026-11-02 14:07:33",
                "2026-11-02T14:07:34Z", sampleQuote()));
        assertThatThrownBy(() -> toSink(document))
                .hasRootCauseInstanceOf(PermanentDeliveryException.class)
                .rootCause().hasMessageContaining("dealhub_quote_id");
        assertThat(snapshot(relay.dataSource())).allSatisfy((table, rows) -> assertThat(rows).as(table).isEmpty());
    }

    /** The document with its quote id removed everywhere: top level, webhook and quote. */
    private static String withoutQuoteId(String document) throws Exception {
        ObjectNode parsed = (ObjectNode) JSON.readTree(document);
        parsed.remove("dealhub_quote_id");
        ((ObjectNode) parsed.get("webhook")).remove("dealhub_quote_id");
        ((ObjectNode) parsed.get("quote")).remove("dealhub_quote_id");
        return parsed.toString();
    }

    @Test
    void aSeparateBiDatabaseGetsOnlyTheBiTablesAndEventsWaitWhileItIsDown() throws Exception {
        quoteAnswers(Samples.read("get-quote-response.json"));
        BiServer server = separateServer(cleanup);
        SwitchableProxy proxy = new SwitchableProxy("127.0.0.1", server.port());
        cleanup.add(0, proxy);
        String biUrl = server.url(proxy.port());
        // Down from the start: the relay starts anyway, and makes the tables once the database is there.
        relay = database(TestRelay.in(folder)).with("dealhub.api.base-url", dealhub.baseUrl())
                .with("relay.retry.max-attempts", "1000")
                .with("relay.sinks.bi.type", "jdbc").with("relay.sinks.bi.url", biUrl)
                .with("relay.sinks.bi.username", server.username())
                .with("relay.sinks.bi.pool-size", "2").with("relay.sinks.bi.connection-timeout-ms", "300")
                .start();

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-while-down", QUOTE_ID));
        awaitFailingDeliveries(proxy, QUOTE_ID);
        assertThat(relay.deliveryState("E-while-down", "bi")).isEqualTo("pending");
        proxy.up();
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-while-down")));
        assertThat(relay.deliveryAttempts("E-while-down", "bi")).isGreaterThan(1);

        try (BiConnection bi = new BiConnection(biUrl, server.username())) {
            assertThat(bi.tables()).contains("dealhub_quote", "dealhub_quote_event").doesNotContain("relay_event");
            assertThat(bi.count("dealhub_quote_line_item")).isEqualTo(3);
        }
        assertThat(tables(relay.dataSource())).contains("relay_event").doesNotContain("dealhub_quote");

        // Down again with pooled connections open: they break in the pool, the event waits, then lands whole.
        proxy.down();
        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-second-outage", "Q2"));
        awaitFailingDeliveries(proxy, "Q2");
        proxy.up();
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-second-outage")));
        assertThat(relay.deliveryAttempts("E-second-outage", "bi")).isGreaterThan(1);
        try (BiConnection bi = new BiConnection(biUrl, server.username())) {
            assertThat(bi.count("dealhub_quote_event")).isEqualTo(2);
            assertThat(bi.count("dealhub_quote")).isEqualTo(2);
            assertThat(bi.count("dealhub_quote_line_item")).isEqualTo(6);
            assertThat(bi.count("dealhub_quote_answer")).isEqualTo(4);
        }
    }

    @Test
    void deliveriesWaitingForALockedQuoteLeaveTheJournalItsConnections() throws Exception {
        quoteAnswers(Samples.read("get-quote-response.json"));
        relay = relayWithBiSink().with("relay.datasource.pool-size", "3")
                .with("relay.datasource.connection-timeout-ms", "1000")
                .with("relay.retry.max-attempts", "1000").with("relay.retry.initial-delay-ms", "50")
                .with("relay.retry.max-delay-ms", "200").start();
        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-first", QUOTE_ID));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-first")));
        String user = relay.context().resolvePropertyPlaceholders("{{relay.datasource.username}}");

        // An analyst's transaction holds the quote's row: every delivery about that quote waits for it.
        try (Connection analyst = DriverManager.getConnection(relay.databaseUrl(), user, "")) {
            analyst.setAutoCommit(false);
            try (PreparedStatement lock = analyst.prepareStatement(
                    "SELECT status FROM dealhub_quote WHERE dealhub_quote_id = ? FOR UPDATE")) {
                lock.setString(1, QUOTE_ID);
                lock.executeQuery().close();
            }
            for (int i = 0; i < 6; i++) {
                relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-waiting-" + i, QUOTE_ID));
            }
            await().atMost(DEADLINE).until(() -> dealhub.findAll(
                    getRequestedFor(urlPathEqualTo("/api/v2/quote/" + QUOTE_ID))).size() >= 7);

            // Meanwhile the journal still has its connections: webhooks are accepted (each one committed).
            for (int i = 0; i < 3; i++) {
                assertThat(relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-user-" + i)).statusCode())
                        .isEqualTo(202);
            }
            assertThat(relay.deliveryState("E-waiting-0", "bi")).isEqualTo("pending");
            analyst.rollback();
        }
        for (int i = 0; i < 6; i++) {
            String id = "E-waiting-" + i;
            await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState(id)));
        }
    }

    /** Waits until the quote was fetched, so its delivery is under way, and the database then kept saying no. */
    private void awaitFailingDeliveries(SwitchableProxy proxy, String quoteId) {
        await().atMost(DEADLINE).until(() -> !dealhub.findAll(
                getRequestedFor(urlPathEqualTo("/api/v2/quote/" + quoteId))).isEmpty());
        int turnedAway = proxy.turnedAway();
        await().atMost(DEADLINE).until(() -> proxy.turnedAway() >= turnedAway + 3);
    }
}
