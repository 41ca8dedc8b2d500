package dealhub.relay.sinks;

import java.math.BigDecimal;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The variables a sink template sees (docs/sinks.md, "Templates"), taken from the document every sink receives.
 * Every named fact is a string, empty when DealHub did not send it, so a template never fails on a missing field;
 * facts are single lines, so a value cannot start a new line in a subject or a header of the template's making.
 */
final class TemplateModel {

    private static final Pattern LINE_BREAKS_AND_CONTROLS = Pattern.compile("[\\p{Cc}\\p{Zl}\\p{Zp}]+");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> TREE = new TypeReference<>() {
    };

    private TemplateModel() {
    }

    static Map<String, Object> of(JsonNode document) {
        JsonNode webhook = document.path("webhook");
        JsonNode quote = document.path("quote");
        JsonNode info = quote.path("info");
        JsonNode summary = quote.path("summary");
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("event_id", line(document.path("event_id")));
        model.put("event_type", line(document.path("event_type")));
        model.put("received_at", line(document.path("received_at")));
        model.put("quote_id", line(document.path("dealhub_quote_id")));
        model.put("quote_name", line(info.path("dealhub_quote_name")));
        model.put("quote_number", line(info.path("dealhub_quote_number")));
        model.put("quote_status", line(quote.path("status")));
        model.put("quote_url", link(line(info.path("quote_url"))));
        model.put("account_name", line(info.path("account_name")));
        model.put("contact_name", line(info.path("contact_name")));
        model.put("contact_email", line(info.path("contact_email")));
        model.put("created_by", line(info.path("created_by")));
        model.put("submitted_by", line(info.path("submitted_by")));
        model.put("expiration_date", line(info.path("expiration_date")));
        model.put("executed_by", line(webhook.path("executed_by")));
        model.put("execution_date", line(webhook.path("execution_date")));
        model.put("currency", line(summary.hasNonNull("currency") ? summary.path("currency") : info.path("currency")));
        model.put("net_total", amount(summary.path("total_net_price")));
        model.put("list_total", amount(summary.path("total_list_price")));
        model.put("discount", percent(summary.path("total_discount")));
        model.put("additional_data", additionalData(webhook.path("additional_data")));
        model.put("approvals", approvals(quote.path("approvals")));
        // The documents as received, for templates that need more than the facts above.
        model.put("webhook", webhook.isObject() ? MAPPER.convertValue(webhook, TREE) : Map.of());
        model.put("quote", quote.isObject() ? MAPPER.convertValue(quote, TREE) : Map.of());
        return model;
    }

    /** A value as one line of text: line breaks and control characters become a space. */
    static String line(String text) {
        return text == null ? "" : LINE_BREAKS_AND_CONTROLS.matcher(text).replaceAll(" ").trim();
    }

    private static String line(JsonNode node) {
        if (node.isArray()) {
            // DealHub sends some documented strings as lists (an approval's reason).
            List<String> items = new ArrayList<>();
            node.forEach(item -> items.add(line(item)));
            return String.join("; ", items);
        }
        return node.isValueNode() && !node.isNull() ? line(node.asText()) : "";
    }

    /** Only web links: a template may put it in an href, where another scheme could run script. */
    private static String link(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        return lower.startsWith("https://") || lower.startsWith("http://") ? url : "";
    }

    private static String amount(JsonNode node) {
        return node.isNumber() ? format("#,##0.00", node.decimalValue()) : line(node);
    }

    private static String percent(JsonNode node) {
        return node.isNumber() ? format("0.##", node.decimalValue()) : line(node);
    }

    private static String format(String pattern, BigDecimal value) {
        return new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.ROOT)).format(value);
    }

    private static Map<String, String> additionalData(JsonNode node) {
        Map<String, String> answers = new LinkedHashMap<>();
        node.fields().forEachRemaining(field -> answers.put(field.getKey(), line(field.getValue())));
        return answers;
    }

    private static List<Map<String, String>> approvals(JsonNode node) {
        List<Map<String, String>> approvals = new ArrayList<>();
        for (JsonNode approval : node) {
            Map<String, String> step = new LinkedHashMap<>();
            for (String field : List.of("step", "reviewer", "status", "reason", "review_date", "reviewer_comment")) {
                step.put(field, line(approval.path(field)));
            }
            approvals.add(step);
        }
        return approvals;
    }
}
