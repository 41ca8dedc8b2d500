package dealhub.relay.reply;

/**
 * A request the relay refuses (a webhook, an admin call), with the HTTP status and a message safe to show the
 * caller.
 */
public class BadRequestException extends RuntimeException {

    private final int status;

    public BadRequestException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
