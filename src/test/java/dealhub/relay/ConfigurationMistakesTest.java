package dealhub.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import dealhub.relay.support.Samples;
import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Mistakes in application.properties are named: a refused start is one line that names the key and what is wrong
 * with its value (no stack trace), and a sink's event names are checked and matched as intake matches them.
 */
class ConfigurationMistakesTest extends RelayTest {

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        logs.start();
        rootLogger().addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        rootLogger().detachAppender(logs);
    }

    @Test
    void aSinksEventNamesIgnoreLetterCaseAsIntakeDoes() {
        TestRelay.Builder builder = TestRelay.in(folder);
        Path files = builder.fileSink("users", "USER");
        relay = builder.start();

        relay.postEvent("/webhooks/dealhub/user", Samples.userEvent("E-case"));

        await().atMost(Duration.ofSeconds(20)).until(() -> "done".equals(relay.eventState("E-case")));
        assertThat(relay.deliveryState("E-case", "users")).isEqualTo("done");
        assertThat(files.resolve("user_E-case.json")).exists();
    }

    @Test
    void anEventNameTheRelayDoesNotKnowIsWarnedOfAtStart() {
        TestRelay.Builder builder = TestRelay.in(folder);
        builder.fileSink("wins", "quoteWonn, quotewon, reconciled");
        relay = builder.start();

        assertThat(warnings()).anySatisfy(line -> assertThat(line).contains("relay.sinks.wins.events")
                .contains("'quoteWonn'").contains("never receives it"));
        assertThat(warnings()).noneMatch(line -> line.contains("'quotewon'") || line.contains("'reconciled'"));
    }

    @Test
    void aPortThatIsNoNumberIsOneLineNamingTheKey() {
        assertThat(refusal(mailSink().with("relay.sinks.m.port", "abc")))
                .isEqualTo("relay.sinks.m.port must be a whole number, not 'abc'");
    }

    @Test
    void aProtocolThatIsNoMailProtocolIsOneLineNamingTheKey() {
        assertThat(refusal(mailSink().with("relay.sinks.m.protocol", "smtpx")))
                .isEqualTo("relay.sinks.m.protocol must be smtp or smtps, not 'smtpx'");
    }

    @Test
    void aFlagThatIsNeitherTrueNorFalseIsOneLineNamingTheKey() {
        assertThat(refusal(mailSink().with("relay.sinks.m.starttls", "yes")))
                .isEqualTo("relay.sinks.m.starttls must be true or false, not 'yes'");
    }

    @Test
    void aTimeoutThatIsNoNumberIsOneLineNamingTheKey() {
        assertThat(refusal(TestRelay.in(folder).with("relay.sinks.h.type", "http")
                .with("relay.sinks.h.url", "http://127.0.0.1:9/").with("relay.sinks.h.response-timeout-ms", "20s")))
                .isEqualTo("relay.sinks.h.response-timeout-ms must be a whole number, not '20s'");
    }

    @Test
    void aRelaySettingRefusedByItsCheckIsOneLine() {
        assertThat(refusal(TestRelay.in(folder).with("relay.webhook.auth", "hmac")))
                .isEqualTo("relay.webhook.auth=hmac is not one of bearer, basic, none");
    }

    @Test
    void aUrlThatIsNoHttpUrlIsOneLineNamingTheKeyWithoutTheUrl() {
        assertThat(refusal(TestRelay.in(folder).with("relay.sinks.h.type", "http")
                .with("relay.sinks.h.url", "htp://hooks.example.com/T000/s3cret-path")))
                .isEqualTo("relay.sinks.h.url must be an http:// or https:// URL with a host");
    }

    @Test
    void aSinkCamelCannotBuildIsOneLineNamingTheSink() {
        String reason = refusal(TestRelay.in(folder).with("relay.sinks.l.type", "log")
                .with("relay.sinks.l.level", "LOUD"));

        assertThat(reason).startsWith("relay.sinks.l: ").contains("LOUD");
    }

    /** Runs the relay as {@code java -jar} does; it must refuse with exit status 1 and one ERROR line, returned. */
    private String refusal(TestRelay.Builder relay) {
        int status = relay.run("-d", "5");

        assertThat(status).isEqualTo(1);
        List<ILoggingEvent> errors = logs.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).getThrowableProxy()).isNull();
        String line = errors.get(0).getFormattedMessage();
        assertThat(line).startsWith("dealhub-relay did not start: ").doesNotContain("\n");
        return line.substring("dealhub-relay did not start: ".length());
    }

    private TestRelay.Builder mailSink() {
        return TestRelay.in(folder).with("relay.sinks.m.type", "email").with("relay.sinks.m.host", "127.0.0.1")
                .with("relay.sinks.m.from", "relay@northwind.example").with("relay.sinks.m.to", "desk@northwind.example")
                .with("relay.sinks.m.template", "quoteWon");
    }

    private List<String> warnings() {
        return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private static Logger rootLogger() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
