package dealhub.relay;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.apache.camel.spi.PropertiesComponent;

/**
 * Typed reads of the relay's settings. Every key has its default in {@code relay-defaults.properties}; the
 * working directory's {@code application.properties}, a {@code --properties} file and environment variables
 * ({@code relay.webhook.secrets} is {@code RELAY_WEBHOOK_SECRETS}) override it.
 */
final class Settings {

    private final PropertiesComponent properties;

    Settings(PropertiesComponent properties) {
        this.properties = properties;
    }

    Optional<String> optional(String key) {
        return properties.resolveProperty(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    String string(String key) {
        return optional(key).orElseThrow(() -> new IllegalArgumentException(key + " is not set"));
    }

    int integer(String key) {
        String value = string(key);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, not '" + value + "'");
        }
    }

    double decimal(String key) {
        String value = string(key);
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, not '" + value + "'");
        }
    }

    boolean flag(String key) {
        return Boolean.parseBoolean(string(key));
    }

    /** A comma-separated list; blank items are dropped. */
    List<String> list(String key) {
        return optional(key).map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .toList()).orElse(List.of());
    }
}
