package dealhub.relay.reconcile;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dealhub.relay.journal.JournalState;
import dealhub.relay.sql.Sql;

/**
 * What the relay last saw of each quote, and the journaling of what a reconcile run found. Two sources, the newer
 * winning: the newest quote fetched for it ({@code relay_quote} of its newest enriched event, webhook or reconciled)
 * and the last state reconciling journaled ({@code relay_reconcile_quote}, which also knows a reconciled event not yet
 * enriched, and absence).
 */
public class QuoteStates {

    private final DataSource dataSource;
    private final boolean withInfo;
    private final ObjectMapper mapper = new ObjectMapper();

    /** @param withInfo whether states are compared with {@code info} ({@link QuoteState}) */
    public QuoteStates(DataSource dataSource, boolean withInfo) {
        this.dataSource = dataSource;
        this.withInfo = withInfo;
    }

    /** The last state seen of each of these quotes that the relay knows. */
    Map<String, KnownState> known(Collection<String> quoteIds) throws SQLException {
        Map<String, KnownState> known = new HashMap<>();
        if (quoteIds.isEmpty()) {
            return known;
        }
        String marks = String.join(",", Collections.nCopies(quoteIds.size(), "?"));
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT quote_id, state, event_id, seen_at, absent_since"
                    + " FROM relay_reconcile_quote WHERE quote_id IN (" + marks + ")")) {
                Sql.bind(ps, 1, quoteIds);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Timestamp absent = rs.getTimestamp(5);
                        known.put(rs.getString(1), new KnownState(rs.getString(2), rs.getString(3),
                                rs.getTimestamp(4).toInstant(), absent == null ? null : absent.toInstant()));
                    }
                }
            }
            // The newest enriched event of each quote; its quote is read only for those (one per quote).
            try (PreparedStatement ps = c.prepareStatement("SELECT e.quote_id, e.event_id, e.received_at, q.quote"
                    + " FROM relay_event e JOIN relay_quote q ON q.event_id = e.event_id WHERE e.quote_id IN (" + marks
                    + ") AND e.received_at = (SELECT max(e2.received_at) FROM relay_event e2 JOIN relay_quote q2"
                    + " ON q2.event_id = e2.event_id WHERE e2.quote_id = e.quote_id) ORDER BY e.event_id")) {
                Sql.bind(ps, 1, quoteIds);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String quoteId = rs.getString(1);
                        Instant fetchedAt = rs.getTimestamp(3).toInstant();
                        KnownState reconciled = known.get(quoteId);
                        // A reconciled event's own quote has the same time as its row: the fetched one wins a tie,
                        // being what the sinks got.
                        if (reconciled == null || !fetchedAt.isBefore(reconciled.at())) {
                            Instant absent = reconciled == null || reconciled.absentSince() == null
                                    || !reconciled.absentSince().isAfter(fetchedAt) ? null : reconciled.absentSince();
                            known.put(quoteId, new KnownState(stateOf(rs.getString(4)), rs.getString(2), fetchedAt,
                                    absent));
                        }
                    }
                }
            }
        }
        return known;
    }

    private String stateOf(String quote) {
        try {
            JsonNode tree = mapper.readTree(quote);
            return tree != null && tree.isObject() ? QuoteState.of(tree, withInfo) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The quotes the relay knows (any event carried their id) whose newest event came before {@code before}: a quote
     * that a webhook announced while the list was being read may have been listed on a page read earlier.
     */
    List<String> knownBefore(Instant before) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT quote_id FROM relay_event WHERE quote_id IS NOT NULL GROUP BY quote_id"
                        + " HAVING max(received_at) < ?")) {
            ps.setTimestamp(1, Timestamp.from(before));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        return ids;
    }

    /**
     * Journals the events, as pending work for dispatch, with the states they report, in one transaction that also
     * renews the run's lease: nothing is journaled by an instance that lost it. An event already in the journal (an
     * earlier run that died before it recorded its state) is not stored again. Returns how many were new.
     */
    int journal(List<Reconciled> events, ReconcileRuns runs) throws SQLException {
        if (events.isEmpty()) {
            return 0;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (!runs.renewLease(c)) {
                    throw new LeaseLostException();
                }
                int stored = 0;
                // Batched: a page's events in three round trips, not three per event.
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO relay_event (event_id, event_type,"
                        + " event_action, quote_id, payload, state, received_at, updated_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?"
                        + " WHERE NOT EXISTS (SELECT 1 FROM relay_event WHERE event_id = ?)")) {
                    for (Reconciled event : events) {
                        Timestamp at = Timestamp.from(event.at());
                        Sql.bind(insert, 1, Arrays.asList(event.eventId(), Reconciled.TYPE, event.action(),
                                event.quoteId(), event.payload(), JournalState.PENDING, at, at, event.eventId()));
                        insert.addBatch();
                    }
                    for (int count : insert.executeBatch()) {
                        stored += count > 0 || count == Statement.SUCCESS_NO_INFO ? 1 : 0;
                    }
                }
                // The run holds the lease: no other writer replaces these rows in between.
                List<String> quoteIds = events.stream().map(Reconciled::quoteId).toList();
                try (PreparedStatement delete = c.prepareStatement("DELETE FROM relay_reconcile_quote WHERE quote_id IN ("
                        + String.join(",", Collections.nCopies(quoteIds.size(), "?")) + ")")) {
                    Sql.bind(delete, 1, quoteIds);
                    delete.executeUpdate();
                }
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO relay_reconcile_quote (quote_id, state,"
                        + " event_id, seen_at, absent_since) VALUES (?, ?, ?, ?, ?)")) {
                    for (Reconciled event : events) {
                        Timestamp at = Timestamp.from(event.at());
                        Sql.bind(insert, 1, Arrays.asList(event.quoteId(), event.state(), event.eventId(), at,
                                event.state() == null ? at : null));
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
                c.commit();
                return stored;
            } catch (SQLException | RuntimeException e) {
                Sql.rollback(c, e);
                throw e;
            }
        }
    }

    /** This instance no longer holds the reconcile lease: another one took the run over. */
    static final class LeaseLostException extends RuntimeException {
        LeaseLostException() {
            super("the reconcile lease ran out and another instance took it over", null, false, false);
        }
    }
}
