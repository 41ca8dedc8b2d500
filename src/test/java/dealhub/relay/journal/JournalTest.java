package dealhub.relay.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

import dealhub.relay.journal.DeliveryOutcomes.Outcome;
import dealhub.relay.journal.DeliveryOutcomes.Recorded;
import dealhub.relay.journal.WorkQueue.Claim;
import dealhub.relay.journal.WorkQueue.Ticket;
import dealhub.relay.support.InMemoryH2;

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
 * the outcome that leaves none of them pending settles the event. Each (event, sink) delivery is a unit of work of
 * its own: a failed one waits in the journal for its next attempt, and its outcome is recorded only by whoever holds
 * its current version (two work queues play two instances).
 */
class JournalTest {

    private static final Function<String, List<String>> FILES_ONLY = type -> List.of("files");
    private static final Function<String, List<String>> TWO_SINKS = type -> List.of("files", "mail");

    private HikariDataSource dataSource;
    private GroupCommit commits;
    private EventStore events;
    private WorkQueue queue;
    /** Two instances with a short lease. */
    private WorkQueue first;
    private WorkQueue second;
    private DeliveryOutcomes outcomes;
    private JournalQueries queries;

    @BeforeEach
    void start() {
        dataSource = InMemoryH2.empty(10);
        commits = new GroupCommit(dataSource, 16, "test-journal-writer");
        events = new EventStore(commits);
        queue = new WorkQueue(dataSource, "test", Duration.ofMinutes(1), 5);
        first = new WorkQueue(dataSource, "first", Duration.ofSeconds(1), 5);
        second = new WorkQueue(dataSource, "second", Duration.ofSeconds(1), 5);
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

        assertThat(queue.claimDue(10, FILES_ONLY, true)).extracting(Claim::event)
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
        List<Claim> claims = queue.claimDue(10, twoSinks, true);
        assertThat(claims).extracting(c -> c.event().quote()).containsExactly((String) null);

        // "bi" fails after its quote was fetched, and again with a quote fetched anew; "files" is still pending,
        // so the event is claimed again.
        Ticket bi = ticket(claims, "bi");
        outcomes.record(bi, Outcome.retry(Instant.now(), 1, "503", "{\"status\":\"Won\"}", null));
        outcomes.record(ticket(queue.claimDue(10, twoSinks, true), "bi"), Outcome.retry(Instant.now().plusSeconds(60),
                1, "503", "{\"status\":\"a second fetch does not replace the first\"}", null));
        queue.releaseLeases(List.of(ticket(claims, "files")));

        assertThat(queue.claimDue(10, twoSinks, true)).extracting(c -> c.event().quote(), JournalTest::sinks)
                .containsExactly(Tuple.tuple("{\"status\":\"Won\"}", List.of("files")));
    }

    @Test
    void theOutcomeThatLeavesNoDeliveryPendingSettlesTheEventWithTheDeadDeliverysReason() throws Exception {
        migrate("latest");
        events.record(new JournalEvent("E2", "quoteWon", null, "Q1", "{}", null, Instant.now()));
        List<Claim> claims = queue.claimDue(10, type -> List.of("files", "bi"), true);
        assertThat(claims).extracting(JournalTest::sinks).containsExactly(List.of("bi", "files"));

        assertThat(outcomes.record(ticket(claims, "bi"), Outcome.dead(3, "refused", "{}", null)))
                .isEqualTo(Recorded.RECORDED);
        assertThat(queries.detail("E2")).containsEntry("state", JournalState.PENDING);

        assertThat(outcomes.record(ticket(claims, "files"), Outcome.delivered(1, "{}", null))).isEqualTo(Recorded.SETTLED);
        assertThat(queries.detail("E2")).containsEntry("state", JournalState.DEAD).containsEntry("last_error", "refused")
                .containsEntry("quote", "{}");
        assertThat(queue.claimDue(10, FILES_ONLY, true)).as("a settled event is not work").isEmpty();
    }

    @Test
    void aClaimPlansEachEventsDeliveriesAndAClaimAgainKeepsWhatWasDelivered() throws Exception {
        migrate("latest");
        events.record(new JournalEvent("E3", "quoteWon", null, "Q1", "{}", null, Instant.now()));
        events.record(new JournalEvent("E4", "user", null, null, "{}", null, Instant.now().plusMillis(1)));
        Function<String, List<String>> subscribers = type -> type.equals("user") ? List.of("files")
                : List.of("files", "bi");

        List<Claim> claims = queue.claimDue(10, subscribers, true);
        assertThat(claims).extracting(c -> c.event().eventId(), JournalTest::sinks)
                .containsExactly(Tuple.tuple("E3", List.of("bi", "files")), Tuple.tuple("E4", List.of("files")));
        outcomes.record(ticket(claims, "bi"), Outcome.delivered(1, null, null));
        queue.releaseLeases(claims.stream().flatMap(c -> c.deliveries().stream()).toList());

        assertThat(queue.claimDue(10, subscribers, true)).extracting(c -> c.event().eventId(), JournalTest::sinks)
                .containsExactlyInAnyOrder(Tuple.tuple("E3", List.of("files")), Tuple.tuple("E4", List.of("files")));
        assertThat(queries.detail("E3").get("deliveries")).asList().hasSize(2);
    }

    @Test
    void aFailedDeliveryWaitsInTheJournalUntilItsNextAttemptWhileTheOtherSinkIsDelivered() throws Exception {
        migrate("latest");
        events.record(new JournalEvent("E1", "quoteWon", null, null, "{}", null, Instant.now()));
        List<Claim> claims = first.claimDue(10, TWO_SINKS, true);
        assertThat(claims).extracting(JournalTest::sinks).containsExactly(List.of("files", "mail"));

        outcomes.record(ticket(claims, "mail"), Outcome.retry(Instant.now().plusMillis(400), 1, "HTTP 503", null, null));
        outcomes.record(ticket(claims, "files"), Outcome.delivered(1, null, null));
        assertThat(second.claimDue(10, TWO_SINKS, true)).as("not due yet, and its lease was given up").isEmpty();
        assertThat(queries.detail("E1")).containsEntry("state", JournalState.PENDING);

        Thread.sleep(500);
        List<Claim> retry = second.claimDue(10, TWO_SINKS, true);
        assertThat(retry).extracting(JournalTest::sinks).containsExactly(List.of("mail"));
        assertThat(ticket(retry, "mail").retries()).as("its place in the schedule").isEqualTo(1);
        assertThat(ticket(retry, "mail").attempts()).isEqualTo(1);
        assertThat(outcomes.record(ticket(retry, "mail"), Outcome.delivered(1, null, null))).isEqualTo(Recorded.SETTLED);
        assertThat(queries.detail("E1")).containsEntry("state", JournalState.DONE);
    }

    @Test
    void aDeliveryTakenOverIsNeitherSentNorRecordedByItsFormerHolder() throws Exception {
        migrate("latest");
        events.record(new JournalEvent("E2", "user", null, null, "{}", null, Instant.now()));
        Ticket stalled = ticket(first.claimDue(10, type -> List.of("mail"), true), "mail");
        assertThat(second.claimDue(10, type -> List.of("mail"), true)).as("held by the first").isEmpty();

        Thread.sleep(1100);
        assertThat(second.claimDue(10, type -> List.of("mail"), false))
                .as("after a stall, an expired lease another instance holds is left to it").isEmpty();
        Ticket takenOver = ticket(second.claimDue(10, type -> List.of("mail"), true), "mail");

        assertThat(takenOver.version()).isGreaterThan(stalled.version());
        assertThat(first.holdForSend(stalled)).as("the check before a send").isFalse();
        assertThat(second.holdForSend(takenOver)).isTrue();
        assertThat(outcomes.record(stalled, Outcome.delivered(1, null, null))).isEqualTo(Recorded.FENCED);
        assertThat(outcomes.record(takenOver, Outcome.delivered(1, null, null))).isEqualTo(Recorded.SETTLED);
        assertThat(outcomes.record(takenOver, Outcome.delivered(1, null, null))).as("never settled twice")
                .isEqualTo(Recorded.FENCED);
        assertThat(queries.detail("E2").get("deliveries")).asList().singleElement()
                .hasFieldOrPropertyWithValue("attempts", 1);
    }

    @Test
    void aReplayStartsTheScheduleAgainAndKeepsCountingAttempts() throws Exception {
        migrate("latest");
        events.record(new JournalEvent("E3", "user", null, null, "{}", null, Instant.now()));
        Ticket ticket = ticket(first.claimDue(10, type -> List.of("mail"), true), "mail");
        outcomes.record(ticket, Outcome.dead(4, "HTTP 500", null, null));
        assertThat(queries.list(JournalState.DEAD, null, 10)).singleElement()
                .satisfies(row -> assertThat(row).containsEntry("last_error", "HTTP 500"));

        assertThat(outcomes.replay("E3")).isEqualTo(1);

        Ticket again = ticket(first.claimDue(10, type -> List.of("mail"), true), "mail");
        assertThat(again.retries()).isZero();
        assertThat(again.attempts()).isEqualTo(4);
        assertThat(first.claimDue(10, type -> List.of("mail"), true)).as("held now, not due").isEmpty();
    }

    static List<String> sinks(Claim claim) {
        return claim.deliveries().stream().map(Ticket::sink).toList();
    }

    static Ticket ticket(List<Claim> claims, String sink) {
        return claims.stream().flatMap(c -> c.deliveries().stream()).filter(t -> t.sink().equals(sink)).findFirst()
                .orElseThrow();
    }
}
