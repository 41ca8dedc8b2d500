package dealhub.relay.admin;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import dealhub.relay.journal.EventSearch;
import dealhub.relay.journal.JournalState;
import dealhub.relay.reply.BadRequestException;

/**
 * An admin call's query string, read strictly: only the parameters the call knows, each at most once, each checked
 * against what it may hold. Any other answers {@code 400} with a message that says which parameter is wrong.
 * (The query is read from the raw request line: platform-http mixes parameters and request headers.)
 */
final class AdminQuery {

    /** The parameters of a filter over events ({@link EventSearch.Filter}). */
    static final Set<String> FILTER = Set.of("state", "type", "sink", "id", "from", "to", "reason");

    private static final Set<String> STATES = Set.of(JournalState.PENDING, JournalState.DONE, JournalState.DEAD);
    private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9 _.-]{1,64}");
    private static final Pattern SINK = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Pattern CURSOR = Pattern.compile("[A-Za-z0-9_-]{1,400}");
    private static final String HEX = "0123456789ABCDEF";
    private static final int MAX_ID_LENGTH = 128;
    private static final int MAX_REASON_LENGTH = 2000;
    private static final int MAX_QUERY_LENGTH = 8192;
    private static final int MAX_LIMIT = 1000;

    private final Map<String, String> values;

    private AdminQuery(Map<String, String> values) {
        this.values = values;
    }

    /** Reads {@code rawQuery} (as sent, still %-encoded; {@code null} when none), allowing only {@code allowed}. */
    static AdminQuery parse(String rawQuery, Set<String> allowed) {
        Map<String, String> values = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return new AdminQuery(values);
        }
        if (rawQuery.length() > MAX_QUERY_LENGTH) {
            throw bad("the query string is too long");
        }
        for (String pair : rawQuery.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            if (!allowed.contains(name)) {
                throw bad("unknown parameter '" + printable(name) + "'; this call takes " + String.join(", ",
                        allowed.stream().sorted().toList()));
            }
            if (values.put(name, value) != null) {
                throw bad(name + " is given more than once");
            }
        }
        return new AdminQuery(values);
    }

    /** {@code names} and {@code more}: a call's parameters. */
    static Set<String> plus(Set<String> names, String... more) {
        Set<String> all = new HashSet<>(names);
        all.addAll(List.of(more));
        return Set.copyOf(all);
    }

    /** {@code names} but {@code less}. */
    static Set<String> minus(Set<String> names, String... less) {
        Set<String> all = new HashSet<>(names);
        List.of(less).forEach(all::remove);
        return Set.copyOf(all);
    }

    /** The filter these parameters make; an empty parameter does not narrow it. */
    EventSearch.Filter filter() {
        return new EventSearch.Filter(
                checked("state", s -> STATES.contains(s), "state must be one of pending, done, dead"),
                checked("type", s -> EVENT_TYPE.matcher(s).matches(),
                        "type must be an event type (1 to 64 of A-Z a-z 0-9 space _ . -)"),
                checked("sink", s -> SINK.matcher(s).matches(), "sink must be a sink name"),
                checked("id", s -> s.length() <= MAX_ID_LENGTH && s.chars().noneMatch(Character::isISOControl),
                        "id must be an event id or a quote id (at most 128 characters, no control characters)"),
                instant("from"), instant("to"),
                checked("reason", s -> s.length() <= MAX_REASON_LENGTH,
                        "reason must be at most " + MAX_REASON_LENGTH + " characters"));
    }

    /** {@code limit}: 1 to 1000, {@code fallback} when absent. */
    int limit(int fallback) {
        String limit = value("limit");
        if (limit == null) {
            return fallback;
        }
        if (limit.matches("[0-9]{1,4}")) {
            int value = Integer.parseInt(limit);
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        }
        throw bad("limit must be a whole number from 1 to " + MAX_LIMIT);
    }

    /** {@code dryRun}: true or false, false when absent. */
    boolean dryRun() {
        String dryRun = value("dryRun");
        if (dryRun == null || dryRun.equals("false")) {
            return false;
        }
        if (dryRun.equals("true")) {
            return true;
        }
        throw bad("dryRun must be true or false");
    }

    /** {@code cursor}: where the previous page ended, as {@link #cursor(EventSearch.Position)} wrote it. */
    EventSearch.Position position() {
        String cursor = value("cursor");
        if (cursor == null) {
            return null;
        }
        if (CURSOR.matcher(cursor).matches()) {
            try {
                String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
                int bar = text.indexOf('|');
                if (bar > 0 && text.length() - bar - 1 <= MAX_ID_LENGTH && bar < text.length() - 1) {
                    return new EventSearch.Position(Instant.parse(text.substring(0, bar)), text.substring(bar + 1));
                }
            } catch (IllegalArgumentException | DateTimeParseException e) {
                // answered below
            }
        }
        throw bad("cursor must be a next_cursor this API gave");
    }

    /** The opaque cursor of a position: it names the last event shown, by arrival and id. */
    static String cursor(EventSearch.Position position) {
        return position == null ? null : Base64.getUrlEncoder().withoutPadding().encodeToString(
                (position.receivedAt() + "|" + position.eventId()).getBytes(StandardCharsets.UTF_8));
    }

    /** Whether the caller narrowed the search with any of the filter's parameters. */
    boolean hasFilter() {
        return FILTER.stream().anyMatch(name -> value(name) != null);
    }

    String value(String name) {
        String value = values.get(name);
        return value == null || value.isEmpty() ? null : value;
    }

    private String checked(String name, Predicate<String> valid, String message) {
        String value = value(name);
        if (value != null && !valid.test(value)) {
            throw bad(message);
        }
        return value;
    }

    private Instant instant(String name) {
        String value = value(name);
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw bad(name + " must be a UTC time such as 2026-12-01T09:30:00Z");
        }
    }

    private static String decode(String part) {
        byte[] bytes = new byte[part.length()];
        int length = 0;
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '+') {
                bytes[length++] = ' ';
            } else if (c == '%') {
                if (i + 2 >= part.length()) {
                    throw bad("the query string has a broken %-escape");
                }
                int high = HEX.indexOf(Character.toUpperCase(part.charAt(i + 1)));
                int low = HEX.indexOf(Character.toUpperCase(part.charAt(i + 2)));
                if (high < 0 || low < 0) {
                    throw bad("the query string has a broken %-escape");
                }
                bytes[length++] = (byte) (high * 16 + low);
                i += 2;
            } else if (c < 0x80) {
                bytes[length++] = (byte) c;
            } else {
                throw bad("the query string must be %-encoded");
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw bad("the query string is not UTF-8");
        }
    }

    /** A parameter name as it may be echoed back: printable ASCII only, and short. */
    private static String printable(String name) {
        String shown = name.replaceAll("[^A-Za-z0-9_.-]", "?");
        return shown.length() > 40 ? shown.substring(0, 40) + "…" : shown;
    }

    private static BadRequestException bad(String message) {
        return new BadRequestException(400, message);
    }
}
