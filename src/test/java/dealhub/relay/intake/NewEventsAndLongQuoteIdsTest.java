package dealhub.relay.intake;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * DealHub does not retry, so refusing an authenticated, well-formed webhook loses its event: a safe event name the
 * relay has never heard of and a long quote id are taken, journaled and delivered; only an operator's own list of
 * events restricts the names.
 */
class NewEventsAndLongQuoteIdsTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @RegisterExtension
    static WireMockExtension dealhub = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @TempDir
    Path folder;

    @Test
    void theRelaysOwnReconciledNameIsRefusedFromAWebhookInAnyLetterCase() throws Exception {
        try (TestRelay relay = TestRelay.in(folder).start()) {
            assertThat(relay.postEvent("/webhooks/dealhub/reconciled", Samples.userEvent("EV-forged-path"))
                    .statusCode()).isEqualTo(400);
            assertThat(relay.postEvent("/webhooks/dealhub",
                    "{\"event\":\"Reconciled\",\"event_info\":{\"event_id\":\"EV-forged-body\"}}").statusCode())
                    .isEqualTo(400);
            assertThat(relay.queryOne("SELECT count(*) FROM relay_event")).isEqualTo(0L);
        }
    }

    @Test
    void anEventNameDealHubMayAddLaterIsJournaledAndReachesTheSinksSubscribedToEverything() throws Exception {
        TestRelay.Builder builder = TestRelay.in(folder);
        Path everything = builder.fileSink("everything", "*");
        Path wonOnly = builder.fileSink("won", "quoteWon");
        try (TestRelay relay = builder.start()) {
            assertThat(relay.postEvent("/webhooks/dealhub/quoteArchived", Samples.userEvent("EV-new-path"))
                    .statusCode()).isEqualTo(202);
            assertThat(relay.postEvent("/webhooks/dealhub",
                    "{\"event\":\"contract.signed v2\",\"event_info\":{\"event_id\":\"EV-new-body\"}}").statusCode())
                    .isEqualTo(202);
            assertThat(relay.postEvent("/webhooks/dealhub/USER", Samples.userEvent("EV-known-case")).statusCode())
                    .isEqualTo(202);

            await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("EV-new-path"))
                    && "done".equals(relay.eventState("EV-new-body")) && "done".equals(relay.eventState("EV-known-case")));
            assertThat(relay.queryOne("SELECT event_type FROM relay_event WHERE event_id = ?", "EV-new-path"))
                    .isEqualTo("quoteArchived");
            assertThat(relay.queryOne("SELECT event_type FROM relay_event WHERE event_id = ?", "EV-new-body"))
                    .isEqualTo("contract.signed v2");
            assertThat(relay.queryOne("SELECT event_type FROM relay_event WHERE event_id = ?", "EV-known-case"))
                    .as("a documented name keeps its spelling").isEqualTo("user");
            assertThat(everything.resolve("quoteArchived_EV-new-path.json")).exists();
            assertThat(relay.deliveryState("EV-new-body", "everything")).isEqualTo("done");
            assertThat(relay.deliveryState("EV-new-path", "won")).isNull();
            assertThat(wonOnly.resolve("quoteArchived_EV-new-path.json")).doesNotExist();
        }
    }

    @Test
    void aListOfEventsIsAnOptInRestriction() {
        try (TestRelay relay = TestRelay.in(folder).with("relay.webhook.events", "quoteWon, user").start()) {
            assertThat(relay.postEvent("/webhooks/dealhub/quoteArchived", Samples.userEvent("EV-left-out"))
                    .statusCode()).isEqualTo(400);
            assertThat(relay.postEvent("/webhooks/dealhub/User", Samples.userEvent("EV-listed")).statusCode())
                    .isEqualTo(202);
            assertThat(relay.eventState("EV-left-out")).isNull();
        }
    }

    @Test
    void aQuoteIdOf128CharactersIsJournaledAndFetchedFromGetQuoteAsOnePathSegment() {
        String quoteId = "Q" + "a1B2_c3-D4".repeat(12) + "x".repeat(7);
        assertThat(quoteId).hasSize(128);
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(Samples.read("get-quote-response.json"))));
        TestRelay.Builder builder = TestRelay.in(folder).with("dealhub.api.base-url", dealhub.baseUrl());
        Path files = builder.fileSink("files", "*");
        try (TestRelay relay = builder.start()) {
            assertThat(relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("EV-long-quote", quoteId))
                    .statusCode()).isEqualTo(202);
            assertThat(relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("EV-too-long", quoteId + "y"))
                    .statusCode()).isEqualTo(400);

            await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("EV-long-quote")));
            assertThat(relay.queryOne("SELECT quote_id FROM relay_event WHERE event_id = ?", "EV-long-quote"))
                    .isEqualTo(quoteId);
            dealhub.verify(getRequestedFor(urlPathEqualTo("/api/v2/quote/" + quoteId)));
            assertThat(files.resolve("quoteWon_EV-long-quote.json")).exists();
            assertThat(relay.eventState("EV-too-long")).isNull();
        }
    }
}
