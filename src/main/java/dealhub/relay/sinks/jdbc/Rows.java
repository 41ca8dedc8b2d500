package dealhub.relay.sinks.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dealhub.relay.sql.Sql;

/**
 * Row writes of the BI tables, built from column maps whose names come from this package only; every value is a bound
 * parameter. The one thing H2 and PostgreSQL write differently is a JSON column ({@code JSONB} on PostgreSQL,
 * {@code JSON} on H2): a {@link Json} value is bound as text and cast where the SQL names it.
 */
final class Rows {

    /** A JSON document for a JSON column, as text. */
    record Json(String text) {

        Json {
            text = Values.storableJson(text);
        }
    }

    /** The database's JSON column type and how a text parameter becomes a JSON value in it. */
    enum Dialect {
        POSTGRESQL("JSONB", "CAST(? AS JSONB)"),
        H2("JSON", "? FORMAT JSON");

        final String jsonType;
        private final String jsonParameter;

        Dialect(String jsonType, String jsonParameter) {
            this.jsonType = jsonType;
            this.jsonParameter = jsonParameter;
        }

        static Dialect of(Connection connection) throws SQLException {
            DatabaseMetaData meta = connection.getMetaData();
            return meta.getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres") ? POSTGRESQL : H2;
        }
    }

    private final Dialect dialect;

    Rows(Dialect dialect) {
        this.dialect = dialect;
    }

    /**
     * Updates the row, or inserts it when there is none. Portable across H2 and PostgreSQL; two transactions
     * inserting the same new key at once make one of them fail on the primary key, and the relay retries it.
     */
    void upsert(Connection connection, String table, String keyColumn, String key, Map<String, Object> row)
            throws SQLException {
        List<String> assignments = new ArrayList<>();
        row.forEach((column, value) -> assignments.add(column + " = " + parameter(value)));
        List<Object> values = new ArrayList<>(row.values());
        values.add(key);
        if (execute(connection, "UPDATE " + table + " SET " + String.join(", ", assignments) + " WHERE "
                + keyColumn + " = ?", values) == 0) {
            insert(connection, table, keyColumn, key, row);
        }
    }

    /** Inserts the row of a key known to have none (a second writer of the same new key fails, and is retried). */
    void insert(Connection connection, String table, String keyColumn, String key, Map<String, Object> row)
            throws SQLException {
        List<Object> inserted = new ArrayList<>();
        inserted.add(key);
        inserted.addAll(row.values());
        List<String> columns = new ArrayList<>(List.of(keyColumn));
        columns.addAll(row.keySet());
        execute(connection, insertSql(table, columns, inserted), inserted);
    }

    /** Inserts rows that all have the same columns, in one batch. */
    void insertAll(Connection connection, String table, List<Map<String, Object>> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        List<String> columns = new ArrayList<>(rows.get(0).keySet());
        try (PreparedStatement insert = connection.prepareStatement(
                insertSql(table, columns, new ArrayList<>(rows.get(0).values())))) {
            for (Map<String, Object> row : rows) {
                Sql.bind(insert, 1, plain(row.values()));
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    int execute(Connection connection, String sql, List<Object> values) throws SQLException {
        return Sql.execute(connection, sql, plain(values).toArray());
    }

    private String insertSql(String table, List<String> columns, List<Object> values) {
        List<String> parameters = new ArrayList<>();
        values.forEach(value -> parameters.add(parameter(value)));
        return "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES ("
                + String.join(", ", parameters) + ")";
    }

    private String parameter(Object value) {
        return value instanceof Json ? dialect.jsonParameter : "?";
    }

    /** The values as JDBC binds them: JSON as its text. */
    private static List<Object> plain(Iterable<Object> values) {
        List<Object> plain = new ArrayList<>();
        values.forEach(value -> plain.add(value instanceof Json json ? json.text() : value));
        return plain;
    }
}
