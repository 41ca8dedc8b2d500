package dealhub.relay.sinks;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import com.fasterxml.jackson.databind.ObjectMapper;


import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the document an {@code email} sink receives ({@code routes/sink-email.yaml}) into the mail camel-mail sends:
 * the text from the sink's template, the recipients from its settings and from the event, and nothing else in the
 * headers. Every value that reaches a header is a validated address or a single line, so nothing from DealHub can
 * add a header or a recipient.
 */
public class EmailComposer {

    /** Where {@code recipients-from} may take addresses from: variables of {@link TemplateModel}. */
    private static final List<String> RECIPIENT_FIELDS =
            List.of("contact_email", "submitted_by", "created_by", "executed_by");
    private static final String ADDITIONAL_DATA = "additional_data.";
    private static final String TEXT = ".txt.ftl";
    private static final String HTML = ".html.ftlh";
    private static final String SUBJECT_LINE = "Subject:";
    private static final int MAX_SUBJECT_LENGTH = 250;
    private static final Pattern ADDRESS_SEPARATORS = Pattern.compile("[,;]");
    /** The mail protocols the sink's {@code to} endpoint can be: camel-mail's, for sending. */
    private static final List<String> PROTOCOLS = List.of("smtp", "smtps");
    private static final Logger LOG = LoggerFactory.getLogger(EmailComposer.class);

    private final String sink;
    private final InternetAddress from;
    private final List<String> to;
    private final List<String> cc;
    private final List<String> recipientsFrom;
    private final String template;
    private final SinkTemplates templates = new SinkTemplates();
    private final ObjectMapper mapper = new ObjectMapper();

    /** Checks the sink's settings: a relay with a wrong address or an unknown template does not start. */
    public EmailComposer(String sink, String from, String to, String cc, String recipientsFrom, String template,
            String protocol) {
        this.sink = sink;
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException(option("protocol") + " must be smtp or smtps, not '" + protocol + "'");
        }
        this.from = configuredAddress(option("from"), from);
        this.to = configuredAddresses(option("to"), to);
        this.cc = configuredAddresses(option("cc"), cc);
        this.recipientsFrom = split(recipientsFrom, ",");
        for (String source : this.recipientsFrom) {
            boolean answer = source.startsWith(ADDITIONAL_DATA) && source.length() > ADDITIONAL_DATA.length();
            if (!answer && !RECIPIENT_FIELDS.contains(source)) {
                throw new IllegalArgumentException(option("recipients-from") + ": '" + source + "' is none of "
                        + RECIPIENT_FIELDS + " nor additional_data.<key>");
            }
        }
        if (this.to.isEmpty() && this.recipientsFrom.isEmpty()) {
            throw new IllegalArgumentException(option("to") + " or " + option("recipients-from") + " is required");
        }
        this.template = SinkTemplates.checkName(option("template"), template, TEXT);
    }

    /** Replaces the message with the mail: body, {@code From}, {@code To}, {@code Cc}, {@code Subject}. */
    public void compose(Exchange exchange) throws IOException {
        Map<String, Object> model = TemplateModel.of(mapper.readTree(exchange.getIn().getBody(String.class)));
        String rendered = templates.render(textFile(template), model);
        String firstLine = rendered.lines().findFirst().orElse("");
        if (!firstLine.regionMatches(true, 0, SUBJECT_LINE, 0, SUBJECT_LINE.length())) {
            throw new PermanentDeliveryException("template " + textFile(template)
                    + " must start with a line 'Subject: ...'");
        }
        String subject = headerValue(firstLine.substring(SUBJECT_LINE.length()));
        String text = rendered.substring(rendered.indexOf('\n') + 1).stripLeading();

        Map<String, String> toAddresses = new LinkedHashMap<>();
        to.forEach(address -> toAddresses.putIfAbsent(address.toLowerCase(Locale.ROOT), address));
        for (String source : recipientsFrom) {
            for (String candidate : split(lookUp(model, source), ADDRESS_SEPARATORS.pattern())) {
                String address = eventAddress(source, candidate, exchange);
                if (address != null) {
                    toAddresses.putIfAbsent(address.toLowerCase(Locale.ROOT), address);
                }
            }
        }
        List<String> ccAddresses = cc.stream()
                .filter(address -> !toAddresses.containsKey(address.toLowerCase(Locale.ROOT))).toList();
        if (toAddresses.isEmpty()) {
            throw new PermanentDeliveryException("no valid recipient: the event has none in " + recipientsFrom
                    + " and relay.sinks." + sink + ".to is not set");
        }

        Message mail = exchange.getIn();
        // Keep only the error handler's attempt counters; camel-mail would turn any other header into a mail header.
        mail.removeHeaders("*", "CamelRedelivery*", "CamelRedelivered");
        mail.setHeader("From", from.toString());
        mail.setHeader("To", String.join(",", toAddresses.values()));
        if (!ccAddresses.isEmpty()) {
            mail.setHeader("Cc", String.join(",", ccAddresses));
        }
        mail.setHeader("Subject", subject);
        if (SinkTemplates.exists(htmlFile(template))) {
            mail.setHeader("Content-Type", "text/html; charset=UTF-8");
            mail.setHeader("CamelMailAlternativeBody", text);
            mail.setBody(templates.render(htmlFile(template), model));
        } else {
            mail.setHeader("Content-Type", "text/plain; charset=UTF-8");
            mail.setBody(text);
        }
    }

    private static String textFile(String template) {
        return template + TEXT;
    }

    private static String htmlFile(String template) {
        return template + HTML;
    }

    @SuppressWarnings("unchecked")
    private static String lookUp(Map<String, Object> model, String source) {
        Object value = source.startsWith(ADDITIONAL_DATA)
                ? ((Map<String, String>) model.get("additional_data")).get(source.substring(ADDITIONAL_DATA.length()))
                : model.get(source);
        return value == null ? "" : value.toString();
    }

    /** An address from the event, or null (logged) when it is none: a bad one must not stop the others. */
    private String eventAddress(String source, String candidate, Exchange exchange) {
        try {
            return address(candidate).getAddress();
        } catch (AddressException e) {
            LOG.warn("event_id={} sink={} {} '{}' is not an email address: not a recipient",
                    exchange.getIn().getHeader("DealhubEventId"), sink, source, TemplateModel.line(candidate));
            return null;
        }
    }

    private static InternetAddress configuredAddress(String option, String value) {
        try {
            return address(value == null ? "" : value);
        } catch (AddressException e) {
            throw new IllegalArgumentException(option + ": '" + value + "' is not an email address", e);
        }
    }

    private static List<String> configuredAddresses(String option, String value) {
        return split(value, ",").stream().map(a -> configuredAddress(option, a).getAddress()).toList();
    }

    /** One address, strictly parsed (RFC 822 syntax, a domain), never with a line break or control character. */
    private static InternetAddress address(String text) throws AddressException {
        String trimmed = text.trim();
        if (trimmed.isEmpty() || !TemplateModel.line(trimmed).equals(trimmed)) {
            throw new AddressException("empty or with control characters", trimmed);
        }
        InternetAddress address = new InternetAddress(trimmed, true);
        address.validate();
        return address;
    }

    /** A single line of bounded length, fit for a header. */
    private static String headerValue(String text) {
        String line = TemplateModel.line(text);
        return line.length() > MAX_SUBJECT_LENGTH ? line.substring(0, MAX_SUBJECT_LENGTH) : line;
    }

    private static List<String> split(String value, String separator) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Arrays.stream(value.split(separator)).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private String option(String key) {
        return "relay.sinks." + sink + "." + key;
    }
}
