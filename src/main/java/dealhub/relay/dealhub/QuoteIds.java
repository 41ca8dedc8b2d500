package dealhub.relay.dealhub;

import java.util.regex.Pattern;

/**
 * DealHub quote ids. DealHub documents no length (refusing a longer one would lose its event), so any id of up to
 * 128 characters (as event ids) that is safe as one URL path segment is taken. Checked where a webhook arrives and
 * again before one becomes part of a Get Quote URL, so a payload can never steer that request elsewhere.
 */
public final class QuoteIds {

    public static final String RULE = "1 to 128 characters of A-Z a-z 0-9 _ -";

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private QuoteIds() {
    }

    public static boolean isValid(String quoteId) {
        return quoteId != null && VALID.matcher(quoteId).matches();
    }
}
