package dealhub.relay;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dealhub.relay.sinks.PermanentDeliveryException;
import dealhub.relay.support.Samples;
import dealhub.relay.support.SwitchableProxy;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jdbc sink kind: DealHub quotes as BI tables. The whole relay runs, with WireMock as DealHub's Get Quote API;
 * some tests hand documents to the sink's route directly, to choose the order and content of events exactly.
 * Runs on H2 and on PostgreSQL (JdbcSinkOnH2Test, JdbcSinkOnPostgresTest: top-level, because Maven Surefire skips
 * nested classes), for the relay's database and for a separate BI database.
 */
abstract class JdbcSinkTest {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String QUOTE_ID = "Q8m2XyzA91Lp0c7";
    private static final String HOSTILE = "'; DROP TABLE dealhub_quote; --";
    private static final String NON_ASCII = "Zürich – 東京 – Ærøskøbing ✓ 😀 \"quoted\" \\ back";

    @RegisterExtension
    static WireMockExtension dealhub = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @TempDir
    Path folder;
    TestRelay relay;
    final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        for (AutoCloseable closeable : cleanup) {
            closeable.close();
        }
    }

    /** The relay's own database for this run. */
    abstract TestRelay.Builder database(TestRelay.Builder relay);

    /** A database server apart from the relay's, started for this test: where it listens and how to reach it. */
    abstract BiServer separateServer() throws Exception;

    record BiServer(int port, String urlPattern, String username) {

        /** The JDBC URL of this server's BI database through another port (a proxy). */
        String url(int viaPort) {
            return urlPattern.formatted(viaPort);
        }
    }

    // --- the sample, end to end ----------------------------------------------------------------------------------

    @Test
    void theSampleQuoteBecomesExactlyTheseRows() throws Exception {
        quoteAnswers(Samples.read("get-quote-response.json"));
        relay = relayWithBiSink().start();

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.read("quoteWon.json"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("EV0f3c8d21a9b4")));

        List<Map<String, Object>> quotes = rows(relay.dataSource(), "SELECT * FROM dealhub_quote");
        assertThat(quotes).hasSize(1);
        Map<String, Object> quote = quotes.get(0);
        quote.remove("updated_at");
        LocalDateTime wonAt = LocalDateTime.parse("2026-11-02T14:07:33");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("dealhub_quote_id", QUOTE_ID);
        expected.put("status", "Won");
        expected.put("quote_upgrade_required", false);
        expected.put("dealhub_quote_name", "Northwind 3-year platform");
        expected.put("dealhub_quote_number", "Q_2041");
        expected.put("dealhub_opportunity_id", "OP4Rt6YuI8oP2");
        expected.put("version_id", "V2kLm8Np4Qr6");
        expected.put("playbook", "Enterprise");
        expected.put("geo_code", "EMEA");
        expected.put("primary_quote", true);
        expected.put("duplicate_from_quote", "");
        expected.put("account_name", "Northwind Traders");
        expected.put("customer_id", "7720341");
        expected.put("contact_name", "Lena Fischer");
        expected.put("contact_email", "lena.fischer@northwind.example");
        expected.put("created_by", "maria.lopez@northwind.example");
        expected.put("submitted_by", "maria.lopez@northwind.example");
        expected.put("external_opportunity_id", "0068d00000Xy12A");
        expected.put("external_quote_id", "");
        expected.put("external_customer_id", "0018d00000Ab34C");
        expected.put("quote_url", "https://app.dealhub.example/quote/Q8m2XyzA91Lp0c7");
        expected.put("creation_date", LocalDateTime.parse("2026-10-20T08:30:00"));
        expected.put("submission_date", LocalDateTime.parse("2026-10-28T09:12:05"));
        expected.put("expiration_date", LocalDateTime.parse("2026-11-27T09:12:05"));
        expected.put("won_date", wonAt);
        expected.put("currency", "EUR");
        expected.put("total_list_price", dec("186000"));
        expected.put("total_net_price", dec("151320.5"));
        expected.put("total_discount", dec("18.64"));
        expected.put("sales_discount", dec("10"));
        expected.put("last_event_id", "EV0f3c8d21a9b4");
        expected.put("last_event_type", "quoteWon");
        expected.put("last_event_at", wonAt);
        expected.put("last_event_received_at", quote.get("last_event_received_at"));
        expected.put("state_event_id", "EV0f3c8d21a9b4");
        expected.put("state_event_at", wonAt);
        expected.put("state_event_received_at", quote.get("last_event_received_at"));
        assertThat(quote).containsExactlyInAnyOrderEntriesOf(expected);
        assertThat((LocalDateTime) quote.get("last_event_received_at"))
                .isBetween(LocalDateTime.now(ZoneOffset.UTC).minusMinutes(5),
                        LocalDateTime.now(ZoneOffset.UTC));

        List<Map<String, Object>> items = rows(relay.dataSource(),
                "SELECT * FROM dealhub_quote_line_item ORDER BY line_number");
        assertThat(items).extracting(r -> r.get("line_number"), r -> r.get("line_item_id"), r -> r.get("sku"),
                        r -> r.get("quantity"), r -> r.get("duration"), r -> r.get("net_price"), r -> r.get("ordinal"))
                .containsExactly(
                        tuple(1, "LI01aa11bb22cc", "PLAT-ENT", dec("100"), dec("36"),
                                dec("102000"), 1),
                        tuple(2, "LI02dd33ee44ff", "SUP-PREM", dec("1"), dec("36"),
                                dec("32400"), 2),
                        tuple(3, "LI03gg55hh66ii", "PS-ONBOARD", dec("1"), null,
                                dec("16920.5"), 3));
        Map<String, Object> support = items.get(1);
        assertThat(support).containsEntry("name", "Premium Support").containsEntry("group_name", "Services")
                .containsEntry("primary_tag", "SUP").containsEntry("system_id", "S1")
                .containsEntry("system_name", "Core").containsEntry("system_ordinal", 1)
                .containsEntry("bundle_ref", "").containsEntry("msrp", dec("36000"))
                .containsEntry("msrp_discount", dec("10")).containsEntry("list_price", dec("36000"))
                .containsEntry("user_price", dec("32400")).containsEntry("user_discount", dec("10"))
                .containsEntry("net_per_unit", dec("32400")).containsEntry("sales_discount", dec("10"))
                .containsEntry("total_discount", dec("12.5"));
        assertThat(JSON.readTree((String) support.get("partner_discounts"))).isEqualTo(
                JSON.readTree("[{\"name\":\"Reseller\",\"discount\":2.5,\"price\":31590.0}]"));
        assertThat(JSON.readTree((String) support.get("attributes")))
                .isEqualTo(JSON.readTree("{\"Product Line\":\"Services\"}"));
        assertThat(JSON.readTree((String) support.get("product_factors")))
                .isEqualTo(JSON.readTree("{\"duration\":\"36.0\",\"quantity\":\"1.0\"}"));

        assertThat(rows(relay.dataSource(), "SELECT * FROM dealhub_quote_answer ORDER BY answer_number"))
                .containsExactly(
                        row("dealhub_quote_id", QUOTE_ID, "answer_number", 1, "system_id", "S1", "system_name", "Core",
                                "group_id", "TERMS", "group_name", "Commercial Terms", "question_id", "contract_term",
                                "question", "Contract term", "answer", "36 months"),
                        row("dealhub_quote_id", QUOTE_ID, "answer_number", 2, "system_id", "S1", "system_name", "Core",
                                "group_id", "TERMS", "group_name", "Commercial Terms", "question_id", "deal_type",
                                "question", "Deal type", "answer", "New Business"));
        assertThat(rows(relay.dataSource(), "SELECT * FROM dealhub_quote_approval")).containsExactly(
                row("dealhub_quote_id", QUOTE_ID, "approval_number", 1, "step", 1, "reviewer", "cfo@northwind.example",
                        "status", "approved", "reason", "Discount above 15%", "impersonated_by", null,
                        "review_date", LocalDateTime.parse("2026-10-29T10:00:00"),
                        "reviewer_comment", "OK for 3-year term"));

        List<Map<String, Object>> events = rows(relay.dataSource(), "SELECT * FROM dealhub_quote_event");
        assertThat(events).hasSize(1);
        Map<String, Object> event = events.get(0);
        assertThat(JSON.readTree((String) event.remove("additional_data")))
                .isEqualTo(JSON.readTree("{\"Deal Type\":\"New Business\",\"Contract Term\":\"36 months\"}"));
        assertThat(event).isEqualTo(row("event_id", "EV0f3c8d21a9b4", "event_type", "quoteWon", "event_action", null,
                "dealhub_quote_id", QUOTE_ID, "dealhub_opportunity_id", "OP4Rt6YuI8oP2", "execution_date", wonAt,
                "executed_by", "maria.lopez@northwind.example", "impersonated_by", null, "quote_status", "Won",
                "received_at", quote.get("last_event_received_at")));
    }

    // --- order and repetition ------------------------------------------------------------------------------------

    @Test
    void replayingAnEventLeavesTheSameRows() throws Exception {
        relay = relayWithBiSink().start();
        String document = document("E-1", "quoteWon", QUOTE_ID, "2026-11-02 14:07:33", "2026-11-02T14:07:34Z",
                sampleQuote());

        toSink(document);
        Map<String, List<Map<String, Object>>> once = snapshot(relay.dataSource());
        toSink(document);
        toSink(document);

        assertThat(snapshot(relay.dataSource())).isEqualTo(once);
        assertThat(once.get("dealhub_quote_event")).hasSize(1);
        assertThat(once.get("dealhub_quote_line_item")).hasSize(3);
    }

    @Test
    void anOlderEventAfterANewerOneLeavesWhatProcessingInOrderLeaves() throws Exception {
        relay = relayWithBiSink().start();
        // The same two events for two quotes: in order for one, newest first for the other.
        for (String[] run : new String[][] {{"Q-in-order", "old", "new"}, {"Q-reversed", "new", "old"}}) {
            String quoteId = run[0];
            for (String which : new String[] {run[1], run[2]}) {
                if (which.equals("old")) {
                    ObjectNode ready = sampleQuote(quoteId);
                    ready.put("status", "ReadyToBeSent");
                    ((ObjectNode) ready.get("info")).put("won_date", "");
                    toSink(document("E-old-" + quoteId, "quoteReady", quoteId, "2026-10-28 09:12:05",
                            "2026-11-02T14:07:35Z", ready));
                } else {
                    ObjectNode won = sampleQuote(quoteId);
                    ((ArrayNode) won.get("line_items")).remove(0);
                    toSink(document("E-new-" + quoteId, "quoteWon", quoteId, "2026-11-02 14:07:33",
                            "2026-11-02T14:07:34Z", won));
                }
            }
        }

        Map<String, List<Map<String, Object>>> inOrder = snapshotOf("Q-in-order");
        Map<String, List<Map<String, Object>>> reversed = snapshotOf("Q-reversed");
        assertThat(reversed).isEqualTo(inOrder);
        Map<String, Object> quote = reversed.get("dealhub_quote").get(0);
        assertThat(quote).containsEntry("status", "Won").containsEntry("last_event_type", "quoteWon")
                .containsEntry("won_date", LocalDateTime.parse("2026-11-02T14:07:33"));
        assertThat(reversed.get("dealhub_quote_line_item")).extracting(r -> r.get("sku"))
                .containsExactly("SUP-PREM", "PS-ONBOARD");
        assertThat(reversed.get("dealhub_quote_event")).extracting(r -> r.get("event_type"), r -> r.get("quote_status"))
                .containsExactlyInAnyOrder(tuple("quoteReady", "ReadyToBeSent"),
                        tuple("quoteWon", "Won"));
    }

    @Test
    void withTheSameExecutionDateTheLaterArrivalWins() throws Exception {
        relay = relayWithBiSink().start();
        ObjectNode published = sampleQuote();
        published.put("status", "Published");

        toSink(document("E-later", "quoteWon", QUOTE_ID, "2026-11-02 14:07:33", "2026-11-02T14:07:40Z",
                sampleQuote()));
        toSink(document("E-earlier", "quotePublished", QUOTE_ID, "2026-11-02 14:07:33", "2026-11-02T14:07:34Z",
                published));

        assertThat(rows(relay.dataSource(), "SELECT status, last_event_id FROM dealhub_quote"))
                .containsExactly(row("status", "Won", "last_event_id", "E-later"));
    }

    @Test
    void lineItemsRemovedFromTheQuoteDisappear() throws Exception {
        relay = relayWithBiSink().start();
        toSink(document("E-1", "draftQuote", QUOTE_ID, "2026-10-20 08:30:00", "2026-11-01T10:00:00Z", sampleQuote()));
        ObjectNode smaller = sampleQuote();
        ((ArrayNode) smaller.get("line_items")).remove(1);
        ((ArrayNode) smaller.get("answers")).removeAll();

        toSink(document("E-2", "draftQuote", QUOTE_ID, "2026-10-21 08:30:00", "2026-11-01T10:00:01Z", smaller));

        assertThat(rows(relay.dataSource(),
                "SELECT line_number, sku FROM dealhub_quote_line_item WHERE dealhub_quote_id = ? ORDER BY line_number",
                QUOTE_ID)).containsExactly(row("line_number", 1, "sku", "PLAT-ENT"), row("line_number", 2, "sku", "PS-ONBOARD"));
        assertThat(rows(relay.dataSource(), "SELECT * FROM dealhub_quote_answer")).isEmpty();
    }

    @Test
    void approvalReasonsMayBeAListAndApprovalsNotFetchedAreKept() throws Exception {
        relay = relayWithBiSink().start();
        ObjectNode quote = sampleQuote();
        ((ObjectNode) quote.get("approvals").get(0)).putArray("reason").add("Discount above 15%").add("Term > 24 months");
        toSink(document("E-1", "quotePendingApproval", QUOTE_ID, "2026-10-29 10:00:00", "2026-11-01T10:00:00Z", quote));
        ObjectNode withoutApprovals = sampleQuote();
        withoutApprovals.remove("approvals");

        toSink(document("E-2", "quoteWon", QUOTE_ID, "2026-11-02 14:07:33", "2026-11-02T14:07:34Z", withoutApprovals));

        assertThat(rows(relay.dataSource(), "SELECT approval_number, reason FROM dealhub_quote_approval"))
                .containsExactly(row("approval_number", 1, "reason", "Discount above 15%; Term > 24 months"));
        assertThat(rows(relay.dataSource(), "SELECT status, state_event_id FROM dealhub_quote"))
                .containsExactly(row("status", "Won", "state_event_id", "E-2"));
    }

    // --- what is stored ------------------------------------------------------------------------------------------

    @Test
    void hostileAndNonAsciiTextIsStoredVerbatim() throws Exception {
        relay = relayWithBiSink().start();
        ObjectNode quote = sampleQuote(HOSTILE);
        ((ObjectNode) quote.get("info")).put("account_name", NON_ASCII);
        ObjectNode answer = (ObjectNode) quote.get("answers").get(0);
        answer.put("answer", HOSTILE + " " + NON_ASCII);
        answer.put("question", "<p>Ort &amp; <i>" + NON_ASCII + "</i></p>");

        toSink(document("E-" + HOSTILE, "quoteWon", HOSTILE, "2026-11-02 14:07:33", "2026-11-02T14:07:34Z", quote));

        assertThat(rows(relay.dataSource(), "SELECT dealhub_quote_id, account_name FROM dealhub_quote"))
                .containsExactly(row("dealhub_quote_id", HOSTILE, "account_name", NON_ASCII));
        assertThat(rows(relay.dataSource(), "SELECT question, answer FROM dealhub_quote_answer"
                + " WHERE dealhub_quote_id = ? AND answer_number = 1", HOSTILE))
                .containsExactly(row("question", "Ort & " + NON_ASCII, "answer", HOSTILE + " " + NON_ASCII));
        assertThat(rows(relay.dataSource(), "SELECT event_id, dealhub_quote_id FROM dealhub_quote_event"))
                .containsExactly(row("event_id", "E-" + HOSTILE, "dealhub_quote_id", HOSTILE));
    }

    @Test
    void eventsWithoutTheQuoteStillGetTheirRowAndUpdateWhatIsKnown() throws Exception {
        quoteAnswers("{\"dealhub_quote_id\":\"Q-old\",\"status\":\"Draft\",\"quote_upgrade_required\":true}");
        relay = relayWithBiSink().start();

        relay.postEvent("/webhooks/dealhub/quoteReady", Samples.quoteEvent("E-upgrade", "Q-old"));
        relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-user"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-upgrade"))
                && "done".equals(relay.eventState("E-user")));

        assertThat(rows(relay.dataSource(), "SELECT dealhub_quote_id, status, quote_upgrade_required,"
                + " dealhub_opportunity_id, last_event_type, account_name FROM dealhub_quote"))
                .containsExactly(row("dealhub_quote_id", "Q-old", "status", "Draft", "quote_upgrade_required", true,
                        "dealhub_opportunity_id", "OP4Rt6YuI8oP2", "last_event_type", "quoteReady",
                        "account_name", null));
        assertThat(rows(relay.dataSource(),
                "SELECT event_id, event_type, dealhub_quote_id, quote_status FROM dealhub_quote_event ORDER BY event_id"))
                .containsExactly(
                        row("event_id", "E-upgrade", "event_type", "quoteReady", "dealhub_quote_id", "Q-old",
                                "quote_status", "Draft"),
                        row("event_id", "E-user", "event_type", "user", "dealhub_quote_id", null, "quote_status", null));
    }

    @Test
    void aNewerEventWithoutTheQuoteKeepsTheQuoteOfAnOlderOneWhateverTheOrder() throws Exception {
        relay = relayWithBiSink().start();
        String older = document("E-enriched", "quoteWon", QUOTE_ID, "2026-11-02 14:07:33", "2026-11-02T14:07:34Z",
                sampleQuote());
        String newer = document("E-bare", "quotePublished", QUOTE_ID, "2026-11-03 09:00:00", "2026-11-03T09:00:01Z",
                null);

        toSink(newer);
        toSink(older);

        assertThat(rows(relay.dataSource(), "SELECT status, account_name, last_event_id, state_event_id"
                + " FROM dealhub_quote")).containsExactly(row("status", "Won", "account_name", "Northwind Traders",
                "last_event_id", "E-bare", "state_event_id", "E-enriched"));
        assertThat(rows(relay.dataSource(), "SELECT count(*) AS n FROM dealhub_quote_line_item"))
                .containsExactly(row("n", 3L));
    }

    // --- failures ------------------------------------------------------------------------------------------------

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
        documents.add(6, document("E-malformed", "quoteWon", "Q-malformed", "yesterday", "2026-11-02T14:07:34Z",
                sampleQuote("Q-malformed")));

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
    void aMalformedDocumentIsDeadAtOnce() {
        relay = relayWithBiSink().start();
        assertThatThrownBy(() -> toSink(document("E-bad", "quoteWon", QUOTE_ID, "2 November 2026",
                "2026-11-02T14:07:34Z", sampleQuote())))
                .hasRootCauseInstanceOf(PermanentDeliveryException.class)
                .rootCause().hasMessageContaining("execution_date");
    }

    @Test
    void aSeparateBiDatabaseGetsOnlyTheBiTablesAndEventsWaitWhileItIsDown() throws Exception {
        quoteAnswers(Samples.read("get-quote-response.json"));
        BiServer server = separateServer();
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

    // --- helpers -------------------------------------------------------------------------------------------------

    private TestRelay.Builder relayWithBiSink() {
        return database(TestRelay.in(folder)).with("dealhub.api.base-url", dealhub.baseUrl())
                .with("relay.sinks.bi.type", "jdbc");
    }

    private static void quoteAnswers(String body) {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body)));
    }

    /** Hands a document to the sink's route, as the relay's deliver route does. */
    private void toSink(String document) {
        relay.context().createProducerTemplate().requestBody("direct:sink-bi", document);
    }

    private static ObjectNode sampleQuote() throws Exception {
        return sampleQuote(QUOTE_ID);
    }

    private static ObjectNode sampleQuote(String quoteId) throws Exception {
        ObjectNode quote = (ObjectNode) JSON.readTree(Samples.read("get-quote-response.json"));
        quote.put("dealhub_quote_id", quoteId);
        return quote;
    }

    /** A sink document as the relay makes it (DispatchSteps.document); {@code quote} null for a bare event. */
    private static String document(String eventId, String type, String quoteId, String executionDate,
            String receivedAt, JsonNode quote) {
        ObjectNode document = JSON.createObjectNode();
        document.put("event_id", eventId);
        document.put("event_type", type);
        document.put("dealhub_quote_id", quoteId);
        document.put("received_at", receivedAt);
        ObjectNode webhook = document.putObject("webhook");
        webhook.putObject("event_info").put("event_id", eventId).put("api_version", "1.0");
        webhook.put("dealhub_quote_id", quoteId);
        webhook.put("dealhub_opportunity_id", "OP4Rt6YuI8oP2");
        webhook.put("execution_date", executionDate);
        webhook.put("executed_by", "maria.lopez@northwind.example");
        if (quote != null) {
            document.set("quote", quote);
        }
        return document.toString();
    }

    private static BigDecimal dec(String value) {
        return new BigDecimal(value).stripTrailingZeros();
    }

    private static Map<String, Object> row(Object... keysAndValues) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            row.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return row;
    }

    /** Every BI table's rows of one quote, without the quote id and the time of writing: to compare two quotes. */
    private Map<String, List<Map<String, Object>>> snapshotOf(String quoteId) throws SQLException {
        Map<String, List<Map<String, Object>>> snapshot = new LinkedHashMap<>();
        for (String table : List.of("dealhub_quote", "dealhub_quote_line_item", "dealhub_quote_answer",
                "dealhub_quote_approval", "dealhub_quote_event")) {
            String order = table.equals("dealhub_quote_event") ? "event_type" : "1";
            List<Map<String, Object>> rows = rows(relay.dataSource(),
                    "SELECT * FROM " + table + " WHERE dealhub_quote_id = ? ORDER BY " + order, quoteId);
            rows.forEach(r -> {
                r.remove("dealhub_quote_id");
                r.remove("updated_at");
                r.replaceAll((column, value) -> value instanceof String s ? s.replace(quoteId, "<quote>") : value);
            });
            snapshot.put(table, rows);
        }
        return snapshot;
    }

    private static Map<String, List<Map<String, Object>>> snapshot(DataSource dataSource)
            throws SQLException {
        Map<String, List<Map<String, Object>>> snapshot = new LinkedHashMap<>();
        for (String table : List.of("dealhub_quote", "dealhub_quote_line_item", "dealhub_quote_answer",
                "dealhub_quote_approval", "dealhub_quote_event")) {
            List<Map<String, Object>> rows = rows(dataSource, "SELECT * FROM " + table + " ORDER BY 1, 2");
            rows.forEach(r -> r.remove("updated_at"));
            snapshot.put(table, rows);
        }
        return snapshot;
    }

    /** Rows with lower-case column names, timestamps as LocalDateTime and numbers without trailing zeros. */
    static List<Map<String, Object>> rows(DataSource dataSource, String sql, Object... args)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return rows(c, sql, args);
        }
    }

    static List<Map<String, Object>> rows(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        row.put(meta.getColumnLabel(i).toLowerCase(Locale.ROOT), normalised(rs.getObject(i)));
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    private static Object normalised(Object value) {
        if (value instanceof Timestamp timestamp) {
            return timestamp.toLocalDateTime();
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.stripTrailingZeros();
        }
        return value;
    }

    private static List<String> tables(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return tables(c);
        }
    }

    private static List<String> tables(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getTables(null, c.getSchema(), "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                names.add(rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    /** A connection of the test's own to the separate BI database. */
    private static final class BiConnection implements AutoCloseable {

        private final Connection connection;

        BiConnection(String url, String username) throws SQLException {
            this.connection = DriverManager.getConnection(url, username, "");
        }

        List<String> tables() throws SQLException {
            return JdbcSinkTest.tables(connection);
        }

        long count(String table) throws SQLException {
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
                rs.next();
                return rs.getLong(1);
            }
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }
}
