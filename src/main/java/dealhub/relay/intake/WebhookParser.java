package dealhub.relay.intake;

import static dealhub.relay.dealhub.JsonFields.field;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;

import dealhub.relay.dealhub.QuoteIds;
import dealhub.relay.journal.JournalEvent;
import dealhub.relay.reply.BadRequestException;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;

/**
 * Turns a webhook request into the event to journal, or refuses it with a 4xx that says what is wrong.
 * <p>
 * DealHub does not document the event name as a body field, so the type comes from the URL path first
 * ({@code /webhooks/dealhub/quoteWon}), then from a body field {@code event}, {@code event_type} or
 * {@code event_name}, else it is {@code unknown}. Field names are matched case-insensitively, because DealHub's own
 * casing varies between event families. Everything else in the body is kept verbatim and never interpreted here.
 */
public class WebhookParser {

    public static final String DEALROOM_EVENT = "DEALROOM_EVENT";
    public static final String UNKNOWN_EVENT = "unknown";

    private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9 _.-]{1,64}");
    private static final Pattern ACTION = Pattern.compile("[A-Za-z0-9 _.-]{1,128}");
    private static final int MAX_EVENT_ID_LENGTH = 128;
    private static final int MAX_NESTING_DEPTH = 64;
    private static final String[] EVENT_TYPE_FIELDS = {"event", "event_type", "event_name"};

    /** Documented fields and the JSON type each must have when present; the rest of the body is opaque. */
    private static final Map<String, JsonNodeType> FIELD_TYPES = Map.of(
            "dealhub_quote_id", JsonNodeType.STRING,
            "dealhub_opportunity_id", JsonNodeType.STRING,
            "execution_date", JsonNodeType.STRING,
            "executed_by", JsonNodeType.STRING,
            "impersonated_by", JsonNodeType.STRING,
            "additional_data", JsonNodeType.OBJECT,
            "action_summary", JsonNodeType.OBJECT);
    private static final List<String> EVENT_INFO_FIELDS = List.of("webhook_id", "event_id", "api_version", "request_id");

    private final ObjectMapper mapper;
    private final Clock clock;
    private final EventNames eventNames;

    /**
     * @param acceptedEvents the only event names accepted in the path or a body field ({@code *} among them, the
     *                       default: any safe name); an event that names none is {@code unknown} and always accepted
     */
    public WebhookParser(Clock clock, List<String> acceptedEvents) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.mapper = JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        this.clock = clock;
        for (String event : acceptedEvents) {
            if (!event.equals("*")) {
                requireEventType(event, "relay.webhook.events: '" + event + "'");
            }
        }
        this.eventNames = new EventNames(acceptedEvents);
    }

    /**
     * @param contentType the request's {@code Content-Type}; absent is taken as JSON, anything else but JSON is a 415
     * @param pathEvent   the event named in the URL path, or {@code null} on {@code POST /webhooks/dealhub}
     * @param request     the request; its body is read as bytes, so invalid UTF-8 is refused, not replaced
     */
    public JournalEvent parse(@Header("Content-Type") String contentType,
            @ExchangeProperty("relayPathEvent") String pathEvent, Exchange request) {
        requireJson(contentType);
        byte[] bytes = request.getIn().getBody(byte[].class);
        String body = utf8(bytes);
        JsonNode root = readObject(body);
        requireFieldTypes(root);
        String type = eventType(pathEvent, root);
        String action = DEALROOM_EVENT.equals(type) ? dealRoomAction(root) : null;
        String eventId = eventId(root, type, bytes);
        String quoteId = quoteId(root);
        return new JournalEvent(eventId, type, action, quoteId, body, null, clock.instant());
    }

    private static void requireJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return;
        }
        String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("application/json") && !(mediaType.startsWith("application/")
                && mediaType.endsWith("+json"))) {
            throw new BadRequestException(415, "Content-Type must be application/json");
        }
    }

    /** Decodes strictly as UTF-8 (JSON's encoding): malformed bytes are refused, never replaced or guessed at. */
    private static String utf8(byte[] body) {
        if (body == null || body.length == 0) {
            throw badRequest("the body is empty: a JSON object is expected");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw badRequest("the body is not valid UTF-8");
        }
    }

    private JsonNode readObject(String body) {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw badRequest("the body is not valid JSON: " + JsonSyntaxErrors.describe(e, MAX_NESTING_DEPTH));
        }
        if (root == null || !root.isObject()) {
            throw badRequest("the body must be a JSON object");
        }
        return root;
    }

    private static void requireFieldTypes(JsonNode root) {
        FIELD_TYPES.forEach((name, type) -> {
            JsonNode field = field(root, name);
            if (field != null && field.getNodeType() != type) {
                throw badRequest("'" + name + "' must be " + (type == JsonNodeType.STRING ? "a string" : "an object"));
            }
        });
        JsonNode info = field(root, "event_info");
        if (info != null && info.isObject()) {
            for (String name : EVENT_INFO_FIELDS) {
                JsonNode field = field(info, name);
                if (field != null && !field.isTextual()) {
                    throw badRequest("'event_info." + name + "' must be a string");
                }
            }
        }
    }

    private String eventType(String pathEvent, JsonNode root) {
        if (pathEvent != null) {
            return accepted(requireEventType(pathEvent, "the event in the URL path"));
        }
        for (String name : EVENT_TYPE_FIELDS) {
            JsonNode field = field(root, name);
            if (field != null) {
                if (!field.isTextual()) {
                    throw badRequest("'" + name + "' must be a string");
                }
                return accepted(requireEventType(field.textValue(), "'" + name + "'"));
            }
        }
        return UNKNOWN_EVENT;
    }

    /** The event's proper spelling ({@code quotewon} is {@code quoteWon}); a 400 only for a name left out on purpose. */
    private String accepted(String type) {
        if (EventNames.isReserved(type)) {
            throw badRequest("'" + type + "' is reserved for the relay's own events");
        }
        return eventNames.resolve(type).orElseThrow(() ->
                badRequest("'" + type + "' is not an event this relay accepts (relay.webhook.events)"));
    }

    private static String requireEventType(String type, String where) {
        if (!EVENT_TYPE.matcher(type).matches()) {
            throw badRequest(where + " must be 1 to 64 characters of A-Z a-z 0-9 space _ . -");
        }
        return type;
    }

    private static String dealRoomAction(JsonNode root) {
        JsonNode summary = field(root, "action_summary");
        if (summary == null) {
            return null;
        }
        if (!summary.isObject()) {
            throw badRequest("'action_summary' must be an object");
        }
        Iterator<String> names = summary.fieldNames();
        if (!names.hasNext()) {
            return null;
        }
        String action = names.next();
        if (!ACTION.matcher(action).matches()) {
            throw badRequest("the 'action_summary' key must be 1 to 128 characters of A-Z a-z 0-9 space _ . -");
        }
        return action;
    }

    private static String eventId(JsonNode root, String type, byte[] body) {
        JsonNode info = field(root, "event_info");
        if (info == null && DEALROOM_EVENT.equals(type)) {
            // DealRoom notifications carry no event_info: the same notification sent twice gets the same id.
            return "dealroom-" + sha256Hex(body).substring(0, 40);
        }
        if (info == null || !info.isObject()) {
            throw badRequest("'event_info' must be an object holding 'event_id'");
        }
        JsonNode id = field(info, "event_id");
        if (id == null || !id.isTextual() || id.textValue().isBlank()) {
            throw badRequest("'event_info.event_id' must be a non-empty string");
        }
        String eventId = id.textValue();
        if (eventId.length() > MAX_EVENT_ID_LENGTH) {
            throw badRequest("'event_info.event_id' must be at most " + MAX_EVENT_ID_LENGTH + " characters");
        }
        if (eventId.chars().anyMatch(Character::isISOControl)) {
            throw badRequest("'event_info.event_id' must not contain control characters");
        }
        return eventId;
    }

    private static String quoteId(JsonNode root) {
        JsonNode id = field(root, "dealhub_quote_id");
        if (id == null) {
            return null;
        }
        if (!id.isTextual() || !QuoteIds.isValid(id.textValue())) {
            throw badRequest("'dealhub_quote_id' must be " + QuoteIds.RULE);
        }
        return id.textValue();
    }

    private static BadRequestException badRequest(String message) {
        return new BadRequestException(400, message);
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
