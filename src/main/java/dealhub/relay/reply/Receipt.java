package dealhub.relay.reply;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dealhub.relay.reply.JsonReply;

/** What the relay answers a webhook: the HTTP status and a small JSON body. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Receipt implements JsonReply.Answer {

    /**
     * The {@code Retry-After} of every {@code 503} the relay answers a webhook with, whether the journal could not
     * store it in time or the relay is starting, stopping or swapping routes ({@code http.StartupGate}): each is a
     * matter of seconds.
     */
    public static final int RETRY_AFTER_SECONDS = 2;

    private final int httpStatus;
    private final String eventId;
    private final String status;
    private final String error;
    private final Integer retryAfterSeconds;

    private Receipt(int httpStatus, String eventId, String status, String error, Integer retryAfterSeconds) {
        this.httpStatus = httpStatus;
        this.eventId = eventId;
        this.status = status;
        this.error = error;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static Receipt accepted(String eventId) {
        return new Receipt(202, eventId, "accepted", null, null);
    }

    public static Receipt duplicate(String eventId) {
        return new Receipt(200, eventId, "duplicate", null, null);
    }

    public static Receipt rejected(int httpStatus, String error) {
        return new Receipt(httpStatus, null, "rejected", error, null);
    }

    /** 503: the event was not stored now; the sender (or a proxy) may send it again after a few seconds. */
    public static Receipt unavailable(String error) {
        return new Receipt(503, null, "rejected", error, RETRY_AFTER_SECONDS);
    }

    @JsonIgnore
    @Override
    public int getHttpStatus() {
        return httpStatus;
    }

    @JsonIgnore
    @Override
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    @JsonProperty("event_id")
    public String getEventId() {
        return eventId;
    }

    @JsonProperty("status")
    public String getStatus() {
        return status;
    }

    @JsonProperty("error")
    public String getError() {
        return error;
    }
}
