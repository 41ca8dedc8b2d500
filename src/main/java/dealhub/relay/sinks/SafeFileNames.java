package dealhub.relay.sinks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.apache.camel.Header;

/**
 * File names made from ids that come from outside. Only {@code A-Z a-z 0-9 _ - .} survive, a name never starts with
 * a dot, and it is bounded in length, so a name can neither climb out of its folder nor hide in it. When an id had
 * to be changed, a digest of the original is added, so two different ids never share a file.
 */
public class SafeFileNames {

    private static final int MAX_PART_LENGTH = 80;

    /** {@code <event type>_<event id>.json}, the same for the same event every time (a retry overwrites). */
    public String forEvent(@Header("DealhubEventType") String eventType, @Header("DealhubEventId") String eventId) {
        return safe(eventType) + "_" + safe(eventId) + ".json";
    }

    static String safe(String id) {
        String value = id == null || id.isEmpty() ? "none" : id;
        String cleaned = value.replaceAll("[^A-Za-z0-9_.-]", "_").replaceAll("^\\.+", "_");
        if (cleaned.length() > MAX_PART_LENGTH) {
            cleaned = cleaned.substring(0, MAX_PART_LENGTH);
        }
        if (cleaned.equals(value)) {
            return cleaned;
        }
        return cleaned + "-" + digest(value);
    }

    private static String digest(String value) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
