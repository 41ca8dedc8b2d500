package dealhub.relay.intake;

/** A webhook the relay refuses, with the HTTP status and a message safe to show the sender. */
public class RejectedWebhookException extends RuntimeException {

    private final int status;

    public RejectedWebhookException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
