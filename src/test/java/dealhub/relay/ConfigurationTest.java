package dealhub.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings that would make the relay misbehave stop it at start-up, naming the key; the others take effect. */
class ConfigurationTest {

    @TempDir
    Path folder;

    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }

    @Test
    void refusesToStartOnADatabaseWhoseTablesItCannotMake() throws Exception {
        // Someone else's tables and no Flyway history: the journal's migration refuses to touch the schema.
        String url = "jdbc:h2:file:" + folder.resolve("db/foreign").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE";
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE someone_elses (id INT)");
        }

        Throwable failure = TestRelay.in(folder).with("relay.datasource.url", url).startFailure();

        assertThat(messages(failure)).contains("The journal's tables could not be made").contains("non-empty schema");
    }

    @Test
    void refusesToStartWithoutItsDatabaseSayingWhy() {
        Throwable failure = TestRelay.in(folder).with("relay.datasource.url", "jdbc:postgresql://127.0.0.1:9/test")
                .with("relay.datasource.username", "postgres")
                .with("relay.datasource.connection-timeout-ms", "1000").startFailure();

        assertThat(messages(failure)).contains("The journal's tables could not be made").contains("127.0.0.1:9");
    }

    @Test
    void refusesASinkOfAnUnknownKind() {
        Throwable failure = TestRelay.in(folder).with("relay.sinks.crm.type", "salesforce").startFailure();

        assertThat(messages(failure)).contains("relay.sinks.crm.type=salesforce is not a sink kind")
                .contains("file").contains("log");
    }

    @Test
    void refusesAnOptionTheSinkKindDoesNotHave() {
        Throwable failure = TestRelay.in(folder).with("relay.sinks.out.type", "file")
                .with("relay.sinks.out.directory", folder.toString())
                .with("relay.sinks.out.folder", folder.toString()).startFailure();

        assertThat(messages(failure)).contains("relay.sinks.out.folder is not an option of sink kind file")
                .contains("directory");
    }

    @Test
    void refusesASinkWithoutItsRequiredOption() {
        Throwable failure = TestRelay.in(folder).with("relay.sinks.out.type", "file").startFailure();

        assertThat(messages(failure)).contains("sink 'out' (file)").contains("directory");
    }

    @Test
    void refusesASinkWithoutAType() {
        Throwable failure = TestRelay.in(folder).with("relay.sinks.out.directory", folder.toString()).startFailure();

        assertThat(messages(failure)).contains("relay.sinks.out.type is missing");
    }

    @Test
    void refusesBearerAuthenticationWithoutASecret() {
        Throwable failure = TestRelay.in(folder).with("relay.webhook.secrets", " , ").startFailure();

        assertThat(messages(failure)).contains("relay.webhook.secrets");
    }

    @Test
    void refusesToStartWithoutAGetQuoteToken() {
        Throwable failure = TestRelay.in(folder).with("dealhub.api.token", " ").startFailure();

        assertThat(messages(failure)).contains("dealhub.api.token");
    }

    @Test
    void refusesAnUnknownAuthenticationMode() {
        Throwable failure = TestRelay.in(folder).with("relay.webhook.auth", "hmac").startFailure();

        assertThat(messages(failure)).contains("hmac");
    }

    @Test
    void aRefusedStartHasLetTheJournalsMigrationEndBeforeItReturns() throws Exception {
        // One refusal while the beans are made, one while the sink routes are. The migration runs on a thread of its
        // own meanwhile; it must have ended when start-up gives up, not go on writing into a database (or a folder)
        // its caller is already removing.
        Path migrations = Path.of(getClass().getClassLoader().getResource("db/migration").toURI());
        long versions;
        try (Stream<Path> files = Files.list(migrations)) {
            versions = files.count();
        }
        for (String refused : List.of("beans", "sinks")) {
            TestRelay.Builder relay = TestRelay.in(folder.resolve(refused));
            if (refused.equals("beans")) {
                relay.with("relay.webhook.auth", "hmac");
            } else {
                relay.with("relay.sinks.out.type", "file");
            }
            relay.startFailure();

            assertThat(appliedMigrations(folder.resolve(refused))).as(refused).isEqualTo(versions);
        }
    }

    private static long appliedMigrations(Path relayFolder) throws Exception {
        String url = "jdbc:h2:file:" + relayFolder.resolve("db/relay").toAbsolutePath() + ";IFEXISTS=TRUE";
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement st = c.createStatement();
             ResultSet rows = st.executeQuery("SELECT count(*) FROM \"flyway_schema_history\""
                     + " WHERE \"success\" AND \"version\" IS NOT NULL")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    @Test
    void basicAuthenticationAcceptsEveryConfiguredPairDuringARotation() {
        try (TestRelay relay = TestRelay.in(folder).with("relay.webhook.auth", "basic")
                .with("relay.webhook.secrets", "dealhub:old-password,dealhub:new-password").start()) {
            HttpResponse<String> old = post(relay, "E-basic-1", basic("dealhub:old-password"));
            HttpResponse<String> fresh = post(relay, "E-basic-2", basic("dealhub:new-password"));
            HttpResponse<String> wrong = post(relay, "E-basic-3", basic("dealhub:guess"));
            HttpResponse<String> bearer = post(relay, "E-basic-4", "Bearer dealhub:new-password");

            assertThat(old.statusCode()).isEqualTo(202);
            assertThat(fresh.statusCode()).isEqualTo(202);
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(bearer.statusCode()).isEqualTo(401);
            assertThat(relay.eventCount()).isEqualTo(2);
        }
    }

    @Test
    void noAuthenticationAcceptsRequestsWithoutCredentials() {
        try (TestRelay relay = TestRelay.in(folder).with("relay.webhook.auth", "none").start()) {
            HttpResponse<String> response = relay.post("/webhooks/dealhub/quoteWon",
                    Samples.quoteEvent("E-none", "Q1"), Map.of("Content-Type", "application/json"));

            assertThat(response.statusCode()).isEqualTo(202);
        }
    }

    private static HttpResponse<String> post(TestRelay relay, String eventId, String authorization) {
        return relay.post("/webhooks/dealhub/quoteWon", Samples.quoteEvent(eventId, "Q1"),
                Map.of("Authorization", authorization, "Content-Type", "application/json"));
    }

    private static String basic(String userAndPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }
}
