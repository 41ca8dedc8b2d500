package dealhub.relay.observe;

import java.sql.Connection;
import java.util.Map;

import javax.sql.DataSource;

import dealhub.relay.journal.JournalQueries;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** Readiness checks of the relay's own, served with Camel's under {@code /observe/health}. */
public final class JournalHealthChecks {

    private JournalHealthChecks() {
    }

    /** Ready only while the journal's database answers: without it no webhook can be accepted. */
    public static class Database extends AbstractHealthCheck {

        private final DataSource dataSource;

        public Database(DataSource dataSource) {
            super("relay", "journal-database");
            this.dataSource = dataSource;
        }

        @Override
        public boolean isLiveness() {
            return false; // a restart would not bring the database back
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            try (Connection c = dataSource.getConnection()) {
                if (c.isValid(2)) {
                    builder.up();
                } else {
                    builder.down().message("the journal database does not answer");
                }
            } catch (Exception e) {
                // in the relay's words: health answers anyone on the webhook port, and name no class
                builder.down().message("the journal database is unreachable");
            }
        }
    }

    /** Ready only while the backlog of unsettled events stays below the configured bound. */
    public static class Backlog extends AbstractHealthCheck {

        private final JournalQueries journal;
        private final long maxBacklog;

        public Backlog(JournalQueries journal, long maxBacklog) {
            super("relay", "journal-backlog");
            this.journal = journal;
            this.maxBacklog = maxBacklog;
        }

        @Override
        public boolean isLiveness() {
            return false;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            try {
                long pending = journal.backlog().pending();
                builder.detail("pending", pending).detail("max", maxBacklog);
                if (pending < maxBacklog) {
                    builder.up();
                } else {
                    builder.down().message(pending + " events wait for dispatch (relay.health.max-backlog="
                            + maxBacklog + ")");
                }
            } catch (Exception e) {
                builder.down().message("the backlog cannot be read: the journal database is unreachable");
            }
        }
    }
}
