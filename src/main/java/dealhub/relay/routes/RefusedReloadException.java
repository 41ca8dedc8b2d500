package dealhub.relay.routes;

/** A route file's reload was refused: the previous routes keep running; the message says why, in one line. */
final class RefusedReloadException extends Exception {

    RefusedReloadException(String message) {
        super(message);
    }

    RefusedReloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
