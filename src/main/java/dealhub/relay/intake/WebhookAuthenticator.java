package dealhub.relay.intake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import dealhub.relay.reply.BadRequestException;

import org.apache.camel.Header;

/**
 * Checks the {@code Authorization} header the way DealHub sends it: {@code Bearer <token>} (DealHub's "Token"),
 * {@code Basic base64(user:password)}, or nothing at all.
 * <p>
 * Several secrets may be valid at once, so a secret can be rotated without a gap. Every configured secret is
 * compared, each in constant time over SHA-256 digests, so neither the match nor its position leaks through timing.
 */
public class WebhookAuthenticator {

    public enum Mode {
        BEARER, BASIC, NONE;

        /** The mode named by {@code relay.webhook.auth}, in any letter case. */
        public static Mode of(String name) {
            for (Mode mode : values()) {
                if (mode.name().equalsIgnoreCase(name.trim())) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("relay.webhook.auth=" + name + " is not one of bearer, basic, none");
        }
    }

    private final Mode mode;
    private final List<byte[]> secretDigests;

    /**
     * @param mode    how DealHub authenticates
     * @param secrets the accepted tokens ({@code bearer}) or {@code user:password} pairs ({@code basic})
     */
    public WebhookAuthenticator(Mode mode, List<String> secrets) {
        if (mode != Mode.NONE && secrets.isEmpty()) {
            throw new IllegalArgumentException("relay.webhook.auth=" + mode.name().toLowerCase(Locale.ROOT)
                    + " needs at least one secret in relay.webhook.secrets (or RELAY_WEBHOOK_SECRETS)");
        }
        if (mode == Mode.BASIC && secrets.stream().anyMatch(s -> s.indexOf(':') < 1)) {
            throw new IllegalArgumentException("relay.webhook.auth=basic takes secrets of the form user:password");
        }
        this.mode = mode;
        this.secretDigests = secrets.stream().map(WebhookAuthenticator::sha256).toList();
    }

    public Mode mode() {
        return mode;
    }

    /** Throws a 401 rejection unless the request carries one of the accepted credentials. */
    public void authenticate(@Header("Authorization") String authorization) {
        if (mode == Mode.NONE) {
            return;
        }
        String presented = credentials(authorization);
        if (presented == null) {
            throw unauthorized();
        }
        byte[] digest = sha256(presented);
        boolean match = false;
        for (byte[] accepted : secretDigests) {
            match |= MessageDigest.isEqual(accepted, digest);
        }
        if (!match) {
            throw unauthorized();
        }
    }

    private String credentials(String authorization) {
        if (authorization == null) {
            return null;
        }
        String scheme = mode == Mode.BEARER ? "bearer " : "basic ";
        if (authorization.length() <= scheme.length()
                || !authorization.regionMatches(true, 0, scheme, 0, scheme.length())) {
            return null;
        }
        String value = authorization.substring(scheme.length()).trim();
        if (mode == Mode.BEARER) {
            return value;
        }
        try {
            return new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
    }

    private BadRequestException unauthorized() {
        return new BadRequestException(401, "missing or invalid credentials");
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        // Never print the secrets, not even their digests.
        return "WebhookAuthenticator[mode=" + mode + ", secrets=" + secretDigests.size() + "]";
    }

}
