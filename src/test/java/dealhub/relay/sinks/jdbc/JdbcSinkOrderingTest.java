package dealhub.relay.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;

/**
 * Events arrive at least once and in any order: which event and which state of a quote the tables show, the history
 * of its states, the one primary quote of an opportunity, and a quote gone from DealHub's list.
 */
abstract class JdbcSinkOrderingTest extends JdbcSinkFixture {

    @Test
    void anOlderEventAfterANewerOneLeavesWhatProcessingInOrderLeaves() throws Exception {
        relay = relayWithBiSink().start();
        // The same two events for two quotes : in order for one, newest first for the other.
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
        for (String table : TABLES) {
            assertThat(reversed.get(table)).as(table).isEqualTo(inOrder.get(table));
        }
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
    void aRetriedOlderEventWhoseFetchIsFresherCarriesTheNewerState() throws Exception {
        relay = relayWithBiSink().start();
        ObjectNode atSignature = sampleQuote();
        ((ObjectNode) atSignature.get("summary")).put("total_net_price", 140000);
        ObjectNode fresher = sampleQuote();

        // quoteWon fetched at once; quotePublished, older, was retried and fetched a day later.
        toSink(document("E-won", "quoteWon", QUOTE_ID, "2026-11-02 14:07:33", "2026-11-02T14:07:34Z", atSignature,
                "2026-11-02T14:07:35Z"));
        toSink(document("E-published", "quotePublished", QUOTE_ID, "2026-11-01 09:00:00", "2026-11-01T09:00:01Z",
                fresher, "2026-11-03T10:00:00Z"));

        assertThat(rows(relay.dataSource(), "SELECT total_net_price, last_event_id, state_event_id, state_event_at,"
                + " state_fetched_at FROM dealhub_quote")).containsExactly(row("total_net_price", dec("151320.5"),
                "last_event_id", "E-won", "state_event_id", "E-published",
                "state_event_at", LocalDateTime.parse("2026-11-01T09:00:00"),
                "state_fetched_at", LocalDateTime.parse("2026-11-03T10:00:00")));
    }

    @Test
    void threeStatesOfOneQuoteGiveThreeSnapshotsAndTheTablesShowTheOneFetchedLast() throws Exception {
        relay = relayWithBiSink().start();
        ObjectNode draft = sampleQuote();
        draft.put("status", "Draft");
        ((ObjectNode) draft.get("summary")).put("total_discount", 25);
        ((ArrayNode) draft.get("line_items")).remove(2);
        ObjectNode pending = sampleQuote();
        pending.put("status", "ReadyToBeSent");
        ((ObjectNode) pending.get("summary")).put("total_discount", 20);
        ObjectNode won = sampleQuote();

        // Delivered out of order; the same state fetched again adds no history.
        toSink(document("E-pending", "quotePendingApproval", QUOTE_ID, "2026-10-28 09:12:05", "2026-10-28T09:12:06Z",
                pending, "2026-10-28T09:12:07Z"));
        toSink(document("E-won", "quoteWon", QUOTE_ID, "2026-11-02 14:07:33", "2026-11-02T14:07:34Z", won,
                "2026-11-02T14:07:35Z"));
        toSink(document("E-draft", "draftQuote", QUOTE_ID, "2026-10-20 08:30:00", "2026-10-20T08:30:01Z", draft,
                "2026-10-20T08:30:02Z"));
        toSink(document("E-won-again", "quotePublished", QUOTE_ID, "2026-11-03 08:00:00", "2026-11-03T08:00:01Z",
                won, "2026-11-03T08:00:02Z"));

        assertThat(rows(relay.dataSource(), "SELECT event_id, event_type, status, total_discount, fetched_at"
                + " FROM dealhub_quote_snapshot ORDER BY fetched_at")).containsExactly(
                row("event_id", "E-draft", "event_type", "draftQuote", "status", "Draft", "total_discount", dec("25"),
                        "fetched_at", LocalDateTime.parse("2026-10-20T08:30:02")),
                row("event_id", "E-pending", "event_type", "quotePendingApproval", "status", "ReadyToBeSent",
                        "total_discount", dec("20"), "fetched_at", LocalDateTime.parse("2026-10-28T09:12:07")),
                row("event_id", "E-won", "event_type", "quoteWon", "status", "Won", "total_discount", dec("18.64"),
                        "fetched_at", LocalDateTime.parse("2026-11-02T14:07:35")));
        assertThat(rows(relay.dataSource(), "SELECT status, total_discount, state_event_id FROM dealhub_quote"))
                .containsExactly(row("status", "Won", "total_discount", dec("18.64"), "state_event_id", "E-won-again"));
        assertThat(rows(relay.dataSource(), "SELECT count(*) AS n FROM dealhub_quote_line_item"))
                .containsExactly(row("n", 3L));
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
        assertThat(rows(relay.dataSource(), "SELECT * FROM dealhub_quote_answer_value")).isEmpty();
        assertThat(rows(relay.dataSource(), "SELECT DISTINCT line_number FROM dealhub_quote_line_item_attribute"
                + " ORDER BY line_number")).containsExactly(row("line_number", 1), row("line_number", 2));
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

    @Test
    void aPrimarySwitchLeavesOnePrimaryQuotePerOpportunity() throws Exception {
        relay = relayWithBiSink().start();
        toSink(document("E-a", "primaryQuote", "Q-A", "2026-11-01 10:00:00", "2026-11-01T10:00:01Z",
                ofTheSampleDeal("Q-A"), "2026-11-01T10:00:02Z"));
        ObjectNode elsewhere = sampleQuote("Q-other-deal");
        ((ObjectNode) elsewhere.get("info")).put("external_opportunity_id", "0068d00000Zz99Z");
        toSink(document("E-other", "primaryQuote", "Q-other-deal", "2026-11-01 10:00:00", "2026-11-01T10:00:01Z",
                elsewhere, "2026-11-01T10:00:02Z"));

        // Q-B becomes primary: DealHub says nothing about Q-A.
        toSink(document("E-b", "primaryQuote", "Q-B", "2026-11-02 10:00:00", "2026-11-02T10:00:01Z",
                ofTheSampleDeal("Q-B"), "2026-11-02T10:00:02Z"));
        assertThat(primaryQuotes()).containsExactly("Q-B", "Q-other-deal");

        // A retried event of Q-A, fetched before Q-B's switch, does not take it back ...
        toSink(document("E-a-late", "quotePublished", "Q-A", "2026-11-01 12:00:00", "2026-11-01T12:00:01Z",
                ofTheSampleDeal("Q-A"), "2026-11-01T12:00:02Z"));
        assertThat(primaryQuotes()).containsExactly("Q-B", "Q-other-deal");

        // ... but Q-A becoming primary again does.
        toSink(document("E-a-again", "primaryQuote", "Q-A", "2026-11-03 10:00:00", "2026-11-03T10:00:01Z",
                ofTheSampleDeal("Q-A"), "2026-11-03T10:00:02Z"));
        assertThat(primaryQuotes()).containsExactly("Q-A", "Q-other-deal");
    }

    @Test
    void aQuoteGoneFromDealHubsListIsMarkedAbsentUntilItIsSeenAgain() throws Exception {
        relay = relayWithBiSink().start();
        toSink(document("E-won", "quoteWon", QUOTE_ID, "2026-11-02 14:07:33", "2026-11-02T14:07:34Z", sampleQuote(),
                "2026-11-02T14:07:35Z"));

        toSink(gone("R-gone", "2026-11-05 03:00:00", "2026-11-05T03:00:01Z"));
        assertThat(absentSince()).isEqualTo(LocalDateTime.parse("2026-11-05T03:00:00"));
        assertThat(rows(relay.dataSource(), "SELECT status, state_event_id, last_event_type FROM dealhub_quote"))
                .containsExactly(row("status", "Won", "state_event_id", "E-won", "last_event_type", "reconciled"));

        // An event older than the listing does not bring it back; one after it does.
        toSink(document("E-late", "quotePublished", QUOTE_ID, "2026-11-01 09:00:00", "2026-11-01T09:00:01Z", null));
        toSink(gone("R-gone", "2026-11-05 03:00:00", "2026-11-05T03:00:01Z"));
        assertThat(absentSince()).isEqualTo(LocalDateTime.parse("2026-11-05T03:00:00"));
        toSink(document("E-back", "quotePublished", QUOTE_ID, "2026-11-06 09:00:00", "2026-11-06T09:00:01Z",
                sampleQuote(), "2026-11-06T09:00:02Z"));
        assertThat(absentSince()).isNull();

        // The listing replayed after it was seen again leaves it present.
        toSink(gone("R-gone", "2026-11-05 03:00:00", "2026-11-05T03:00:01Z"));
        assertThat(absentSince()).isNull();
    }

    /** The sample quote under another id, in the sample's deal (external_opportunity_id). */
    private static ObjectNode ofTheSampleDeal(String quoteId) throws Exception {
        ObjectNode quote = sampleQuote(quoteId);
        ((ObjectNode) quote.get("info")).put("external_opportunity_id", "0068d00000Xy12A");
        return quote;
    }

    /** A {@code reconciled} document for a quote that a complete listing no longer had (docs/bi-tables.md). */
    private static String gone(String eventId, String listedAt, String receivedAt) throws Exception {
        ObjectNode document = (ObjectNode) JSON.readTree(document(eventId, "reconciled", QUOTE_ID, listedAt,
                receivedAt, null));
        ((ObjectNode) document.get("webhook")).putObject("reconcile").put("listed", false);
        return document.toString();
    }

    private LocalDateTime absentSince() throws Exception {
        return (LocalDateTime) rows(relay.dataSource(), "SELECT absent_since FROM dealhub_quote").get(0)
                .get("absent_since");
    }

    private List<Object> primaryQuotes() throws Exception {
        return rows(relay.dataSource(), "SELECT dealhub_quote_id FROM dealhub_quote WHERE primary_quote = TRUE"
                + " ORDER BY dealhub_quote_id").stream().map(r -> r.get("dealhub_quote_id")).toList();
    }
}
