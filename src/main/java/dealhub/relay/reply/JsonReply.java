package dealhub.relay.reply;

import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

/**
 * Turns an {@link Answer} in the body into the HTTP answer: its status, {@code application/json}, and the body as
 * a string. platform-http writes a string in one go, but pumps any other body (the stream Camel's {@code marshal}
 * makes, bytes) through Vert.x chunk by chunk, which cost about a tenth of the CPU time of a webhook.
 */
public class JsonReply implements Processor {

    /** What the relay answers over HTTP: a status and a body that Jackson writes. */
    public interface Answer {
        int getHttpStatus();

        /** Seconds after which the caller may try again ({@code Retry-After}), or {@code null}. */
        default Integer retryAfterSeconds() {
            return null;
        }
    }

    private final ObjectWriter writer = JsonMapper.builder().build().writer();

    @Override
    public void process(Exchange exchange) throws Exception {
        Message message = exchange.getMessage();
        Answer answer = message.getMandatoryBody(Answer.class);
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, answer.getHttpStatus());
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        if (answer.retryAfterSeconds() != null) {
            message.setHeader("Retry-After", answer.retryAfterSeconds());
        }
        message.setBody(writer.writeValueAsString(answer));
    }
}
