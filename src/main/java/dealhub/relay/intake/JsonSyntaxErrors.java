package dealhub.relay.intake;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

/**
 * Words a JSON parser failure for the sender, in the relay's own terms and the place it was found. The parser's
 * own message is never passed on: it can name the parser's classes and settings (a second document after the first
 * did: {@code com.fasterxml.jackson...}), and a caller must learn nothing about what the relay is built with.
 */
final class JsonSyntaxErrors {

    private JsonSyntaxErrors() {
    }

    /** What is wrong, e.g. {@code "a second JSON document follows the first (line 1, column 40)"}. */
    static String describe(JsonProcessingException e, int maxNestingDepth) {
        return reason(e, maxNestingDepth) + where(e.getLocation());
    }

    private static String reason(JsonProcessingException e, int maxNestingDepth) {
        if (e instanceof StreamConstraintsException) {
            return "it is nested deeper than " + maxNestingDepth + " levels";
        }
        if (e instanceof JsonEOFException) {
            return "it ends before the JSON value is complete";
        }
        String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (e instanceof MismatchedInputException && original.startsWith("Trailing token")) {
            return "more follows the first JSON value; one JSON object is expected";
        }
        if (original.startsWith("Duplicate field")) {
            return "a field name appears twice in one object";
        }
        return "it is not well-formed JSON";
    }

    private static String where(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
}
