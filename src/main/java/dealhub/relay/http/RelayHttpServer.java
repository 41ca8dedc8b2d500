package dealhub.relay.http;

import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Camel's Vert.x HTTP server (its router, body handler and platform-http routes unchanged), listening through a
 * Vert.x server of the relay's own, because two things must be in place before the first connection is accepted
 * and Camel's server offers no hook for them: the {@link HttpFront} on the router (the start-up gate, the failure
 * handler), and a {@link StrictFramingDecoder} on every connection, which needs a connection handler set before
 * the server listens and HTTP/2 upgrades off (with them on, Vert.x reads the first request before calling it).
 * <p>
 * TLS, authentication and a path other than {@code /} on {@code camel.server} are refused rather than silently
 * left out: the relay is served behind a reverse proxy that terminates TLS.
 */
final class RelayHttpServer extends VertxPlatformHttpServer {

    private static final Logger LOG = LoggerFactory.getLogger(RelayHttpServer.class);
    private static final long TIMEOUT_SECONDS = 30;

    private final VertxPlatformHttpServerConfiguration configuration;
    private final HttpFront front;
    private HttpServer server;

    RelayHttpServer(VertxPlatformHttpServerConfiguration configuration, HttpFront front) {
        super(configuration);
        this.configuration = configuration;
        this.front = front;
    }

    @Override
    protected void startServer() throws Exception {
        refuseWhatThisServerLeavesOut();
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(getCamelContext(),
                VertxPlatformHttpRouter.getRouterNameFromPort(configuration.getPort()));
        front.install(router);
        HttpServerOptions options = new HttpServerOptions().setHttp2ClearTextEnabled(false);
        HttpServer created = getVertx().createHttpServer(options)
                .connectionHandler(connection -> StrictFramingDecoder.replaceIn(connection, options))
                .invalidRequestHandler(front::invalidRequest)
                .requestHandler(router);
        server = created.listen(configuration.getBindPort(), configuration.getBindHost())
                .toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        LOG.info("HTTP server listening on {}:{}", configuration.getBindHost(), server.actualPort());
    }

    @Override
    protected void stopServer() {
        if (server == null) {
            return;
        }
        // as Camel's server does: a restarted context makes the component anew
        getCamelContext().removeComponent(PlatformHttpConstants.PLATFORM_HTTP_COMPONENT_NAME);
        try {
            server.close().toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("the HTTP server did not close cleanly: {}", e.getMessage());
        } finally {
            server = null;
        }
    }

    @Override
    protected void stopVertx() {
        // Camel's own would hand this to the executor its listen used, which this server has not made.
        Vertx vertx = getVertx();
        if (vertx != null && lookupVertx() == null) { // made for this server, not found in the registry
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("Vert.x did not close cleanly: {}", e.getMessage());
            }
        }
    }

    @Override
    public HttpServer getServer() {
        return server;
    }

    @Override
    public int getPort() {
        return server != null ? server.actualPort() : configuration.getBindPort();
    }

    private void refuseWhatThisServerLeavesOut() {
        if (configuration.getSslContextParameters() != null || configuration.isUseGlobalSslContextParameters()) {
            throw new IllegalStateException("camel.server TLS is not supported: terminate TLS in front of the relay");
        }
        if (configuration.getAuthenticationConfig().isEnabled()) {
            throw new IllegalStateException("camel.server authentication is not supported by the relay");
        }
        if (configuration.getPath() != null && !configuration.getPath().equals("/")) {
            throw new IllegalStateException("camel.server.path must be / (the relay's paths are fixed)");
        }
    }
}
