package dealhub.relay.sinks.jdbc;

class JdbcSinkQueriesOnH2Test extends JdbcSinkQueriesTest implements OnH2 {
}
