package dealhub.relay.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dealhub.relay.RelayTest;
import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The Grafana dashboard and the Prometheus alert rules under {@code ops/} name only metrics the relay serves: every
 * name their expressions select is in {@code /observe/metrics} once a whole relay has done the work that makes each
 * series (a webhook received and delivered, one refused, a delivery dead, a reconcile run).
 */
class MonitoringFilesTest extends RelayTest {

    static final Path DASHBOARD = Path.of("ops/grafana/dealhub-relay.json");
    static final Path ALERTS = Path.of("ops/prometheus/alerts.yml");
    /** Series Prometheus makes itself for every target, not served by the relay. */
    private static final Set<String> MADE_BY_PROMETHEUS = Set.of("up");
    /** Grafana's variable query, {@code label_values(selector, label)}: only the selector is PromQL. */
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*\\w+\\s*\\)");
    private static final int MAX_BODY = 2048;

    @Test
    void everyMetricTheDashboardAndTheAlertRulesUseIsServedByTheRelay() throws Exception {
        Map<String, Set<String>> used = new TreeMap<>();
        dashboardExpressions().forEach(expr -> namesIn(expr, "dashboard", used));
        alertExpressions().forEach(expr -> namesIn(expr, "alerts.yml", used));
        // not vacuous: what the dashboard and the rules are for
        assertThat(used.keySet()).contains("dealhub_events_received_total", "dealhub_deliveries_total",
                "dealhub_deliveries_dead", "dealhub_journal_backlog", "dealhub_journal_oldest_pending_seconds",
                "dealhub_get_quote_seconds_bucket", "dealhub_get_quote_seconds_count", "dealhub_reconcile_runs_total",
                "dealhub_reconcile_last_success_timestamp_seconds", "dealhub_reconcile_interval_seconds",
                "dealhub_ready", "jvm_memory_used_bytes", "up");

        MetricsExposition served = new MetricsExposition(relayAfterWork());

        List<String> missing = new ArrayList<>();
        used.forEach((name, where) -> {
            if (!MADE_BY_PROMETHEUS.contains(name) && served.familyOf(name).isEmpty()) {
                missing.add(name + " (" + String.join(", ", where) + ")");
            }
        });
        assertThat(missing).as("metrics used in ops/ that /observe/metrics does not serve").isEmpty();
    }

    @Test
    void aNameTheRelayDoesNotServeIsCaughtAndHistogramSuffixesAreReadByTheirFamilysType() {
        MetricsExposition served = new MetricsExposition("""
                # TYPE dealhub_get_quote_seconds histogram
                dealhub_get_quote_seconds_bucket{status="200",le="+Inf"} 3
                dealhub_get_quote_seconds_count{status="200"} 3
                dealhub_get_quote_seconds_sum{status="200"} 0.4
                # TYPE dealhub_get_quote_seconds_max gauge
                dealhub_get_quote_seconds_max{status="200"} 0.2
                # TYPE jvm_gc_pause_seconds summary
                jvm_gc_pause_seconds_count{action="end of minor GC"} 2
                jvm_gc_pause_seconds_sum{action="end of minor GC"} 0.01
                # TYPE system_cpu_count gauge
                system_cpu_count 2.0
                # TYPE dealhub_deliveries_total counter
                dealhub_deliveries_total{outcome="dead",sink="hook"} 1.0
                """);
        Set<String> names = PromQlNames.of("""
                histogram_quantile(0.95, sum by (le) (rate(dealhub_get_quote_seconds_bucket{instance=~"$instance"}[5m])))
                / on (job) group_left sum without (status) (dealhub_get_quote_seconds_count offset 1h)
                + rate(jvm_gc_pause_seconds_sum[$__rate_interval]) * system_cpu_count
                + max(dealhub_get_quote_seconds_max) > bool 1e3 unless {__name__="dealhub_deliveries_total"}
                # dealhub_in_a_comment
                """);

        assertThat(names).containsExactlyInAnyOrder("dealhub_get_quote_seconds_bucket",
                "dealhub_get_quote_seconds_count", "jvm_gc_pause_seconds_sum", "system_cpu_count",
                "dealhub_get_quote_seconds_max", "dealhub_deliveries_total");
        assertThat(names).allSatisfy(name -> assertThat(served.familyOf(name)).as(name).isPresent());
        assertThat(served.familyOf("dealhub_get_quote_seconds_bucket")).hasValue("dealhub_get_quote_seconds");
        assertThat(served.familyOf("system_cpu_count")).hasValue("system_cpu_count");
        assertThat(served.familyOf("dealhub_get_quote_seconds")).as("a histogram's bare name selects nothing")
                .isEmpty();
        assertThat(served.familyOf("jvm_gc_pause_seconds_bucket")).as("a summary has no buckets").isEmpty();
        assertThat(served.familyOf("dealhub_deliveries_dead")).as("not served at all").isEmpty();
    }

    /**
     * The relay's /observe/metrics after it has received a webhook and delivered it (Get Quote from the simulator),
     * refused a body too large, made a delivery dead (an http sink whose receiver is not there) and reconciled.
     */
    private String relayAfterWork() throws IOException {
        TestRelay.Builder builder = TestRelay.in(folder)
                .with("dealhub.simulator.enabled", "true").with("dealhub.simulator.quotes", "3")
                .with("dealhub.api.base-url", "http://127.0.0.1:{{camel.server.port}}/simulator")
                .with("relay.reconcile.enabled", "true").with("relay.reconcile.start-delay-ms", "0")
                .with("relay.webhook.max-body-bytes", String.valueOf(MAX_BODY))
                .with("relay.sinks.hook.type", "http").with("relay.sinks.hook.events", "quoteWon")
                .with("relay.sinks.hook.url", "http://127.0.0.1:" + closedPort() + "/hook");
        builder.fileSink("files", "*");
        relay = builder.start();

        assertThat(relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("EV-ops", "Q-ops")).statusCode())
                .isEqualTo(202);
        assertThat(relay.postEvent("/webhooks/dealhub/quoteWon", "{\"pad\":\"" + "x".repeat(MAX_BODY) + "\"}")
                .statusCode()).isEqualTo(413);
        await().atMost(Duration.ofSeconds(30)).until(() -> "dead".equals(relay.deliveryState("EV-ops", "hook")));
        assertThat(relay.deliveryState("EV-ops", "files")).isEqualTo("done");
        await().atMost(Duration.ofSeconds(30)).until(() -> scrape().contains("dealhub_reconcile_runs_total{"));
        // the journal's figures are read each second in the background
        await().atMost(Duration.ofSeconds(10)).until(() -> scrape().contains("\ndealhub_deliveries_dead 1.0"));
        // GC pauses are a series only once the JVM has collected: a young test JVM may not have yet.
        System.gc();
        await().atMost(Duration.ofSeconds(10)).until(() -> scrape().contains("jvm_gc_pause_seconds_count{"));
        return scrape();
    }

    private String scrape() {
        return relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + "/observe/metrics"))
                .GET().build()).body();
    }

    static List<String> dashboardExpressions() throws IOException {
        List<String> expressions = new ArrayList<>();
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        for (JsonNode expr : dashboard.findValues("expr")) {
            expressions.add(expr.asText());
        }
        for (JsonNode variable : dashboard.at("/templating/list")) {
            Matcher m = LABEL_VALUES.matcher(variable.path("definition").asText());
            if (m.matches()) {
                expressions.add(m.group(1));
            }
        }
        assertThat(expressions).as("expressions in " + DASHBOARD).hasSizeGreaterThan(10);
        return expressions;
    }

    @SuppressWarnings("unchecked")
    static List<String> alertExpressions() throws IOException {
        Map<String, Object> rules = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(ALERTS));
        List<String> expressions = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                expressions.add((String) rule.get("expr"));
            }
        }
        assertThat(expressions).as("rules in " + ALERTS).hasSizeGreaterThanOrEqualTo(5);
        return expressions;
    }

    private static void namesIn(String expr, String where, Map<String, Set<String>> used) {
        PromQlNames.of(expr).forEach(name -> used.computeIfAbsent(name, n -> new TreeSet<>()).add(where));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort(); // closed again: nothing listens there
        }
    }
}
