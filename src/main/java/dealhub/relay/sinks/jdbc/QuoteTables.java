package dealhub.relay.sinks.jdbc;

import static dealhub.relay.dealhub.JsonFields.field;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dealhub.relay.sinks.PermanentDeliveryException;

import org.jsoup.Jsoup;

/**
 * Writes one sink document (an event and, for quote events, its Get Quote answer) into the BI tables of
 * {@code db/bi}, on a connection whose transaction the caller owns. Every value is a bound parameter; column names
 * come from this class only.
 *
 * <p>Events arrive at least once and in any order, so the quote's state is only ever replaced by a newer one: events
 * are ordered by {@code execution_date}, then by arrival ({@code received_at}), then by id. Two positions are kept per
 * quote: that of the newest event (the {@code last_event_*} columns) and that of the newest event that brought the
 * quote itself ({@code state_event_*}: status, details, line items, answers, approvals), because an event that could
 * not be enriched still says what happened last, but nothing about the quote's content.
 */
final class QuoteTables {

    private static final DateTimeFormatter DEALHUB_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private static final String[] INFO_TEXT_COLUMNS = {"dealhub_quote_name", "dealhub_quote_number", "version_id",
            "playbook", "geo_code", "duplicate_from_quote", "account_name", "customer_id", "contact_name",
            "contact_email", "created_by", "submitted_by", "external_opportunity_id", "external_quote_id",
            "external_customer_id", "quote_url"};
    private static final String[] INFO_DATE_COLUMNS = {"creation_date", "submission_date", "expiration_date",
            "won_date"};
    private static final String[] SUMMARY_NUMBER_COLUMNS = {"total_list_price", "total_net_price", "total_discount",
            "sales_discount"};
    private static final String[] LINE_ITEM_TEXT_FIELDS = {"id", "sku", "name", "bundle_ref", "primary_tag",
            "system_id", "system_name"};
    private static final String[] LINE_ITEM_NUMBER_FIELDS = {"msrp", "msrp_discount", "list_price", "user_price",
            "user_discount", "net_per_unit", "net_price", "sales_discount", "total_discount"};

    /** Where an event stands in a quote's history. */
    private record Position(String eventId, LocalDateTime executedAt, LocalDateTime receivedAt) {

        /** Whether this event's data replaces data from {@code stored}; a replayed event replaces its own. */
        boolean supersedes(Position stored) {
            if (stored == null || stored.eventId() == null) {
                return true;
            }
            if (executedAt != null && stored.executedAt() != null && !executedAt.equals(stored.executedAt())) {
                return executedAt.isAfter(stored.executedAt());
            }
            int byArrival = receivedAt.compareTo(stored.receivedAt());
            return byArrival != 0 ? byArrival > 0 : eventId.compareTo(stored.eventId()) >= 0;
        }
    }

    void write(Connection connection, JsonNode document) throws SQLException {
        JsonNode webhook = document.path("webhook");
        JsonNode quote = document.get("quote");
        String quoteId = firstText(document.get("dealhub_quote_id"), field(webhook, "dealhub_quote_id"),
                quote == null ? null : quote.get("dealhub_quote_id"));
        Position event = new Position(requiredText(document, "event_id"), date(webhook, "execution_date"),
                LocalDateTime.ofInstant(Instant.parse(requiredText(document, "received_at")), ZoneOffset.UTC));

        writeEvent(connection, document, webhook, quote, quoteId, event);
        if (quoteId != null) {
            writeQuote(connection, document, webhook, quote, quoteId, event);
        }
    }

    private void writeEvent(Connection connection, JsonNode document, JsonNode webhook, JsonNode quote,
            String quoteId, Position event) throws SQLException {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("event_type", requiredText(document, "event_type"));
        row.put("event_action", text(document.get("event_action")));
        row.put("dealhub_quote_id", quoteId);
        row.put("dealhub_opportunity_id", text(field(webhook, "dealhub_opportunity_id")));
        row.put("execution_date", event.executedAt());
        row.put("executed_by", text(field(webhook, "executed_by")));
        row.put("impersonated_by", text(field(webhook, "impersonated_by")));
        row.put("quote_status", quote == null ? null : text(quote.get("status")));
        JsonNode additionalData = field(webhook, "additional_data");
        row.put("additional_data", additionalData == null ? null : additionalData.toString());
        row.put("received_at", event.receivedAt());
        upsert(connection, "dealhub_quote_event", "event_id", event.eventId(), row);
    }

    private void writeQuote(Connection connection, JsonNode document, JsonNode webhook, JsonNode quote,
            String quoteId, Position event) throws SQLException {
        Position[] stored = lockQuote(connection, quoteId);
        Map<String, Object> row = new LinkedHashMap<>();
        if (event.supersedes(stored[0])) {
            row.put("last_event_id", event.eventId());
            row.put("last_event_type", requiredText(document, "event_type"));
            row.put("last_event_at", event.executedAt());
            row.put("last_event_received_at", event.receivedAt());
            String opportunityId = text(field(webhook, "dealhub_opportunity_id"));
            if (opportunityId != null) {
                row.put("dealhub_opportunity_id", opportunityId);
            }
        }
        boolean newerState = quote != null && event.supersedes(stored[1]);
        if (newerState) {
            row.put("state_event_id", event.eventId());
            row.put("state_event_at", event.executedAt());
            row.put("state_event_received_at", event.receivedAt());
            putQuoteColumns(row, quote);
        }
        if (row.isEmpty()) {
            return; // an older event: the tables already show something newer
        }
        row.put("updated_at", LocalDateTime.now(ZoneOffset.UTC));
        upsert(connection, "dealhub_quote", "dealhub_quote_id", quoteId, row);
        if (newerState) {
            replaceLineItems(connection, quoteId, quote.get("line_items"));
            replaceAnswers(connection, quoteId, quote.get("answers"));
            replaceApprovals(connection, quoteId, quote.get("approvals"));
        }
    }

    /** The quote's stored positions (last event, last state), its row locked until commit; nulls when new. */
    private static Position[] lockQuote(Connection connection, String quoteId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT last_event_id, last_event_at,"
                + " last_event_received_at, state_event_id, state_event_at, state_event_received_at"
                + " FROM dealhub_quote WHERE dealhub_quote_id = ? FOR UPDATE")) {
            select.setString(1, quoteId);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    return new Position[2];
                }
                return new Position[] {
                        new Position(rs.getString(1), rs.getObject(2, LocalDateTime.class),
                                rs.getObject(3, LocalDateTime.class)),
                        new Position(rs.getString(4), rs.getObject(5, LocalDateTime.class),
                                rs.getObject(6, LocalDateTime.class))};
            }
        }
    }

    /** Status and what DealHub returned of info and summary; a part it did not return keeps its stored values. */
    private static void putQuoteColumns(Map<String, Object> row, JsonNode quote) {
        row.put("status", text(quote.get("status")));
        row.put("quote_upgrade_required", bool(quote.get("quote_upgrade_required")));
        JsonNode info = quote.get("info");
        if (info != null && info.isObject()) {
            for (String column : INFO_TEXT_COLUMNS) {
                row.put(column, text(info.get(column)));
            }
            for (String column : INFO_DATE_COLUMNS) {
                row.put(column, date(info, column));
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
                row.put(column, number(summary, column));
            }
            String currency = text(summary.get("currency"));
            if (currency != null) {
                row.put("currency", currency);
            }
        }
    }

    private static void replaceLineItems(Connection connection, String quoteId, JsonNode items) throws SQLException {
        if (items == null || !items.isArray()) {
            return;
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (JsonNode item : items) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (String field : LINE_ITEM_TEXT_FIELDS) {
                row.put(field.equals("id") ? "line_item_id" : field, text(item.get(field)));
            }
            row.put("system_ordinal", integer(item, "system_ordinal"));
            row.put("group_name", text(item.get("group_name")));
            row.put("ordinal", integer(item, "ordinal"));
            JsonNode factors = item.path("product_factors");
            row.put("quantity", number(factors, "quantity"));
            row.put("duration", number(factors, "duration"));
            for (String field : LINE_ITEM_NUMBER_FIELDS) {
                row.put(field, number(item, field));
            }
            row.put("product_factors", json(item.get("product_factors")));
            row.put("attributes", json(item.get("attributes")));
            row.put("partner_discounts", json(item.get("partner_discounts")));
            rows.add(row);
        }
        replaceSet(connection, "dealhub_quote_line_item", "line_number", quoteId, rows);
    }

    private static void replaceAnswers(Connection connection, String quoteId, JsonNode answers) throws SQLException {
        if (answers == null || !answers.isArray()) {
            return;
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (JsonNode answer : answers) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (String field : new String[] {"system_id", "system_name", "group_id", "group_name", "question_id"}) {
                row.put(field, text(answer.get(field)));
            }
            String question = text(answer.get("question"));
            // DealHub's question text is HTML written in its editor; analysts want the words. jsoup parses it as a
            // browser would (entities, broken tags, a lone "<" in "a < b"), which a regular expression does not.
            row.put("question", question == null ? null : Jsoup.parse(question).text());
            row.put("answer", text(answer.get("answer")));
            rows.add(row);
        }
        replaceSet(connection, "dealhub_quote_answer", "answer_number", quoteId, rows);
    }

    private static void replaceApprovals(Connection connection, String quoteId, JsonNode approvals)
            throws SQLException {
        if (approvals == null || !approvals.isArray()) {
            return; // not fetched (the approvals feature is off, or DealHub failed on it): keep what is known
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (JsonNode approval : approvals) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("step", integer(approval, "step"));
            row.put("reviewer", text(approval.get("reviewer")));
            row.put("status", text(approval.get("status")));
            row.put("reason", reason(approval.get("reason")));
            row.put("impersonated_by", text(approval.get("impersonated_by")));
            row.put("review_date", date(approval, "review_date"));
            row.put("reviewer_comment", text(approval.get("reviewer_comment")));
            rows.add(row);
        }
        replaceSet(connection, "dealhub_quote_approval", "approval_number", quoteId, rows);
    }

    /** DealHub documents a string and sends a list of strings. */
    private static String reason(JsonNode reason) {
        if (reason == null || !reason.isArray()) {
            return text(reason);
        }
        List<String> reasons = new ArrayList<>();
        reason.forEach(r -> reasons.add(r.asText()));
        return String.join("; ", reasons);
    }

    /** Replaces the quote's rows of {@code table} with {@code rows}, numbered from 1 in their order. */
    private static void replaceSet(Connection connection, String table, String numberColumn, String quoteId,
            List<Map<String, Object>> rows) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(
                "DELETE FROM " + table + " WHERE dealhub_quote_id = ?")) {
            delete.setString(1, quoteId);
            delete.executeUpdate();
        }
        if (rows.isEmpty()) {
            return;
        }
        List<String> columns = new ArrayList<>(List.of("dealhub_quote_id", numberColumn));
        columns.addAll(rows.get(0).keySet());
        try (PreparedStatement insert = connection.prepareStatement(insertSql(table, columns))) {
            int number = 1;
            for (Map<String, Object> row : rows) {
                insert.setString(1, quoteId);
                insert.setInt(2, number++);
                bind(insert, 3, row.values());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /**
     * Updates the row, or inserts it when there is none. Portable across H2 and PostgreSQL; two transactions
     * inserting the same new key at once make one of them fail on the primary key, and the relay retries it.
     */
    private static void upsert(Connection connection, String table, String keyColumn, String key,
            Map<String, Object> row) throws SQLException {
        StringBuilder update = new StringBuilder("UPDATE ").append(table).append(" SET ");
        update.append(String.join(" = ?, ", row.keySet())).append(" = ? WHERE ").append(keyColumn).append(" = ?");
        try (PreparedStatement ps = connection.prepareStatement(update.toString())) {
            bind(ps, 1, row.values());
            ps.setString(row.size() + 1, key);
            if (ps.executeUpdate() > 0) {
                return;
            }
        }
        List<String> columns = new ArrayList<>(List.of(keyColumn));
        columns.addAll(row.keySet());
        try (PreparedStatement ps = connection.prepareStatement(insertSql(table, columns))) {
            ps.setString(1, key);
            bind(ps, 2, row.values());
            ps.executeUpdate();
        }
    }

    private static String insertSql(String table, List<String> columns) {
        return "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES ("
                + String.join(", ", Collections.nCopies(columns.size(), "?")) + ")";
    }

    private static void bind(PreparedStatement ps, int first, Iterable<Object> values) throws SQLException {
        int index = first;
        for (Object value : values) {
            ps.setObject(index++, value);
        }
    }

    private static String text(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        return value.isContainerNode() ? value.toString() : value.asText();
    }

    private static String firstText(JsonNode... candidates) {
        for (JsonNode candidate : candidates) {
            String value = text(candidate);
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return null;
    }

    private static String requiredText(JsonNode document, String name) {
        String value = text(document.get(name));
        if (value == null || value.isEmpty()) {
            throw new PermanentDeliveryException("the sink document has no " + name);
        }
        return value;
    }

    private static String json(JsonNode value) {
        return value == null || value.isNull() ? null : value.toString();
    }

    private static Boolean bool(JsonNode value) {
        if (value == null || value.isNull() || value.asText().isEmpty()) {
            return null;
        }
        return value.isBoolean() ? value.booleanValue() : Boolean.valueOf(value.asText().trim());
    }

    /** DealHub dates are {@code yyyy-mm-dd hh:mm:ss} in GMT; empty means none. */
    private static LocalDateTime date(JsonNode object, String name) {
        String value = text(field(object, name));
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return LocalDateTime.parse(value.trim(), DEALHUB_DATE);
        } catch (DateTimeParseException e) {
            throw new PermanentDeliveryException(name + " is not a DealHub date (yyyy-mm-dd hh:mm:ss): " + value);
        }
    }

    /** A JSON number or a numeric string such as product_factors' {@code "1.0"}; empty means none. */
    private static BigDecimal number(JsonNode object, String name) {
        JsonNode value = object.get(name);
        if (value == null || value.isNull() || value.asText().isBlank()) {
            return null;
        }
        if (value.isNumber()) {
            return value.decimalValue();
        }
        try {
            return new BigDecimal(value.asText().trim());
        } catch (NumberFormatException e) {
            throw new PermanentDeliveryException(name + " is not a number: " + value.asText());
        }
    }

    private static Integer integer(JsonNode object, String name) {
        BigDecimal value = number(object, name);
        return value == null ? null : value.intValue();
    }
}
