package dealhub.relay.sinks;

import java.net.IDN;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who an {@code email} sink's mail goes to: its fixed {@code to} and {@code cc}, and the addresses it takes from the
 * event ({@code recipients-from}). Every address is strictly parsed and sendable as it is: a domain in another
 * script is sent in its ASCII form (IDNA), and a mailbox name beyond ASCII, which only a server speaking SMTPUTF8
 * could take, is skipped. The event is not trusted: it adds at most {@code max-event-recipients} addresses, and
 * whatever it names that is skipped is logged in one line per event, however much it names.
 */
final class MailRecipients {

    /** Where {@code recipients-from} may take addresses from: variables of {@link TemplateModel}. */
    private static final List<String> RECIPIENT_FIELDS =
            List.of("contact_email", "submitted_by", "created_by", "executed_by");
    private static final String ADDITIONAL_DATA = "additional_data.";
    private static final Pattern ADDRESS_SEPARATORS = Pattern.compile("[,;]");
    private static final int LOGGED_SKIPS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(MailRecipients.class);

    /** The mail's recipients, each once: {@code cc} leaves out whoever is in {@code to}. */
    record Recipients(List<String> to, List<String> cc) {
    }

    private final String sink;
    private final List<String> to;
    private final List<String> cc;
    private final List<String> recipientsFrom;
    private final int maxEventRecipients;

    /** Checks the sink's settings: a relay with a wrong or unsendable address does not start. */
    MailRecipients(String sink, String to, String cc, String recipientsFrom, int maxEventRecipients) {
        this.sink = sink;
        this.to = configured(option(sink, "to"), split(to, ","));
        this.cc = configured(option(sink, "cc"), split(cc, ","));
        this.recipientsFrom = split(recipientsFrom, ",");
        for (String source : this.recipientsFrom) {
            boolean answer = source.startsWith(ADDITIONAL_DATA) && source.length() > ADDITIONAL_DATA.length();
            if (!answer && !RECIPIENT_FIELDS.contains(source)) {
                throw new IllegalArgumentException(option(sink, "recipients-from") + ": '" + source + "' is none of "
                        + RECIPIENT_FIELDS + " nor additional_data.<key>");
            }
        }
        if (this.to.isEmpty() && this.recipientsFrom.isEmpty()) {
            throw new IllegalArgumentException(option(sink, "to") + " or " + option(sink, "recipients-from")
                    + " is required");
        }
        if (maxEventRecipients < 1) {
            throw new IllegalArgumentException(option(sink, "max-event-recipients") + " must be at least 1, not "
                    + maxEventRecipients);
        }
        this.maxEventRecipients = maxEventRecipients;
    }

    /** The sink's {@code from}: one address, sendable. */
    static InternetAddress sender(String sink, String value) {
        InternetAddress address = parseConfigured(option(sink, "from"), value == null ? "" : value);
        address.setAddress(sendableConfigured(option(sink, "from"), address));
        return address;
    }

    /** The recipients of the mail for this event; a failure when there is none, as no retry would find one. */
    Recipients of(Map<String, Object> model, Object eventId) {
        Map<String, String> toAddresses = new LinkedHashMap<>();
        to.forEach(address -> toAddresses.putIfAbsent(key(address), address));
        List<String> skipped = new ArrayList<>();
        int fromEvent = 0;
        int overLimit = 0;
        for (String source : recipientsFrom) {
            for (String candidate : split(lookUp(model, source), ADDRESS_SEPARATORS.pattern())) {
                String address;
                try {
                    address = sendable(parse(candidate));
                } catch (AddressException e) {
                    skipped.add("'" + TemplateModel.line(candidate) + "' in " + source + " (" + e.getMessage() + ")");
                    continue;
                }
                if (toAddresses.containsKey(key(address))) {
                    continue;
                }
                if (fromEvent == maxEventRecipients) {
                    overLimit++;
                    continue;
                }
                toAddresses.put(key(address), address);
                fromEvent++;
            }
        }
        if (!skipped.isEmpty()) {
            LOG.warn("event_id={} sink={} {} address(es) from the event skipped: {}{}", eventId, sink, skipped.size(),
                    String.join(", ", skipped.subList(0, Math.min(LOGGED_SKIPS, skipped.size()))),
                    skipped.size() > LOGGED_SKIPS ? ", ..." : "");
        }
        if (overLimit > 0) {
            LOG.warn("event_id={} sink={} the event names {} more recipient(s) than {}={}: not mailed to them",
                    eventId, sink, overLimit, option(sink, "max-event-recipients"), maxEventRecipients);
        }
        if (toAddresses.isEmpty()) {
            throw new PermanentDeliveryException("no valid recipient: the event has none in " + recipientsFrom
                    + " and " + option(sink, "to") + " is not set");
        }
        List<String> ccAddresses = cc.stream().filter(address -> !toAddresses.containsKey(key(address))).toList();
        return new Recipients(List.copyOf(toAddresses.values()), ccAddresses);
    }

    @SuppressWarnings("unchecked")
    private static String lookUp(Map<String, Object> model, String source) {
        Object value = source.startsWith(ADDITIONAL_DATA)
                ? ((Map<String, String>) model.get("additional_data")).get(source.substring(ADDITIONAL_DATA.length()))
                : model.get(source);
        return value == null ? "" : value.toString();
    }

    private static List<String> configured(String option, List<String> values) {
        return values.stream().map(value -> sendableConfigured(option, parseConfigured(option, value))).toList();
    }

    private static InternetAddress parseConfigured(String option, String value) {
        try {
            return parse(value);
        } catch (AddressException e) {
            throw new IllegalArgumentException(option + ": '" + value + "' is not an email address", e);
        }
    }

    private static String sendableConfigured(String option, InternetAddress address) {
        try {
            return sendable(address);
        } catch (AddressException e) {
            throw new IllegalArgumentException(option + ": '" + address.getAddress() + "' cannot be sent to: "
                    + e.getMessage(), e);
        }
    }

    /** One address, strictly parsed (RFC 822 syntax, a domain), never with a line break or control character. */
    private static InternetAddress parse(String text) throws AddressException {
        String trimmed = text.trim();
        if (trimmed.isEmpty() || !TemplateModel.line(trimmed).equals(trimmed)) {
            throw new AddressException("empty or with control characters", trimmed);
        }
        InternetAddress address = new InternetAddress(trimmed, true);
        address.validate();
        return address;
    }

    /**
     * The address as an SMTP server without SMTPUTF8 takes it: the domain in ASCII (IDNA), the mailbox name as it
     * is if it is ASCII. A mailbox name beyond ASCII cannot be written so: sent as it is, it would arrive garbled or
     * make the server refuse the whole mail.
     */
    private static String sendable(InternetAddress address) throws AddressException {
        String text = address.getAddress();
        int at = text.lastIndexOf('@');
        if (at < 1) {
            throw new AddressException("no domain", text);
        }
        String mailbox = text.substring(0, at);
        String domain = text.substring(at + 1);
        if (!isAscii(mailbox)) {
            throw new AddressException("the name before the @ is not ASCII; that needs SMTPUTF8", text);
        }
        if (!isAscii(domain)) {
            try {
                domain = IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES);
            } catch (IllegalArgumentException e) {
                throw new AddressException("the domain is not a valid internationalised domain name", text);
            }
        }
        return mailbox + "@" + domain;
    }

    private static boolean isAscii(String text) {
        return text.chars().allMatch(c -> c < 0x80);
    }

    private static String key(String address) {
        return address.toLowerCase(Locale.ROOT);
    }

    private static List<String> split(String value, String separator) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Arrays.stream(value.split(separator)).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static String option(String sink, String key) {
        return "relay.sinks." + sink + "." + key;
    }
}
