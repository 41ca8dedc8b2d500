package dealhub.relay.sinks.jdbc;

class JdbcSinkReplaysOnPostgresTest extends JdbcSinkReplaysTest implements OnPostgres {
}
