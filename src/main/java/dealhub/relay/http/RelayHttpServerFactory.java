package dealhub.relay.http;

import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.component.platform.http.main.DefaultMainHttpServerFactory;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.main.HttpManagementServerConfigurationProperties;
import org.apache.camel.main.HttpServerConfigurationProperties;
import org.apache.camel.main.MainHttpServerFactory;

/**
 * Makes camel-main's HTTP server the relay's {@link RelayMainHttpServer}, configured from {@code camel.server.*}
 * exactly as Camel's own factory configures its server; the management server is Camel's. camel-main takes a
 * factory found in the registry before its own.
 */
final class RelayHttpServerFactory implements MainHttpServerFactory {

    private final DefaultMainHttpServerFactory camels = new DefaultMainHttpServerFactory();
    private final HttpFront front;

    RelayHttpServerFactory(HttpFront front) {
        this.front = front;
    }

    @Override
    public Service newHttpServer(CamelContext context, HttpServerConfigurationProperties properties) {
        camels.setCamelContext(context);
        MainHttpServer configured = (MainHttpServer) camels.newHttpServer(context, properties);
        RelayMainHttpServer server = new RelayMainHttpServer(front);
        server.setCamelContext(context);
        server.setConfiguration(configured.getConfiguration());
        server.setFileUploadEnabled(configured.isFileUploadEnabled());
        server.setFileUploadDirectory(configured.getFileUploadDirectory());
        server.setStaticEnabled(configured.isStaticEnabled());
        server.setStaticContextPath(configured.getStaticContextPath());
        server.setStaticSourceDir(configured.getStaticSourceDir());
        return server;
    }

    @Override
    public Service newHttpManagementServer(CamelContext context, HttpManagementServerConfigurationProperties properties) {
        camels.setCamelContext(context);
        return camels.newHttpManagementServer(context, properties);
    }
}
