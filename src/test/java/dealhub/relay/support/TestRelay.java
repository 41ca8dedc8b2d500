package dealhub.relay.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import dealhub.relay.RelayMain;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * A whole relay, started in this JVM the way {@code java -jar} starts it (same Main, same routes/ files), with
 * its settings in a temporary folder: its own port, H2 database and sink folders.
 */
public final class TestRelay implements AutoCloseable {

    public static final String SECRET = "test-webhook-secret";
    public static final String API_TOKEN = "test-api-token";
    public static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Main main;
    private final int port;
    private final String postgresSchema;
    private final String databaseUrl;

    private TestRelay(Main main, int port, String postgresSchema, String databaseUrl) {
        this.main = main;
        this.port = port;
        this.postgresSchema = postgresSchema;
        this.databaseUrl = databaseUrl;
    }

    public static Builder in(Path folder) {
        return new Builder(folder);
    }

    public static final class Builder {

        private final Path folder;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private String postgresSchema;

        private Builder(Path folder) {
            this.folder = folder;
            int port = freePort();
            properties.put("camel.server.port", String.valueOf(port));
            properties.put("relay.datasource.url",
                    "jdbc:h2:file:" + folder.resolve("db/relay").toAbsolutePath() + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE");
            properties.put("relay.webhook.auth", "bearer");
            properties.put("relay.webhook.secrets", SECRET);
            properties.put("dealhub.api.token", API_TOKEN);
            properties.put("dealhub.api.base-url", "http://127.0.0.1:9");
            properties.put("relay.dispatch.poll-interval-ms", "20");
            properties.put("relay.retry.schedule", "20ms,40ms");
            properties.put("relay.retry.jitter", "0");
            properties.put("camel.main.routes-reload-enabled", "false");
            // Reconcile runs only where a test asks for it (ReconcileTest): it would list quotes from DealHub.
            properties.put("relay.reconcile.enabled", "false");
        }

        /**
         * Puts the relay's database on the local PostgreSQL (127.0.0.1:5432, database {@code test}), in a schema
         * of its own that the test starts empty.
         */
        public Builder onPostgres() {
            return onPostgres(5432);
        }

        /** {@link #onPostgres()}, the relay reaching PostgreSQL on another port (e.g. through a {@link SwitchableProxy}). */
        public Builder onPostgres(int port) {
            String schema = "relay_test_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            try (Connection c = java.sql.DriverManager.getConnection(POSTGRES_URL, "postgres", "");
                 java.sql.Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA " + schema);
            } catch (SQLException e) {
                throw new IllegalStateException("PostgreSQL on 127.0.0.1:5432 (database test) is needed: " + e, e);
            }
            postgresSchema = schema;
            with("relay.datasource.url", POSTGRES_URL.replace(":5432/", ":" + port + "/") + "?currentSchema=" + schema);
            with("relay.datasource.username", "postgres");
            return this;
        }

        /** Puts the relay's database on the PostgreSQL schema of {@code other}: two instances, one journal. */
        public Builder sharingDatabaseWith(TestRelay other) {
            with("relay.datasource.url", other.databaseUrl);
            with("relay.datasource.username", "postgres");
            return this;
        }

        /** The value a setting of this relay will have, e.g. its port before it starts. */
        public String setting(String key) {
            return properties.get(key);
        }

        public Builder with(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /** A file sink named {@code name} writing under this test's folder; returns that folder. */
        public Path fileSink(String name, String events) {
            Path directory = folder.resolve("sinks").resolve(name);
            with("relay.sinks." + name + ".type", "file");
            with("relay.sinks." + name + ".events", events);
            with("relay.sinks." + name + ".directory", directory.toString());
            return directory;
        }

        public TestRelay start() {
            Main main = create();
            try {
                main.start();
            } catch (Exception e) {
                throw new IllegalStateException("relay did not start: " + e.getMessage(), e);
            }
            return new TestRelay(main, Integer.parseInt(properties.get("camel.server.port")), postgresSchema,
                    properties.get("relay.datasource.url"));
        }

        /** Starts it, expecting start-up to fail; returns why. */
        public Throwable startFailure() {
            Main main = create();
            try {
                main.start();
            } catch (Exception e) {
                return e;
            } finally {
                main.stop();
            }
            throw new AssertionError("the relay started, but was expected to refuse");
        }

        /** Runs it the way {@code java -jar} does, with these command-line arguments; returns its exit status. */
        public int run(String... args) {
            return RelayMain.run(List.of("file:" + writeProperties().toAbsolutePath()), args);
        }

        private Main create() {
            return RelayMain.create(List.of("file:" + writeProperties().toAbsolutePath()));
        }

        private Path writeProperties() {
            Path file = folder.resolve("relay-test.properties");
            try (Writer out = Files.newBufferedWriter(Files.createDirectories(folder).resolve(file.getFileName()))) {
                for (Map.Entry<String, String> e : properties.entrySet()) {
                    out.write(e.getKey() + " = " + e.getValue().replace("\\", "\\\\") + "\n");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return file;
        }
    }

    public int port() {
        return port;
    }

    public String databaseUrl() {
        return databaseUrl;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public DataSource dataSource() {
        return context().getRegistry().lookupByNameAndType("relayDataSource", DataSource.class);
    }

    /** POSTs a webhook with the test secret as bearer token and JSON content type. */
    public HttpResponse<String> postEvent(String path, String body) {
        return post(path, body, Map.of("Authorization", "Bearer " + SECRET, "Content-Type", "application/json"));
    }

    public HttpResponse<String> post(String path, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return send(request.build());
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One value from the relay's own database, e.g. {@code count(*)} or a state. */
    public Object queryOne(String sql, Object... args) {
        try (Connection c = dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public long eventCount() {
        return ((Number) queryOne("SELECT count(*) FROM relay_event")).longValue();
    }

    public String eventState(String eventId) {
        return (String) queryOne("SELECT state FROM relay_event WHERE event_id = ?", eventId);
    }

    public String deliveryState(String eventId, String sink) {
        return (String) queryOne("SELECT state FROM relay_delivery WHERE event_id = ? AND sink = ?", eventId, sink);
    }

    public String deliveryError(String eventId, String sink) {
        return (String) queryOne("SELECT last_error FROM relay_delivery WHERE event_id = ? AND sink = ?", eventId, sink);
    }

    public int deliveryAttempts(String eventId, String sink) {
        Object n = queryOne("SELECT attempts FROM relay_delivery WHERE event_id = ? AND sink = ?", eventId, sink);
        return n == null ? 0 : ((Number) n).intValue();
    }

    /** Stops the relay and leaves its database as it is, for a relay started again from the same builder. */
    public void stopKeepingDatabase() {
        main.stop();
    }

    @Override
    public void close() {
        main.stop();
        if (postgresSchema != null) {
            try (Connection c = java.sql.DriverManager.getConnection(POSTGRES_URL, "postgres", "");
                 java.sql.Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA " + postgresSchema + " CASCADE");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
