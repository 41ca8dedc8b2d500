package dealhub.relay.http;

import java.util.List;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;

/**
 * The request decoder Vert.x uses, refusing every request whose end could be read in two ways (RFC 9112, 6.1 and
 * 6.3): a {@code Transfer-Encoding} next to a {@code Content-Length}, a transfer coding other than exactly one
 * {@code chunked}, or a {@code Transfer-Encoding} in HTTP/1.0. Netty would take the chunked body, drop the
 * {@code Content-Length} and keep the connection open, so a proxy in front that read the length the other way
 * could hide a second request behind the first (request smuggling). A refused request becomes Netty's invalid
 * message: Vert.x answers it through the server's invalid-request handler, closes the connection, and the decoder
 * discards every byte after it, so nothing behind it is ever answered. Two different {@code Content-Length}
 * values Netty refuses the same way by itself.
 */
final class StrictFramingDecoder extends VertxHttpRequestDecoder {

    /** Why a request was refused for its framing; the words are the relay's and may be shown to the sender. */
    static final class AmbiguousFraming extends IllegalArgumentException {
        AmbiguousFraming(String reason) {
            super(reason, null);
        }
    }

    private StrictFramingDecoder(HttpServerOptions options) {
        super(options);
    }

    /**
     * Puts this decoder in place of Vert.x's on a new connection, before it has read a byte (Vert.x calls a
     * server's connection handler while it sets the connection up, when HTTP/2 upgrades are off).
     */
    static void replaceIn(HttpConnection connection, HttpServerOptions options) {
        if (connection instanceof Http1xServerConnection http1) {
            ChannelPipeline pipeline = http1.channelHandlerContext().pipeline();
            pipeline.replace("httpDecoder", "httpDecoder", new StrictFramingDecoder(options));
        }
    }

    /**
     * Netty asks this once per request, with all headers read and before it decides how the body is framed: the
     * one place to refuse a framing. An exception here makes the request invalid.
     */
    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage message) {
        requireOneFraming(message);
        return super.isContentAlwaysEmpty(message);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        // Already refused in isContentAlwaysEmpty; kept so Netty's own choice (drop the length) can never apply.
        throw new AmbiguousFraming("a request must not carry both Content-Length and Transfer-Encoding");
    }

    private static void requireOneFraming(HttpMessage message) {
        List<String> codings = message.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (codings.isEmpty()) {
            return;
        }
        if (message.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            throw new AmbiguousFraming("a request must not carry both Content-Length and Transfer-Encoding");
        }
        if (!HttpVersion.HTTP_1_1.equals(message.protocolVersion())) {
            throw new AmbiguousFraming("Transfer-Encoding needs HTTP/1.1");
        }
        if (codings.size() != 1 || !codings.get(0).trim().equalsIgnoreCase("chunked")) {
            throw new AmbiguousFraming("the only Transfer-Encoding accepted is a single chunked");
        }
    }
}
