package dealhub.relay.support;

import java.util.UUID;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import org.flywaydb.core.Flyway;

/** A fresh in-memory H2 database of its own for a test of the journal's classes, pooled as the relay pools. */
public final class InMemoryH2 {

    private InMemoryH2() {
    }

    /** An empty database, {@code poolSize} connections. */
    public static HikariDataSource empty(int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        config.setUsername("sa");
        config.setMaximumPoolSize(poolSize);
        return new HikariDataSource(config);
    }

    /** A database with the journal's tables, migrated to the newest version. */
    public static HikariDataSource withJournal(int poolSize) {
        HikariDataSource dataSource = empty(poolSize);
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        return dataSource;
    }
}
