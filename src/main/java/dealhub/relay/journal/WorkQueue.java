package dealhub.relay.journal;

import static dealhub.relay.journal.JournalState.PENDING;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import javax.sql.DataSource;

import dealhub.relay.sql.Sql;

/**
 * The journal as a work queue whose unit of work is one (event, sink) delivery.
 * <p>
 * Contract:
 * <ul>
 * <li>A delivery row is due when it is {@code pending} and its {@code next_attempt_at} has passed. That one column is
 * both the schedule (a failed delivery waits in the journal until its next attempt) and the lease (a claimed one is
 * due again when its holder's lease runs out), so retries survive restarts and move to any instance.</li>
 * <li>Every claim raises the row's {@code version}: the {@link Ticket} a claim returns is the fencing token. The
 * statements that renew, check ({@link #holdForSend}) or settle a delivery ({@link DeliveryOutcomes}) name the
 * version they hold and do nothing when it has moved on: a delivery taken over cannot be recorded by its old
 * holder.</li>
 * <li>New events are planned in the claim's transaction: each gets a row per sink subscribed to its type, leased to
 * this instance at once; an event nothing subscribes to is settled {@code done} there.</li>
 * <li>Every statement here is bounded ({@code queryTimeoutSeconds}): a stalled database makes a call fail, never
 * hang, so that the caller knows its leases could not be renewed.</li>
 * </ul>
 */
public class WorkQueue {

    private final DataSource dataSource;
    /** Where {@link #holdForSend} commits, shared with other journal writes; {@code null}: a commit of its own. */
    private final GroupCommit commits;
    private final String instanceId;
    private final Duration lease;
    private final int queryTimeoutSeconds;
    /** Whether the database is PostgreSQL, known from the first claim's connection (none is opened before). */
    private volatile Boolean skipLocked;

    /**
     * @param instanceId          the lease owner this instance claims as (opaque)
     * @param queryTimeoutSeconds the longest any statement of this queue may wait for the database
     */
    public WorkQueue(DataSource dataSource, String instanceId, Duration lease, int queryTimeoutSeconds) {
        this(dataSource, null, instanceId, lease, queryTimeoutSeconds);
    }

    /**
     * @param commits the journal's group commit, which {@link #holdForSend} shares: a commit of its own per send was
     *                a fifth of the relay's CPU with a fenced sink under load (bench/RESULTS.md, round 5)
     */
    public WorkQueue(DataSource dataSource, GroupCommit commits, String instanceId, Duration lease,
            int queryTimeoutSeconds) {
        this.dataSource = dataSource;
        this.commits = commits;
        this.instanceId = instanceId;
        this.lease = lease;
        this.queryTimeoutSeconds = queryTimeoutSeconds;
    }

    /** One claimed (event, sink) delivery: {@code version} is what this instance holds it as. */
    public record Ticket(String eventId, String sink, long version, int attempts, int retries) {

        public String key() {
            return eventId + '\n' + sink;
        }
    }

    /** An event and the deliveries of it this claim took, in sink order. */
    public record Claim(JournalEvent event, List<Ticket> deliveries) {
    }

    /**
     * Leases up to {@code limit} due deliveries to this instance, oldest due first, then plans new events with the
     * room left. With {@code takeOver} false only deliveries nobody holds are taken: after a stall of the database
     * an expired lease does not show that its holder is gone, since no holder could renew.
     *
     * @param subscribers the sinks that take an event type
     */
    public List<Claim> claimDue(int limit, Function<String, List<String>> subscribers, boolean takeOver)
            throws SQLException {
        Timestamp now = Timestamp.from(Instant.now());
        Timestamp until = Timestamp.from(now.toInstant().plus(lease));
        try (Connection c = dataSource.getConnection()) {
            if (skipLocked == null) {
                skipLocked = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
            }
            c.setAutoCommit(false);
            try {
                Map<String, List<Ticket>> tickets = new LinkedHashMap<>();
                int taken = claimDueDeliveries(c, limit, now, until, takeOver, tickets);
                if (taken < limit) {
                    new Planner(c, instanceId, now, until, timeout()).plan(limit - taken, skipLocked, subscribers,
                            tickets);
                }
                List<Claim> claims = EventLoader.load(c, tickets, timeout());
                c.commit();
                return claims;
            } catch (SQLException | RuntimeException e) {
                Sql.rollback(c, e);
                throw e;
            }
        }
    }

    private int claimDueDeliveries(Connection c, int limit, Timestamp now, Timestamp until, boolean takeOver,
            Map<String, List<Ticket>> tickets) throws SQLException {
        // "ORDER BY state, next_attempt_at" is the index's order. PostgreSQL locks what it selects, skipping rows
        // other instances are claiming; on H2 the conditional UPDATE is what claims: a row another transaction
        // claimed in the meantime has another version, and is not updated.
        String select = "SELECT event_id, sink, version, attempts, retries FROM relay_delivery"
                + " WHERE state = ? AND next_attempt_at <= ?" + (takeOver ? "" : " AND lease_owner IS NULL")
                + " ORDER BY state, next_attempt_at FETCH FIRST " + limit + " ROWS ONLY"
                + (skipLocked ? " FOR UPDATE SKIP LOCKED" : "");
        List<Ticket> due = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(select)) {
            ps.setQueryTimeout(timeout());
            ps.setString(1, PENDING);
            ps.setTimestamp(2, now);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    due.add(new Ticket(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getInt(4), rs.getInt(5)));
                }
            }
        }
        if (due.isEmpty()) {
            return 0;
        }
        int taken = 0;
        try (PreparedStatement ps = c.prepareStatement("UPDATE relay_delivery SET lease_owner = ?,"
                + " next_attempt_at = ?, version = version + 1 WHERE event_id = ? AND sink = ? AND version = ?"
                + " AND state = ?")) {
            ps.setQueryTimeout(timeout());
            for (Ticket t : due) {
                Sql.bind(ps, 1, List.of(instanceId, until, t.eventId(), t.sink(), t.version(), PENDING));
                ps.addBatch();
            }
            int[] updated = ps.executeBatch();
            for (int i = 0; i < updated.length; i++) {
                if (updated[i] != 0) {
                    Ticket t = due.get(i);
                    tickets.computeIfAbsent(t.eventId(), id -> new ArrayList<>())
                            .add(new Ticket(t.eventId(), t.sink(), t.version() + 1, t.attempts(), t.retries()));
                    taken++;
                }
            }
        }
        return taken;
    }

    /** Extends this instance's leases of the deliveries it still works on; returns those it no longer holds. */
    public List<Ticket> renewLeases(Collection<Ticket> held) throws SQLException {
        Timestamp until = Timestamp.from(Instant.now().plus(lease));
        List<Ticket> lost = new ArrayList<>();
        List<Ticket> tickets = List.copyOf(held);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            if (tickets.isEmpty()) {
                // Still asks the table: a renewal that cannot reach it tells the caller the database stalls.
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM relay_delivery WHERE 1 = 0")) {
                    ps.setQueryTimeout(timeout());
                    ps.executeQuery().close();
                }
                return lost;
            }
            // One row per statement, each committed on its own: a renewal never holds one row while waiting for
            // another, so it cannot deadlock with the group commit, which settles many rows in any order.
            try (PreparedStatement ps = c.prepareStatement("UPDATE relay_delivery SET next_attempt_at = ?"
                    + " WHERE event_id = ? AND sink = ? AND version = ? AND lease_owner = ? AND state = ?")) {
                ps.setQueryTimeout(timeout());
                for (Ticket t : tickets) {
                    Sql.bind(ps, 1, List.of(until, t.eventId(), t.sink(), t.version(), instanceId, PENDING));
                    if (ps.executeUpdate() == 0) {
                        lost.add(t);
                    }
                }
            }
        }
        return lost;
    }

    /**
     * The check right before a send that must not happen twice: whether this instance still holds the delivery at
     * this version, unsettled, with its lease not run out; if so the lease is extended by a whole term for the send.
     */
    public boolean holdForSend(Ticket ticket) throws SQLException {
        Timestamp now = Timestamp.from(Instant.now());
        if (commits != null) {
            // returns once committed, as below; waiting no longer than any statement of this queue may
            return commits.run(c -> extendForSend(c, ticket, now), Duration.ofSeconds(timeout()));
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            return extendForSend(c, ticket, now);
        }
    }

    private boolean extendForSend(Connection c, Ticket ticket, Timestamp now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE relay_delivery SET next_attempt_at = ?"
                + " WHERE event_id = ? AND sink = ? AND version = ? AND lease_owner = ? AND state = ?"
                + " AND next_attempt_at > ?")) {
            ps.setQueryTimeout(timeout());
            Sql.bind(ps, 1, List.of(Timestamp.from(now.toInstant().plus(lease)), ticket.eventId(), ticket.sink(),
                    ticket.version(), instanceId, PENDING, now));
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Hands back at once the leases held by any owner that starts with {@code ownerPrefix}, this instance's own
     * excepted: at start, those of this instance's earlier incarnations, which are certainly dead. Their deliveries
     * are due again at once, for any instance, instead of after their leases run out; the version moves on, so
     * nothing of an earlier incarnation can be recorded.
     *
     * @return how many deliveries were released
     */
    public int releaseLeasesOf(String ownerPrefix) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE relay_delivery SET lease_owner = NULL, next_attempt_at = ?, version = version + 1"
                        + " WHERE lease_owner LIKE ? ESCAPE '!' AND lease_owner <> ? AND state = ?")) {
            c.setAutoCommit(true);
            ps.setQueryTimeout(timeout());
            ps.setTimestamp(1, Timestamp.from(Instant.now()));
            ps.setString(2, Sql.likePrefix(ownerPrefix));
            ps.setString(3, instanceId);
            ps.setString(4, PENDING);
            return ps.executeUpdate();
        }
    }

    /** Gives up this instance's leases at once (at shutdown): the deliveries are due again for anyone. */
    public void releaseLeases(Collection<Ticket> held) throws SQLException {
        if (held.isEmpty()) {
            return;
        }
        Timestamp now = Timestamp.from(Instant.now());
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE relay_delivery SET lease_owner = NULL,"
                     + " next_attempt_at = ? WHERE event_id = ? AND sink = ? AND version = ? AND lease_owner = ?")) {
            c.setAutoCommit(true);
            ps.setQueryTimeout(timeout());
            for (Ticket t : held) {
                Sql.bind(ps, 1, List.of(now, t.eventId(), t.sink(), t.version(), instanceId));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private int timeout() {
        return queryTimeoutSeconds;
    }
}
