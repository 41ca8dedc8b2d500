package dealhub.relay.sinks;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import jakarta.mail.internet.InternetAddress;

import com.fasterxml.jackson.databind.ObjectMapper;


import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Turns the document an {@code email} sink receives ({@code routes/sink-email.yaml}) into the mail camel-mail sends:
 * the text from the sink's template, the recipients from its settings and from the event, and nothing else in the
 * headers. Every value that reaches a header is a validated address or a single line, so nothing from DealHub can
 * add a header or a recipient.
 */
public class EmailComposer {

    private static final String TEXT = ".txt.ftl";
    private static final String HTML = ".html.ftlh";
    private static final String SUBJECT_LINE = "Subject:";
    private static final int MAX_SUBJECT_LENGTH = 250;
    /** The mail protocols the sink's {@code to} endpoint can be: camel-mail's, for sending. */
    private static final List<String> PROTOCOLS = List.of("smtp", "smtps");

    /** The exchange property holding the event's id once the mail has replaced the message's headers. */
    static final String EVENT_ID = "relayMailEventId";

    private final String sink;
    private final InternetAddress from;
    private final MailRecipients recipients;
    private final String template;
    private final SinkTemplates templates = new SinkTemplates();
    private final ObjectMapper mapper = new ObjectMapper();

    /** Checks the sink's settings: a relay with a wrong address or an unknown template does not start. */
    public EmailComposer(String sink, String from, String to, String cc, String recipientsFrom, String template,
            String protocol, int maxEventRecipients) {
        this.sink = sink;
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException(option("protocol") + " must be smtp or smtps, not '" + protocol + "'");
        }
        this.from = MailRecipients.sender(sink, from);
        this.recipients = new MailRecipients(sink, to, cc, recipientsFrom, maxEventRecipients);
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

        Object eventId = exchange.getIn().getHeader("DealhubEventId");
        MailRecipients.Recipients mailTo = recipients.of(model, eventId);

        Message mail = exchange.getIn();
        // Keep only the error handler's attempt counters; camel-mail would turn any other header into a mail header.
        mail.removeHeaders("*", "CamelRedelivery*", "CamelRedelivered");
        exchange.setProperty(EVENT_ID, eventId);
        mail.setHeader("From", from.toString());
        mail.setHeader("To", String.join(",", mailTo.to()));
        if (!mailTo.cc().isEmpty()) {
            mail.setHeader("Cc", String.join(",", mailTo.cc()));
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

    /** A single line of bounded length, fit for a header. */
    private static String headerValue(String text) {
        String line = TemplateModel.line(text);
        return line.length() > MAX_SUBJECT_LENGTH ? line.substring(0, MAX_SUBJECT_LENGTH) : line;
    }

    private String option(String key) {
        return "relay.sinks." + sink + "." + key;
    }
}
