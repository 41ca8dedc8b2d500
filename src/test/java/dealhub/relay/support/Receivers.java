package dealhub.relay.support;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

/** What an http sink's receiver (WireMock) was sent: how a test sees a delivery performed twice. */
public final class Receivers {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Receivers() {
    }

    /** The POSTs to {@code path}, counted by the {@code event_id} of the document each carried. */
    public static Map<String, Long> requestsPerEvent(WireMockExtension receiver, String path) {
        return receiver.findAll(postRequestedFor(urlEqualTo(path))).stream().map(Receivers::eventId)
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    private static String eventId(LoggedRequest request) {
        try {
            return JSON.readTree(request.getBodyAsString()).get("event_id").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
