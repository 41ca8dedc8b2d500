package dealhub.relay.sinks.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dealhub.relay.sinks.jdbc.QuoteRows.Child;
import dealhub.relay.sql.Sql;

/**
 * The current state's children of a quote: line items (and their attributes), answers (and their values), approvals
 * (and their reasons). Each set is replaced whole when a newer, different state arrives, so items removed in DealHub
 * disappear; a part DealHub did not return keeps what is known.
 */
final class ChildTables {

    /** One kind of child: its table, its position column, and the table and position column of its own children. */
    private record Kind(String table, String numberColumn, String childTable, String childNumberColumn) {
    }

    private static final Kind LINE_ITEMS = new Kind("dealhub_quote_line_item", "line_number",
            "dealhub_quote_line_item_attribute", null);
    private static final Kind ANSWERS = new Kind("dealhub_quote_answer", "answer_number",
            "dealhub_quote_answer_value", "value_position");
    private static final Kind APPROVALS = new Kind("dealhub_quote_approval", "approval_number",
            "dealhub_quote_approval_reason", "reason_position");

    private final Rows rows;

    ChildTables(Rows rows) {
        this.rows = rows;
    }

    /**
     * @param quoteHadRow whether the quote's row was there before this state: without it the quote has no children
     *                    (their foreign keys say so), and there is nothing to delete
     */
    void replace(Connection connection, String quoteId, JsonNode quote, QuoteRows mapping, boolean quoteHadRow)
            throws SQLException {
        JsonNode items = quote.get("line_items");
        if (items != null && items.isArray()) {
            replaceSet(connection, LINE_ITEMS, quoteId, mapping.lineItems(items), quoteHadRow);
        }
        JsonNode answers = quote.get("answers");
        if (answers != null && answers.isArray()) {
            replaceSet(connection, ANSWERS, quoteId, QuoteRows.answers(answers), quoteHadRow);
        }
        JsonNode approvals = quote.get("approvals");
        if (approvals != null && approvals.isArray()) {
            replaceSet(connection, APPROVALS, quoteId, mapping.approvals(approvals), quoteHadRow);
        } else if (quoteHadRow) {
            // Fetched without approvals (the feature off, or DealHub failing on it: the deleted-approver fallback):
            // the stored ones are kept, marked as not belonging to the current state.
            Sql.execute(connection, "UPDATE dealhub_quote_approval SET stale = TRUE"
                    + " WHERE dealhub_quote_id = ? AND stale = FALSE", quoteId);
        }
    }

    /** Replaces the quote's rows of one kind, numbered from 1 in their order, and their own children. */
    private void replaceSet(Connection connection, Kind kind, String quoteId, List<Child> children, boolean quoteHadRow)
            throws SQLException {
        if (quoteHadRow) {
            Sql.execute(connection, "DELETE FROM " + kind.childTable() + " WHERE dealhub_quote_id = ?", quoteId);
            Sql.execute(connection, "DELETE FROM " + kind.table() + " WHERE dealhub_quote_id = ?", quoteId);
        }
        List<Map<String, Object>> parents = new ArrayList<>();
        List<Map<String, Object>> grandChildren = new ArrayList<>();
        int number = 1;
        for (Child child : children) {
            parents.add(numbered(quoteId, kind.numberColumn(), number, null, 0, child.row()));
            int position = 1;
            for (Map<String, Object> grandChild : child.children()) {
                grandChildren.add(numbered(quoteId, kind.numberColumn(), number, kind.childNumberColumn(),
                        position++, grandChild));
            }
            number++;
        }
        rows.insertAll(connection, kind.table(), parents);
        rows.insertAll(connection, kind.childTable(), grandChildren);
    }

    private static Map<String, Object> numbered(String quoteId, String numberColumn, int number,
            String positionColumn, int position, Map<String, Object> row) {
        Map<String, Object> numbered = new LinkedHashMap<>();
        numbered.put("dealhub_quote_id", quoteId);
        numbered.put(numberColumn, number);
        if (positionColumn != null) {
            numbered.put(positionColumn, position);
        }
        numbered.putAll(row);
        return numbered;
    }
}
