package dealhub.relay.sinks.jdbc;

import java.net.ServerSocket;
import java.util.List;
import java.util.UUID;

import dealhub.relay.support.TestRelay;

import org.h2.tools.Server;

/** The relay on H2, and an H2 server as the separate BI database. */
interface OnH2 extends Database {

    @Override
    default TestRelay.Builder database(TestRelay.Builder relay) {
        return relay;
    }

    @Override
    default BiServer separateServer(List<AutoCloseable> cleanup) throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Server server = Server.createTcpServer("-tcpPort", String.valueOf(port), "-ifNotExists").start();
        cleanup.add(server::stop);
        return new BiServer(server.getPort(),
                "jdbc:h2:tcp://127.0.0.1:%d/mem:bi-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa");
    }
}
