package dealhub.relay.reply;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;

import dealhub.relay.reply.JsonReply;

/** An admin API answer: the HTTP status, and the body that is written as JSON. */
public class AdminReply implements JsonReply.Answer {

    private final int httpStatus;
    private final Object body;

    public AdminReply(int httpStatus, Object body) {
        this.httpStatus = httpStatus;
        this.body = body;
    }

    @JsonIgnore
    @Override
    public int getHttpStatus() {
        return httpStatus;
    }

    @JsonValue
    public Object getBody() {
        return body;
    }
}
