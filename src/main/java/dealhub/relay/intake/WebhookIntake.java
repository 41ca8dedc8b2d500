package dealhub.relay.intake;

import java.sql.SQLException;

import dealhub.relay.journal.EventJournal;
import dealhub.relay.journal.JournalEvent;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Journals accepted webhooks and words the relay's answers, including refusals. */
public class WebhookIntake {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookIntake.class);

    private final EventJournal journal;

    public WebhookIntake(EventJournal journal) {
        this.journal = journal;
    }

    /** Commits the event to the journal; only once this returns may the relay say 202. */
    public Receipt store(@Body JournalEvent event) throws SQLException {
        if (!journal.record(event)) {
            LOG.info("event_id={} type={} duplicate: already in the journal", event.eventId(), event.type());
            return Receipt.duplicate(event.eventId());
        }
        LOG.info("event_id={} type={} quote_id={} accepted", event.eventId(), event.type(), event.quoteId());
        return Receipt.accepted(event.eventId());
    }

    /** The answer to a request that failed: what the sender did wrong, or that it may try again later. */
    public Receipt rejection(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure) {
        if (failure instanceof RejectedWebhookException rejected) {
            LOG.info("webhook rejected with {}: {}", rejected.status(), rejected.getMessage());
            return Receipt.rejected(rejected.status(), rejected.getMessage());
        }
        if (failure instanceof SQLException) {
            LOG.error("webhook not accepted: the journal is unavailable", failure);
            return Receipt.rejected(503, "the relay cannot store events right now; retry later");
        }
        LOG.error("webhook not accepted: unexpected failure", failure);
        return Receipt.rejected(500, "internal error; the event was not stored");
    }
}
