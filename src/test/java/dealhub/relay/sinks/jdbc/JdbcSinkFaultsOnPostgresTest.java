package dealhub.relay.sinks.jdbc;

class JdbcSinkFaultsOnPostgresTest extends JdbcSinkFaultsTest implements OnPostgres {
}
