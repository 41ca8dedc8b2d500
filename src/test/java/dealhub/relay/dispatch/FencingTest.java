package dealhub.relay.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.sun.net.httpserver.HttpServer;

import dealhub.relay.support.Receivers;
import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fencing, the way issue 19 found its absence: two instances on one PostgreSQL journal, a short lease (2 s), an http
 * receiver that counts the requests of each event, and the delivery table locked for longer than the lease in the
 * middle of a concurrent load. The receiver sees each event once. And the window between a send and the record of
 * its outcome, held open for longer than the lease.
 */
class FencingTest {

    private static final int LEASE_SECONDS = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static WireMockExtension receiver = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()
            .containerThreads(64)).build();

    @RegisterExtension
    static WireMockExtension dealhub = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @TempDir
    Path first;
    @TempDir
    Path second;

    private static TestRelay.Builder fenced(TestRelay.Builder relay) {
        // Sinks in name order, the http one last: so that on a relay which delivers an event's sinks one after
        // another, the http delivery is the one in flight when the lock begins.
        relay.fileSink("archive", "*");
        return relay.with("relay.sinks.bi.type", "http").with("relay.sinks.bi.url", receiver.baseUrl() + "/bi")
                .with("relay.dispatch.lease-seconds", String.valueOf(LEASE_SECONDS))
                .with("relay.dispatch.lease-renew-ms", "500")
                .with("relay.dispatch.poll-interval-ms", "20");
    }

    @Test
    void theReceiverSeesEachEventOnceThoughTheDeliveryTableIsLockedForLongerThanTheLeaseUnderLoad() throws Exception {
        receiver.stubFor(post(urlEqualTo("/bi")).willReturn(aResponse().withStatus(204).withFixedDelay(50)));
        int events = 2000;
        try (TestRelay a = fenced(TestRelay.in(first).onPostgres())
                .with("relay.sinks.archive.directory", first.resolve("sink").toString()).start();
             TestRelay b = fenced(TestRelay.in(second)).with("relay.sinks.archive.directory",
                     second.resolve("sink").toString()).sharingDatabaseWith(a).start()) {
            AtomicInteger accepted = new AtomicInteger();
            CountDownLatch lockNow = new CountDownLatch(1);
            ExecutorService senders = Executors.newFixedThreadPool(8);
            for (int i = 0; i < events; i++) {
                TestRelay target = i % 2 == 0 ? a : b;
                String body = Samples.userEvent("E-lock-" + i);
                senders.submit(() -> {
                    // Intake answers 503 while its commit cannot complete (the stall); DealHub sends the webhook again.
                    while (target.postEvent("/webhooks/dealhub/user", body).statusCode() == 503) {
                        Thread.sleep(200);
                    }
                    if (accepted.incrementAndGet() == events / 3) {
                        lockNow.countDown();
                    }
                    return null;
                });
            }
            // In the middle of the load, as an index rebuild or a long migration would: every statement on
            // relay_delivery waits, renewals included, for twice the lease.
            lockNow.await();
            lockDeliveries(a.databaseUrl(), LEASE_SECONDS * 2000L + 500);
            senders.shutdown();
            assertThat(senders.awaitTermination(3, TimeUnit.MINUTES)).isTrue();

            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).until(() -> ((Number) a.queryOne(
                    "SELECT count(*) FROM relay_event WHERE state = 'done'")).intValue() == events);
            Map<String, Long> perEvent = Receivers.requestsPerEvent(receiver, "/bi");
            Map<String, Long> doubled = perEvent.entrySet().stream().filter(e -> e.getValue() > 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            assertThat(perEvent).hasSize(events);
            assertThat(doubled).as("events the receiver saw more than once").isEmpty();
            assertThat(a.queryOne("SELECT count(*) FROM relay_delivery WHERE attempts <> 1"))
                    .as("deliveries the journal shows performed more than once").isEqualTo(0L);
        }
    }

    /**
     * The window between a send and its record: the receiver, on its request, has relay_quote locked against writes
     * for three lease terms before it answers, so the holder's record (which keeps the fetched quote first) waits
     * while another instance, reading freely, could take the delivery over once the lease ran out. The holder keeps
     * its lease until the outcome is recorded: the receiver sees the event once.
     */
    @Test
    void aDeliveryWhoseRecordWaitsLongerThanTheLeaseIsNotPerformedAgainByTheOtherInstance() throws Exception {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(Samples.read("get-quote-response.json"))));
        Map<String, Integer> requests = new ConcurrentHashMap<>();
        AtomicReference<String> databaseUrl = new AtomicReference<>();
        List<Thread> lockers = new CopyOnWriteArrayList<>();
        HttpServer lockingReceiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        lockingReceiver.createContext("/crm", exchange -> {
            String event = JSON.readTree(exchange.getRequestBody()).get("event_id").asText();
            if (requests.merge(event, 1, Integer::sum) == 1) {
                lockers.add(lockQuotesAgainstWrites(databaseUrl.get(), LEASE_SECONDS * 3000L));
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        lockingReceiver.setExecutor(Executors.newFixedThreadPool(4));
        lockingReceiver.start();
        try (TestRelay a = window(TestRelay.in(first).onPostgres(), lockingReceiver).start();
             TestRelay b = window(TestRelay.in(second), lockingReceiver).sharingDatabaseWith(a).start()) {
            databaseUrl.set(a.databaseUrl());
            a.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-window", "Q8m2XyzA91Lp0c7"));

            await().atMost(Duration.ofSeconds(30)).until(() -> "done".equals(a.eventState("E-window")));
            for (Thread locker : lockers) {
                locker.join();
            }
            // Whatever was due has had time to be performed again.
            Thread.sleep(LEASE_SECONDS * 1000L);
            assertThat(lockers).hasSize(1);
            assertThat(requests).as("requests per event").isEqualTo(Map.of("E-window", 1));
            assertThat(a.deliveryAttempts("E-window", "crm")).isEqualTo(1);
        } finally {
            lockingReceiver.stop(0);
        }
    }

    private TestRelay.Builder window(TestRelay.Builder relay, HttpServer receiver) {
        return relay.with("relay.sinks.crm.type", "http")
                .with("relay.sinks.crm.url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/crm")
                .with("dealhub.api.base-url", dealhub.baseUrl())
                .with("relay.dispatch.lease-seconds", String.valueOf(LEASE_SECONDS))
                .with("relay.dispatch.lease-renew-ms", "500")
                .with("relay.dispatch.poll-interval-ms", "20");
    }

    /** Locks relay_quote in SHARE mode (reads go on, writes wait) from a connection of its own for {@code millis}. */
    private static Thread lockQuotesAgainstWrites(String databaseUrl, long millis) {
        CountDownLatch locked = new CountDownLatch(1);
        Thread locker = new Thread(() -> {
            try (Connection c = DriverManager.getConnection(databaseUrl, "postgres", "");
                 Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("LOCK TABLE relay_quote IN SHARE MODE");
                locked.countDown();
                Thread.sleep(millis);
                c.rollback();
            } catch (Exception e) {
                locked.countDown();
                throw new IllegalStateException(e);
            }
        }, "quote-locker");
        locker.start();
        try {
            locked.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return locker;
    }

    /** Holds an ACCESS EXCLUSIVE lock on relay_delivery from a connection of its own for {@code millis}. */
    private static void lockDeliveries(String databaseUrl, long millis) throws Exception {
        try (Connection c = DriverManager.getConnection(databaseUrl, "postgres", "");
             Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("LOCK TABLE relay_delivery IN ACCESS EXCLUSIVE MODE");
            Thread.sleep(millis);
            c.rollback();
        }
    }

}
