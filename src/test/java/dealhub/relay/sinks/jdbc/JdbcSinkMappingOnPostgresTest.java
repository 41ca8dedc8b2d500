package dealhub.relay.sinks.jdbc;

class JdbcSinkMappingOnPostgresTest extends JdbcSinkMappingTest implements OnPostgres {
}
