package dealhub.relay.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dealhub.relay.support.Samples;

import org.junit.jupiter.api.Test;

/** The jdbc sink's mapping: which field of the webhook and of the Get Quote answer lands in which column. */
abstract class JdbcSinkMappingTest extends JdbcSinkFixture {

    private static final String HOSTILE = "'; DROP TABLE dealhub_quote; --";
    private static final String NON_ASCII = "Zürich – 東京 – Ærøskøbing ✓ 😀 \"quoted\" \\ back";

    @Test
    void theSampleQuoteBecomesExactlyTheseRows() throws Exception {
        quoteAnswers(Samples.read("get-quote-response.json"));
        relay = relayWithBiSink().start();
        LocalDateTime before = LocalDateTime.now(ZoneOffset.UTC);

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.read("quoteWon.json"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("EV0f3c8d21a9b4")));

        List<Map<String, Object>> quotes = rows(relay.dataSource(), "SELECT * FROM dealhub_quote");
        assertThat(quotes).hasSize(1);
        Map<String, Object> quote = quotes.get(0);
        quote.remove("updated_at");
        LocalDateTime wonAt = LocalDateTime.parse("2026-11-02T14:07:33");
        LocalDateTime fetchedAt = (LocalDateTime) quote.get("state_fetched_at");
        assertThat(fetchedAt).isBetween(before.minusSeconds(1), LocalDateTime.now(ZoneOffset.UTC));
        assertThat((String) quote.remove("state_hash")).matches("[0-9a-f]{64}");
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
        expected.put("duplicate_from_quote", null);
        expected.put("account_name", "Northwind Traders");
        expected.put("customer_id", "7720341");
        expected.put("contact_name", "Lena Fischer");
        expected.put("contact_email", "lena.fischer@northwind.example");
        expected.put("created_by", "maria.lopez@northwind.example");
        expected.put("submitted_by", "maria.lopez@northwind.example");
        expected.put("external_opportunity_id", "0068d00000Xy12A");
        expected.put("external_quote_id", null);
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
        expected.put("state_fetched_at", fetchedAt);
        expected.put("approvals_fetched_at", fetchedAt);
        expected.put("deal_room_url", null);
        expected.put("absent_since", null);
        assertThat(quote).containsExactlyInAnyOrderEntriesOf(expected);
        assertThat((LocalDateTime) quote.get("last_event_received_at"))
                .isBetween(before.minusMinutes(1), fetchedAt);

        List<Map<String, Object>> items = rows(relay.dataSource(),
                "SELECT * FROM dealhub_quote_line_item ORDER BY line_number");
        assertThat(items).extracting(r -> r.get("line_number"), r -> r.get("line_item_id"), r -> r.get("sku"),
                        r -> r.get("quantity"), r -> r.get("duration"), r -> r.get("net_price"), r -> r.get("ordinal"),
                        r -> r.get("bundle_header"))
                .containsExactly(
                        tuple(1, "LI01aa11bb22cc", "PLAT-ENT", dec("100"), dec("36"), dec("102000"), 1, false),
                        tuple(2, "LI02dd33ee44ff", "SUP-PREM", dec("1"), dec("36"), dec("32400"), 2, false),
                        tuple(3, "LI03gg55hh66ii", "PS-ONBOARD", dec("1"), null, dec("16920.5"), 3, false));
        Map<String, Object> support = items.get(1);
        assertThat(support).containsEntry("name", "Premium Support").containsEntry("group_name", "Services")
                .containsEntry("primary_tag", "SUP").containsEntry("system_id", "S1")
                .containsEntry("system_name", "Core").containsEntry("system_ordinal", 1)
                .containsEntry("bundle_ref", null).containsEntry("msrp", dec("36000"))
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
        assertThat(rows(relay.dataSource(), "SELECT * FROM dealhub_quote_line_item_attribute"
                + " ORDER BY line_number, attribute_name")).containsExactly(
                row("dealhub_quote_id", QUOTE_ID, "line_number", 1, "attribute_name", "ARR",
                        "attribute_value", "34000.00", "attribute_number", dec("34000")),
                row("dealhub_quote_id", QUOTE_ID, "line_number", 1, "attribute_name", "Product Line",
                        "attribute_value", "Platform", "attribute_number", null),
                row("dealhub_quote_id", QUOTE_ID, "line_number", 2, "attribute_name", "Product Line",
                        "attribute_value", "Services", "attribute_number", null),
                row("dealhub_quote_id", QUOTE_ID, "line_number", 3, "attribute_name", "Item Status",
                        "attribute_value", "Active", "attribute_number", null),
                row("dealhub_quote_id", QUOTE_ID, "line_number", 3, "attribute_name", "Product Line",
                        "attribute_value", "Professional Services", "attribute_number", null));

        assertThat(rows(relay.dataSource(), "SELECT * FROM dealhub_quote_answer ORDER BY answer_number"))
                .containsExactly(
                        row("dealhub_quote_id", QUOTE_ID, "answer_number", 1, "system_id", "S1", "system_name", "Core",
                                "group_id", "TERMS", "group_name", "Commercial Terms", "question_id", "contract_term",
                                "question", "Contract term", "answer", "36 months",
                                "question_html", "<b>Contract term</b>", "answer_numeric", null, "answer_date", null),
                        row("dealhub_quote_id", QUOTE_ID, "answer_number", 2, "system_id", "S1", "system_name", "Core",
                                "group_id", "TERMS", "group_name", "Commercial Terms", "question_id", "deal_type",
                                "question", "Deal type", "answer", "New Business",
                                "question_html", "Deal type", "answer_numeric", null, "answer_date", null));
        assertThat(rows(relay.dataSource(), "SELECT answer_number, value_position, answer_value"
                + " FROM dealhub_quote_answer_value ORDER BY 1, 2")).containsExactly(
                row("answer_number", 1, "value_position", 1, "answer_value", "36 months"),
                row("answer_number", 2, "value_position", 1, "answer_value", "New Business"));
        assertThat(rows(relay.dataSource(), "SELECT * FROM dealhub_quote_approval")).containsExactly(
                row("dealhub_quote_id", QUOTE_ID, "approval_number", 1, "step", 1, "reviewer", "cfo@northwind.example",
                        "status", "approved", "reason", "Discount above 15%", "impersonated_by", null,
                        "review_date", LocalDateTime.parse("2026-10-29T10:00:00"),
                        "reviewer_comment", "OK for 3-year term", "stale", false));
        assertThat(rows(relay.dataSource(), "SELECT * FROM dealhub_quote_approval_reason")).containsExactly(
                row("dealhub_quote_id", QUOTE_ID, "approval_number", 1, "reason_position", 1,
                        "reason", "Discount above 15%"));

        List<Map<String, Object>> snapshots = rows(relay.dataSource(), "SELECT * FROM dealhub_quote_snapshot");
        assertThat(snapshots).hasSize(1);
        Map<String, Object> snapshot = snapshots.get(0);
        assertThat(sameJson(snapshot.remove("quote"), JSON.readTree(Samples.read("get-quote-response.json")))).isTrue();
        assertThat((String) snapshot.remove("state_hash")).matches("[0-9a-f]{64}");
        assertThat(snapshot).isEqualTo(row("dealhub_quote_id", QUOTE_ID, "event_id", "EV0f3c8d21a9b4",
                "event_type", "quoteWon", "fetched_at", fetchedAt, "execution_date", wonAt, "status", "Won",
                "currency", "EUR", "total_list_price", dec("186000"), "total_net_price", dec("151320.5"),
                "total_discount", dec("18.64"), "sales_discount", dec("10"),
                "submitted_by", "maria.lopez@northwind.example",
                "submission_date", LocalDateTime.parse("2026-10-28T09:12:05"), "won_date", wonAt));

        List<Map<String, Object>> events = rows(relay.dataSource(), "SELECT * FROM dealhub_quote_event");
        assertThat(events).hasSize(1);
        Map<String, Object> event = events.get(0);
        assertThat(JSON.readTree((String) event.remove("additional_data")))
                .isEqualTo(JSON.readTree("{\"Deal Type\":\"New Business\",\"Contract Term\":\"36 months\"}"));
        assertThat(sameJson(event.remove("webhook"), JSON.readTree(Samples.read("quoteWon.json")))).isTrue();
        assertThat(event).isEqualTo(row("event_id", "EV0f3c8d21a9b4", "event_type", "quoteWon", "event_action", null,
                "dealhub_quote_id", QUOTE_ID, "dealhub_opportunity_id", "OP4Rt6YuI8oP2", "execution_date", wonAt,
                "executed_by", "maria.lopez@northwind.example", "impersonated_by", null, "quote_status", "Won",
                "received_at", quote.get("last_event_received_at"), "webhook_id", "WH7Qk2Lr9Ts1",
                "api_version", "1.0", "request_id", null, "deal_room_url", null, "event_source", null,
                "action_message", null, "execution_date_raw", null));
    }

    @Test
    void oddValuesAreNullInTheirTypedColumnsKeptAsSentAndTheEventIsDelivered() throws Exception {
        relay = relayWithBiSink().start();
        ObjectNode quote = sampleQuote();
        ObjectNode info = (ObjectNode) quote.get("info");
        info.put("won_date", "2 November 2026").put("external_quote_id", "").put("submission_date", "");
        ObjectNode item = (ObjectNode) quote.get("line_items").get(0);
        item.put("id", "");
        item.putObject("product_factors").put("Quantity", "a hundred").put("DURATION", "36.0");
        ((ObjectNode) quote.get("line_items").get(1)).putObject("product_factors").put("QUANTITY", "2.0");
        ((ObjectNode) quote.get("line_items").get(2)).put("msrp", "n/a");
        ((ObjectNode) quote.get("approvals").get(0)).putArray("reason").add("Discount above 15%")
                .add("Term > 24 months");
        ObjectNode answer = (ObjectNode) quote.get("answers").get(1);
        answer.put("question", "<p>Which <i>modules</i>?</p>").put("answer", "CPQ; Billing ;DealRoom");
        ((ObjectNode) quote.get("answers").get(0)).put("answer", "36");

        toSink(document("E-odd", "quoteWon", QUOTE_ID, "the 2nd", "2026-11-02T14:07:34Z", quote));

        assertThat(rows(relay.dataSource(), "SELECT won_date, submission_date, external_quote_id, status"
                + " FROM dealhub_quote")).containsExactly(row("won_date", null, "submission_date", null,
                "external_quote_id", null, "status", "Won"));
        assertThat(rows(relay.dataSource(), "SELECT line_item_id, quantity, duration, msrp"
                + " FROM dealhub_quote_line_item ORDER BY line_number")).containsExactly(
                row("line_item_id", null, "quantity", null, "duration", dec("36"), "msrp", dec("120000")),
                row("line_item_id", "LI02dd33ee44ff", "quantity", dec("2"), "duration", null, "msrp", dec("36000")),
                row("line_item_id", "LI03gg55hh66ii", "quantity", dec("1"), "duration", null, "msrp", null));
        // The raw values: the whole answer in the history, the webhook on the event.
        JsonAssert kept = new JsonAssert(rows(relay.dataSource(), "SELECT quote FROM dealhub_quote_snapshot"));
        assertThat(kept.at("/info/won_date")).isEqualTo("2 November 2026");
        assertThat(kept.at("/line_items/0/product_factors/Quantity")).isEqualTo("a hundred");
        assertThat(kept.at("/line_items/2/msrp")).isEqualTo("n/a");
        assertThat(rows(relay.dataSource(), "SELECT execution_date, execution_date_raw FROM dealhub_quote_event"))
                .containsExactly(row("execution_date", null, "execution_date_raw", "the 2nd"));
        assertThat(rows(relay.dataSource(), "SELECT reason FROM dealhub_quote_approval_reason ORDER BY reason_position"))
                .containsExactly(row("reason", "Discount above 15%"), row("reason", "Term > 24 months"));
        assertThat(rows(relay.dataSource(), "SELECT answer_number, question, question_html, answer, answer_numeric"
                + " FROM dealhub_quote_answer ORDER BY answer_number")).containsExactly(
                row("answer_number", 1, "question", "Contract term", "question_html", "<b>Contract term</b>",
                        "answer", "36", "answer_numeric", dec("36")),
                row("answer_number", 2, "question", "Which modules?", "question_html", "<p>Which <i>modules</i>?</p>",
                        "answer", "CPQ; Billing ;DealRoom", "answer_numeric", null));
        assertThat(rows(relay.dataSource(), "SELECT answer_value FROM dealhub_quote_answer_value"
                + " WHERE answer_number = 2 ORDER BY value_position")).containsExactly(
                row("answer_value", "CPQ"), row("answer_value", "Billing"), row("answer_value", "DealRoom"));
    }

    @Test
    void dateAnswersBundleHeadersDealRoomAndDealRoomEventsHaveTheirColumns() throws Exception {
        relay = relayWithBiSink().start();
        ObjectNode quote = sampleQuote();
        quote.putObject("deal_room_info").put("url", "https://dealroom.example/r/OP4Rt6YuI8oP2");
        ((ObjectNode) quote.get("answers").get(0)).put("answer", "2026-12-01 00:00:00");
        ((ObjectNode) quote.get("line_items").get(1)).put("bundle_ref", "PLAT-ENT");
        toSink(document("E-1", "quotePublished", QUOTE_ID, "2026-11-01 10:00:00", "2026-11-01T10:00:01Z", quote));
        ObjectNode dealRoom = (ObjectNode) JSON.readTree(Samples.read("dealroom-event.json"));
        ObjectNode document = (ObjectNode) JSON.readTree(document("E-room", "DEALROOM_EVENT", QUOTE_ID,
                "2026-10-30 11:02:48", "2026-11-01T10:00:02Z", null));
        document.put("event_action", "DEAL_BOX_FILE_ADDED");
        document.set("webhook", dealRoom);
        toSink(document.toString());

        assertThat(rows(relay.dataSource(), "SELECT deal_room_url FROM dealhub_quote"))
                .containsExactly(row("deal_room_url", "https://dealroom.example/r/OP4Rt6YuI8oP2"));
        assertThat(rows(relay.dataSource(), "SELECT answer_date FROM dealhub_quote_answer WHERE answer_number = 1"))
                .containsExactly(row("answer_date", LocalDateTime.parse("2026-12-01T00:00:00")));
        assertThat(rows(relay.dataSource(), "SELECT sku, bundle_ref, bundle_header FROM dealhub_quote_line_item"
                + " ORDER BY line_number")).containsExactly(
                row("sku", "PLAT-ENT", "bundle_ref", null, "bundle_header", true),
                row("sku", "SUP-PREM", "bundle_ref", "PLAT-ENT", "bundle_header", false),
                row("sku", "PS-ONBOARD", "bundle_ref", null, "bundle_header", false));
        assertThat(rows(relay.dataSource(), "SELECT event_action, deal_room_url, event_source, action_message,"
                + " executed_by, dealhub_opportunity_id FROM dealhub_quote_event WHERE event_id = 'E-room'"))
                .containsExactly(row("event_action", "DEAL_BOX_FILE_ADDED",
                        "deal_room_url", "https://dealroom.example/r/OP4Rt6YuI8oP2", "event_source", "DealRoom",
                        "action_message", "Priya Natarajan added msa_v3.pdf to the DealBox",
                        "executed_by", "Priya Natarajan", "dealhub_opportunity_id", "OP4Rt6YuI8oP2"));
    }

    @Test
    void approvalsFetchedWithoutApprovalsAreKeptButMarkedStale() throws Exception {
        relay = relayWithBiSink().start();
        ObjectNode quote = sampleQuote();
        ((ObjectNode) quote.get("approvals").get(0)).putArray("reason").add("Discount above 15%").add("Term > 24 months");
        toSink(document("E-1", "quotePendingApproval", QUOTE_ID, "2026-10-29 10:00:00", "2026-11-01T10:00:00Z", quote,
                "2026-11-01T10:00:01Z"));
        ObjectNode withoutApprovals = sampleQuote();
        withoutApprovals.remove("approvals");

        toSink(document("E-2", "quoteWon", QUOTE_ID, "2026-11-02 14:07:33", "2026-11-02T14:07:34Z", withoutApprovals,
                "2026-11-02T14:07:35Z"));

        assertThat(rows(relay.dataSource(), "SELECT approval_number, reason, stale FROM dealhub_quote_approval"))
                .containsExactly(row("approval_number", 1, "reason", "Discount above 15%; Term > 24 months",
                        "stale", true));
        assertThat(rows(relay.dataSource(), "SELECT status, state_event_id, approvals_fetched_at FROM dealhub_quote"))
                .containsExactly(row("status", "Won", "state_event_id", "E-2",
                        "approvals_fetched_at", LocalDateTime.parse("2026-11-01T10:00:01")));
    }

    @Test
    void hostileAndNonAsciiTextIsStoredVerbatim() throws Exception {
        relay = relayWithBiSink().start();
        ObjectNode quote = sampleQuote(HOSTILE);
        // A NUL, which PostgreSQL stores neither in text nor in JSONB, becomes U+FFFD.
        ((ObjectNode) quote.get("info")).put("account_name", NON_ASCII).put("contact_name", "Lena\u0000Fischer");
        ObjectNode answer = (ObjectNode) quote.get("answers").get(0);
        answer.put("answer", HOSTILE + " " + NON_ASCII);
        answer.put("question", "<p>Ort &amp; <i>" + NON_ASCII + "</i></p>");

        toSink(document("E-" + HOSTILE, "quoteWon", HOSTILE, "2026-11-02 14:07:33", "2026-11-02T14:07:34Z", quote));

        assertThat(rows(relay.dataSource(), "SELECT dealhub_quote_id, account_name, contact_name FROM dealhub_quote"))
                .containsExactly(row("dealhub_quote_id", HOSTILE, "account_name", NON_ASCII,
                        "contact_name", "Lena\uFFFDFischer"));
        assertThat(rows(relay.dataSource(), "SELECT question, answer FROM dealhub_quote_answer"
                + " WHERE dealhub_quote_id = ? AND answer_number = 1", HOSTILE))
                .containsExactly(row("question", "Ort & " + NON_ASCII, "answer", HOSTILE + " " + NON_ASCII));
        assertThat(rows(relay.dataSource(), "SELECT event_id, dealhub_quote_id FROM dealhub_quote_event"))
                .containsExactly(row("event_id", "E-" + HOSTILE, "dealhub_quote_id", HOSTILE));
        JsonAssert kept = new JsonAssert(rows(relay.dataSource(), "SELECT quote FROM dealhub_quote_snapshot"));
        assertThat(kept.at("/info/account_name")).isEqualTo(NON_ASCII);
        assertThat(kept.at("/info/contact_name")).isEqualTo("Lena\uFFFDFischer");
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

    /** The one JSON column of a one-row answer, read by JSON pointer. */
    private record JsonAssert(List<Map<String, Object>> rows) {

        String at(String pointer) {
            assertThat(rows).hasSize(1);
            return ((com.fasterxml.jackson.databind.JsonNode) rows.get(0).values().iterator().next()).at(pointer)
                    .asText();
        }
    }
}
