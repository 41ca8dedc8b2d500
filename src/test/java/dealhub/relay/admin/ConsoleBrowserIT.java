package dealhub.relay.admin;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;

import dealhub.relay.RelayTest;
import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The console in a real browser (Debian's headless Chromium, driven by Playwright; nothing downloaded): sign in, see
 * the quick start's event, open it, see its http delivery dead, replay it from the dead letters after the receiver
 * recovers, see it delivered; and a quote whose name and account name are HTML shown as text, with no script run.
 * Screenshots go to target/console-screenshots.
 */
class ConsoleBrowserIT extends RelayTest {

    private static final String TOKEN = "browser-test-admin-token";
    private static final String QUICK_START = "EV0f3c8d21a9b4";
    private static final String HOSTILE_NAME = "<img src=x onerror=\"window.__pwned='img'\">Evil quote";
    private static final String HOSTILE_ACCOUNT = "<script>window.__pwned='script'</script>Evil Corp";
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final Path CHROMIUM = Paths.get(System.getProperty("relay.test.chromium", "/usr/bin/chromium"));
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static WireMockExtension dealhub = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @RegisterExtension
    static WireMockExtension receiver = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private Playwright playwright;
    private Browser browser;
    private final List<String> pageErrors = new ArrayList<>();

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
    }

    @Test
    void anOperatorFindsTheEventReplaysItsDeadDeliveryAndSeesHostileDataAsText() throws Exception {
        dealhub.stubFor(get(urlPathEqualTo("/api/v2/quote/Q8m2XyzA91Lp0c7")).willReturn(json(
                Samples.read("get-quote-response.json"))));
        dealhub.stubFor(get(urlPathEqualTo("/api/v2/quote/QHostile01")).willReturn(json(hostileQuote())));
        receiver.stubFor(post(urlPathEqualTo("/hook")).willReturn(aResponse().withStatus(500)));
        TestRelay.Builder builder = TestRelay.in(folder).with("relay.admin.token", TOKEN)
                .with("dealhub.api.base-url", dealhub.baseUrl())
                .with("relay.sinks.forward.type", "http").with("relay.sinks.forward.events", "quoteWon")
                .with("relay.sinks.forward.url", receiver.baseUrl() + "/hook");
        builder.fileSink("files", "*");
        relay = builder.start();
        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.read("quoteWon.json"));
        await().atMost(Duration.ofSeconds(30)).until(() -> "dead".equals(relay.eventState(QUICK_START)));

        Page page = browser().newPage();
        page.onPageError(pageErrors::add);
        page.navigate("http://127.0.0.1:" + relay.port() + "/console/");
        page.fill("#token", TOKEN);
        page.click("#signin button[type=submit]");
        assertThat(page.locator("#overview-cards [data-card=Dead] .value")).hasText("1");
        shoot(page, "overview.png");

        page.click("#nav a[data-view=events]");
        assertThat(page.locator("tr.event-row[data-event-id=" + QUICK_START + "]")).isVisible();
        page.click("tr.event-row[data-event-id=" + QUICK_START + "] a");
        assertThat(page.locator("tr.delivery-row[data-sink=forward] td").nth(1)).hasText("dead");
        assertThat(page.locator("tr.delivery-row[data-sink=files] td").nth(1)).hasText("done");
        assertThat(page.locator("#quote-name")).hasText("Northwind 3-year platform");
        assertThat(page.locator("#payload")).containsText("\"event_id\": \"EV0f3c8d21a9b4\"");
        shoot(page, "event-dead.png");

        receiver.stubFor(post(urlPathEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        page.click("#nav a[data-view=dead]");
        assertThat(page.locator("tr.dead-group[data-sink=forward]")).isVisible();
        page.click("#replay-preview");
        assertThat(page.locator("#replay-count")).containsText("This replays 1 deliveries.");
        shoot(page, "dead-letters.png");
        page.click("#replay-confirm");
        assertThat(page.locator("#replay-progress")).hasText("1 replayed: 1 delivered, 0 pending, 0 dead again");
        assertThat(relay.eventState(QUICK_START)).isEqualTo("done");
        page.navigate("http://127.0.0.1:" + relay.port() + "/console/#/event/" + QUICK_START);
        assertThat(page.locator("tr.delivery-row[data-sink=forward] td").nth(1)).hasText("done");

        relay.postEvent("/webhooks/dealhub/quoteWon", Samples.quoteEvent("EV-hostile", "QHostile01"));
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.eventState("EV-hostile") != null
                && !"pending".equals(relay.eventState("EV-hostile")));
        page.navigate("http://127.0.0.1:" + relay.port() + "/console/#/event/EV-hostile");
        assertThat(page.locator("#quote-name")).hasText(HOSTILE_NAME);
        assertThat(page.locator("#account-name")).hasText(HOSTILE_ACCOUNT);
        assertThat(page.locator("#quote")).containsText("onerror");
        shoot(page, "hostile.png");
        assertThat(page.evaluate("() => window.__pwned === undefined")).as("no script of the data ran")
                .isEqualTo(true);
        assertThat(page.locator("#view img")).hasCount(0);
        assertThat(page.locator("#view script")).hasCount(0);
        assertThat(pageErrors).isEmpty();

        page.navigate("http://127.0.0.1:" + relay.port() + "/console/#/overview");
        assertThat(page.locator("#overview-cards [data-card=Delivered] .value")).hasText("4");
        page.setViewportSize(1100, 560);
        shoot(page, "console.png");
    }

    /** Debian's Chromium, headless; Playwright downloads no browser of its own. */
    private Browser browser() {
        // The machine may be busy: a page refreshes every few seconds, so allow for several rounds.
        PlaywrightAssertions.setDefaultAssertionTimeout(20_000);
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(CHROMIUM)
                .setHeadless(true).setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--no-first-run")));
        return browser;
    }

    private static String hostileQuote() throws Exception {
        ObjectNode quote = (ObjectNode) JSON.readTree(Samples.read("get-quote-response.json"));
        quote.put("dealhub_quote_id", "QHostile01");
        ObjectNode info = (ObjectNode) quote.get("info");
        info.put("dealhub_quote_name", HOSTILE_NAME);
        info.put("account_name", HOSTILE_ACCOUNT);
        return JSON.writeValueAsString(quote);
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }

    private static void shoot(Page page, String name) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name)).setFullPage(true));
    }
}
