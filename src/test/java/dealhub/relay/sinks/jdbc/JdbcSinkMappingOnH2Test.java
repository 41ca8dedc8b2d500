package dealhub.relay.sinks.jdbc;

class JdbcSinkMappingOnH2Test extends JdbcSinkMappingTest implements OnH2 {
}
