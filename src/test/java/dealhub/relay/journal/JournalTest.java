package dealhub.relay.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

import dealhub.relay.journal.DeliveryOutcomes.DeliveryOutcome;
import dealhub.relay.journal.WorkQueue.Claim;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import org.assertj.core.groups.Tuple;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The journal on its own, in an in-memory H2 database. The Get Quote response lives in {@code relay_quote} since V3:
 * a journal written before that keeps the quotes it had fetched (a retried sink still gets the document the others
 * got), and new quotes are stored once. A claim plans its events' deliveries;
 * the outcome that leaves none of them pending settles the event.
 */
class JournalTest {

    private static final Function<String, List<String>> FILES_ONLY = type -> List.of("files");

    private HikariDataSource dataSource;
    private GroupCommit commits;
    private EventStore events;
    private WorkQueue queue;
    private DeliveryOutcomes outcomes;
    private JournalQueries queries;

    @BeforeEach
    void start() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        config.setUsername("sa");
        dataSource = new HikariDataSource(config);
        commits = new GroupCommit(dataSource, 16, "test-journal-writer");
        events = new EventStore(commits);
        queue = new WorkQueue(dataSource, "test", Duration.ofMinutes(1));
        outcomes = new DeliveryOutcomes(dataSource, commits, "test");
        queries = new JournalQueries(dataSource);
    }

    @AfterEach
    void stop() {
        commits.close();
        dataSource.close();
    }

    private void migrate(String target) {
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").target(target).load().migrate();
    }

    @Test
    void aQuoteFetchedBeforeTheMigrationIsKeptAndClaimedWithItsEvent() throws Exception {
        migrate("2");
        Timestamp now = Timestamp.from(Instant.now());
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO relay_event (event_id, event_type, quote_id, payload, quote, state, received_at,"
                        + " updated_at) VALUES (?, 'quoteWon', 'Q1', '{}', ?, 'pending', ?, ?)")) {
            for (String id : List.of("with-quote", "without-quote")) {
                ps.setString(1, id);
                ps.setString(2, id.equals("with-quote") ? "{\"status\":\"Won\"}" : null);
                ps.setTimestamp(3, now);
                ps.setTimestamp(4, now);
                ps.executeUpdate();
            }
        }

        migrate("latest");

        assertThat(queue.claimDue(10, FILES_ONLY)).extracting(Claim::event)
                .extracting(JournalEvent::eventId, JournalEvent::quote)
                .containsExactlyInAnyOrder(Tuple.tuple("with-quote", "{\"status\":\"Won\"}"),
                        Tuple.tuple("without-quote", null));
        assertThat(queries.detail("with-quote")).containsEntry("quote", "{\"status\":\"Won\"}");
        assertThat(queries.detail("without-quote")).containsEntry("quote", null);
    }

    @Test
    void aQuoteIsStoredOnceAndComesBackWhenTheEventIsClaimedAgain() throws Exception {
        migrate("latest");
        events.record(new JournalEvent("E1", "quoteWon", null, "Q1", "{}", null, Instant.now()));
        Function<String, List<String>> twoSinks = type -> List.of("files", "bi");
        assertThat(queue.claimDue(10, twoSinks)).extracting(c -> c.event().quote()).containsExactly((String) null);

        // "bi" is delivered twice (a retry after a lost answer, say), each time with a quote fetched anew; "files"
        // is still pending, so the event is claimed again.
        outcomes.recordOutcome(new DeliveryOutcome("E1", "bi", true, 1, null, "{\"status\":\"Won\"}"));
        outcomes.recordOutcome(new DeliveryOutcome("E1", "bi", true, 1, null,
                "{\"status\":\"a second fetch does not replace the first\"}"));
        queue.releaseLeases(List.of("E1"));

        assertThat(queue.claimDue(10, twoSinks)).extracting(c -> c.event().quote(), Claim::pendingSinks)
                .containsExactly(Tuple.tuple("{\"status\":\"Won\"}", List.of("files")));
    }

    @Test
    void theOutcomeThatLeavesNoDeliveryPendingSettlesTheEventAndReleasesItsLease() throws Exception {
        migrate("latest");
        events.record(new JournalEvent("E2", "quoteWon", null, "Q1", "{}", null, Instant.now()));
        assertThat(queue.claimDue(10, type -> List.of("files", "bi"))).extracting(Claim::pendingSinks)
                .containsExactly(List.of("bi", "files"));

        assertThat(outcomes.recordOutcome(new DeliveryOutcome("E2", "bi", false, 3, "refused", "{}"))).isNull();
        assertThat(queries.detail("E2")).containsEntry("state", JournalState.PENDING).containsEntry("lease_owner", "test");

        assertThat(outcomes.recordOutcome(new DeliveryOutcome("E2", "files", true, 1, null, "{}")))
                .isEqualTo(JournalState.DEAD);
        assertThat(queries.detail("E2")).containsEntry("state", JournalState.DEAD).containsEntry("lease_owner", null)
                .containsEntry("quote", "{}");
        assertThat(queue.claimDue(10, FILES_ONLY)).as("a settled event is not work").isEmpty();
    }

    @Test
    void aClaimPlansEachEventsDeliveriesAndAClaimAgainKeepsWhatWasDelivered() throws Exception {
        migrate("latest");
        events.record(new JournalEvent("E3", "quoteWon", null, "Q1", "{}", null, Instant.now()));
        events.record(new JournalEvent("E4", "user", null, null, "{}", null, Instant.now().plusMillis(1)));
        Function<String, List<String>> subscribers = type -> type.equals("user") ? List.of("files")
                : List.of("files", "bi");

        assertThat(queue.claimDue(10, subscribers)).extracting(c -> c.event().eventId(), Claim::pendingSinks)
                .containsExactly(Tuple.tuple("E3", List.of("bi", "files")), Tuple.tuple("E4", List.of("files")));
        outcomes.recordOutcome(new DeliveryOutcome("E3", "bi", true, 1, null, null));
        queue.releaseLeases(List.of("E3", "E4"));

        assertThat(queue.claimDue(10, subscribers)).extracting(c -> c.event().eventId(), Claim::pendingSinks)
                .containsExactly(Tuple.tuple("E3", List.of("files")), Tuple.tuple("E4", List.of("files")));
        assertThat(queries.detail("E3").get("deliveries")).asList().hasSize(2);
    }
}
