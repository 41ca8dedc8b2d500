package dealhub.relay.sinks.jdbc;

class JdbcSinkOrderingOnPostgresTest extends JdbcSinkOrderingTest implements OnPostgres {
}
