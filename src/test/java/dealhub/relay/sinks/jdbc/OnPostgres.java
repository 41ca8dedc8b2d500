package dealhub.relay.sinks.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;

import dealhub.relay.support.TestRelay;

/** The relay on the local PostgreSQL, and another schema there as the separate BI database. */
interface OnPostgres extends Database {

    @Override
    default TestRelay.Builder database(TestRelay.Builder relay) {
        return relay.onPostgres();
    }

    @Override
    default BiServer separateServer(List<AutoCloseable> cleanup) throws Exception {
        String schema = "bi_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(TestRelay.POSTGRES_URL, "postgres", "");
             Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
        return new BiServer(5432, "jdbc:postgresql://127.0.0.1:%d/test?currentSchema=" + schema, "postgres");
    }
}
