package dealhub.relay.sinks.jdbc;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dealhub.relay.dealhub.JsonFields;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads DealHub's values for typed columns, leniently: a value that does not parse is NULL in its typed column (the
 * answer as received is kept whole in {@code dealhub_quote_snapshot}, the webhook in {@code dealhub_quote_event}),
 * never a failed event, which a replay would fail again. Empty strings are DealHub's "none": NULL. One instance per
 * sink document collects what did not parse, and {@link #warnUnparsed} says it in one WARN line, however many values
 * there were: a hostile quote cannot flood the log.
 */
final class Values {

    private static final Logger LOG = LoggerFactory.getLogger(Values.class);
    private static final DateTimeFormatter DEALHUB_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final int WARNED_VALUES = 5;
    private static final int WARNED_LENGTH = 64;

    private final List<String> unparsed = new ArrayList<>();

    /** Text as sent; containers as JSON text; an empty string or JSON null is none. */
    static String text(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        String text = value.isContainerNode() ? storableJson(value.toString()) : storable(value.asText());
        return text.isEmpty() ? null : text;
    }

    /** The text with NUL characters replaced by U+FFFD: PostgreSQL stores no NUL in text, and would refuse the event. */
    static String storable(String text) {
        return text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', '\uFFFD');
    }

    /** JSON text likewise: PostgreSQL's JSONB refuses the escape of NUL. */
    static String storableJson(String json) {
        return json.contains("\\u0000") ? json.replace("\\u0000", "\\uFFFD") : json;
    }

    /** The field of that name, else of that name in any letter case ({@code Quantity} in product_factors). */
    static JsonNode field(JsonNode object, String name) {
        return object == null || !object.isObject() ? null : JsonFields.field(object, name);
    }

    static String json(JsonNode value) {
        return value == null || value.isNull() || value.isMissingNode() ? null : storableJson(value.toString());
    }

    static Boolean bool(JsonNode value) {
        String text = text(value);
        if (text == null) {
            return null;
        }
        return value.isBoolean() ? value.booleanValue() : Boolean.valueOf(text.trim());
    }

    /** A number, or NULL when it is none; a number that is not one is not warned about (free text, answers). */
    static BigDecimal numberOrNull(JsonNode value) {
        if (value != null && value.isNumber()) {
            return value.decimalValue();
        }
        String text = text(value);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {@code yyyy-mm-dd hh:mm:ss} (GMT) or {@code yyyy-mm-dd}, else NULL, without a warning. */
    static LocalDateTime dateOrNull(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String trimmed = text.trim();
        try {
            return trimmed.length() == 10 ? LocalDate.parse(trimmed).atStartOfDay()
                    : LocalDateTime.parse(trimmed, DEALHUB_DATE);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** A DealHub date for a typed column; {@code where} names it in the warning when it does not parse. */
    LocalDateTime date(JsonNode value, String where) {
        String text = text(value);
        LocalDateTime date = dateOrNull(text);
        if (date == null && text != null && !text.isBlank()) {
            unparsed(where, text);
        }
        return date;
    }

    /** A JSON number or a numeric string (product factors are {@code "1.0"}) for a typed column. */
    BigDecimal number(JsonNode value, String where) {
        BigDecimal number = numberOrNull(value);
        if (number == null && text(value) != null && !text(value).isBlank()) {
            unparsed(where, text(value));
        }
        return number;
    }

    Integer integer(JsonNode value, String where) {
        BigDecimal number = number(value, where);
        if (number == null) {
            return null;
        }
        try {
            return number.intValueExact();
        } catch (ArithmeticException e) {
            unparsed(where, text(value));
            return null;
        }
    }

    private void unparsed(String where, String value) {
        unparsed.add(where + "='" + printable(value) + "'");
    }

    /** One WARN for every value of the document that is NULL in its typed column because it did not parse. */
    void warnUnparsed(String quoteId, String eventId) {
        if (unparsed.isEmpty()) {
            return;
        }
        String shown = String.join(", ", unparsed.subList(0, Math.min(WARNED_VALUES, unparsed.size())));
        String more = unparsed.size() > WARNED_VALUES ? " and " + (unparsed.size() - WARNED_VALUES) + " more" : "";
        LOG.atWarn().setMessage("values that do not parse are NULL in their typed columns and kept as sent: "
                        + shown + more)
                .addKeyValue("event_id", printable(eventId)).addKeyValue("quote_id", printable(quoteId)).log();
    }

    /** At most a few dozen characters, control characters replaced: a value cannot forge or flood log lines. */
    private static String printable(String value) {
        if (value == null) {
            return "null";
        }
        String cut = value.length() > WARNED_LENGTH ? value.substring(0, WARNED_LENGTH) + "…" : value;
        StringBuilder shown = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> shown.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return shown.toString();
    }

    /** The fingerprint of a fetched state: equal answers from Get Quote, equal hashes. */
    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
