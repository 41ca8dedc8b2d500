package dealhub.relay.sinks.jdbc;

import static dealhub.relay.sinks.jdbc.Values.bool;
import static dealhub.relay.sinks.jdbc.Values.field;
import static dealhub.relay.sinks.jdbc.Values.json;
import static dealhub.relay.sinks.jdbc.Values.text;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;


/**
 * Which column of the BI tables each field of a Get Quote answer fills: the mapping, apart from how and when rows
 * are written ({@link QuoteTables}, {@link ChildTables}). Values that do not parse go through {@link Values}.
 */
final class QuoteRows {

    private static final String[] INFO_TEXT_COLUMNS = {"dealhub_quote_name", "dealhub_quote_number", "version_id",
            "playbook", "geo_code", "duplicate_from_quote", "account_name", "customer_id", "contact_name",
            "contact_email", "created_by", "submitted_by", "external_opportunity_id", "external_quote_id",
            "external_customer_id", "quote_url"};
    private static final String[] INFO_DATE_COLUMNS = {"creation_date", "submission_date", "expiration_date",
            "won_date"};
    private static final String[] SUMMARY_NUMBER_COLUMNS = {"total_list_price", "total_net_price", "total_discount",
            "sales_discount"};
    private static final String[] LINE_ITEM_TEXT_FIELDS = {"sku", "name", "bundle_ref", "primary_tag",
            "system_id", "system_name"};
    private static final String[] LINE_ITEM_NUMBER_FIELDS = {"msrp", "msrp_discount", "list_price", "user_price",
            "user_discount", "net_per_unit", "net_price", "sales_discount", "total_discount"};
    private static final String[] ANSWER_TEXT_FIELDS = {"system_id", "system_name", "group_id", "group_name",
            "question_id"};

    /** A child row and the rows of its own children (a line item's attributes, an answer's values, ...). */
    record Child(Map<String, Object> row, List<Map<String, Object>> children) {
    }

    private final Values values;

    QuoteRows(Values values) {
        this.values = values;
    }

    /** Status and what DealHub returned of info, summary and deal_room_info; a part not returned keeps its values. */
    Map<String, Object> quoteColumns(JsonNode quote) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("status", text(quote.get("status")));
        row.put("quote_upgrade_required", bool(quote.get("quote_upgrade_required")));
        JsonNode info = quote.get("info");
        if (info != null && info.isObject()) {
            for (String column : INFO_TEXT_COLUMNS) {
                row.put(column, text(info.get(column)));
            }
            for (String column : INFO_DATE_COLUMNS) {
                row.put(column, values.date(info.get(column), "info." + column));
            }
            row.put("primary_quote", bool(info.get("primary_quote")));
            String opportunityId = text(info.get("dealhub_opportunity_id"));
            if (opportunityId != null) {
                row.put("dealhub_opportunity_id", opportunityId);
            }
            row.put("currency", text(info.get("currency")));
        }
        JsonNode summary = quote.get("summary");
        if (summary != null && summary.isObject()) {
            for (String column : SUMMARY_NUMBER_COLUMNS) {
                row.put(column, values.number(summary.get(column), "summary." + column));
            }
            String currency = text(summary.get("currency"));
            if (currency != null) {
                row.put("currency", currency);
            }
        }
        JsonNode dealRoom = quote.get("deal_room_info");
        if (dealRoom != null && dealRoom.isObject()) {
            row.put("deal_room_url", text(dealRoom.get("url")));
        }
        return row;
    }

    /** The history row's own columns, taken from the quote's columns as {@link #quoteColumns} read them. */
    static Map<String, Object> snapshotColumns(Map<String, Object> quoteColumns) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (String column : new String[] {"status", "currency", "total_list_price", "total_net_price",
                "total_discount", "sales_discount", "submitted_by", "submission_date", "won_date"}) {
            row.put(column, quoteColumns.get(column));
        }
        return row;
    }

    /** Line items in their order, each with its attributes; bundle headers are lines whose sku others bundle. */
    List<Child> lineItems(JsonNode items) {
        Set<String> bundles = new HashSet<>();
        items.forEach(item -> {
            String bundle = text(item.get("bundle_ref"));
            if (bundle != null) {
                bundles.add(bundle);
            }
        });
        Set<String> ids = new HashSet<>();
        List<Child> rows = new ArrayList<>();
        int index = 0;
        for (JsonNode item : items) {
            String where = "line_items[" + index++ + "].";
            Map<String, Object> row = new LinkedHashMap<>();
            String id = text(item.get("id"));
            // The id is the key within the quote: a repeated one (never seen, but not ruled out) stays NULL.
            row.put("line_item_id", id != null && ids.add(id) ? id : null);
            for (String field : LINE_ITEM_TEXT_FIELDS) {
                row.put(field, text(item.get(field)));
            }
            row.put("bundle_header", row.get("sku") != null && bundles.contains(row.get("sku")));
            row.put("system_ordinal", values.integer(item.get("system_ordinal"), where + "system_ordinal"));
            row.put("group_name", text(item.get("group_name")));
            row.put("ordinal", values.integer(item.get("ordinal"), where + "ordinal"));
            JsonNode factors = item.get("product_factors");
            row.put("quantity", values.number(field(factors, "quantity"), where + "product_factors.quantity"));
            row.put("duration", values.number(field(factors, "duration"), where + "product_factors.duration"));
            for (String field : LINE_ITEM_NUMBER_FIELDS) {
                row.put(field, values.number(item.get(field), where + field));
            }
            row.put("product_factors", json(factors));
            row.put("attributes", json(item.get("attributes")));
            row.put("partner_discounts", json(item.get("partner_discounts")));
            rows.add(new Child(row, attributes(item.get("attributes"))));
        }
        return rows;
    }

    /** A line item's attributes by key; a value that is a number (not a placeholder such as "-") also typed. */
    private static List<Map<String, Object>> attributes(JsonNode attributes) {
        List<Map<String, Object>> rows = new ArrayList<>();
        if (attributes == null || !attributes.isObject()) {
            return rows;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> attribute = it.next();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("attribute_name", Values.storable(attribute.getKey()));
            row.put("attribute_value", text(attribute.getValue()));
            row.put("attribute_number", Values.numberOrNull(attribute.getValue()));
            rows.add(row);
        }
        return rows;
    }

    /** Answers, each with its values (multi-select values are separated by ';'); typed when the answer parses. */
    static List<Child> answers(JsonNode answers) {
        List<Child> rows = new ArrayList<>();
        for (JsonNode answer : answers) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (String field : ANSWER_TEXT_FIELDS) {
                row.put(field, text(answer.get(field)));
            }
            String question = text(answer.get("question"));
            // DealHub's question text is HTML written in its editor; analysts want the words.
            row.put("question", QuestionText.of(question));
            row.put("question_html", question);
            String text = text(answer.get("answer"));
            row.put("answer", text);
            row.put("answer_numeric", Values.numberOrNull(answer.get("answer")));
            row.put("answer_date", Values.dateOrNull(text));
            List<Map<String, Object>> parts = new ArrayList<>();
            if (text != null) {
                for (String part : text.split(";")) {
                    if (!part.isBlank()) {
                        Map<String, Object> value = new LinkedHashMap<>();
                        value.put("answer_value", part.trim());
                        parts.add(value);
                    }
                }
            }
            rows.add(new Child(row, parts));
        }
        return rows;
    }

    /** Approvals, each with its reasons: DealHub documents one string and sends a list of strings. */
    List<Child> approvals(JsonNode approvals) {
        List<Child> rows = new ArrayList<>();
        int index = 0;
        for (JsonNode approval : approvals) {
            String where = "approvals[" + index++ + "].";
            List<String> reasons = new ArrayList<>();
            JsonNode reason = approval.get("reason");
            if (reason != null && reason.isArray()) {
                reason.forEach(r -> {
                    if (text(r) != null) {
                        reasons.add(text(r));
                    }
                });
            } else if (text(reason) != null) {
                reasons.add(text(reason));
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("step", values.integer(approval.get("step"), where + "step"));
            row.put("reviewer", text(approval.get("reviewer")));
            row.put("status", text(approval.get("status")));
            row.put("reason", reasons.isEmpty() ? null : String.join("; ", reasons));
            row.put("impersonated_by", text(approval.get("impersonated_by")));
            row.put("review_date", values.date(approval.get("review_date"), where + "review_date"));
            row.put("reviewer_comment", text(approval.get("reviewer_comment")));
            row.put("stale", false);
            List<Map<String, Object>> reasonRows = new ArrayList<>();
            reasons.forEach(r -> {
                Map<String, Object> reasonRow = new LinkedHashMap<>();
                reasonRow.put("reason", r);
                reasonRows.add(reasonRow);
            });
            rows.add(new Child(row, reasonRows));
        }
        return rows;
    }
}
