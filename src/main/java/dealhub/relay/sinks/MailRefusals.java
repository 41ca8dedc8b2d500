package dealhub.relay.sinks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;

import org.apache.camel.Exchange;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an {@code email} sink does when the SMTP server refuses some of a mail's recipients. The sink sends with
 * {@code mail.smtp.sendpartial}, so one stale address does not stop the mail: whoever the server took gets it. The
 * mail is then delivered, and each recipient it did not reach is logged with the server's reply; sending it again
 * would only mail the others twice. Only a mail that reached nobody fails: at once when every refusal was final
 * (5xx), else it is retried like any failed send.
 */
public class MailRefusals {

    private static final Logger LOG = LoggerFactory.getLogger(MailRefusals.class);

    private final String sink;

    public MailRefusals(String sink) {
        this.sink = sink;
    }

    /** Called with the send's {@link SendFailedException} caught; returns when the mail reached someone. */
    public void afterRefusal(Exchange exchange) throws Exception {
        Exception caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        SendFailedException failure = outermost(caught);
        if (failure == null) {
            throw caught;
        }
        List<String> replies = replies(failure);
        if (count(failure.getValidSentAddresses()) > 0) {
            Object eventId = exchange.getProperty(EmailComposer.EVENT_ID);
            for (String reply : replies) {
                LOG.warn("event_id={} sink={} recipient refused, the mail went to the others: {}", eventId, sink, reply);
            }
            for (Address unsent : orEmpty(failure.getValidUnsentAddresses())) {
                LOG.warn("event_id={} sink={} recipient {} not reached (the server took the others): not sent again",
                        eventId, sink, unsent);
            }
            return;
        }
        if (count(failure.getValidUnsentAddresses()) == 0 && count(failure.getInvalidAddresses()) > 0) {
            // Without the cause: the journal records the innermost failure's message, which would name one refusal.
            throw new PermanentDeliveryException("every recipient was refused: " + String.join("; ", replies));
        }
        throw failure;
    }

    /** The send's own exception: the refusal of each address inside it is a SendFailedException too. */
    private static SendFailedException outermost(Throwable caught) {
        for (Throwable t = caught; t != null; t = t.getCause()) {
            if (t instanceof SendFailedException failure) {
                return failure;
            }
        }
        return null;
    }

    /** The server's reply to each refused recipient, {@code address: reply}. */
    private static List<String> replies(SendFailedException failure) {
        List<String> replies = new ArrayList<>();
        for (Exception next = failure.getNextException(); next != null;
                next = next instanceof MessagingException m ? m.getNextException() : null) {
            if (next instanceof SMTPAddressFailedException refused) {
                replies.add(refused.getAddress() + ": " + refused.getMessage().strip());
            }
        }
        if (replies.isEmpty()) {
            Arrays.stream(orEmpty(failure.getInvalidAddresses())).forEach(a -> replies.add(a + ": refused"));
        }
        return replies;
    }

    private static Address[] orEmpty(Address[] addresses) {
        return addresses == null ? new Address[0] : addresses;
    }

    private static int count(Address[] addresses) {
        return orEmpty(addresses).length;
    }
}
