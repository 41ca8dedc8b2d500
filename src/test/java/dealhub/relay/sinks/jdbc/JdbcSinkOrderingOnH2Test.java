package dealhub.relay.sinks.jdbc;

class JdbcSinkOrderingOnH2Test extends JdbcSinkOrderingTest implements OnH2 {
}
