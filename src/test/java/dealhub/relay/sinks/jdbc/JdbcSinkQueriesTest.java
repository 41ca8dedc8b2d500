package dealhub.relay.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;

/**
 * The example queries of docs/bi-tables.md, read from the page itself so that page and test cannot drift, run on
 * the sample quote in six states and a second quote, with the answers the page quotes.
 */
abstract class JdbcSinkQueriesTest extends JdbcSinkFixture {

    private static final Path PAGE = Path.of("docs/bi-tables.md");
    /** A "### title" of the example queries section, then its first sql block. */
    private static final Pattern QUERY = Pattern.compile("^### (.+?)\\n.*?```sql\\n(.*?)```",
            Pattern.MULTILINE | Pattern.DOTALL);
    private static final String MARIA = "maria.lopez@northwind.example";
    private static final String SAM = "sam.okafor@northwind.example";

    @Test
    void everyExampleQueryOfTheBiPageGivesTheAnswerThePageQuotes() throws Exception {
        relay = relayWithBiSink().start();
        sampleHistory();
        Map<String, String> queries = exampleQueries();
        assertThat(queries).containsOnlyKeys("Won revenue by month per currency",
                "Top SKUs by net price, in won quotes", "Average discount by region, in won quotes",
                "Average discount by submitter",
                "ARR by product from attributes", "Approval rounds per quote",
                "Discount at submission against discount at signature");

        assertThat(run(queries, "Won revenue by month per currency")).containsExactly(
                row("won_month", LocalDate.parse("2026-11-01"), "currency", "EUR", "won_quotes", 1L,
                        "won_revenue", dec("151320.5")),
                row("won_month", LocalDate.parse("2026-12-01"), "currency", "USD", "won_quotes", 1L,
                        "won_revenue", dec("50000")));
        assertThat(run(queries, "Top SKUs by net price, in won quotes")).extracting(
                r -> r.get("currency"), r -> r.get("sku"), r -> r.get("quantity"), r -> r.get("net_price"))
                .containsExactly(tuple("EUR", "PLAT-ENT", dec("100"), dec("102000")),
                        tuple("USD", "PLAT-ENT", dec("100"), dec("102000")),
                        tuple("EUR", "SUP-PREM", dec("1"), dec("32400")),
                        tuple("USD", "SUP-PREM", dec("1"), dec("32400")),
                        tuple("EUR", "PS-ONBOARD", dec("1"), dec("16920.5")),
                        tuple("USD", "PS-ONBOARD", dec("1"), dec("16920.5")));
        assertThat(run(queries, "Average discount by region, in won quotes")).containsExactly(
                row("region", "EMEA", "quotes", 2L, "avg_total_discount_pct", dec("11.82"),
                        "avg_sales_discount_pct", dec("10")));
        assertThat(run(queries, "Average discount by submitter")).containsExactly(
                row("submitted_by", MARIA, "quotes", 1L, "avg_total_discount_pct", dec("18.64")),
                row("submitted_by", SAM, "quotes", 1L, "avg_total_discount_pct", dec("5")));
        assertThat(run(queries, "ARR by product from attributes")).containsExactly(
                row("currency", "EUR", "sku", "PLAT-ENT", "product", "Platform Enterprise Edition",
                        "arr", dec("34000")),
                row("currency", "USD", "sku", "PLAT-ENT", "product", "Platform Enterprise Edition",
                        "arr", dec("12000.5")));
        assertThat(run(queries, "Approval rounds per quote")).containsExactly(
                row("dealhub_quote_id", "Q-USD", "approval_rounds", 1L),
                row("dealhub_quote_id", QUOTE_ID, "approval_rounds", 2L));
        assertThat(run(queries, "Discount at submission against discount at signature")).containsExactly(
                row("dealhub_quote_id", "Q-USD", "currency", "USD", "discount_at_submission", dec("5"),
                        "discount_at_signature", dec("5")),
                row("dealhub_quote_id", QUOTE_ID, "currency", "EUR", "discount_at_submission", dec("20"),
                        "discount_at_signature", dec("18.64")));
    }

    private java.util.List<Map<String, Object>> run(Map<String, String> queries, String title) throws Exception {
        return rows(relay.dataSource(), queries.get(title).strip().replaceFirst(";$", ""));
    }

    /** The queries of the page's "Example queries" section, by their titles. */
    private static Map<String, String> exampleQueries() throws Exception {
        String page = Files.readString(PAGE);
        String section = page.substring(page.indexOf("\n## Example queries"));
        int next = section.indexOf("\n## ", 1);
        Matcher matcher = QUERY.matcher(next < 0 ? section : section.substring(0, next));
        Map<String, String> queries = new LinkedHashMap<>();
        while (matcher.find()) {
            queries.put(matcher.group(1).trim(), matcher.group(2));
        }
        return queries;
    }

    /** The sample quote through six states, a second quote won in USD, and a draft nobody submitted. */
    private void sampleHistory() throws Exception {
        state("E-draft", "draftQuote", "2026-10-20 08:30:00", "Draft", "25", "", null);
        state("E-submitted", "quotePendingApproval", "2026-10-28 09:12:05", "Draft", "20", "2026-10-28 09:12:05",
                "waiting");
        state("E-rejected", "quoteRejected", "2026-10-29 09:00:00", "Draft", "20", "2026-10-28 09:12:05",
                "rejected");
        state("E-resubmitted", "quotePendingApproval", "2026-10-30 10:00:00", "Draft", "18.64",
                "2026-10-30 10:00:00", "waiting");
        state("E-approved", "quoteReady", "2026-10-31 11:00:00", "ReadyToBeSent", "18.64", "2026-10-30 10:00:00",
                "approved");
        toSink(document("E-won", "quoteWon", QUOTE_ID, "2026-11-02 14:07:33", "2026-11-02T14:07:34Z", sampleQuote(),
                "2026-11-02T14:07:35Z"));

        for (String[] event : new String[][] {{"E-usd-submitted", "quotePendingApproval", "Draft", "", "12-01"},
                {"E-usd-won", "quoteWon", "Won", "2026-12-05 10:00:00", "12-05"}}) {
            ObjectNode usd = sampleQuote("Q-USD");
            usd.put("status", event[2]);
            ((ObjectNode) usd.get("info")).put("currency", "USD").put("submitted_by", SAM).put("won_date", event[3]);
            ((ObjectNode) usd.get("summary")).put("currency", "USD").put("total_net_price", 50000)
                    .put("total_discount", 5);
            ((ObjectNode) usd.get("line_items").get(0).get("attributes")).put("ARR", "12000.50");
            ((ObjectNode) usd.get("line_items").get(1).get("attributes")).put("ARR", "-");
            toSink(document(event[0], event[1], "Q-USD", "2026-" + event[4] + " 10:00:00",
                    "2026-" + event[4] + "T10:00:01Z", usd, "2026-" + event[4] + "T10:00:02Z"));
        }

        ObjectNode draft = sampleQuote("Q-draft");
        draft.put("status", "Draft");
        ((ObjectNode) draft.get("info")).put("submitted_by", "").put("submission_date", "").put("won_date", "");
        toSink(document("E-other-draft", "draftQuote", "Q-draft", "2026-11-10 10:00:00", "2026-11-10T10:00:01Z",
                draft, "2026-11-10T10:00:02Z"));
    }

    /** One state of the sample quote before it was won. */
    private void state(String eventId, String type, String executed, String status, String discount,
            String submitted, String approval) throws Exception {
        ObjectNode quote = sampleQuote();
        quote.put("status", status);
        ((ObjectNode) quote.get("info")).put("submission_date", submitted).put("won_date", "")
                .put("submitted_by", submitted.isEmpty() ? "" : MARIA);
        ((ObjectNode) quote.get("summary")).put("total_discount", new java.math.BigDecimal(discount));
        if (approval == null) {
            ((ArrayNode) quote.get("approvals")).removeAll();
        } else {
            ((ObjectNode) quote.get("approvals").get(0)).put("status", approval);
        }
        String at = executed.replace(' ', 'T');
        toSink(document(eventId, type, QUOTE_ID, executed, at + "Z", quote,
                java.time.LocalDateTime.parse(at).plusSeconds(2) + "Z"));
    }
}
