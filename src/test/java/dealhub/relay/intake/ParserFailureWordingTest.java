package dealhub.relay.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dealhub.relay.support.Samples;
import dealhub.relay.support.SharedRelay;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A body the JSON parser cannot take is refused in the relay's own words, with where the fault is: never the
 * parser's message, which names its classes and settings.
 */
class ParserFailureWordingTest {

    /** Something that reads as a Java package or class name: {@code com.fasterxml.jackson}, {@code java.lang}. */
    private static final Pattern PACKAGE_NAME = Pattern.compile("\\b[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*\\.[A-Za-z]");
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final SharedRelay relay = new SharedRelay();

    static Stream<Arguments> malformedBodies() {
        String sample = Samples.quoteEvent("EV-words", "Q1");
        return Stream.of(
                Arguments.of("two JSON documents back to back", sample + sample, "more follows the first JSON value"),
                Arguments.of("an object and then a number", sample + " 42", "more follows the first JSON value"),
                Arguments.of("a body cut short", sample.substring(0, 40), "ends before the JSON value is complete"),
                Arguments.of("a field name twice", "{\"event_info\":{\"event_id\":\"a\",\"event_id\":\"b\"}}",
                        "appears twice"),
                Arguments.of("nesting 100 deep", "{\"a\":".repeat(100) + "1" + "}".repeat(100), "nested deeper than 64"),
                Arguments.of("a single quote", "{'event_info':{}}", "not well-formed JSON"),
                Arguments.of("an unknown word", "{\"event_info\": nope}", "not well-formed JSON"),
                Arguments.of("a control character in a string", "{\"event_info\":{\"event_id\":\"a\u0001b\"}}",
                        "not well-formed JSON"),
                Arguments.of("a comment", "{/* c */\"event_info\":{\"event_id\":\"c\"}}", "not well-formed JSON"),
                Arguments.of("a trailing comma", "{\"event_info\":{\"event_id\":\"d\"},}", "not well-formed JSON"),
                Arguments.of("NaN", "{\"event_info\":{\"event_id\":\"e\"},\"x\":NaN}", "not well-formed JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedBodies")
    void isRefusedInTheRelaysOwnWordsWithItsPlace(String what, String body, String words) throws Exception {
        HttpResponse<String> response = relay.get().postEvent("/webhooks/dealhub/quoteWon", body);

        assertThat(response.statusCode()).as(what).isEqualTo(400);
        String error = JSON.readTree(response.body()).get("error").asText();
        assertThat(error).as(what).startsWith("the body is not valid JSON: ").contains(words);
        if (!words.startsWith("nested")) { // the parser gives up on depth before it knows a place
            assertThat(error).as(what).containsPattern("\\(line \\d+, column \\d+\\)$");
        }
        assertThat(response.body()).as(what).doesNotContainIgnoringCase("jackson").doesNotContain("Exception")
                .doesNotContain("Feature").doesNotContainPattern(PACKAGE_NAME);
    }
}
