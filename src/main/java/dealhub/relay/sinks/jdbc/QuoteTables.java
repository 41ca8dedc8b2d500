package dealhub.relay.sinks.jdbc;

import static dealhub.relay.sinks.jdbc.Values.field;
import static dealhub.relay.sinks.jdbc.Values.text;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dealhub.relay.sinks.PermanentDeliveryException;
import dealhub.relay.sinks.jdbc.Rows.Json;

/**
 * Writes one sink document (an event and, for quote events, its Get Quote answer) into the BI tables of
 * {@code db/bi}, on a connection whose transaction the caller owns. The recipe: the event's row; then, under the
 * quote row's lock, the quote's newest event, its newest state (see {@link Position} for which is newer), the
 * state's history row, its children when the state changed, the one primary quote of its opportunity, and whether
 * the quote is absent from DealHub's list.
 *
 * <p>Two positions are kept per quote: that of the newest event (the {@code last_event_*} columns) and that of the
 * newest state (the {@code state_*} columns: status, details, line items, answers, approvals), because an event that
 * could not be enriched still says what happened last, but nothing about the quote's content.
 */
final class QuoteTables {

    private final Rows rows;
    private final ChildTables children;
    private final History history;

    QuoteTables(Rows rows) {
        this.rows = rows;
        this.children = new ChildTables(rows);
        this.history = new History(rows);
    }

    /** What the table holds of a quote before this event: positions, state fingerprint, flags; nulls when new. */
    record Stored(Position last, Position state, String stateHash, Boolean primary, LocalDateTime absentSince) {

        static final Stored NONE = new Stored(null, null, null, null, null);

        /** Whether the quote has a row (and may have children): a backfill's quotes have none, which saves writes. */
        boolean exists() {
            return this != NONE;
        }
    }

    void write(Connection connection, JsonNode document) throws SQLException {
        Values values = new Values();
        JsonNode webhook = document.path("webhook");
        JsonNode quote = document.get("quote");
        if (quote != null && !quote.isObject()) {
            quote = null;
        }
        String eventId = requiredText(document, "event_id");
        String quoteId = firstText(document.get("dealhub_quote_id"), field(webhook, "dealhub_quote_id"),
                quote == null ? null : quote.get("dealhub_quote_id"));
        if (quoteId == null && quote != null) {
            throw new PermanentDeliveryException("the sink document has a quote but no dealhub_quote_id");
        }
        Position event = new Position(eventId, values.date(field(webhook, "execution_date"), "execution_date"),
                receivedAt(document), fetchedAt(document));

        rows.upsert(connection, "dealhub_quote_event", "event_id", eventId,
                eventColumns(document, webhook, quote, quoteId, event));
        if (quoteId != null) {
            writeQuote(connection, document, webhook, quote, quoteId, event, values);
        }
        values.warnUnparsed(quoteId, eventId);
    }

    private static Map<String, Object> eventColumns(JsonNode document, JsonNode webhook, JsonNode quote,
            String quoteId, Position event) {
        JsonNode info = field(webhook, "event_info");
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("event_type", requiredText(document, "event_type"));
        row.put("event_action", text(document.get("event_action")));
        row.put("dealhub_quote_id", quoteId);
        row.put("dealhub_opportunity_id", text(field(webhook, "dealhub_opportunity_id")));
        row.put("execution_date", event.executedAt());
        row.put("execution_date_raw", event.executedAt() == null ? text(field(webhook, "execution_date")) : null);
        row.put("executed_by", text(field(webhook, "executed_by")));
        row.put("impersonated_by", text(field(webhook, "impersonated_by")));
        row.put("quote_status", quote == null ? null : text(quote.get("status")));
        row.put("additional_data", Values.json(field(webhook, "additional_data")));
        row.put("received_at", event.receivedAt());
        row.put("webhook_id", text(field(info, "webhook_id")));
        row.put("api_version", text(field(info, "api_version")));
        row.put("request_id", text(field(info, "request_id")));
        row.put("deal_room_url", text(field(webhook, "DealRoom_URL")));
        row.put("event_source", text(field(webhook, "Event_source")));
        row.put("action_message", actionMessage(field(webhook, "action_summary")));
        row.put("webhook", webhook.isObject() ? new Json(webhook.toString()) : null);
        return row;
    }

    private void writeQuote(Connection connection, JsonNode document, JsonNode webhook, JsonNode quote,
            String quoteId, Position event, Values values) throws SQLException {
        Stored stored = lockQuote(connection, quoteId);
        Map<String, Object> row = new LinkedHashMap<>();
        boolean newestEvent = event.supersedes(stored.last());
        if (newestEvent) {
            row.put("last_event_id", event.eventId());
            row.put("last_event_type", requiredText(document, "event_type"));
            row.put("last_event_at", event.executedAt());
            row.put("last_event_received_at", event.receivedAt());
            String opportunityId = text(field(webhook, "dealhub_opportunity_id"));
            if (opportunityId != null) {
                row.put("dealhub_opportunity_id", opportunityId);
            }
        }
        QuoteRows mapping = new QuoteRows(values);
        Map<String, Object> state = quote == null ? null : mapping.quoteColumns(quote);
        String hash = quote == null ? null : Values.sha256(quote.toString());
        boolean newerState = quote != null && event.stateSupersedes(stored.state());
        boolean changed = newerState && !hash.equals(stored.stateHash());
        if (newerState) {
            row.put("state_event_id", event.eventId());
            row.put("state_event_at", event.executedAt());
            row.put("state_event_received_at", event.receivedAt());
            row.put("state_fetched_at", event.fetchedAt());
        }
        if (changed) {
            row.putAll(state);
            row.put("state_hash", hash);
            if (quote.path("approvals").isArray()) {
                row.put("approvals_fetched_at", event.stateTime());
            }
        }
        markAbsence(row, stored, event, webhook, newestEvent);
        if (!row.isEmpty()) { // else an older event: the quote row already shows something newer
            row.put("updated_at", LocalDateTime.now(ZoneOffset.UTC));
            if (stored.exists()) {
                rows.upsert(connection, "dealhub_quote", "dealhub_quote_id", quoteId, row);
            } else {
                rows.insert(connection, "dealhub_quote", "dealhub_quote_id", quoteId, row);
            }
        }
        if (quote != null) {
            history.record(connection, quoteId, requiredText(document, "event_type"), event, hash, state, quote,
                    newerState, stored.stateHash());
        }
        if (changed) {
            children.replace(connection, quoteId, quote, mapping, stored.exists());
        }
        if (newerState && Boolean.TRUE.equals(state.get("primary_quote"))
                && (changed || !Boolean.TRUE.equals(stored.primary()))) {
            history.settlePrimary(connection, quoteId, state, event);
        }
    }

    /**
     * {@code absent_since}: set by a {@code reconciled} document whose webhook says {@code "reconcile": {"listed":
     * false}} (a complete listing of DealHub's quotes did not have it) when it is the quote's newest event; cleared
     * by any document about the quote from that time on.
     */
    private static void markAbsence(Map<String, Object> row, Stored stored, Position event, JsonNode webhook,
            boolean newestEvent) {
        JsonNode listed = webhook.path("reconcile").path("listed");
        LocalDateTime seenAt = event.fetchedAt() != null ? event.fetchedAt()
                : event.executedAt() != null ? event.executedAt() : event.receivedAt();
        if (listed.isBoolean() && !listed.booleanValue()) {
            if (newestEvent && stored.absentSince() == null
                    && (stored.state() == null || stored.state().stateTime() == null
                    || seenAt.isAfter(stored.state().stateTime()))) {
                row.put("absent_since", seenAt);
            }
        } else if (stored.absentSince() != null && !seenAt.isBefore(stored.absentSince())) {
            row.put("absent_since", null);
        }
    }

    /** The quote's stored positions and flags, its row locked until commit. */
    private static Stored lockQuote(Connection connection, String quoteId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT last_event_id, last_event_at,"
                + " last_event_received_at, state_event_id, state_event_at, state_event_received_at,"
                + " state_fetched_at, state_hash, primary_quote, absent_since"
                + " FROM dealhub_quote WHERE dealhub_quote_id = ? FOR UPDATE")) {
            select.setString(1, quoteId);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    return Stored.NONE;
                }
                return new Stored(new Position(rs.getString(1), rs.getObject(2, LocalDateTime.class),
                        rs.getObject(3, LocalDateTime.class), null),
                        new Position(rs.getString(4), rs.getObject(5, LocalDateTime.class),
                                rs.getObject(6, LocalDateTime.class), rs.getObject(7, LocalDateTime.class)),
                        rs.getString(8), (Boolean) rs.getObject(9), rs.getObject(10, LocalDateTime.class));
            }
        }
    }

    /** DealRoom events name their activity as the single key of {@code action_summary}; its value is the message. */
    private static String actionMessage(JsonNode summary) {
        if (summary == null || !summary.isObject()) {
            return text(summary);
        }
        Iterator<JsonNode> messages = summary.elements();
        return messages.hasNext() ? text(messages.next()) : null;
    }

    /** When Get Quote answered, as the relay's document says ({@code quote_fetched_at}); unknown in older ones. */
    private static LocalDateTime fetchedAt(JsonNode document) {
        String text = text(document.get("quote_fetched_at"));
        if (text == null || document.get("quote") == null) {
            return null;
        }
        try {
            return utc(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static LocalDateTime receivedAt(JsonNode document) {
        try {
            return utc(requiredText(document, "received_at"));
        } catch (DateTimeParseException e) {
            throw new PermanentDeliveryException("the sink document's received_at is not an instant", e);
        }
    }

    private static LocalDateTime utc(String instant) {
        return LocalDateTime.ofInstant(Instant.parse(instant), ZoneOffset.UTC);
    }

    private static String firstText(JsonNode... candidates) {
        for (JsonNode candidate : candidates) {
            String value = text(candidate);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    /** A field the relay itself puts in every document: without it the document is not the relay's. */
    private static String requiredText(JsonNode document, String name) {
        String value = text(document.get(name));
        if (value == null) {
            throw new PermanentDeliveryException("the sink document has no " + name);
        }
        return value;
    }
}
