package dealhub.relay.sinks.jdbc;

class JdbcSinkFaultsOnH2Test extends JdbcSinkFaultsTest implements OnH2 {
}
