package dealhub.relay.dealhub;

/** Get Quote answered 2xx with something that is not a JSON object: worth another try. */
public class MalformedQuoteException extends RuntimeException {

    public MalformedQuoteException(String message) {
        super(message);
    }
}
