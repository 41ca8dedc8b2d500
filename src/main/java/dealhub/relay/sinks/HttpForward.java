package dealhub.relay.sinks;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Builds the request an {@code http} sink POSTs ({@code routes/sink-http.yaml}): the document, or a template's
 * output, as JSON, with the sink's static headers and, when it has a signing secret, a Standard Webhooks signature
 * ({@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature: v1,<base64 HMAC-SHA256>}) computed
 * anew for every attempt, so its timestamp is always fresh.
 */
public class HttpForward {

    private static final String JSON = ".json.ftl";
    private static final String SECRET_PREFIX = "whsec_";
    private static final int MIN_SECRET_BYTES = 24;
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
    private static final Pattern PLAIN_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    /** Headers the sink sets itself, or the HTTP client does. */
    private static final Set<String> RESERVED = Set.of("content-type", "content-length", "host", "transfer-encoding",
            "webhook-id", "webhook-timestamp", "webhook-signature");

    private final Map<String, String> headers;
    private final byte[] signingKey;
    private final String template;
    private final SinkTemplates templates = new SinkTemplates();
    private final ObjectMapper mapper = new ObjectMapper();

    /** Checks the sink's settings: malformed headers, a bad secret or an unknown template stop the relay's start. */
    public HttpForward(String sink, String headers, String signingSecret, String template, String url) {
        String option = "relay.sinks." + sink + ".";
        checkUrl(option + "url", url);
        this.headers = staticHeaders(option + "headers", headers);
        this.signingKey = signingSecret == null || signingSecret.isBlank() ? null
                : signingKey(option + "signing-secret", signingSecret.trim());
        this.template = template == null || template.isBlank() ? null
                : SinkTemplates.checkName(option + "template", template.trim(), JSON);
    }

    /** Replaces the message with exactly the request: body, content type, static and signature headers. */
    public void prepare(Exchange exchange) throws IOException, GeneralSecurityException {
        Message request = exchange.getIn();
        String body = request.getBody(String.class);
        if (template != null) {
            body = templates.render(jsonFile(template), TemplateModel.of(mapper.readTree(body)));
        }
        String eventId = request.getHeader("DealhubEventId", String.class);
        // Keep only the error handler's attempt counters; camel-http would send any other header along.
        request.removeHeaders("*", "CamelRedelivery*", "CamelRedelivered");
        request.setHeader(Exchange.HTTP_METHOD, "POST");
        request.setHeader(Exchange.CONTENT_TYPE, "application/json; charset=UTF-8");
        headers.forEach(request::setHeader);
        if (signingKey != null) {
            String id = messageId(eventId);
            String timestamp = String.valueOf(Instant.now().getEpochSecond());
            request.setHeader("webhook-id", id);
            request.setHeader("webhook-timestamp", timestamp);
            request.setHeader("webhook-signature", "v1," + sign(id + "." + timestamp + "." + body));
        }
        request.setBody(body);
    }

    private String sign(String content) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(signingKey, "HmacSHA256"));
        return Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The same for every attempt of an event, so the receiver can drop a repeat: the event id itself when it is a
     * plain token, else a digest of it (a header cannot carry every character an id may have).
     */
    private static String messageId(String eventId) throws GeneralSecurityException {
        if (PLAIN_ID.matcher(eventId).matches()) {
            return eventId;
        }
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(eventId.getBytes(StandardCharsets.UTF_8));
        return "msg_" + HexFormat.of().formatHex(digest, 0, 16);
    }

    private static String jsonFile(String template) {
        return template + JSON;
    }

    /** An absolute http or https URL; not echoed, as a receiver's URL may hold its secret (a chat webhook's does). */
    private static void checkUrl(String option, String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return;
            }
        } catch (URISyntaxException e) {
            // Refused below, without the URL.
        }
        throw new IllegalArgumentException(option + " must be an http:// or https:// URL with a host");
    }

    /** {@code Name: value; Name: value}: header names are tokens, values single lines. */
    private static Map<String, String> staticHeaders(String option, String text) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return headers;
        }
        for (String pair : text.split(";")) {
            int colon = pair.indexOf(':');
            String name = colon < 0 ? pair.trim() : pair.substring(0, colon).trim();
            String value = colon < 0 ? "" : pair.substring(colon + 1).trim();
            if (!HEADER_NAME.matcher(name).matches() || value.isEmpty() || !TemplateModel.line(value).equals(value)) {
                throw new IllegalArgumentException(option + " must be 'Name: value' pairs separated by ';', at '"
                        + name + "'");
            }
            if (RESERVED.contains(name.toLowerCase(Locale.ROOT)) || name.regionMatches(true, 0, "Camel", 0, 5)) {
                throw new IllegalArgumentException(option + ": " + name + " is set by the relay itself");
            }
            headers.put(name, value);
        }
        return headers;
    }

    /** A Standard Webhooks secret, {@code whsec_} and the key in base64; never echoed in a message. */
    private static byte[] signingKey(String option, String secret) {
        byte[] key;
        try {
            String base64 = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
            key = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " must be whsec_ followed by the key in base64");
        }
        if (key.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException(option + " must hold a key of at least " + MIN_SECRET_BYTES + " bytes");
        }
        return key;
    }
}
