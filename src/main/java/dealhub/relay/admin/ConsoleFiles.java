package dealhub.relay.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.Message;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.support.DefaultHeaderFilterStrategy;

/**
 * The operators' console ({@code routes/console.yaml}): a few static files from the jar's {@code console/} folder,
 * served by name from an explicit list (nothing else on the class path or in the working folder can be asked for),
 * each with its content type and headers that let a browser run nothing but the console's own script. Off (404),
 * like the admin API the console calls, when no admin token is set.
 */
public class ConsoleFiles {

    /**
     * No inline script or style, nothing from elsewhere, no framing, no form posted away: data shown by the console
     * cannot run even where a page would put it in the wrong place.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self';"
            + " img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
            + " frame-ancestors 'none'";

    /** What is served: the name in the URL, and its content type. The file is {@code console/<name>} in the jar. */
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "console.css", "text/css; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8");

    private final boolean enabled;
    private final Map<String, String> contents;

    /** @param enabled whether an admin token is set */
    public ConsoleFiles(boolean enabled) {
        this.enabled = enabled;
        this.contents = Map.of("index.html", read("index.html"), "console.css", read("console.css"),
                "console.js", read("console.js"));
    }

    /** {@code GET /console/} and {@code GET /console/{name}}: the file, or 404. */
    public void serve(@Header("name") String name, Exchange exchange) {
        String file = name == null || name.isEmpty() ? "index.html" : name;
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        String type = FILES.get(file);
        if (!enabled || type == null) {
            message.setHeader(Exchange.HTTP_RESPONSE_CODE, 404);
            message.setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
            message.setHeader("X-Content-Type-Options", "nosniff");
            message.setBody("not found");
            return;
        }
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, type);
        message.setHeader("X-Content-Type-Options", "nosniff");
        message.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        message.setHeader("X-Frame-Options", "DENY");
        message.setHeader("Referrer-Policy", "no-referrer");
        // Checked again on every load: a relay upgraded under an open console serves its new files at once.
        message.setHeader("Cache-Control", "no-cache");
        message.setBody(contents.get(file));
    }

    /**
     * What the console's routes let through as response headers: every header but Camel's own. Its bean has just
     * cleared the message's headers and set the ones above; platform-http's default would drop {@code Cache-Control}.
     */
    public static HeaderFilterStrategy headerFilter() {
        DefaultHeaderFilterStrategy filter = new DefaultHeaderFilterStrategy();
        filter.setOutFilterStartsWith(DefaultHeaderFilterStrategy.CAMEL_FILTER_STARTS_WITH);
        filter.setInFilterStartsWith(DefaultHeaderFilterStrategy.CAMEL_FILTER_STARTS_WITH);
        return filter;
    }

    private static String read(String name) {
        try (InputStream in = ConsoleFiles.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("console/" + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
