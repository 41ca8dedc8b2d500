package dealhub.relay.reply;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dealhub.relay.reply.JsonReply;

/** What the relay answers a webhook: the HTTP status and a small JSON body. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Receipt implements JsonReply.Answer {

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
    public static Receipt unavailable(String error, int retryAfterSeconds) {
        return new Receipt(503, null, "rejected", error, retryAfterSeconds);
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
