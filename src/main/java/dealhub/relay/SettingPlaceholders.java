package dealhub.relay;

import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.IOHelper;

/**
 * Refuses a relay setting whose placeholder resolves to nothing. Camel drops a value whose {@code {{env:NAME}}} is
 * unset as if the key were not written at all, so {@code signing-secret = {{env:SECRET}}} with {@code SECRET} unset
 * would start an http sink that sends unsigned, and an empty variable would do the same. A placeholder in a
 * {@code relay.*} or {@code dealhub.*} setting therefore must resolve to something; one that may be absent says so
 * with a default ({@code {{env:NAME:value}}}), and a setting that is not wanted is left out.
 */
final class SettingPlaceholders {

    private static final String[] CHECKED = {"relay.", "dealhub."};
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\??([^{}]+)}}");

    private SettingPlaceholders() {
    }

    /** Checks every {@code relay.*} and {@code dealhub.*} key, as written in the files or in its environment variable. */
    static void requireResolved(PropertiesComponent properties) {
        Properties written = properties.loadProperties(SettingPlaceholders::checked);
        for (String key : new TreeSet<>(written.stringPropertyNames())) {
            // An environment variable named after the key (RELAY_SINKS_H_URL) replaces the files' value.
            String override = IOHelper.lookupEnvironmentVariable(key);
            check(properties, key, override != null ? override : written.getProperty(key));
        }
    }

    private static boolean checked(String key) {
        for (String prefix : CHECKED) {
            if (key.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static void check(PropertiesComponent properties, String key, String value) {
        Matcher placeholders = PLACEHOLDER.matcher(value);
        while (placeholders.find()) {
            String placeholder = placeholders.group();
            String resolved;
            try {
                resolved = properties.parseUri("{{" + placeholders.group(1) + "}}");
            } catch (IllegalArgumentException unset) {
                resolved = null;
            }
            if (resolved == null || resolved.isBlank()) {
                throw new IllegalArgumentException(key + ": " + placeholder + " resolves to nothing ("
                        + source(placeholders.group(1)) + (resolved == null ? " is not set" : " is empty") + ")");
            }
        }
    }

    /** What a placeholder reads, in words: {@code env:NAME[:default]} is the environment variable NAME. */
    private static String source(String placeholder) {
        String function = placeholder.startsWith("env:") || placeholder.startsWith("sys:")
                ? placeholder.substring(0, 4) : "";
        String rest = placeholder.substring(function.length());
        String name = rest.contains(":") ? rest.substring(0, rest.indexOf(':')) : rest;
        return switch (function) {
            case "env:" -> "environment variable " + name;
            case "sys:" -> "system property " + name;
            default -> "setting " + name;
        };
    }
}
