package dealhub.relay.sinks.jdbc;

class JdbcSinkQueriesOnPostgresTest extends JdbcSinkQueriesTest implements OnPostgres {
}
