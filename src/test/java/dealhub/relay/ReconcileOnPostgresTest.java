package dealhub.relay;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;

import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;

class ReconcileOnPostgresTest extends ReconcileTest {

    @Override
    TestRelay.Builder database(TestRelay.Builder relay) {
        return relay.onPostgres();
    }

    @Test
    void twoInstancesOnOneDatabaseRunItOnce() throws Exception {
        listPage(0, true, false, "Q1", "Draft", "Q2", "Won");
        // The last page is slow, so that the run is under way while the other instance is asked for one.
        dealhub.stubFor(get(urlPathEqualTo("/api/v2/quotes")).withQueryParam("offset", equalTo("2"))
                .willReturn(json(page(false, false, "Q3", "Won")).withFixedDelay(8000)));
        quotesAnswer("Q1", "Draft", "Q2", "Won", "Q3", "Won");
        TestRelay.Builder first = relayWithDealHub().with("relay.reconcile.enabled", "true")
                .with("relay.reconcile.start-delay-ms", "0");
        Path files = first.fileSink("files", "*");
        relay = first.start();
        try (TestRelay other = TestRelay.in(folder.resolve("other")).sharingDatabaseWith(relay)
                .with("dealhub.api.base-url", dealhub.baseUrl()).with("relay.admin.token", ADMIN_TOKEN)
                .with("relay.reconcile.page-size", "2").with("relay.reconcile.enabled", "true")
                .with("relay.reconcile.start-delay-ms", "0").with("relay.sinks.files.type", "file")
                .with("relay.sinks.files.events", "*").with("relay.sinks.files.directory", files.toString()).start()) {
            await().atMost(DEADLINE).until(() -> "running".equals(relay.queryOne(
                    "SELECT max(state) FROM relay_reconcile_run")));
            assertThat(admin(other, "POST", "/admin/reconcile").statusCode()).isEqualTo(409);
            assertThat(admin(relay, "POST", "/admin/reconcile").statusCode()).isEqualTo(409);
            await().atMost(DEADLINE).until(() -> "complete".equals(relay.queryOne(
                    "SELECT max(state) FROM relay_reconcile_run")));
            // Both instances checked on start and check again every minute: the run just ended, none is due.
            Thread.sleep(1500);

            assertThat(relay.queryOne("SELECT count(*) FROM relay_reconcile_run")).isEqualTo(1L);
            dealhub.verify(1, getRequestedFor(urlPathEqualTo("/api/v2/quotes")).withQueryParam("offset", equalTo("0")));
            dealhub.verify(1, getRequestedFor(urlPathEqualTo("/api/v2/quotes")).withQueryParam("offset", equalTo("2")));
            awaitAllDone();
            assertThat(relay.queryOne("SELECT count(*) FROM relay_event WHERE event_type = 'reconciled'")).isEqualTo(3L);
            assertThat(fileNames(files)).hasSize(3);
            for (String quote : new String[] {"Q1", "Q2", "Q3"}) {
                dealhub.verify(1, getRequestedFor(urlPathEqualTo("/api/v2/quote/" + quote)));
            }
        }
    }
}
