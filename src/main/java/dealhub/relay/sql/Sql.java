package dealhub.relay.sql;

import java.sql.Clob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

/**
 * The few JDBC steps the journal, its group commit and the jdbc sink all need, written once. Plain JDBC on purpose:
 * every statement here must run the same on H2 and PostgreSQL, and a query builder would hide which SQL that is.
 */
public final class Sql {

    /** SQLState of a unique (or primary key) violation: the SQL standard's, used by PostgreSQL and H2 alike. */
    private static final String UNIQUE_VIOLATION = "23505";

    private Sql() {
    }

    /** Runs one parameterised INSERT, UPDATE or DELETE and answers how many rows it touched. */
    public static int execute(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, 1, Arrays.asList(args));
            return ps.executeUpdate();
        }
    }

    /**
     * Runs one parameterised SELECT and answers its rows as column label (lower case) to value, for answers shown as
     * JSON: times as ISO-8601 text, large text read whole. {@code timeoutSeconds} 0 waits as long as the driver does.
     */
    public static List<Map<String, Object>> rows(DataSource dataSource, int timeoutSeconds, String sql,
            Iterable<?> args) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(timeoutSeconds);
            bind(ps, 1, args);
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData columns = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= columns.getColumnCount(); i++) {
                        Object value = rs.getObject(i);
                        if (value instanceof Timestamp t) {
                            value = t.toInstant().toString();
                        } else if (value instanceof Clob clob) {
                            value = clob.getSubString(1, (int) clob.length());
                        }
                        row.put(columns.getColumnLabel(i).toLowerCase(Locale.ROOT), value);
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    /** Binds values in order, starting at parameter {@code first} (1-based, as JDBC counts). */
    public static void bind(PreparedStatement ps, int first, Iterable<?> values) throws SQLException {
        int index = first;
        for (Object value : values) {
            ps.setObject(index++, value);
        }
    }

    /** Rolls back, keeping a failed rollback as a suppressed exception of the failure that caused it. */
    public static void rollback(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    public static boolean isUniqueViolation(Throwable e) {
        return hasStateClass(e, UNIQUE_VIOLATION);
    }

    /**
     * Whether this failure, or one of its causes, is an SQLException whose SQLState starts with one of the given
     * prefixes: a class ("22", data exception) or a whole state ("23505").
     */
    public static boolean hasStateClass(Throwable e, String... prefixes) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                for (String prefix : prefixes) {
                    if (s.getSQLState().startsWith(prefix)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** A {@code LIKE ? ESCAPE '!'} pattern for whatever starts with {@code prefix}, its wildcards taken literally. */
    public static String likePrefix(String prefix) {
        return prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
    }

    public static Timestamp now() {
        return Timestamp.from(Instant.now());
    }
}
