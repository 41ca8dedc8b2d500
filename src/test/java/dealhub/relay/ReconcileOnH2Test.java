package dealhub.relay;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;

class ReconcileOnH2Test extends ReconcileTest {

    @Override
    TestRelay.Builder database(TestRelay.Builder relay) {
        return relay;
    }

    /** On H2: the database outlives the relay in its folder, so a second relay can look at what the first left. */
    @Test
    void aRelayThatStopsMidRunEndsTheRunAndGivesTheLeaseBack() throws Exception {
        listPage(0, true, false, "Q1", "Draft", "Q2", "Won");
        dealhub.stubFor(get(urlPathEqualTo("/api/v2/quotes")).withQueryParam("offset", equalTo("2"))
                .willReturn(json(page(true, false, "Q3", "Won", "Q4", "Won")).withFixedDelay(2000)));
        listPage(4, false, false, "Q5", "Won");
        quotesAnswer("Q1", "Draft", "Q2", "Won", "Q3", "Won", "Q4", "Won", "Q5", "Won");
        relay = relayWithDealHub().start();
        assertThat(admin("POST", "/admin/reconcile").statusCode()).isEqualTo(202);
        await().atMost(DEADLINE).until(() -> ((Number) relay.queryOne(
                "SELECT max(pages) FROM relay_reconcile_run")).intValue() >= 1);

        relay.close();
        relay = relayWithDealHub().start();

        assertThat(relay.queryOne("SELECT state FROM relay_reconcile_run")).isEqualTo("failed");
        assertThat((String) relay.queryOne("SELECT failure FROM relay_reconcile_run")).contains("the relay stopped");
        assertThat(relay.queryOne("SELECT lease_owner FROM relay_lease")).isNull();
        assertThat(admin("POST", "/admin/reconcile").statusCode()).as("no lease left to wait for").isEqualTo(202);
    }
}
