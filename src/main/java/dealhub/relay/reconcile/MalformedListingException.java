package dealhub.relay.reconcile;

import dealhub.relay.dealhub.MalformedQuoteException;

/**
 * DealHub's quote list answered with something that is not a page of quotes: like a malformed Get Quote answer, worth
 * another attempt (the one retry rule, {@code dispatch/Failures}, says so for both).
 */
public class MalformedListingException extends MalformedQuoteException {

    public MalformedListingException(String message) {
        super(message);
    }
}
