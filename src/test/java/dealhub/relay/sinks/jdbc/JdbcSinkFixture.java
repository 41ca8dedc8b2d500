package dealhub.relay.sinks.jdbc;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the jdbc sink tests share: the whole relay runs, with WireMock as DealHub's Get Quote API; some tests hand
 * documents to the sink's route directly, to choose the order and content of events exactly. Each test class runs
 * on H2 and on PostgreSQL ({@link OnH2}, {@link OnPostgres}: top-level classes, because Maven Surefire skips nested
 * ones).
 */
abstract class JdbcSinkFixture implements Database {

    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    static final Duration DEADLINE = Duration.ofSeconds(30);
    static final String QUOTE_ID = "Q8m2XyzA91Lp0c7";
    /** Every BI table, parents first. */
    static final List<String> TABLES = List.of("dealhub_quote", "dealhub_quote_snapshot", "dealhub_quote_line_item",
            "dealhub_quote_line_item_attribute", "dealhub_quote_answer", "dealhub_quote_answer_value",
            "dealhub_quote_approval", "dealhub_quote_approval_reason", "dealhub_quote_event");

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

    TestRelay.Builder relayWithBiSink() {
        return database(TestRelay.in(folder)).with("dealhub.api.base-url", dealhub.baseUrl())
                .with("relay.sinks.bi.type", "jdbc");
    }

    static void quoteAnswers(String body) {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body)));
    }

    /** Hands a document to the sink's route, as the relay's deliver route does. */
    void toSink(String document) {
        relay.context().createProducerTemplate().requestBody("direct:sink-bi", document);
    }

    static ObjectNode sampleQuote() throws Exception {
        return sampleQuote(QUOTE_ID);
    }

    /** The sample quote under another id, and then of a deal of its own: each is its deal's primary quote. */
    static ObjectNode sampleQuote(String quoteId) throws Exception {
        ObjectNode quote = (ObjectNode) JSON.readTree(Samples.read("get-quote-response.json"));
        quote.put("dealhub_quote_id", quoteId);
        if (!quoteId.equals(QUOTE_ID)) {
            ((ObjectNode) quote.get("info")).put("external_opportunity_id", "CRM-" + quoteId);
        }
        return quote;
    }

    /** A sink document as the relay makes it (DispatchSteps.document); {@code quote} null for a bare event. */
    static String document(String eventId, String type, String quoteId, String executionDate,
            String receivedAt, JsonNode quote) {
        return document(eventId, type, quoteId, executionDate, receivedAt, quote, null);
    }

    /** The same, saying when Get Quote answered ({@code quote_fetched_at}, an instant), as the relay does. */
    static String document(String eventId, String type, String quoteId, String executionDate,
            String receivedAt, JsonNode quote, String fetchedAt) {
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
        if (fetchedAt != null) {
            document.put("quote_fetched_at", fetchedAt);
        }
        return document.toString();
    }

    static BigDecimal dec(String value) {
        return new BigDecimal(value).stripTrailingZeros();
    }

    static Map<String, Object> row(Object... keysAndValues) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            row.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return row;
    }

    /** Every BI table's rows of one quote, without the quote id and the time of writing: to compare two quotes. */
    Map<String, List<Map<String, Object>>> snapshotOf(String quoteId) throws SQLException {
        Map<String, List<Map<String, Object>>> snapshot = new LinkedHashMap<>();
        for (String table : TABLES) {
            String order = table.equals("dealhub_quote_event") ? "event_type"
                    : table.equals("dealhub_quote_snapshot") ? "fetched_at, status" : "1, 2, 3";
            List<Map<String, Object>> rows = rows(relay.dataSource(),
                    "SELECT * FROM " + table + " WHERE dealhub_quote_id = ? ORDER BY " + order, quoteId);
            rows.forEach(r -> {
                r.remove("dealhub_quote_id");
                r.remove("updated_at");
                // JSON and its fingerprint name the quote: compared apart where it matters.
                r.remove("state_hash");
                r.remove("quote");
                r.remove("webhook");
                r.replaceAll((column, value) -> value instanceof String s ? s.replace(quoteId, "<quote>") : value);
            });
            snapshot.put(table, rows);
        }
        return snapshot;
    }

    static Map<String, List<Map<String, Object>>> snapshot(DataSource dataSource)
            throws SQLException {
        Map<String, List<Map<String, Object>>> snapshot = new LinkedHashMap<>();
        for (String table : TABLES) {
            List<Map<String, Object>> rows = rows(dataSource, "SELECT * FROM " + table + " ORDER BY 1, 2, 3");
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
                        // JSON columns (JSONB, JSON) as trees: PostgreSQL keeps JSONB in its own key order.
                        Object value = meta.getColumnTypeName(i).toLowerCase(Locale.ROOT).startsWith("json")
                                ? json(rs.getString(i)) : normalised(rs.getObject(i));
                        row.put(meta.getColumnLabel(i).toLowerCase(Locale.ROOT), value);
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    /** Whether two JSON documents are equal, numbers by value (PostgreSQL's JSONB writes 186000.0 as 186000). */
    static boolean sameJson(Object actual, JsonNode expected) {
        return actual instanceof JsonNode node && node.equals((a, b) -> a.isNumber() && b.isNumber()
                ? a.decimalValue().compareTo(b.decimalValue()) : a.equals(b) ? 0 : 1, expected);
    }

    static JsonNode json(String text) throws SQLException {
        try {
            return text == null ? null : JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new SQLException("not JSON: " + text, e);
        }
    }

    static Object normalised(Object value) {
        if (value instanceof Timestamp timestamp) {
            return timestamp.toLocalDateTime();
        }
        if (value instanceof java.sql.Date date) {
            return date.toLocalDate();
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.stripTrailingZeros();
        }
        return value;
    }

    static List<String> tables(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return tables(c);
        }
    }

    static List<String> tables(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getTables(null, c.getSchema(), "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                names.add(rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    /** A connection of the test's own to the separate BI database. */
    static final class BiConnection implements AutoCloseable {

        final Connection connection;

        BiConnection(String url, String username) throws SQLException {
            this.connection = DriverManager.getConnection(url, username, "");
        }

        List<String> tables() throws SQLException {
            return JdbcSinkFixture.tables(connection);
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
