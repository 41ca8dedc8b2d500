package dealhub.relay.sinks.jdbc;

class JdbcSinkReplaysOnH2Test extends JdbcSinkReplaysTest implements OnH2 {
}
