package dealhub.relay;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
        listPage(2, false, false, "Q3", "Won");
        quotesAnswer("Q1", "Draft", "Q2", "Won", "Q3", "Won");
        relay = relayWithDealHub().with("relay.reconcile.enabled", "true")
                .with("relay.reconcile.start-delay-ms", "0").start();
        try (TestRelay other = TestRelay.in(folder.resolve("other")).sharingDatabaseWith(relay)
                .with("dealhub.api.base-url", dealhub.baseUrl()).with("relay.admin.token", ADMIN_TOKEN)
                .with("relay.reconcile.page-size", "2").with("relay.reconcile.enabled", "true")
                .with("relay.reconcile.start-delay-ms", "0").start()) {
            await().atMost(DEADLINE).until(() -> "complete".equals(relay.queryOne(
                    "SELECT max(state) FROM relay_reconcile_run")));
            // Both instances checked on start; the one without the lease must not have run a second time.
            Thread.sleep(1500);
            assertThat(admin(other, "POST", "/admin/reconcile?dryRun=true").statusCode()).isEqualTo(200);

            assertThat(relay.queryOne("SELECT count(*) FROM relay_reconcile_run")).isEqualTo(1L);
            dealhub.verify(1, getRequestedFor(urlPathEqualTo("/api/v2/quotes"))
                    .withQueryParam("offset", equalTo("2")).withQueryParam("limit", equalTo("2")));
            awaitAllDone();
            assertThat(relay.queryOne("SELECT count(*) FROM relay_event WHERE event_type = 'reconciled'")).isEqualTo(3L);
            for (String quote : new String[] {"Q1", "Q2", "Q3"}) {
                dealhub.verify(1, getRequestedFor(urlPathEqualTo("/api/v2/quote/" + quote)));
            }
        }
    }
}
