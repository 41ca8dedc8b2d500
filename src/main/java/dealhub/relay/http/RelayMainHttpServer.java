package dealhub.relay.http;

import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.support.service.ServiceHelper;

/**
 * camel-main's embedded HTTP server ({@code camel.server.*}) with the relay's {@link RelayHttpServer} in place of
 * Camel's plain one; the management server ({@code /observe}) finds it as Camel's and shares its port.
 */
final class RelayMainHttpServer extends MainHttpServer {

    private final HttpFront front;
    private RelayHttpServer server;

    RelayMainHttpServer(HttpFront front) {
        this.front = front;
    }

    @Override
    protected void doInit() throws Exception {
        // what MainHttpServer does, with the relay's server
        getConfiguration().setServerType(VertxPlatformHttpRouter.SERVER_TYPE_SERVER);
        server = new RelayHttpServer(getConfiguration(), front);
        getCamelContext().addService(server);
    }

    @Override
    protected void doStart() throws Exception {
        ServiceHelper.startService(server); // its router must exist before MainHttpServer looks it up
        super.doStart();
    }
}
