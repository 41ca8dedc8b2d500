package dealhub.relay.sinks.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dealhub.relay.journal.GroupCommit;
import dealhub.relay.journal.JournalSchema;
import dealhub.relay.sinks.PermanentDeliveryException;
import dealhub.relay.sql.Sql;

import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code jdbc} sink (routes/sink-jdbc.yaml): writes each document into the BI tables, in the relay's own database
 * or in a separate one given by {@code url}. Made by the route template with its parameters; {@link #start()} and
 * {@link #close()} follow the sink route's life.
 * <p>
 * Documents delivered at the same moment share one transaction ({@link GroupCommit}, on a connection of the sink's
 * own pool): on H2 every commit rewrites the pages it touched, which was a fifth of the relay's CPU with one commit
 * per document (bench/RESULTS.md, round 6). Each document is still written whole or not at all, and one the database
 * refuses fails alone: its batch is rolled back and its documents written one transaction each.
 */
public class JdbcSink {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcSink.class);
    /**
     * SQLState class 22, "data exception": a value its column's type refuses, which it will refuse again. Class 23
     * (integrity) stays retried: two events inserting the same new quote at once collide once, then succeed.
     */
    private static final String SQL_DATA_EXCEPTION = "22";
    /** The most documents one transaction of the sink writes. */
    private static final int MAX_BATCH = 64;

    /** Numbers exactly as sent ({@code 186000.0} stays so in the kept JSON, not {@code 1.86E+5}). */
    private final ObjectMapper mapper = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    private String sinkName;
    private DataSource relayDataSource;
    private JournalSchema journalSchema;
    private String url;
    private String username;
    private String password;
    private int poolSize;
    private long connectionTimeoutMs;

    private HikariDataSource pool;
    private GroupCommit writer;
    /** Made once the tables are migrated, for the database's dialect; then {@link #schemaReady} publishes it. */
    private QuoteTables tables;
    private volatile boolean schemaReady;

    /**
     * Picks the database and brings its BI tables up to date. In the relay's own database a failure stops the start;
     * a separate database may be down now, so its tables are then made at the first delivery that reaches it, and
     * webhooks keep being accepted meanwhile.
     * <p>
     * Either way the sink has a pool of its own, of {@code pool-size} connections: a delivery that waits (for a
     * connection, for the row lock of a quote that other events are updating) never holds a connection the journal
     * needs to accept webhooks, record outcomes and renew leases.
     */
    public void start() {
        boolean relayDatabase = url == null || url.isBlank();
        if (relayDatabase) {
            // The BI migrations baseline a non-empty schema: the journal's tables must be there first. Awaited before
            // the pool exists, so that a start refused here leaves no pool filling itself behind.
            journalSchema.await();
        }
        pool = new HikariDataSource(poolConfig(relayDatabase));
        writer = new GroupCommit(pool, MAX_BATCH, "sink-" + sinkName + "-writer");
        try {
            migrate();
        } catch (RuntimeException e) {
            if (relayDatabase) {
                close();
                throw e;
            }
            LOG.warn("sink {}: the BI database is not ready ({}); its tables are made at the first delivery",
                    sinkName, e.getMessage());
        }
    }

    private HikariConfig poolConfig(boolean relayDatabase) {
        HikariConfig config = new HikariConfig();
        if (relayDatabase) {
            if (!(relayDataSource instanceof HikariDataSource relayPool)) {
                throw new IllegalStateException("sink " + sinkName + ": the relay's database is not a HikariCP pool");
            }
            relayPool.copyStateTo(config);
        } else {
            config.setJdbcUrl(url);
            config.setUsername(username);
            config.setPassword(password);
            // Build the pool even when the database is down: deliveries wait and retry, intake goes on.
            config.setInitializationFailTimeout(-1);
        }
        config.setPoolName("sink-" + sinkName);
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(connectionTimeoutMs);
        return config;
    }

    public void close() {
        if (writer != null) {
            writer.close(); // finishes the documents handed in
        }
        if (pool != null) {
            pool.close();
        }
    }

    /** Writes one event, all of it or nothing. A failure is retried by the relay unless no retry can mend it. */
    public void write(String document) throws SQLException {
        if (!schemaReady) {
            migrate();
        }
        JsonNode parsed = parse(document);
        QuoteTables ready = tables;
        try {
            writer.run(connection -> {
                ready.write(connection, parsed);
                return null;
            });
        } catch (SQLException e) {
            if (Sql.hasStateClass(e, SQL_DATA_EXCEPTION)) {
                throw new PermanentDeliveryException("the BI database refuses the data: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    private synchronized void migrate() {
        if (schemaReady) {
            return;
        }
        Rows.Dialect dialect;
        try (Connection connection = pool.getConnection()) {
            dialect = Rows.Dialect.of(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("the BI database cannot be reached: " + e.getMessage(), e);
        }
        // Its own migrations and history table: in the relay's database they live beside the journal's, whose
        // tables make the schema non-empty, hence the baseline below version 1. ${json} is the JSON column type.
        Flyway.configure().dataSource(pool).locations("classpath:db/bi").table("dealhub_bi_schema_history")
                .placeholders(Map.of("json", dialect.jsonType)).baselineOnMigrate(true).baselineVersion("0")
                .load().migrate();
        tables = new QuoteTables(new Rows(dialect));
        schemaReady = true;
    }

    private JsonNode parse(String document) {
        try {
            return mapper.readTree(document);
        } catch (JsonProcessingException e) {
            throw new PermanentDeliveryException("the sink document is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    public void setSinkName(String sinkName) {
        this.sinkName = sinkName;
    }

    public void setRelayDataSource(DataSource relayDataSource) {
        this.relayDataSource = relayDataSource;
    }

    public void setJournalSchema(JournalSchema journalSchema) {
        this.journalSchema = journalSchema;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    public void setPoolSize(int poolSize) {
        this.poolSize = poolSize;
    }

    public void setConnectionTimeoutMs(long connectionTimeoutMs) {
        this.connectionTimeoutMs = connectionTimeoutMs;
    }
}
