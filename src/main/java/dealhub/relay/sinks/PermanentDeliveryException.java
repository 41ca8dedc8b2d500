package dealhub.relay.sinks;

/**
 * Thrown by a sink when trying again cannot help (the receiver refused the document itself): the (event, sink)
 * pair is dead at once, with this message as its reason, instead of being retried.
 */
public class PermanentDeliveryException extends RuntimeException {

    public PermanentDeliveryException(String message) {
        super(message);
    }

    public PermanentDeliveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
