package dealhub.relay.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A relay that died (kill -9) left events leased under its name. Restarted under the same name, it takes them back at
 * once: that earlier run is certainly dead. Leases of other instances, alive as far as it knows, it leaves alone.
 */
class RestartTakesBackItsLeasesTest {

    @TempDir
    Path folder;

    @Test
    void aRestartedRelayDeliversWhatItsDeadRunHeldAtOnceAndLeavesOtherInstancesLeasesAlone() throws Exception {
        TestRelay.Builder survivor = TestRelay.in(folder.resolve("survivor")).onPostgres()
                .with("relay.instance-id", "survivor");
        Path sink = survivor.fileSink("files", "*");
        try (TestRelay other = survivor.start()) {
            // What the dead run held (its lease good for another hour), and what a live instance elsewhere holds.
            Instant inAnHour = Instant.now().plus(Duration.ofHours(1));
            leased(other.databaseUrl(), "EV-held-by-dead-run", "restart-test#earlier.0000", inAnHour);
            leased(other.databaseUrl(), "EV-held-by-other", "other-host:relay-abcdef#l1.0000", inAnHour);
            // A name that merely starts the same way is another instance.
            leased(other.databaseUrl(), "EV-held-by-lookalike", "restart-test-2#l1.0000", inAnHour);

            TestRelay.Builder restarted = TestRelay.in(folder.resolve("restarted")).sharingDatabaseWith(other)
                    .with("relay.instance-id", "restart-test");
            restarted.fileSink("files", "*");
            restarted.with("relay.sinks.files.directory", sink.toString());
            try (TestRelay relay = restarted.start()) {
                await().atMost(Duration.ofSeconds(5)).until(() -> "done".equals(relay.eventState("EV-held-by-dead-run")));
                assertThat(sink.resolve("user_EV-held-by-dead-run.json")).exists();

                Thread.sleep(500);
                assertThat(relay.eventState("EV-held-by-other")).isEqualTo("pending");
                assertThat(relay.queryOne("SELECT lease_owner FROM relay_delivery WHERE event_id = ?", "EV-held-by-other"))
                        .isEqualTo("other-host:relay-abcdef#l1.0000");
                assertThat(relay.eventState("EV-held-by-lookalike")).isEqualTo("pending");
            }
        }
    }

    /** An event planned and its delivery to "files" leased to {@code owner} until {@code until}. */
    private static void leased(String database, String eventId, String owner, Instant until) throws Exception {
        Timestamp now = Timestamp.from(Instant.now());
        try (Connection c = DriverManager.getConnection(database, "postgres", "");
             PreparedStatement event = c.prepareStatement("INSERT INTO relay_event (event_id, event_type, payload,"
                     + " state, received_at, updated_at, planned_at) VALUES (?, 'user', ?, 'pending', ?, ?, ?)");
             PreparedStatement delivery = c.prepareStatement("INSERT INTO relay_delivery (event_id, sink, state,"
                     + " attempts, updated_at, next_attempt_at, lease_owner, version, retries)"
                     + " VALUES (?, 'files', 'pending', 0, ?, ?, ?, 1, 0)")) {
            event.setString(1, eventId);
            event.setString(2, Samples.userEvent(eventId));
            event.setTimestamp(3, now);
            event.setTimestamp(4, now);
            event.setTimestamp(5, now);
            event.executeUpdate();
            delivery.setString(1, eventId);
            delivery.setTimestamp(2, now);
            delivery.setTimestamp(3, Timestamp.from(until));
            delivery.setString(4, owner);
            delivery.executeUpdate();
        }
    }
}
