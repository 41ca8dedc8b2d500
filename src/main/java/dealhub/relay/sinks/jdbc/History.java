package dealhub.relay.sinks.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dealhub.relay.sinks.jdbc.Rows.Json;
import dealhub.relay.sql.Sql;

/**
 * What a quote's state means beyond its own row: the history of its fetched states ({@code dealhub_quote_snapshot},
 * the only history DealHub gives), and the one primary quote of an opportunity, which DealHub announces for the
 * quote that became primary only.
 */
final class History {

    private final Rows rows;

    History(Rows rows) {
        this.rows = rows;
    }

    /**
     * Adds the state to the quote's history unless the state fetched just before it is the same one. {@code newest}:
     * this state is the quote's newest, and {@code storedHash} the fingerprint of the newest one before it, so no
     * query is needed in the common case; an older state arriving late is placed by its fetch time.
     */
    void record(Connection connection, String quoteId, String eventType, Position event, String hash,
            Map<String, Object> state, JsonNode quote, boolean newest, String storedHash) throws SQLException {
        if (newest) {
            if (hash.equals(storedHash)) {
                return;
            }
            // A replayed event whose answer changed (never from the journal, which keeps the first): its row again.
            Sql.execute(connection, "DELETE FROM dealhub_quote_snapshot WHERE dealhub_quote_id = ? AND event_id = ?",
                    quoteId, event.eventId());
        } else if (exists(connection, quoteId, event.eventId())
                || hash.equals(previousHash(connection, quoteId, event))) {
            return;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("dealhub_quote_id", quoteId);
        row.put("event_id", event.eventId());
        row.put("event_type", eventType);
        row.put("fetched_at", event.stateTime());
        row.put("execution_date", event.executedAt());
        row.putAll(QuoteRows.snapshotColumns(state));
        row.put("state_hash", hash);
        row.put("quote", new Json(quote.toString()));
        rows.insertAll(connection, "dealhub_quote_snapshot", List.of(row));
    }

    private static boolean exists(Connection connection, String quoteId, String eventId) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT 1 FROM dealhub_quote_snapshot WHERE dealhub_quote_id = ? AND event_id = ?")) {
            ps.setString(1, quoteId);
            ps.setString(2, eventId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static String previousHash(Connection connection, String quoteId, Position event) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT state_hash FROM dealhub_quote_snapshot"
                + " WHERE dealhub_quote_id = ? AND (fetched_at < ? OR (fetched_at = ? AND event_id < ?))"
                + " ORDER BY fetched_at DESC, event_id DESC LIMIT 1")) {
            Sql.bind(ps, 1, List.of(quoteId, event.stateTime(), event.stateTime(), event.eventId()));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * The quote's newest state says it is primary: the other quotes of its opportunity whose state is older stop
     * showing {@code primary_quote = true} (DealHub sends them no event); if one with a fresher state is primary, this
     * one is not, else it is. The opportunity is the CRM's ({@code external_opportunity_id}), else DealHub's.
     */
    void settlePrimary(Connection connection, String quoteId, Map<String, Object> state, Position event)
            throws SQLException {
        String column = state.get("external_opportunity_id") != null ? "external_opportunity_id"
                : "dealhub_opportunity_id";
        Object opportunity = state.get(column);
        if (opportunity == null) {
            return;
        }
        LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC);
        Sql.execute(connection, "UPDATE dealhub_quote SET primary_quote = FALSE, updated_at = ? WHERE " + column
                + " = ? AND dealhub_quote_id <> ? AND primary_quote = TRUE"
                + " AND COALESCE(state_fetched_at, state_event_received_at) <= ?", now, opportunity, quoteId,
                event.stateTime());
        try (PreparedStatement ps = connection.prepareStatement("SELECT 1 FROM dealhub_quote WHERE " + column
                + " = ? AND dealhub_quote_id <> ? AND primary_quote = TRUE")) {
            Sql.bind(ps, 1, List.of(opportunity, quoteId));
            try (ResultSet rs = ps.executeQuery()) {
                // Set either way: an unchanged state does not rewrite the quote's columns.
                Sql.execute(connection, "UPDATE dealhub_quote SET primary_quote = ? WHERE dealhub_quote_id = ?",
                        !rs.next(), quoteId);
            }
        }
    }
}
