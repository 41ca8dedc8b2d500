package dealhub.relay.sql;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HikariCP drops a connection on SQLState class 08 only; H2's client reports a lost server as 90067, and the next
 * borrower within half a second gets the same broken connection back unchecked. So a connection whose work failed
 * is checked, and dropped from its pool if broken (HikariCP closes it once it is given back).
 */
public final class BrokenConnections {

    private static final Logger LOG = LoggerFactory.getLogger(BrokenConnections.class);

    private BrokenConnections() {
    }

    /** @param owner who asks, for the log line if the check itself fails */
    public static void evictIfBroken(DataSource dataSource, Connection connection, String owner) {
        try {
            if (!connection.isValid(1) && dataSource instanceof HikariDataSource pool) {
                pool.evictConnection(connection);
            }
        } catch (SQLException e) {
            LOG.debug("{}: could not check a failed connection: {}", owner, e.getMessage());
        }
    }
}
