package dealhub.relay.sinks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;
import dealhub.relay.RelayTest;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The http sink end to end: webhooks into the relay, the quote from DealHub, the forward into a receiver (WireMock). */
class HttpSinkTest extends RelayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final String EVENT_ID = "EV0f3c8d21a9b4";
    /** 32 bytes, in the Standard Webhooks form. */
    private static final String SECRET = "whsec_" + Base64.getEncoder()
            .encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));

    @RegisterExtension
    static WireMockExtension dealhub = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @RegisterExtension
    static WireMockExtension receiver = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @BeforeEach
    void dealhubAnswers() {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(Samples.read("get-quote-response.json"))));
    }

    @Test
    void postsTheEnrichedEventWithItsHeadersAndAStandardWebhooksSignature() throws Exception {
        receiver.stubFor(post(urlPathEqualTo("/collect")).willReturn(aResponse().withStatus(202)));
        TestRelay.Builder builder = httpSink("bi", receiver.baseUrl() + "/collect?source=dealhub")
                .with("relay.sinks.bi.headers", "X-Api-Key: k-123; X-Team: sales ops")
                .with("relay.sinks.bi.signing-secret", SECRET);
        Path files = builder.fileSink("files", "*");
        relay = builder.start();
        long before = Instant.now().getEpochSecond();

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.read("quoteWon.json"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState(EVENT_ID)));

        LoggedRequest request = onlyRequest();
        assertThat(request.getQueryParams().get("source").firstValue()).isEqualTo("dealhub");
        assertThat(request.getHeader("Content-Type")).startsWith("application/json");
        assertThat(request.getHeader("X-Api-Key")).isEqualTo("k-123");
        assertThat(request.getHeader("X-Team")).isEqualTo("sales ops");
        assertThat(request.getHeaders().keys()).noneMatch(h -> h.toLowerCase().startsWith("camel")
                || h.toLowerCase().startsWith("dealhub"));
        // The very document every sink gets: the same bytes as the file sink wrote.
        assertThat(request.getBodyAsString()).isEqualTo(Files.readString(files.resolve("quoteWon_" + EVENT_ID + ".json")));
        JsonNode body = JSON.readTree(request.getBodyAsString());
        assertThat(body.at("/event_id").asText()).isEqualTo(EVENT_ID);
        assertThat(body.at("/quote/summary/total_net_price").asDouble()).isEqualTo(151320.5);
        assertThat(body.at("/webhook/additional_data/Deal Type").asText()).isEqualTo("New Business");

        String id = request.getHeader("webhook-id");
        String timestamp = request.getHeader("webhook-timestamp");
        assertThat(id).isEqualTo(EVENT_ID);
        assertThat(Long.parseLong(timestamp)).isBetween(before - 1, Instant.now().getEpochSecond() + 1);
        assertThat(StandardWebhooks.verify(SECRET, id, timestamp, request.getBody(), request.getHeader("webhook-signature")))
                .isTrue();
        assertThat(StandardWebhooks.verify(SECRET, id, timestamp, "{}".getBytes(StandardCharsets.UTF_8),
                request.getHeader("webhook-signature"))).isFalse();
    }

    @Test
    void postsATemplatesOutputInsteadOfTheDocument() throws Exception {
        receiver.stubFor(post(urlPathEqualTo("/chat")).willReturn(aResponse().withStatus(200)));
        relay = httpSink("chat", receiver.baseUrl() + "/chat").with("relay.sinks.chat.template", "chatMessage").start();

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.read("quoteWon.json"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState(EVENT_ID)));

        LoggedRequest request = onlyRequest();
        assertThat(request.getHeader("webhook-signature")).isNull();
        JsonNode message = JSON.readTree(request.getBodyAsString());
        assertThat(message.size()).isEqualTo(1);
        assertThat(message.get("text").asText()).isEqualTo("quoteWon: Northwind 3-year platform (Q_2041) for "
                + "Northwind Traders, net 151,320.50 EUR, submitted by maria.lopez@northwind.example. "
                + "https://app.dealhub.example/quote/Q8m2XyzA91Lp0c7");
    }

    @Test
    void a503IsRetriedAloneAndTheEventIsDeliveredOnce() throws Exception {
        receiver.stubFor(post(urlPathEqualTo("/collect")).inScenario("busy").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        receiver.stubFor(post(urlPathEqualTo("/collect")).inScenario("busy").whenScenarioStateIs("up")
                .willReturn(aResponse().withStatus(200)));
        TestRelay.Builder builder = httpSink("bi", receiver.baseUrl() + "/collect")
                .with("relay.sinks.bi.signing-secret", SECRET);
        builder.fileSink("files", "*");
        relay = builder.start();

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.read("quoteWon.json"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState(EVENT_ID)));
        Thread.sleep(300); // several times the retry delay: a further attempt would show up now

        List<LoggedRequest> requests = receiver.findAll(postRequestedFor(urlPathEqualTo("/collect")));
        assertThat(requests).hasSize(2);
        assertThat(requests).extracting(r -> r.getHeader("webhook-id")).containsOnly(EVENT_ID);
        LoggedRequest second = requests.get(1);
        assertThat(StandardWebhooks.verify(SECRET, second.getHeader("webhook-id"), second.getHeader("webhook-timestamp"),
                second.getBody(), second.getHeader("webhook-signature"))).isTrue();
        assertThat(relay.deliveryAttempts(EVENT_ID, "bi")).isEqualTo(2);
        assertThat(relay.deliveryAttempts(EVENT_ID, "files")).isEqualTo(1);
    }

    @Test
    void a400IsDeadAtOnceWithTheStatusAndTheStartOfTheReply() throws Exception {
        String reply = "{\"error\":\"unknown field quote\"," + "\"detail\":\"" + "x".repeat(3000) + "\"}";
        receiver.stubFor(post(urlPathEqualTo("/collect")).willReturn(aResponse().withStatus(400).withBody(reply)));
        relay = httpSink("bi", receiver.baseUrl() + "/collect").start();

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.read("quoteWon.json"));
        await().atMost(DEADLINE).until(() -> "dead".equals(relay.eventState(EVENT_ID)));
        Thread.sleep(300);

        receiver.verify(1, postRequestedFor(urlPathEqualTo("/collect")));
        assertThat(relay.deliveryAttempts(EVENT_ID, "bi")).isEqualTo(1);
        assertThat(relay.deliveryError(EVENT_ID, "bi"))
                .isEqualTo("HTTP 400: " + reply.substring(0, 1024) + "...");
    }

    @Test
    void refusesToStartWithAMalformedSecretOrHeader() {
        Throwable shortSecret = httpSink("bi", "http://127.0.0.1:9/collect")
                .with("relay.sinks.bi.signing-secret", "whsec_c2hvcnQ=").startFailure();
        assertThat(messages(shortSecret)).contains("relay.sinks.bi.signing-secret").doesNotContain("c2hvcnQ");

        Throwable ownHeader = httpSink("bi", "http://127.0.0.1:9/collect")
                .with("relay.sinks.bi.headers", "webhook-signature: v1,forged").startFailure();
        assertThat(messages(ownHeader)).contains("relay.sinks.bi.headers").contains("set by the relay");
    }

    private TestRelay.Builder httpSink(String name, String url) {
        return TestRelay.in(folder).with("dealhub.api.base-url", dealhub.baseUrl())
                .with("relay.sinks." + name + ".type", "http")
                .with("relay.sinks." + name + ".url", url);
    }

    private static LoggedRequest onlyRequest() {
        List<LoggedRequest> requests = receiver.findAll(postRequestedFor(urlPathMatching("/.*")));
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }

    private static String messages(Throwable failure) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        return messages.toString();
    }

    /**
     * A receiver's check, written from the Standard Webhooks specification and not from the relay's code: the
     * signed content is {@code id.timestamp.body} over the raw bytes received; the header may list several
     * space-separated {@code v1,<base64>} signatures, one of which must match.
     */
    static final class StandardWebhooks {

        static boolean verify(String secret, String id, String timestamp, byte[] body, String signatureHeader)
                throws Exception {
            byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            byte[] expected = mac.doFinal(body);
            for (String signature : signatureHeader.split(" ")) {
                if (signature.startsWith("v1,")
                        && MessageDigest.isEqual(expected, Base64.getDecoder().decode(signature.substring(3)))) {
                    return true;
                }
            }
            return false;
        }
    }
}
