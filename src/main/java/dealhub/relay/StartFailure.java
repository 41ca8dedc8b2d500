package dealhub.relay;

import dealhub.relay.sinks.SinkRegistry;

import org.apache.camel.FailedToCreateRouteException;

/**
 * Says in one line why the relay did not start. Camel wraps a refusal in layers that repeat it with route dumps and
 * URIs; the line an operator needs is the relay's own refusal, which names the key and what is wrong with its value.
 */
final class StartFailure {

    private static final String OWN_CODE = "dealhub.relay.";
    private static final int MAX_LENGTH = 1000;

    private StartFailure() {
    }

    /**
     * The innermost refusal raised by the relay's own checks; else, for a sink route Camel could not build, the sink's
     * key and Camel's root cause; else the root cause.
     */
    static String reason(Throwable failure) {
        String own = null;
        String sink = null;
        Throwable root = failure;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && raisedByTheRelay(t)) {
                own = t.getMessage();
            }
            if (t instanceof FailedToCreateRouteException route && route.getRouteId() != null
                    && route.getRouteId().startsWith(SinkRegistry.TEMPLATE_PREFIX)) {
                sink = SinkRegistry.PREFIX + route.getRouteId().substring(SinkRegistry.TEMPLATE_PREFIX.length());
            }
            root = t;
        }
        String reason = own != null ? own
                : (sink != null ? sink + ": " : "") + (root.getMessage() != null ? root.getMessage() : root.toString());
        return oneLine(reason);
    }

    private static boolean raisedByTheRelay(Throwable t) {
        StackTraceElement[] frames = t.getStackTrace();
        return frames.length > 0 && frames[0].getClassName().startsWith(OWN_CODE);
    }

    private static String oneLine(String text) {
        String line = text.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
        return line.length() > MAX_LENGTH ? line.substring(0, MAX_LENGTH) + "..." : line;
    }
}
