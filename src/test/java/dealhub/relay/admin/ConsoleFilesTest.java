package dealhub.relay.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import dealhub.relay.RelayTest;
import dealhub.relay.support.TestRelay;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;

/** The console's files over HTTP: only the listed ones, each with its type and headers; off without an admin token. */
class ConsoleFilesTest extends RelayTest {

    @Test
    void servesItsPageScriptAndStyleWithHeadersThatLetOnlyItsOwnScriptRun() {
        relay = TestRelay.in(folder).with("relay.admin.token", "test-admin-token").start();

        for (String path : List.of("/console/", "/console", "/console/index.html")) {
            HttpResponse<String> page = get(path);
            assertThat(page.statusCode()).as(path).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).as(path).hasValue("text/html; charset=utf-8");
            assertThat(page.body()).as(path).contains("<title>dealhub-relay console</title>");
        }
        HttpResponse<String> page = get("/console/");
        String policy = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(policy).contains("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval").doesNotContain("*");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(page.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(get("/console/console.js").headers().firstValue("Content-Type"))
                .hasValue("text/javascript; charset=utf-8");
        assertThat(get("/console/console.css").headers().firstValue("Content-Type"))
                .hasValue("text/css; charset=utf-8");

        Document html = Jsoup.parse(page.body());
        for (Element script : html.select("script")) {
            assertThat(script.attr("src")).as("no inline script").startsWith("/console/");
            assertThat(script.data()).isEmpty();
        }
        assertThat(html.select("[style]")).as("no inline style").isEmpty();
        assertThat(html.getAllElements().stream().flatMap(e -> e.attributes().asList().stream())
                .filter(a -> a.getKey().startsWith("on"))).as("no inline handler").isEmpty();
        assertThat(html.select("[src^=http], [href^=http], [src^=//], [href^=//]")).as("nothing from elsewhere")
                .isEmpty();
    }

    @Test
    void servesNothingButItsListedFiles() {
        relay = TestRelay.in(folder).with("relay.admin.token", "test-admin-token").start();

        for (String path : List.of("/console/application.properties", "/console/relay-defaults.properties",
                "/console/..%2Fapplication.properties", "/console/%2e%2e%2fpom.xml", "/console/INDEX.HTML",
                "/console/console.js.map", "/console/logback.xml", "/console/db", "/console/dealhub")) {
            HttpResponse<String> answer = get(path);
            assertThat(answer.statusCode()).as(path).isEqualTo(404);
            assertThat(answer.body()).as(path).doesNotContain("relay.").doesNotContain("<html");
        }
    }

    @Test
    void isOffWhenNoAdminTokenIsSet() {
        relay = TestRelay.in(folder).start();

        for (String path : List.of("/console/", "/console", "/console/console.js")) {
            assertThat(get(path).statusCode()).as(path).isEqualTo(404);
        }
    }

    private HttpResponse<String> get(String path) {
        return relay.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + path)).GET().build());
    }
}
