package dealhub.relay.dealhub;

import java.util.List;

/** The event names DealHub documents for its webhooks (DealHub may add more; the relay takes those too). */
public final class DealHubEvents {

    public static final List<String> DOCUMENTED = List.of("draftQuote", "primaryQuote", "quotePendingApproval",
            "quoteReady", "quoteRejected", "quoteRecalled", "quotePublished", "quoteUnpublished", "quoteWon", "version",
            "user", "productsUpload", "Failure WebHook v1", "crmImport", "DEALROOM_EVENT");

    private DealHubEvents() {
    }
}
