package dealhub.relay.reconcile;

import java.util.List;

/**
 * One page of DealHub's quote list, as read: the quotes on it and whether DealHub has more after it.
 *
 * @param quotes  the listed quotes, in DealHub's order, entries without a usable quote id included as invalid
 * @param more    {@code more_results_matching_the_request}, or, when DealHub left it out, whether the page was full
 */
public record ListedPage(List<ListedQuote> quotes, boolean more) {

    /**
     * One entry of the list.
     *
     * @param quoteId {@code dealhub_quote_id}; {@code null} when missing or not a valid quote id
     * @param state   the state compared with the last one the relay saw ({@link QuoteState})
     */
    public record ListedQuote(String quoteId, String state) {
    }
}
