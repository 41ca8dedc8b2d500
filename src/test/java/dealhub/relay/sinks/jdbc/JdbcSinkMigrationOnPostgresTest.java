package dealhub.relay.sinks.jdbc;

class JdbcSinkMigrationOnPostgresTest extends JdbcSinkMigrationTest implements OnPostgres {
}
