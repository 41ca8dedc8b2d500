package dealhub.relay.sinks.jdbc;

class JdbcSinkMigrationOnH2Test extends JdbcSinkMigrationTest implements OnH2 {
}
