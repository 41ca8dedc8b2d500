package dealhub.relay.reconcile;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import dealhub.relay.reconcile.ReconcileRun.Result;
import dealhub.relay.sql.Sql;

/**
 * The runs of reconciling, in the relay's database ({@code relay_reconcile_run}), and the lease that lets one run at a
 * time across every instance sharing it ({@code relay_lease}, row {@code reconcile}). The lease is held by an instance
 * until a moment; its holder renews it with each page it journals, and a holder that dies lets it run out.
 */
public class ReconcileRuns {

    private static final String LEASE = "reconcile";
    private static final int MAX_FAILURE_LENGTH = 2000;

    private final DataSource dataSource;
    private final String instanceId;
    private final Duration lease;

    public ReconcileRuns(DataSource dataSource, String instanceId, Duration lease) {
        this.dataSource = dataSource;
        this.instanceId = instanceId;
        this.lease = lease;
    }

    /** Takes the reconcile lease unless another holder's is still running; whether it did. */
    public boolean tryLease() throws SQLException {
        Instant now = Instant.now();
        try (Connection c = dataSource.getConnection()) {
            return Sql.execute(c, "UPDATE relay_lease SET lease_owner = ?, lease_until = ? WHERE lease_name = ?"
                    + " AND (lease_until IS NULL OR lease_until < ?)", instanceId, Timestamp.from(now.plus(lease)), LEASE,
                    Timestamp.from(now)) == 1;
        }
    }

    /**
     * Extends this instance's lease, on the caller's connection (in the transaction that journals a page, so that a
     * page is journaled only under a lease still held); whether it is still this instance's.
     */
    boolean renewLease(Connection c) throws SQLException {
        return Sql.execute(c, "UPDATE relay_lease SET lease_until = ? WHERE lease_name = ? AND lease_owner = ?",
                Timestamp.from(Instant.now().plus(lease)), LEASE, instanceId) == 1;
    }

    /** {@link #renewLease(Connection)} on a connection of its own. */
    public boolean renewLease() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return renewLease(c);
        }
    }

    /**
     * At start: the lease held by an earlier incarnation of this instance (any owner that starts with
     * {@code ownerPrefix}, this one excepted) is free again at once, and its run shown as failed. That incarnation is
     * certainly dead (dispatch's {@code InstanceIdentity} says why), so nothing waits for its lease to run out;
     * another instance's lease is left to its holder. The run keeps no end time, which no one knows: the schedule then
     * still finds a run due and starts it again shortly after this start. Whether a lease was taken back.
     */
    public boolean takeBackFromEarlierRun(String ownerPrefix) throws SQLException {
        String earlier = Sql.likePrefix(ownerPrefix);
        try (Connection c = dataSource.getConnection()) {
            Sql.execute(c, "UPDATE relay_reconcile_run SET state = ?, failure = ? WHERE state = ?"
                    + " AND instance_id LIKE ? ESCAPE '!' AND instance_id <> ?", ReconcileRun.FAILED,
                    "abandoned: its instance stopped before the run ended", ReconcileRun.RUNNING, earlier, instanceId);
            return Sql.execute(c, "UPDATE relay_lease SET lease_owner = NULL, lease_until = NULL WHERE lease_name = ?"
                    + " AND lease_owner LIKE ? ESCAPE '!' AND lease_owner <> ?", LEASE, earlier, instanceId) == 1;
        }
    }

    public void releaseLease() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            Sql.execute(c, "UPDATE relay_lease SET lease_owner = NULL, lease_until = NULL WHERE lease_name = ?"
                    + " AND lease_owner = ?", LEASE, instanceId);
        }
    }

    /**
     * Records a run that starts under this instance's lease. A run still marked running is one whose instance died
     * (the lease is free again): it is marked failed.
     */
    public void begin(ReconcileRun run) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            Sql.execute(c, "UPDATE relay_reconcile_run SET state = ?, finished_at = ?, failure = ? WHERE state = ?",
                    ReconcileRun.FAILED, Sql.now(), "abandoned: its instance stopped before the run ended",
                    ReconcileRun.RUNNING);
            Sql.execute(c, "INSERT INTO relay_reconcile_run (run_id, instance_id, run_trigger, state, started_at, pages,"
                    + " listed, new_quotes, changed, unchanged, gone, skipped) VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0)",
                    run.id(), instanceId, run.trigger(), ReconcileRun.RUNNING, Timestamp.from(run.startedAt()));
        }
    }

    /** Writes the run's progress or end ({@link ReconcileRun#recordedEnd}: {@link #lastFinished} reads it). */
    public void save(ReconcileRun run) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            String failure = run.failure();
            Instant end = run.recordedEnd();
            Sql.execute(c, "UPDATE relay_reconcile_run SET state = ?, finished_at = ?, pages = ?, listed = ?,"
                    + " new_quotes = ?, changed = ?, unchanged = ?, gone = ?, skipped = ?, failure = ? WHERE run_id = ?",
                    run.state(), end == null ? null : Timestamp.from(end), run.pages(),
                    run.listedCount(), run.count(Result.NEW), run.count(Result.CHANGED), run.count(Result.UNCHANGED),
                    run.count(Result.GONE), run.count(Result.SKIPPED),
                    failure == null || failure.length() <= MAX_FAILURE_LENGTH ? failure
                            : failure.substring(0, MAX_FAILURE_LENGTH), run.id());
        }
    }

    /** When the last run of any instance ended, whatever its outcome; {@code null} before the first. */
    public Instant lastFinished() throws SQLException {
        return instant("SELECT max(finished_at) FROM relay_reconcile_run");
    }

    /** When the last run that reconciled the list (complete, or as far as the cap) ended; {@code null} if none did. */
    public Instant lastSuccess() throws SQLException {
        return instant("SELECT max(finished_at) FROM relay_reconcile_run WHERE state IN ('" + ReconcileRun.COMPLETE
                + "', '" + ReconcileRun.CAPPED + "')");
    }

    /** The latest runs of every instance, newest first. */
    public List<Map<String, Object>> recent(int limit) throws SQLException {
        List<Map<String, Object>> runs = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT run_id, instance_id, run_trigger, state, started_at, finished_at, pages, listed, new_quotes,"
                        + " changed, unchanged, gone, skipped, failure FROM relay_reconcile_run"
                        + " ORDER BY started_at DESC FETCH FIRST " + limit + " ROWS ONLY");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("run_id", rs.getString(1));
                run.put("instance_id", rs.getString(2));
                run.put("trigger", rs.getString(3));
                run.put("state", rs.getString(4));
                run.put("started_at", text(rs.getTimestamp(5)));
                run.put("finished_at", text(rs.getTimestamp(6)));
                run.put("pages", rs.getInt(7));
                run.put("listed", rs.getInt(8));
                run.put("new", rs.getInt(9));
                run.put("changed", rs.getInt(10));
                run.put("unchanged", rs.getInt(11));
                run.put("gone", rs.getInt(12));
                run.put("skipped", rs.getInt(13));
                run.put("capped", ReconcileRun.CAPPED.equals(rs.getString(4).toLowerCase(Locale.ROOT)));
                run.put("failure", rs.getString(14));
                runs.add(run);
            }
        }
        return runs;
    }

    private Instant instant(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            Timestamp at = rs.next() ? rs.getTimestamp(1) : null;
            return at == null ? null : at.toInstant();
        }
    }

    private static String text(Timestamp at) {
        return at == null ? null : at.toInstant().toString();
    }
}
