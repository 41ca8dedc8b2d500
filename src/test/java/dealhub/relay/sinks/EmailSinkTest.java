package dealhub.relay.sinks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.Header;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Multipart;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.ServerSetupTest;

import dealhub.relay.support.Samples;
import dealhub.relay.support.ScriptedSmtpServer;
import dealhub.relay.support.SwitchableProxy;
import dealhub.relay.support.TestRelay;
import dealhub.relay.RelayTest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The email sink end to end: webhooks into the relay, the quote from DealHub (WireMock), mails into a real SMTP
 * server (GreenMail), read back as a mail client would.
 */
class EmailSinkTest extends RelayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final String QUOTE_ID = "Q8m2XyzA91Lp0c7";

    @RegisterExtension
    static WireMockExtension dealhub = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @RegisterExtension
    static GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());


    @Test
    void pendingApprovalMailReachesExactlyItsRecipientsWithTheQuotesFacts() throws Exception {
        quoteAnswers(sampleQuote());
        relay = mailSink("approvals", smtp.getSmtp().getPort())
                .with("relay.sinks.approvals.events", "quotePendingApproval")
                .with("relay.sinks.approvals.to", "deal-desk@northwind.example")
                .with("relay.sinks.approvals.cc", "sales-ops@northwind.example")
                .with("relay.sinks.approvals.recipients-from", "submitted_by")
                .with("relay.sinks.approvals.template", "quotePendingApproval")
                .start();

        relay.postEvent("/webhooks/dealhub/quotePendingApproval", Samples.read("quotePendingApproval.json"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("EV1a7e55c0d2f8")));

        MimeMessage mail = onlyMail(3);
        assertThat(mail.getFrom()).extracting(Address::toString).containsExactly("DealHub Relay <relay@northwind.example>");
        assertThat(addresses(mail, RecipientType.TO))
                .containsExactly("deal-desk@northwind.example", "maria.lopez@northwind.example");
        assertThat(addresses(mail, RecipientType.CC)).containsExactly("sales-ops@northwind.example");
        assertThat(mailboxes()).containsExactlyInAnyOrder("deal-desk@northwind.example",
                "maria.lopez@northwind.example", "sales-ops@northwind.example");
        assertThat(mail.getSubject())
                .isEqualTo("Approval needed: Northwind 3-year platform (Q_2041) for Northwind Traders");
        String text = part(mail, "text/plain");
        assertThat(text).startsWith("Quote \"Northwind 3-year platform\" (Q_2041) for Northwind Traders is waiting")
                .contains("Net total:     151,320.50 EUR")
                .contains("Discount:      18.64%")
                .contains("Submitted by:  maria.lopez@northwind.example")
                .contains("Step 1: cfo@northwind.example - approved (Discount above 15%)")
                .contains("Review the quote: https://app.dealhub.example/quote/Q8m2XyzA91Lp0c7")
                .doesNotContain("Subject:");
        assertThat(part(mail, "text/html"))
                .contains("<strong>Northwind 3-year platform</strong>")
                .contains("<a href=\"https://app.dealhub.example/quote/Q8m2XyzA91Lp0c7\">");

        // DealHub sends the same webhook again: a duplicate, no second mail.
        assertThat(relay.postEvent("/webhooks/dealhub/quotePendingApproval", Samples.read("quotePendingApproval.json"))
                .statusCode()).isEqualTo(200);
        Thread.sleep(500);
        assertThat(smtp.getReceivedMessages()).hasSize(3);
    }

    @Test
    void rejectedMailNamesTheReviewerWhoRejected() throws Exception {
        ObjectNode quote = sampleQuote();
        ObjectNode approval = (ObjectNode) quote.withArray("approvals").addObject();
        approval.put("reviewer", "vp.sales@northwind.example").put("step", 2).put("status", "rejected")
                .put("reviewer_comment", "Discount too deep for a renewal");
        quoteAnswers(quote);
        relay = mailSink("rejections", smtp.getSmtp().getPort())
                .with("relay.sinks.rejections.events", "quoteRejected")
                .with("relay.sinks.rejections.recipients-from", "submitted_by")
                .with("relay.sinks.rejections.template", "quoteRejected")
                .start();

        relay.postEvent("/webhooks/dealhub/quoteRejected", Samples.quoteEvent("E-rejected", QUOTE_ID));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("E-rejected")));

        MimeMessage mail = onlyMail(1);
        assertThat(addresses(mail, RecipientType.TO)).containsExactly("maria.lopez@northwind.example");
        assertThat(mail.getRecipients(RecipientType.CC)).isNull();
        assertThat(mail.getSubject()).isEqualTo("Quote rejected: Northwind 3-year platform (Q_2041) for Northwind Traders");
        assertThat(mail.getContentType()).startsWith("text/plain");
        assertThat((String) mail.getContent())
                .contains("was rejected")
                .contains("Net total:     151,320.50 EUR")
                .contains("Rejected by:   vp.sales@northwind.example: \"Discount too deep for a renewal\"")
                .doesNotContain("cfo@northwind.example")
                .contains("https://app.dealhub.example/quote/Q8m2XyzA91Lp0c7");
    }

    @Test
    void wonMailGoesToTheContactOfTheQuoteAndToAnAdditionalDataAnswer() throws Exception {
        quoteAnswers(sampleQuote());
        relay = mailSink("wins", smtp.getSmtp().getPort())
                .with("relay.sinks.wins.events", "quoteWon")
                .with("relay.sinks.wins.recipients-from", "contact_email, additional_data.Account Owner")
                .with("relay.sinks.wins.template", "quoteWon")
                .start();
        ObjectNode webhook = (ObjectNode) JSON.readTree(Samples.read("quoteWon.json"));
        // A multi-select answer: two addresses, one of them not an address at all.
        ((ObjectNode) webhook.get("additional_data")).put("Account Owner", "ana.silva@northwind.example; Ana's team");

        relay.postEvent("/webhooks/dealhub/quoteWon", webhook.toString());
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("EV0f3c8d21a9b4")));

        MimeMessage mail = onlyMail(2);
        assertThat(addresses(mail, RecipientType.TO))
                .containsExactly("lena.fischer@northwind.example", "ana.silva@northwind.example");
        assertThat(mailboxes()).containsExactlyInAnyOrder("lena.fischer@northwind.example", "ana.silva@northwind.example");
        assertThat(mail.getSubject()).isEqualTo("Quote won: Northwind Traders - 151,320.50 EUR (Q_2041)");
        assertThat((String) mail.getContent())
                .contains("Quote \"Northwind 3-year platform\" (Q_2041) for Northwind Traders is won.")
                .contains("Won on:        2026-11-02 14:07:33 (GMT)")
                .contains("Submitted by:  maria.lopez@northwind.example");
    }

    @Test
    void lineBreaksFromTheEventNeverAddAHeaderOrARecipient() throws Exception {
        ObjectNode quote = sampleQuote();
        ((ObjectNode) quote.get("info")).put("dealhub_quote_name", "Big deal\r\nBcc: attacker@example.com");
        ((ObjectNode) quote.get("info")).put("contact_email", "lena.fischer@northwind.example\r\nBcc: attacker@example.com");
        ((ObjectNode) quote.get("info")).put("account_name", "Northwind <script>alert(1)</script>");
        quoteAnswers(quote);
        relay = mailSink("approvals", smtp.getSmtp().getPort())
                .with("relay.sinks.approvals.to", "deal-desk@northwind.example")
                .with("relay.sinks.approvals.recipients-from", "contact_email")
                .with("relay.sinks.approvals.template", "quotePendingApproval")
                .start();

        relay.postEvent("/webhooks/dealhub/quotePendingApproval", Samples.read("quotePendingApproval.json"));
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("EV1a7e55c0d2f8")));

        MimeMessage mail = onlyMail(1);
        assertThat(mailboxes()).containsExactly("deal-desk@northwind.example");
        assertThat(smtp.getReceivedMessagesForDomain("example.com")).isEmpty();
        assertThat(addresses(mail, RecipientType.TO)).containsExactly("deal-desk@northwind.example");
        assertThat(mail.getHeader("Bcc")).isNull();
        assertThat(mail.getSubject())
                .isEqualTo("Approval needed: Big deal Bcc: attacker@example.com (Q_2041) for "
                        + "Northwind <script>alert(1)</script>");
        assertThat(part(mail, "text/html")).contains("for Northwind &lt;script&gt;alert(1)&lt;/script&gt; is waiting")
                .doesNotContain("<script>");
        List<String> headerNames = new ArrayList<>();
        for (Header header : Collections.list(mail.getAllHeaders())) {
            headerNames.add(header.getName());
        }
        assertThat(headerNames).noneMatch(name -> name.equalsIgnoreCase("Bcc"))
                .filteredOn(name -> name.equalsIgnoreCase("Subject")).hasSize(1);
    }

    @Test
    void anSmtpServerThatIsDownIsRetriedAloneAndTheMailArrivesOnce() throws Exception {
        quoteAnswers(sampleQuote());
        smtp.setUser("relay@northwind.example", "relay@northwind.example", "Sm7p-s3cret&+%");
        ListAppender<ILoggingEvent> logs = captureLogs();
        // The SMTP server behind a switch: down, every session is cut before the greeting.
        try (SwitchableProxy server = new SwitchableProxy("127.0.0.1", smtp.getSmtp().getPort())) {
            TestRelay.Builder builder = mailSink("approvals", server.port())
                    .with("relay.sinks.approvals.to", "deal-desk@northwind.example")
                    .with("relay.sinks.approvals.template", "quoteWon")
                    .with("relay.sinks.approvals.username", "relay@northwind.example")
                    .with("relay.sinks.approvals.password", "Sm7p-s3cret&+%")
                    .with("relay.retry.max-attempts", "20")
                    .with("relay.retry.initial-delay-ms", "100")
                    .with("relay.retry.max-delay-ms", "300");
            Path files = builder.fileSink("files", "*");
            relay = builder.start();

            relay.postEvent("/webhooks/dealhub/quoteWon", Samples.read("quoteWon.json"));
            await().atMost(DEADLINE).until(() -> server.turnedAway() >= 2);
            server.up();

            await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("EV0f3c8d21a9b4")));
            assertThat(smtp.getReceivedMessages()).hasSize(1);
            assertThat(smtp.getReceivedMessages()[0].getSubject()).startsWith("Quote won: Northwind Traders");
            assertThat(relay.deliveryAttempts("EV0f3c8d21a9b4", "approvals")).isGreaterThanOrEqualTo(3);
            assertThat(relay.deliveryAttempts("EV0f3c8d21a9b4", "files")).isEqualTo(1);
            assertThat(files.resolve("quoteWon_EV0f3c8d21a9b4.json")).exists();
        } finally {
            rootLogger().detachAppender(logs);
        }
        assertThat(logs.list).isNotEmpty().noneMatch(event -> event.getFormattedMessage().contains("s3cret"));
    }

    @Test
    void anSmtpServerThatKeepsRefusingMakesTheDeliveryDeadWithItsReply() throws Exception {
        quoteAnswers(sampleQuote());
        try (RefusingSmtpServer down = new RefusingSmtpServer()) {
            relay = mailSink("approvals", down.port())
                    .with("relay.sinks.approvals.to", "deal-desk@northwind.example")
                    .with("relay.sinks.approvals.template", "quoteWon")
                    .start();

            relay.postEvent("/webhooks/dealhub/quoteWon", Samples.read("quoteWon.json"));
            await().atMost(DEADLINE).until(() -> "dead".equals(relay.eventState("EV0f3c8d21a9b4")));

            assertThat(relay.deliveryAttempts("EV0f3c8d21a9b4", "approvals")).isEqualTo(3);
            assertThat(relay.deliveryError("EV0f3c8d21a9b4", "approvals")).contains("421");
            assertThat(down.refused()).isEqualTo(3);
        }
    }

    @Test
    void aDeadMailIsSentOnceWhenReplayed() throws Exception {
        quoteAnswers(sampleQuote());
        try (SwitchableProxy server = new SwitchableProxy("127.0.0.1", smtp.getSmtp().getPort())) {
            relay = mailSink("approvals", server.port())
                    .with("relay.sinks.approvals.to", "deal-desk@northwind.example")
                    .with("relay.sinks.approvals.template", "quoteWon")
                    .with("relay.admin.token", "admin-token")
                    .start();
            relay.postEvent("/webhooks/dealhub/quoteWon", Samples.read("quoteWon.json"));
            await().atMost(DEADLINE).until(() -> "dead".equals(relay.eventState("EV0f3c8d21a9b4")));
            server.up();

            assertThat(replay(relay).statusCode()).isEqualTo(202);
            await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("EV0f3c8d21a9b4")));
            assertThat(replay(relay).statusCode()).isEqualTo(200); // nothing dead any more: nothing sent

            assertThat(smtp.waitForIncomingEmail(DEADLINE.toMillis(), 1)).isTrue();
            Thread.sleep(500);
            assertThat(smtp.getReceivedMessages()).hasSize(1);
        }
    }

    private static java.net.http.HttpResponse<String> replay(TestRelay relay) {
        return relay.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + relay.port() + "/admin/events/EV0f3c8d21a9b4/replay"))
                .header("Authorization", "Bearer admin-token").POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                .build());
    }

    @Test
    void aRecipientTheServerRefusesIsLeftOutAndTheMailStillReachesTheOthersOnce() throws Exception {
        quoteAnswers(sampleQuote());
        ListAppender<ILoggingEvent> logs = captureLogs();
        try (ScriptedSmtpServer server = new ScriptedSmtpServer(Set.of("maria.lopez@northwind.example"))) {
            relay = mailSink("approvals", server.port())
                    .with("relay.sinks.approvals.to", "deal-desk@northwind.example")
                    .with("relay.sinks.approvals.cc", "sales-ops@northwind.example")
                    .with("relay.sinks.approvals.recipients-from", "submitted_by")
                    .with("relay.sinks.approvals.template", "quoteWon")
                    .start();

            relay.postEvent("/webhooks/dealhub/quoteWon", Samples.read("quoteWon.json"));
            await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("EV0f3c8d21a9b4")));

            assertThat(server.acceptedMails()).containsExactly(
                    List.of("deal-desk@northwind.example", "sales-ops@northwind.example"));
            assertThat(relay.deliveryState("EV0f3c8d21a9b4", "approvals")).isEqualTo("done");
            assertThat(relay.deliveryAttempts("EV0f3c8d21a9b4", "approvals")).isEqualTo(1);
        } finally {
            rootLogger().detachAppender(logs);
        }
        assertThat(warnings(logs)).anySatisfy(line -> assertThat(line).contains("event_id=EV0f3c8d21a9b4")
                .contains("sink=approvals").contains("maria.lopez@northwind.example").contains("550 5.1.1"));
    }

    @Test
    void aMailWhoseEveryRecipientIsRefusedIsDeadAtOnceWithTheServersReplies() throws Exception {
        quoteAnswers(sampleQuote());
        try (ScriptedSmtpServer server = new ScriptedSmtpServer(
                Set.of("deal-desk@northwind.example", "maria.lopez@northwind.example"))) {
            relay = mailSink("approvals", server.port())
                    .with("relay.sinks.approvals.to", "deal-desk@northwind.example")
                    .with("relay.sinks.approvals.recipients-from", "submitted_by")
                    .with("relay.sinks.approvals.template", "quoteWon")
                    .start();

            relay.postEvent("/webhooks/dealhub/quoteWon", Samples.read("quoteWon.json"));
            await().atMost(DEADLINE).until(() -> "dead".equals(relay.eventState("EV0f3c8d21a9b4")));

            assertThat(server.acceptedMails()).isEmpty();
            assertThat(relay.deliveryAttempts("EV0f3c8d21a9b4", "approvals")).isEqualTo(1);
            assertThat(relay.deliveryError("EV0f3c8d21a9b4", "approvals")).contains("every recipient was refused")
                    .contains("deal-desk@northwind.example").contains("550 5.1.1");
        }
    }

    @Test
    void anAddressWithANonAsciiNameIsSkippedWithAWarningAndAnInternationalDomainIsSentInAscii() throws Exception {
        quoteAnswers(sampleQuote());
        ListAppender<ILoggingEvent> logs = captureLogs();
        try {
            mailWonQuoteToDeskAndAccountOwners("jörg@northwind.example; ana@nörthwind.example");

            MimeMessage mail = onlyMail(2);
            assertThat(addresses(mail, RecipientType.TO))
                    .containsExactly("deal-desk@northwind.example", "ana@xn--nrthwind-n4a.example");
            assertThat(mailboxes()).containsExactlyInAnyOrder("deal-desk@northwind.example",
                    "ana@xn--nrthwind-n4a.example");
        } finally {
            rootLogger().detachAppender(logs);
        }
        assertThat(warnings(logs)).anySatisfy(line -> assertThat(line).contains("sink=wins")
                .contains("jörg@northwind.example").contains("SMTPUTF8"));
    }

    @Test
    void anEventNamingSixHundredRecipientsIsMailedToTheFirstTwentyWithOneWarning() throws Exception {
        quoteAnswers(sampleQuote());
        ListAppender<ILoggingEvent> logs = captureLogs();
        List<String> many = new ArrayList<>();
        for (int i = 1; i <= 600; i++) {
            many.add("rep" + i + "@northwind.example");
        }
        try {
            mailWonQuoteToDeskAndAccountOwners(String.join("; ", many));

            MimeMessage mail = onlyMail(21);
            List<String> expected = new ArrayList<>(List.of("deal-desk@northwind.example"));
            expected.addAll(many.subList(0, 20));
            assertThat(addresses(mail, RecipientType.TO)).containsExactlyElementsOf(expected);
        } finally {
            rootLogger().detachAppender(logs);
        }
        assertThat(warnings(logs)).filteredOn(line -> line.contains("sink=wins")).singleElement()
                .satisfies(line -> assertThat(line).contains("580 more").contains("max-event-recipients=20"));
    }

    @Test
    void aFixedAddressThatCannotBeSentStopsTheStart() {
        // Through a system property: a .properties file is read as ISO-8859-1.
        System.setProperty("dealhub.relay.test.desk", "jörg@northwind.example");
        try {
            Throwable failure = mailSink("approvals", 25)
                    .with("relay.sinks.approvals.to", "{{sys:dealhub.relay.test.desk}}")
                    .with("relay.sinks.approvals.template", "quoteWon")
                    .startFailure();

            assertThat(rootMessage(failure))
                    .contains("relay.sinks.approvals.to: 'jörg@northwind.example' cannot be sent to").contains("SMTPUTF8");
        } finally {
            System.clearProperty("dealhub.relay.test.desk");
        }
    }

    /** A relay mailing won quotes to the deal desk and the event's account owners, given one such event. */
    private void mailWonQuoteToDeskAndAccountOwners(String accountOwners) throws IOException {
        relay = mailSink("wins", smtp.getSmtp().getPort())
                .with("relay.sinks.wins.to", "deal-desk@northwind.example")
                .with("relay.sinks.wins.recipients-from", "additional_data.Account Owner")
                .with("relay.sinks.wins.template", "quoteWon")
                .start();
        ObjectNode webhook = (ObjectNode) JSON.readTree(Samples.read("quoteWon.json"));
        ((ObjectNode) webhook.get("additional_data")).put("Account Owner", accountOwners);

        relay.postEvent("/webhooks/dealhub/quoteWon", webhook.toString());
        await().atMost(DEADLINE).until(() -> "done".equals(relay.eventState("EV0f3c8d21a9b4")));
    }

    private static List<String> warnings(ListAppender<ILoggingEvent> logs) {
        return logs.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void refusesToStartWithAnInvalidAddressOrAnUnknownTemplate() {
        Throwable badAddress = mailSink("approvals", 25)
                .with("relay.sinks.approvals.to", "deal-desk@northwind.example, not an address")
                .with("relay.sinks.approvals.template", "quoteWon")
                .startFailure();
        assertThat(rootMessage(badAddress)).contains("relay.sinks.approvals.to").contains("not an address");

        Throwable noTemplate = mailSink("approvals", 25)
                .with("relay.sinks.approvals.to", "deal-desk@northwind.example")
                .with("relay.sinks.approvals.template", "quoteLost")
                .startFailure();
        assertThat(rootMessage(noTemplate)).contains("relay.sinks.approvals.template=quoteLost")
                .contains("quoteLost.txt.ftl");
    }

    private TestRelay.Builder mailSink(String name, int port) {
        return TestRelay.in(folder).with("dealhub.api.base-url", dealhub.baseUrl())
                .with("relay.sinks." + name + ".type", "email")
                .with("relay.sinks." + name + ".host", "127.0.0.1")
                .with("relay.sinks." + name + ".port", String.valueOf(port))
                .with("relay.sinks." + name + ".starttls", "false")
                .with("relay.sinks." + name + ".from", "DealHub Relay <relay@northwind.example>");
    }

    private static ObjectNode sampleQuote() throws IOException {
        return (ObjectNode) JSON.readTree(Samples.read("get-quote-response.json"));
    }

    private static void quoteAnswers(ObjectNode quote) {
        dealhub.stubFor(get(urlPathMatching("/api/v2/quote/.*")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(quote.toString())));
    }

    /** The one mail sent, as delivered into each of its recipients' mailboxes. */
    private static MimeMessage onlyMail(int mailboxes) throws Exception {
        assertThat(smtp.waitForIncomingEmail(DEADLINE.toMillis(), mailboxes)).isTrue();
        MimeMessage[] received = smtp.getReceivedMessages();
        assertThat(received).hasSize(mailboxes);
        assertThat(Arrays.stream(received).map(EmailSinkTest::messageId).distinct()).hasSize(1);
        return received[0];
    }

    private static String messageId(MimeMessage mail) {
        try {
            return mail.getMessageID();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The mailboxes the server delivered into (it opens one per envelope recipient, a Bcc included). */
    private static List<String> mailboxes() {
        return smtp.getUserManager().listUser().stream().map(GreenMailUser::getEmail).toList();
    }

    private static List<String> addresses(MimeMessage mail, RecipientType type) throws Exception {
        Address[] recipients = mail.getRecipients(type);
        return recipients == null ? List.of()
                : Arrays.stream(recipients).map(a -> ((InternetAddress) a).getAddress()).toList();
    }

    private static String part(MimeMessage mail, String type) throws Exception {
        Multipart alternatives = (Multipart) mail.getContent();
        for (int i = 0; i < alternatives.getCount(); i++) {
            BodyPart part = alternatives.getBodyPart(i);
            if (part.isMimeType(type)) {
                return (String) part.getContent();
            }
        }
        throw new AssertionError("no " + type + " part in " + mail.getContentType());
    }

    private static String rootMessage(Throwable failure) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        return messages.toString();
    }

    private static ListAppender<ILoggingEvent> captureLogs() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        rootLogger().addAppender(appender);
        return appender;
    }

    private static Logger rootLogger() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /** An SMTP server that is up but refuses every session with 421, as a server shutting down does. */
    private static final class RefusingSmtpServer implements AutoCloseable {

        private final ServerSocket socket;
        private final AtomicInteger refused = new AtomicInteger();

        RefusingSmtpServer() throws IOException {
            socket = new ServerSocket(0);
            Thread thread = new Thread(this::serve, "refusing-smtp");
            thread.setDaemon(true);
            thread.start();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket session = socket.accept(); OutputStream out = session.getOutputStream();
                     InputStream ignored = session.getInputStream()) {
                    out.write("421 4.3.2 Service not available, closing transmission channel\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    refused.incrementAndGet();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        int port() {
            return socket.getLocalPort();
        }

        int refused() {
            return refused.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
