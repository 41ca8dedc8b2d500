package dealhub.relay.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import dealhub.relay.sql.Sql;

import org.junit.jupiter.api.Test;

/** Repetition: the same event again, or a new event that brings the same state, changes nothing it need not. */
abstract class JdbcSinkReplaysTest extends JdbcSinkFixture {

    @Test
    void replayingAnEventLeavesTheSameRows() throws Exception {
        relay = relayWithBiSink().start();
        String document = document("E-1", "quoteWon", QUOTE_ID, "2026-11-02 14:07:33", "2026-11-02T14:07:34Z",
                sampleQuote(), "2026-11-02T14:07:35Z");

        toSink(document);
        Map<String, List<Map<String, Object>>> once = snapshot(relay.dataSource());
        toSink(document);
        toSink(document);

        assertThat(snapshot(relay.dataSource())).isEqualTo(once);
        assertThat(once.get("dealhub_quote_event")).hasSize(1);
        assertThat(once.get("dealhub_quote_snapshot")).hasSize(1);
        assertThat(once.get("dealhub_quote_line_item")).hasSize(3);
        assertThat(once.get("dealhub_quote_line_item_attribute")).hasSize(5);
    }

    @Test
    void theSameStateTwiceLeavesTheChildrenUntouched() throws Exception {
        relay = relayWithBiSink().start();
        toSink(document("E-1", "quoteReady", QUOTE_ID, "2026-11-01 10:00:00", "2026-11-01T10:00:01Z", sampleQuote(),
                "2026-11-01T10:00:02Z"));
        // A mark in each child table that only a rewrite would remove.
        try (var c = relay.dataSource().getConnection()) {
            Sql.execute(c, "UPDATE dealhub_quote_line_item SET name = 'marked'");
            Sql.execute(c, "UPDATE dealhub_quote_answer SET answer = 'marked'");
            Sql.execute(c, "UPDATE dealhub_quote_approval SET reviewer_comment = 'marked'");
        }

        toSink(document("E-2", "quoteWon", QUOTE_ID, "2026-11-02 14:07:33", "2026-11-02T14:07:34Z", sampleQuote(),
                "2026-11-02T14:07:35Z"));

        assertThat(rows(relay.dataSource(), "SELECT DISTINCT name FROM dealhub_quote_line_item"))
                .containsExactly(row("name", "marked"));
        assertThat(rows(relay.dataSource(), "SELECT DISTINCT answer FROM dealhub_quote_answer"))
                .containsExactly(row("answer", "marked"));
        assertThat(rows(relay.dataSource(), "SELECT DISTINCT reviewer_comment FROM dealhub_quote_approval"))
                .containsExactly(row("reviewer_comment", "marked"));
        // The quote row still says which event and fetch brought its state; the history has the state once.
        assertThat(rows(relay.dataSource(), "SELECT last_event_id, state_event_id FROM dealhub_quote"))
                .containsExactly(row("last_event_id", "E-2", "state_event_id", "E-2"));
        assertThat(rows(relay.dataSource(), "SELECT event_id FROM dealhub_quote_snapshot"))
                .containsExactly(row("event_id", "E-1"));
        assertThat(rows(relay.dataSource(), "SELECT count(*) AS n FROM dealhub_quote_event"))
                .containsExactly(row("n", 2L));
    }
}
