package dealhub.relay.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;

import dealhub.relay.sql.Sql;
import dealhub.relay.support.TestRelay;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/** Version 2 of the BI tables is additive: rows written under version 1 stay, migrated, when a sink starts on them. */
abstract class JdbcSinkMigrationTest extends JdbcSinkFixture {

    @Test
    void rowsOfVersionOneAreMigratedAndNothingIsDropped() throws Exception {
        BiServer server = separateServer(cleanup);
        String url = server.url(server.port());
        Flyway.configure().dataSource(url, server.username(), "").locations("classpath:db/bi")
                .table("dealhub_bi_schema_history").placeholders(Map.of("json", "JSON")).target("1").load().migrate();
        try (Connection c = DriverManager.getConnection(url, server.username(), "")) {
            Sql.execute(c, "INSERT INTO dealhub_quote (dealhub_quote_id, status, external_quote_id, duplicate_from_quote,"
                    + " account_name, last_event_id, last_event_type, last_event_received_at, updated_at)"
                    + " VALUES ('Q1', 'Won', '', '', 'Northwind Traders', 'E1', 'quoteWon', ?, ?)", Sql.now(), Sql.now());
            for (String[] item : new String[][] {{"1", "", "BUNDLE-A", ""}, {"2", "LI2", "PART-B", "BUNDLE-A"},
                    {"3", "LI2", "PART-C", "BUNDLE-A"}}) {
                Sql.execute(c, "INSERT INTO dealhub_quote_line_item (dealhub_quote_id, line_number, line_item_id, sku,"
                        + " bundle_ref) VALUES ('Q1', ?, ?, ?, ?)", Integer.valueOf(item[0]), item[1], item[2], item[3]);
            }
            Sql.execute(c, "INSERT INTO dealhub_quote_answer (dealhub_quote_id, answer_number, answer)"
                    + " VALUES ('Q1', 1, '36 months'), ('Q1', 2, 'CPQ; Billing')");
            Sql.execute(c, "INSERT INTO dealhub_quote_approval (dealhub_quote_id, approval_number, reason)"
                    + " VALUES ('Q1', 1, 'Discount above 15%')");
            Sql.execute(c, "INSERT INTO dealhub_quote_event (event_id, event_type, dealhub_quote_id, received_at)"
                    + " VALUES ('E1', 'quoteWon', 'Q1', ?)", Sql.now());
        }

        relay = database(TestRelay.in(folder)).with("dealhub.api.base-url", dealhub.baseUrl())
                .with("relay.sinks.bi.type", "jdbc").with("relay.sinks.bi.url", url)
                .with("relay.sinks.bi.username", server.username()).start();

        try (Connection c = DriverManager.getConnection(url, server.username(), "")) {
            assertThat(rows(c, "SELECT status, account_name, external_quote_id, duplicate_from_quote, absent_since"
                    + " FROM dealhub_quote")).containsExactly(row("status", "Won", "account_name", "Northwind Traders",
                    "external_quote_id", null, "duplicate_from_quote", null, "absent_since", null));
            assertThat(rows(c, "SELECT line_number, line_item_id, bundle_ref, bundle_header"
                    + " FROM dealhub_quote_line_item ORDER BY line_number")).containsExactly(
                    row("line_number", 1, "line_item_id", null, "bundle_ref", null, "bundle_header", true),
                    row("line_number", 2, "line_item_id", "LI2", "bundle_ref", "BUNDLE-A", "bundle_header", false),
                    row("line_number", 3, "line_item_id", null, "bundle_ref", "BUNDLE-A", "bundle_header", false));
            assertThat(rows(c, "SELECT answer_number, answer_value FROM dealhub_quote_answer_value"))
                    .containsExactly(row("answer_number", 1, "answer_value", "36 months"));
            assertThat(rows(c, "SELECT reason, stale FROM dealhub_quote_approval"))
                    .containsExactly(row("reason", "Discount above 15%", "stale", false));
            assertThat(rows(c, "SELECT reason FROM dealhub_quote_approval_reason"))
                    .containsExactly(row("reason", "Discount above 15%"));
            assertThat(rows(c, "SELECT event_id, webhook FROM dealhub_quote_event"))
                    .containsExactly(row("event_id", "E1", "webhook", null));
        }
    }
}
