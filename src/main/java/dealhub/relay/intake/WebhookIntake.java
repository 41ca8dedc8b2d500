package dealhub.relay.intake;

import java.sql.SQLException;

import dealhub.relay.journal.EventStore;
import dealhub.relay.journal.JournalEvent;
import dealhub.relay.observe.EventLines;
import dealhub.relay.observe.RelayMetrics;
import dealhub.relay.reply.BadRequestException;
import dealhub.relay.reply.Receipt;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Journals accepted webhooks and words the relay's answers, including refusals. */
public class WebhookIntake {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookIntake.class);
    /** The SQLSTATE of a commit that did not complete within {@code relay.webhook.commit-timeout-ms}. */
    private static final String COMMIT_TIMED_OUT = "57014";

    private final EventStore journal;
    private final RelayMetrics metrics;
    private final EventLines lines;

    /** @param lines how many of the "accepted" lines are written one per webhook at high rates */
    public WebhookIntake(EventStore journal, RelayMetrics metrics, EventLines lines) {
        this.journal = journal;
        this.metrics = metrics;
        this.lines = lines;
    }

    /** Commits the event to the journal; only once this returns may the relay say 202. */
    public Receipt store(@Body JournalEvent event) throws SQLException {
        boolean stored = journal.record(event);
        String outcome = stored ? "accepted" : "duplicate";
        metrics.received(event.type(), outcome, "none");
        if (lines.admit()) {
            LOG.atInfo().setMessage(stored ? "accepted" : "duplicate, already in the journal")
                    .addKeyValue("event_id", event.eventId()).addKeyValue("type", event.type())
                    .addKeyValue("quote_id", event.quoteId()).log();
        }
        return stored ? Receipt.accepted(event.eventId()) : Receipt.duplicate(event.eventId());
    }

    /** The answer to a request that failed: what the sender did wrong, or that it may try again later. */
    public Receipt rejection(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure) {
        Receipt receipt;
        if (failure instanceof BadRequestException rejected) {
            LOG.atInfo().setMessage("rejected: " + rejected.getMessage()).addKeyValue("status", rejected.status()).log();
            receipt = Receipt.rejected(rejected.status(), rejected.getMessage());
        } else if (failure instanceof SQLException sql) {
            if (COMMIT_TIMED_OUT.equals(sql.getSQLState())) {
                // A stall answers every webhook so: one line each, no stack trace, or the log floods with them.
                LOG.warn("webhook not accepted: {}", sql.getMessage());
            } else {
                LOG.error("webhook not accepted: the journal is unavailable", failure);
            }
            receipt = Receipt.unavailable("the relay cannot store events right now; retry later");
        } else {
            LOG.error("webhook not accepted: unexpected failure", failure);
            receipt = Receipt.rejected(500, "internal error; the event was not stored");
        }
        metrics.received("none", "rejected", String.valueOf(receipt.getHttpStatus()));
        return receipt;
    }
}
