package dealhub.relay.dealhub;

import java.util.List;

/** The event names DealHub documents for its webhooks (DealHub may add more; the relay takes those too). */
public final class DealHubEvents {

    public static final List<String> DOCUMENTED = List.of("draftQuote", "primaryQuote", "quotePendingApproval",
            "quoteReady", "quoteRejected", "quoteRecalled", "quotePublished", "quoteUnpublished", "quoteWon", "version",
            "user", "productsUpload", "Failure WebHook v1", "crmImport", "DEALROOM_EVENT");

    /**
     * The type of the events the relay journals itself when reconciling with DealHub's quote list: never one of
     * DealHub's names (no approval mail goes out for an old quote), and refused from a webhook.
     */
    public static final String RECONCILED = "reconciled";

    private DealHubEvents() {
    }
}
