package dealhub.relay;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reconciling with DealHub's quote list (WireMock as DealHub): paging, what is journaled and fetched, retries, the
 * cap, gone quotes, dry runs and what the sinks get. Runs with the journal on H2 and on PostgreSQL
 * ({@link ReconcileOnH2Test}, {@link ReconcileOnPostgresTest}).
 */
abstract class ReconcileTest extends RelayTest {

    static final String ADMIN_TOKEN = "test-admin-token";
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration DEADLINE = Duration.ofSeconds(30);

    @RegisterExtension
    static WireMockExtension dealhub = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @RegisterExtension
    static GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    /** The relay's database for this run. */
    abstract TestRelay.Builder database(TestRelay.Builder relay);

    TestRelay.Builder relayWithDealHub() {
        return database(TestRelay.in(folder)).with("dealhub.api.base-url", dealhub.baseUrl())
                .with("relay.admin.token", ADMIN_TOKEN).with("relay.reconcile.page-size", "2");
    }

    @Test
    void threePagesWithThePagingFieldsAtTheTopOrUnderInfoAreAllReconciled() throws Exception {
        listPage(0, true, true, "Q1", "Draft", "Q2", "Won");
        listPage(2, true, false, "Q3", "Published", "Q4", "Draft");
        listPage(4, false, false, "Q5", "Won");
        quotesAnswer("Q1", "Draft", "Q2", "Won", "Q3", "Published", "Q4", "Draft", "Q5", "Won");
        TestRelay.Builder builder = relayWithDealHub();
        Path files = builder.fileSink("files", "reconciled");
        relay = builder.start();

        JsonNode run = startRun();

        assertThat(run.path("state").asText()).isEqualTo("complete");
        assertThat(run.path("pages").asInt()).isEqualTo(3);
        assertThat(run.path("listed").asInt()).isEqualTo(5);
        assertThat(run.path("new").asInt()).isEqualTo(5);
        awaitAllDone();
        assertThat(fileNames(files)).hasSize(5).allMatch(name -> name.startsWith("reconciled_reconciled-Q"));
        for (String offset : List.of("0", "2", "4")) {
            dealhub.verify(1, getRequestedFor(urlPathEqualTo("/api/v2/quotes")).withQueryParam("offset", equalTo(offset))
                    .withQueryParam("limit", equalTo("2")).withHeader("Authorization", equalTo("Bearer " + TestRelay.API_TOKEN)));
        }
        for (String quote : List.of("Q1", "Q2", "Q3", "Q4", "Q5")) {
            dealhub.verify(1, getRequestedFor(urlPathEqualTo("/api/v2/quote/" + quote)));
        }
        JsonNode document = JSON.readTree(Files.list(files).filter(p -> p.toString().contains("-Q2-")).findFirst()
                .orElseThrow().toFile());
        assertThat(document.at("/event_type").asText()).isEqualTo("reconciled");
        assertThat(document.at("/webhook/status").asText()).isEqualTo("Won");
        assertThat(document.at("/webhook/reconcile/listed").asBoolean()).isTrue();
        assertThat(document.at("/webhook/reconcile/result").asText()).isEqualTo("new");
        assertThat(document.at("/quote/status").asText()).isEqualTo("Won");
    }

    @Test
    void onlyNewAndChangedQuotesAreJournaledAndFetchedAndASecondRunJournalsNothing() throws Exception {
        listPage(0, true, false, "Q1", "Draft", "Q2", "Draft");
        listPage(2, false, false, "QW", "Won");
        quotesAnswer("Q1", "Draft", "Q2", "Draft", "QW", "Won");
        TestRelay.Builder builder = relayWithDealHub();
        builder.fileSink("files", "*");
        relay = builder.start();
        // A quote the relay already saw through a webhook, in the state the list shows.
        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-won", "QW"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-won")));
        JsonNode first = startRun();
        assertThat(first.path("new").asInt()).isEqualTo(2);
        assertThat(first.path("unchanged").asInt()).isEqualTo(1);
        awaitAllDone();

        listPage(0, true, false, "Q1", "Won", "Q2", "Draft");
        listPage(2, false, false, "Q3", "Draft", "QW", "Won");
        quotesAnswer("Q1", "Won", "Q3", "Draft");
        JsonNode second = startRun();

        assertThat(second.path("new").asInt()).as(second.toString()).isEqualTo(1);
        assertThat(second.path("changed").asInt()).isEqualTo(1);
        assertThat(second.path("unchanged").asInt()).isEqualTo(2);
        awaitAllDone();
        assertThat(reconciledQuotes()).containsExactly("Q1", "Q1", "Q2", "Q3");
        dealhub.verify(2, getRequestedFor(urlPathEqualTo("/api/v2/quote/Q1")));
        dealhub.verify(1, getRequestedFor(urlPathEqualTo("/api/v2/quote/Q2")));
        dealhub.verify(1, getRequestedFor(urlPathEqualTo("/api/v2/quote/Q3")));
        dealhub.verify(1, getRequestedFor(urlPathEqualTo("/api/v2/quote/QW")));

        long events = relay.eventCount();
        JsonNode third = startRun();
        assertThat(third.path("unchanged").asInt()).isEqualTo(4);
        assertThat(third.path("new").asInt() + third.path("changed").asInt()).isZero();
        assertThat(relay.eventCount()).isEqualTo(events);
    }

    @Test
    void aDryRunAnswersWhatARunWouldDoAndJournalsNothing() throws Exception {
        listPage(0, false, false, "Q1", "Draft", "Q2", "Won");
        quotesAnswer("Q1", "Draft", "Q2", "Won", "QK", "Won");
        TestRelay.Builder builder = relayWithDealHub();
        builder.fileSink("files", "*");
        relay = builder.start();
        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-known", "QK"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-known")));

        HttpResponse<String> answer = admin("POST", "/admin/reconcile?dryRun=true");

        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode dry = JSON.readTree(answer.body());
        assertThat(dry.path("dry_run").asBoolean()).isTrue();
        assertThat(dry.path("state").asText()).isEqualTo("complete");
        assertThat(dry.path("listed").asInt()).isEqualTo(2);
        assertThat(dry.path("new").asInt()).isEqualTo(2);
        assertThat(dry.path("unchanged").asInt()).isZero();
        assertThat(dry.path("gone").asInt()).isEqualTo(1);
        assertThat(relay.eventCount()).isEqualTo(1);
        assertThat(relay.queryOne("SELECT count(*) FROM relay_reconcile_run")).isEqualTo(0L);
        dealhub.verify(0, getRequestedFor(urlPathEqualTo("/api/v2/quote/Q1")));
    }

    @Test
    void aPageThatFailsTwiceIsRetriedHonouringRetryAfterAndTheRunCompletes() throws Exception {
        dealhub.stubFor(get(urlPathEqualTo("/api/v2/quotes")).withQueryParam("offset", equalTo("2"))
                .inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("busy"));
        dealhub.stubFor(get(urlPathEqualTo("/api/v2/quotes")).withQueryParam("offset", equalTo("2"))
                .inScenario("flaky").whenScenarioStateIs("busy")
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")).willSetStateTo("up"));
        listPage(0, true, false, "Q1", "Draft", "Q2", "Won");
        dealhub.stubFor(get(urlPathEqualTo("/api/v2/quotes")).withQueryParam("offset", equalTo("2"))
                .inScenario("flaky").whenScenarioStateIs("up")
                .willReturn(json(page(false, false, "Q3", "Won"))));
        quotesAnswer("Q1", "Draft", "Q2", "Won", "Q3", "Won");
        relay = relayWithDealHub().with("relay.retry.max-delay-ms", "1500").start();

        long started = System.nanoTime();
        JsonNode run = startRun();

        assertThat(run.path("state").asText()).isEqualTo("complete");
        assertThat(run.path("new").asInt()).isEqualTo(3);
        dealhub.verify(3, getRequestedFor(urlPathEqualTo("/api/v2/quotes")).withQueryParam("offset", equalTo("2")));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("Retry-After: 1 was waited for")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aRunThatGivesUpIsReportedAndTheNextRunCompletes() throws Exception {
        listPage(0, true, false, "Q1", "Draft", "Q2", "Won");
        dealhub.stubFor(get(urlPathEqualTo("/api/v2/quotes")).withQueryParam("offset", equalTo("2"))
                .willReturn(aResponse().withStatus(503)));
        quotesAnswer("Q1", "Draft", "Q2", "Won", "Q3", "Won");
        relay = relayWithDealHub().start();

        JsonNode failed = startRun();

        assertThat(failed.path("state").asText()).isEqualTo("failed");
        assertThat(failed.path("failure").asText()).contains("HTTP 503");
        assertThat(failed.path("new").asInt()).isEqualTo(2);
        dealhub.verify(3, getRequestedFor(urlPathEqualTo("/api/v2/quotes")).withQueryParam("offset", equalTo("2")));
        assertThat(metric("dealhub_reconcile_runs_total{outcome=\"failed\"")).isEqualTo(1.0);

        listPage(2, false, false, "Q3", "Won");
        JsonNode next = startRun();

        assertThat(next.path("state").asText()).isEqualTo("complete");
        assertThat(next.path("new").asInt()).isEqualTo(1);
        assertThat(next.path("unchanged").asInt()).isEqualTo(2);
        JsonNode runs = JSON.readTree(admin("GET", "/admin/reconcile").body()).path("runs");
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0).path("state").asText()).isEqualTo("complete");
        assertThat(runs.get(1).path("state").asText()).isEqualTo("failed");
        assertThat(runs.get(1).path("failure").asText()).contains("HTTP 503");
        assertThat(metric("dealhub_reconcile_last_success_timestamp_seconds")).isPositive();
    }

    @Test
    void aTenantBeyondTheOffsetCapIsReconciledAsFarAsReachableAndReported() throws Exception {
        listPage(0, true, false, "Q1", "Draft", "Q2", "Won");
        listPage(2, true, false, "Q3", "Draft", "Q4", "Won");
        listPage(4, true, false, "Q5", "Draft", "Q6", "Won");
        quotesAnswer("Q1", "Draft", "Q2", "Won", "Q3", "Draft", "Q4", "Won", "QK", "Won");
        relay = relayWithDealHub().with("relay.reconcile.max-offset", "2").start();
        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("E-known", "QK"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-known")));

        JsonNode run = startRun();

        assertThat(run.path("state").asText()).isEqualTo("capped");
        assertThat(run.path("capped").asBoolean()).isTrue();
        assertThat(run.path("new").asInt()).isEqualTo(4);
        assertThat(run.path("gone").asInt()).as("an incomplete list says nothing about absence").isZero();
        dealhub.verify(0, getRequestedFor(urlPathEqualTo("/api/v2/quotes")).withQueryParam("offset", equalTo("4")));
        assertThat(metric("dealhub_reconcile_runs_total{outcome=\"capped\"")).isEqualTo(1.0);
        JsonNode last = JSON.readTree(admin("GET", "/admin/reconcile").body()).path("runs").get(0);
        assertThat(last.path("capped").asBoolean()).isTrue();
    }

    @Test
    void aKnownQuoteMissingFromACompleteListIsReportedGoneOnceWithoutGetQuote() throws Exception {
        listPage(0, false, false, "Q1", "Draft", "Q2", "Won");
        quotesAnswer("Q1", "Draft", "Q2", "Won");
        TestRelay.Builder builder = relayWithDealHub().with("relay.sinks.bi.type", "jdbc")
                .with("relay.sinks.bi.events", "reconciled");
        Path files = builder.fileSink("files", "*");
        relay = builder.start();
        startRun();
        awaitAllDone();
        assertThat(relay.queryOne("SELECT absent_since FROM dealhub_quote WHERE dealhub_quote_id = 'Q2'")).isNull();

        listPage(0, false, false, "Q1", "Draft");
        JsonNode run = startRun();

        assertThat(run.path("gone").asInt()).isEqualTo(1);
        assertThat(run.path("unchanged").asInt()).isEqualTo(1);
        awaitAllDone();
        Path gone = Files.list(files).filter(p -> p.toString().contains("-Q2-")).filter(p -> {
            try {
                return JSON.readTree(p.toFile()).at("/webhook/reconcile/listed").asBoolean(true) == false;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).findFirst().orElseThrow();
        JsonNode document = JSON.readTree(gone.toFile());
        assertThat(document.at("/event_type").asText()).isEqualTo("reconciled");
        assertThat(document.at("/event_action").asText()).isEqualTo("absent");
        assertThat(document.at("/webhook/reconcile/result").asText()).isEqualTo("gone");
        assertThat(document.has("quote")).isFalse();
        dealhub.verify(1, getRequestedFor(urlPathEqualTo("/api/v2/quote/Q2")));

        assertThat(relay.queryOne("SELECT absent_since FROM dealhub_quote WHERE dealhub_quote_id = 'Q2'"))
                .as("the BI tables mark the gone quote, and keep it").isNotNull();
        assertThat(relay.queryOne("SELECT count(*) FROM dealhub_quote")).isEqualTo(2L);

        assertThat(startRun().path("gone").asInt()).as("reported once").isZero();

        listPage(0, false, false, "Q1", "Draft", "Q2", "Won");
        JsonNode back = startRun();
        assertThat(back.path("changed").asInt()).as("a quote listed again is reported again").isEqualTo(1);
        awaitAllDone();
        dealhub.verify(2, getRequestedFor(urlPathEqualTo("/api/v2/quote/Q2")));
        assertThat(relay.queryOne("SELECT absent_since FROM dealhub_quote WHERE dealhub_quote_id = 'Q2'"))
                .as("seen again: no longer absent").isNull();
    }

    @Test
    void reconciledEventsReachTheJdbcAndFileSinksSubscribedAndNoApprovalMail() throws Exception {
        listPage(0, true, false, "Q1", "Won", "Q2", "Draft");
        listPage(2, false, false, "Q3", "Won");
        quotesAnswer("Q1", "Won", "Q2", "Draft", "Q3", "Won");
        TestRelay.Builder builder = relayWithDealHub()
                .with("relay.sinks.bi.type", "jdbc").with("relay.sinks.bi.events", "reconciled")
                .with("relay.sinks.mail.type", "email").with("relay.sinks.mail.events", "quoteWon")
                .with("relay.sinks.mail.host", "127.0.0.1")
                .with("relay.sinks.mail.port", String.valueOf(smtp.getSmtp().getPort()))
                .with("relay.sinks.mail.starttls", "false")
                .with("relay.sinks.mail.from", "relay@example.com").with("relay.sinks.mail.to", "desk@example.com")
                .with("relay.sinks.mail.template", "quoteWon");
        Path files = builder.fileSink("files", "reconciled");
        relay = builder.start();

        startRun();
        awaitAllDone();

        assertThat(relay.queryOne("SELECT count(*) FROM dealhub_quote")).isEqualTo(3L);
        assertThat(relay.queryOne("SELECT status FROM dealhub_quote WHERE dealhub_quote_id = 'Q1'")).isEqualTo("Won");
        assertThat(relay.queryOne("SELECT count(*) FROM dealhub_quote_event WHERE event_type = 'reconciled'"))
                .isEqualTo(3L);
        assertThat(fileNames(files)).hasSize(3);
        assertThat(relay.queryOne("SELECT count(*) FROM relay_delivery WHERE sink = 'mail'")).isEqualTo(0L);
        assertThat(smtp.getReceivedMessages()).isEmpty();
    }

    /**
     * A relay killed during a run (kill -9) left the reconcile lease held for relay.reconcile.lease-seconds. Started
     * again under the same name, it takes the lease back at once: that earlier run is certainly dead. Another
     * instance's lease, even one whose name merely starts the same way, it waits for.
     */
    @Test
    void aRelayRestartedAfterDyingMidRunTakesItsReconcileLeaseBackAtOnceButWaitsForAnotherInstances()
            throws Exception {
        listPage(0, false, false, "Q1", "Draft", "Q2", "Won");
        quotesAnswer("Q1", "Draft", "Q2", "Won");
        // An instance name of this class's own: the H2 and PostgreSQL variants may run at once, and a name is taken
        // host-wide.
        String name = "reconciler-" + getClass().getSimpleName();
        TestRelay.Builder reconciler = relayWithDealHub().with("relay.instance-id", name);
        relay = reconciler.start();
        diedMidRun(name + "-2#l1.0000");
        relay.stopKeepingDatabase();

        relay = reconciler.start();
        assertThat(admin("POST", "/admin/reconcile").statusCode()).as("another instance's lease").isEqualTo(409);
        assertThat(relay.queryOne("SELECT lease_owner FROM relay_lease")).isEqualTo(name + "-2#l1.0000");
        assertThat(relay.queryOne("SELECT state FROM relay_reconcile_run")).isEqualTo("running");

        diedMidRun(name + "#killed.0000");
        relay.stopKeepingDatabase();
        relay = reconciler.start();

        JsonNode run = startRun();
        assertThat(run.path("state").asText()).isEqualTo("complete");
        assertThat(run.path("new").asInt()).isEqualTo(2);
        assertThat(relay.queryOne("SELECT failure FROM relay_reconcile_run WHERE instance_id = ?",
                name + "#killed.0000")).isEqualTo("abandoned: its instance stopped before the run ended");
        assertThat(relay.queryOne("SELECT lease_owner FROM relay_lease")).isNull();
    }

    /**
     * A relay stopped (SIGTERM) in the middle of a run shows it failed, with no end time: the next start runs again
     * after its start delay, not a whole interval (6 h) later.
     */
    @Test
    void aRelayStoppedMidRunRunsAgainSoonAfterItsNextStartNotAnIntervalLater() throws Exception {
        listPage(0, true, false, "Q1", "Draft", "Q2", "Won");
        dealhub.stubFor(get(urlPathEqualTo("/api/v2/quotes")).withQueryParam("offset", equalTo("2"))
                .willReturn(json(page(true, false, "Q3", "Won", "Q4", "Won")).withFixedDelay(1500)));
        listPage(4, false, false, "Q5", "Won");
        quotesAnswer("Q1", "Draft", "Q2", "Won", "Q3", "Won", "Q4", "Won", "Q5", "Won");
        TestRelay.Builder scheduled = relayWithDealHub().with("relay.reconcile.enabled", "true")
                .with("relay.reconcile.start-delay-ms", "200");
        relay = scheduled.start();
        await().atMost(DEADLINE).until(() -> !dealhub.findAll(getRequestedFor(urlPathEqualTo("/api/v2/quotes"))
                .withQueryParam("offset", equalTo("2"))).isEmpty());
        relay.stopKeepingDatabase();

        relay = scheduled.start();

        await().atMost(DEADLINE).until(() -> "1".equals(String.valueOf(
                relay.queryOne("SELECT count(*) FROM relay_reconcile_run WHERE state = 'complete'"))));
        assertThat(relay.queryOne("SELECT failure FROM relay_reconcile_run WHERE state = 'failed'"))
                .isEqualTo("the relay stopped before the run ended");
        assertThat(relay.queryOne("SELECT finished_at FROM relay_reconcile_run WHERE state = 'failed'")).isNull();
    }

    /** What a run of {@code owner} leaves when its relay dies: its lease, good for an hour more, and its run row. */
    private void diedMidRun(String owner) throws java.sql.SQLException {
        java.sql.Timestamp now = java.sql.Timestamp.from(java.time.Instant.now());
        try (var c = relay.dataSource().getConnection()) {
            c.setAutoCommit(true);
            c.createStatement().executeUpdate("DELETE FROM relay_reconcile_run");
            try (var lease = c.prepareStatement("UPDATE relay_lease SET lease_owner = ?, lease_until = ?");
                 var run = c.prepareStatement("INSERT INTO relay_reconcile_run (run_id, instance_id, run_trigger,"
                         + " state, started_at, pages, listed, new_quotes, changed, unchanged, gone, skipped)"
                         + " VALUES (?, ?, 'schedule', 'running', ?, 1, 2, 2, 0, 0, 0, 0)")) {
                lease.setString(1, owner);
                lease.setTimestamp(2, java.sql.Timestamp.from(java.time.Instant.now().plus(Duration.ofHours(1))));
                lease.executeUpdate();
                run.setString(1, "run-of-" + owner);
                run.setString(2, owner);
                run.setTimestamp(3, now);
                run.executeUpdate();
            }
        }
    }

    // --- DealHub's list and Get Quote, as WireMock answers them ---

    /** The page at {@code offset}: quote ids and statuses in pairs; paging fields at the top level or under info. */
    static void listPage(int offset, boolean more, boolean pagingAtTop, String... quotesAndStatuses) {
        dealhub.stubFor(get(urlPathEqualTo("/api/v2/quotes")).withQueryParam("offset", equalTo(String.valueOf(offset)))
                .willReturn(json(page(more, pagingAtTop, quotesAndStatuses))));
    }

    static String page(boolean more, boolean pagingAtTop, String... quotesAndStatuses) {
        ObjectNode page = JSON.createObjectNode();
        ArrayNode quotes = page.putArray("quotes");
        for (int i = 0; i < quotesAndStatuses.length; i += 2) {
            quotes.addObject().put("dealhub_quote_id", quotesAndStatuses[i]).put("status", quotesAndStatuses[i + 1])
                    .put("quote_upgrade_required", false);
        }
        ObjectNode paging = pagingAtTop ? page : page.putObject("info");
        paging.put("more_results_matching_the_request", String.valueOf(more));
        paging.put("offset", "0");
        paging.put("limit", "2");
        return page.toString();
    }

    /** Get Quote answers each quote (ids and statuses in pairs) with the sample quote in that state. */
    static void quotesAnswer(String... quotesAndStatuses) throws Exception {
        for (int i = 0; i < quotesAndStatuses.length; i += 2) {
            ObjectNode quote = (ObjectNode) JSON.readTree(Samples.read("get-quote-response.json"));
            quote.put("dealhub_quote_id", quotesAndStatuses[i]).put("status", quotesAndStatuses[i + 1]);
            dealhub.stubFor(get(urlPathEqualTo("/api/v2/quote/" + quotesAndStatuses[i])).willReturn(json(quote.toString())));
        }
    }

    static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }

    // --- the relay ---

    /** Starts a run through the admin API and waits for it to end; the run as GET /admin/reconcile shows it. */
    JsonNode startRun() throws Exception {
        return startRun(relay);
    }

    static JsonNode startRun(TestRelay relay) throws Exception {
        HttpResponse<String> started = admin(relay, "POST", "/admin/reconcile");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String runId = JSON.readTree(started.body()).path("run_id").asText();
        return await().atMost(DEADLINE).until(() -> {
            for (JsonNode run : JSON.readTree(admin(relay, "GET", "/admin/reconcile").body()).path("runs")) {
                if (run.path("run_id").asText().equals(runId)) {
                    return run;
                }
            }
            return null;
        }, run -> run != null && !run.path("state").asText().equals("running"));
    }

    HttpResponse<String> admin(String method, String path) {
        return admin(relay, method, path);
    }

    static HttpResponse<String> admin(TestRelay relay, String method, String path) {
        return relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + path))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    void awaitAllDone() {
        await().atMost(DEADLINE).until(() -> ((Number) relay.queryOne(
                "SELECT count(*) FROM relay_event WHERE state <> 'done'")).intValue() == 0);
    }

    List<String> reconciledQuotes() {
        List<String> quotes = new ArrayList<>();
        try (var c = relay.dataSource().getConnection(); var rs = c.createStatement().executeQuery(
                "SELECT quote_id FROM relay_event WHERE event_type = 'reconciled' ORDER BY quote_id")) {
            while (rs.next()) {
                quotes.add(rs.getString(1));
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return quotes;
    }

    double metric(String prefix) {
        String text = relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port()
                + "/observe/metrics")).GET().build()).body();
        return text.lines().filter(line -> line.startsWith(prefix)).map(line -> line.substring(line.lastIndexOf(' ') + 1))
                .mapToDouble(Double::parseDouble).sum();
    }

    static List<String> fileNames(Path folder) throws Exception {
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }
}
