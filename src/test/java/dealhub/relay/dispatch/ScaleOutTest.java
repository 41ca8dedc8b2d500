package dealhub.relay.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dealhub.relay.support.Receivers;
import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two relay instances behind a load balancer share one PostgreSQL journal: each (event, sink) pair is delivered
 * exactly once, by one of them, and both do part of the work. Leases: an instance that claims again a delivery it is
 * still working on (its lease ran out under it) does not perform it a second time.
 * <p>
 * With a short lease (2 s) and http receivers that count the requests of each event: a sink that keeps failing for
 * longer than the lease holds no lease meanwhile and never makes a receiver see an event twice. The delivery table
 * locked for longer than the lease: {@link FencingTest}.
 */
class ScaleOutTest {

    private static final int EVENTS = 2000;
    private static final int LEASE_SECONDS = 2;
    /** A minute of attempts, one a second. */
    private static final String EVERY_SECOND = String.join(",", Collections.nCopies(60, "1s"));

    @RegisterExtension
    static WireMockExtension receiver = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()
            .containerThreads(16)).build();

    @TempDir
    Path first;
    @TempDir
    Path second;

    private TestRelay.Builder instance(TestRelay.Builder relay, Path folder) {
        relay.fileSink("files", "*");
        return relay.with("relay.sinks.bi.type", "http")
                .with("relay.sinks.bi.url", receiver.baseUrl() + "/events")
                .with("relay.dispatch.poll-interval-ms", "5")
                .with("relay.dispatch.capacity", "16")
                .with("relay.sinks.files.directory", folder.resolve("sink").toString());
    }

    @Test
    void twoInstancesOnOneDatabaseDeliverEveryPairExactlyOnceAndShareTheWork() throws Exception {
        receiver.stubFor(post(urlEqualTo("/events")).willReturn(aResponse().withStatus(204)));
        try (TestRelay a = instance(TestRelay.in(first).onPostgres(), first).start();
             TestRelay b = instance(TestRelay.in(second), second).sharingDatabaseWith(a).start()) {

            ExecutorService senders = Executors.newFixedThreadPool(8);
            for (int i = 0; i < EVENTS; i++) {
                String id = "EV-scale-" + i;
                String body = Samples.userEvent(id);
                TestRelay target = i % 2 == 0 ? a : b;
                boolean toBoth = i % 10 == 0; // DealHub retried, and the balancer picked the other instance
                senders.submit(() -> {
                    assertThat(target.postEvent("/webhooks/dealhub/user", body).statusCode()).isIn(200, 202);
                    if (toBoth) {
                        TestRelay other = target == a ? b : a;
                        assertThat(other.postEvent("/webhooks/dealhub/user", body).statusCode()).isIn(200, 202);
                    }
                });
            }
            senders.shutdown();
            assertThat(senders.awaitTermination(3, TimeUnit.MINUTES)).isTrue();

            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).until(() ->
                    ((Number) a.queryOne("SELECT count(*) FROM relay_event WHERE state = 'done'")).intValue() == EVENTS);

            // Exactly once, from the receiver's side: one POST per event.
            Map<String, Long> perEvent = Receivers.requestsPerEvent(receiver, "/events");
            assertThat(perEvent).hasSize(EVENTS);
            assertThat(perEvent.values()).allMatch(n -> n == 1);
            assertThat(a.eventCount()).isEqualTo(EVENTS);
            assertThat(a.queryOne("SELECT count(*) FROM relay_delivery WHERE state = 'done' AND attempts = 1"))
                    .isEqualTo((long) 2 * EVENTS);

            // Shared: each instance settled a real part of the deliveries.
            assertThat(a.queryOne("SELECT count(DISTINCT worker) FROM relay_delivery")).isEqualTo(2L);
            long busiest = ((Number) a.queryOne("SELECT max(n) FROM (SELECT count(*) AS n FROM relay_delivery"
                    + " GROUP BY worker) AS per_worker")).longValue();
            assertThat(busiest).isLessThan((long) (2 * EVENTS * 0.8));
        }
    }

    @Test
    void aDeliveryWhoseLeaseRanOutWhileItsInstanceWorksOnItIsNotPerformedTwiceByIt() throws Exception {
        receiver.stubFor(post(urlEqualTo("/slow")).willReturn(aResponse().withStatus(204).withFixedDelay(3000)));
        try (TestRelay relay = TestRelay.in(first).with("relay.sinks.slow.type", "http")
                .with("relay.sinks.slow.url", receiver.baseUrl() + "/slow")
                .with("relay.dispatch.poll-interval-ms", "20").start()) {
            relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-slow"));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> receiver.findAll(postRequestedFor(urlEqualTo("/slow"))).size() == 1);

            // The lease runs out under the delivery, as when renewing it failed: the next claim takes it again.
            try (Connection c = relay.dataSource().getConnection(); Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE relay_delivery SET next_attempt_at = TIMESTAMP '2000-01-01 00:00:00'"
                        + " WHERE event_id = 'E-slow'");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> "done".equals(relay.eventState("E-slow")));

            assertThat(receiver.findAll(postRequestedFor(urlEqualTo("/slow")))).hasSize(1);
            assertThat(relay.deliveryAttempts("E-slow", "slow")).isEqualTo(1);
        }
    }

    private static TestRelay.Builder fenced(TestRelay.Builder relay) {
        return relay.with("relay.sinks.bi.type", "http").with("relay.sinks.bi.url", receiver.baseUrl() + "/bi")
                .with("relay.dispatch.lease-seconds", String.valueOf(LEASE_SECONDS))
                .with("relay.dispatch.lease-renew-ms", "500")
                .with("relay.dispatch.capacity", "16")
                .with("relay.dispatch.poll-interval-ms", "20");
    }

    @Test
    void aSinkFailingForLongerThanTheLeaseKeepsNoLeaseAndTheOtherSinkIsDeliveredOnce() throws Exception {
        receiver.stubFor(post(urlEqualTo("/bi")).willReturn(aResponse().withStatus(204)));
        receiver.stubFor(post(urlEqualTo("/crm")).willReturn(aResponse().withStatus(503)));
        int events = 40;
        try (TestRelay a = fenced(TestRelay.in(first).onPostgres()).with("relay.sinks.crm.type", "http")
                .with("relay.sinks.crm.url", receiver.baseUrl() + "/crm")
                .with("relay.retry.schedule", EVERY_SECOND).start();
             TestRelay b = fenced(TestRelay.in(second)).with("relay.sinks.crm.type", "http")
                .with("relay.sinks.crm.url", receiver.baseUrl() + "/crm")
                .with("relay.retry.schedule", EVERY_SECOND).sharingDatabaseWith(a).start()) {
            for (int i = 0; i < events; i++) {
                (i % 2 == 0 ? a : b).postEvent("/webhooks/dealhub/user", Samples.userEvent("E-gap-" + i));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> Receivers.requestsPerEvent(receiver, "/bi").size() == events);
            // crm keeps failing for more than twice the lease: its deliveries wait in the journal, held by nobody.
            Thread.sleep(LEASE_SECONDS * 2500L);
            assertThat(a.queryOne("SELECT count(*) FROM relay_delivery WHERE sink = 'crm' AND state = 'pending'"
                    + " AND retries > 0 AND lease_owner IS NULL")).isNotEqualTo(0L);
            receiver.stubFor(post(urlEqualTo("/crm")).willReturn(aResponse().withStatus(204)));

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> ((Number) a.queryOne(
                    "SELECT count(*) FROM relay_event WHERE state = 'done'")).intValue() == events);
            assertThat(Receivers.requestsPerEvent(receiver, "/bi")).hasSize(events)
                    .allSatisfy((e, n) -> assertThat(n).as(e).isEqualTo(1));
            assertThat(a.queryOne("SELECT count(*) FROM relay_delivery WHERE sink = 'bi' AND attempts = 1"))
                    .isEqualTo((long) events);
        }
    }
}
