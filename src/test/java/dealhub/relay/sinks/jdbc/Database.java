package dealhub.relay.sinks.jdbc;

import java.util.List;

import dealhub.relay.support.TestRelay;

/** Which database a jdbc sink test runs on: each test class runs on H2 ({@link OnH2}) and PostgreSQL ({@link OnPostgres}). */
interface Database {

    /** The relay's own database for this run. */
    TestRelay.Builder database(TestRelay.Builder relay);

    /** A database server apart from the relay's, started for this test (stopped by {@code cleanup}). */
    BiServer separateServer(List<AutoCloseable> cleanup) throws Exception;

    /** Where a separate BI database listens and how to reach it. */
    record BiServer(int port, String urlPattern, String username) {

        /** The JDBC URL of this server's BI database through another port (a proxy). */
        String url(int viaPort) {
            return urlPattern.formatted(viaPort);
        }
    }
}
