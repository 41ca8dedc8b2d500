package dealhub.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.classic.util.LogbackMDCAdapter;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** The logging set up in code: the line format operators read, JSON on request, and a file of one's own honoured. */
class RelayLoggingTest {

    private final LoggerContext context = new LoggerContext();
    private final PrintStream console = System.out;

    @BeforeEach
    void freshContext() {
        // what logback's own start gives the context it configures
        context.setMDCAdapter(new LogbackMDCAdapter());
    }

    @AfterEach
    void restore() {
        System.setOut(console);
        System.clearProperty("LOG_FORMAT");
        System.clearProperty(ContextInitializer.CONFIG_FILE_PROPERTY);
        context.stop();
    }

    @Test
    void writesOneTextLinePerEventWithItsKeyValuesThroughOneWriterThread() {
        String out = logOneArrival(() -> {
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("async")).isInstanceOf(AsyncAppender.class);
            assertThat(context.getLogger("com.zaxxer.hikari").getLevel()).isEqualTo(Level.WARN);
        });

        assertThat(out).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} INFO  \\[main\\] d\\.relay\\.intake\\.WebhookIntake"
                + " - accepted event_id=\"EV1\" type=\"quoteWon\"\\R");
    }

    @Test
    void writesJsonWhenAsked() {
        System.setProperty("LOG_FORMAT", "json");

        String out = logOneArrival(() -> { });

        assertThat(out).startsWith("{").contains("\"formattedMessage\":\"accepted\"")
                .contains("\"kvpList\": [{\"event_id\":\"EV1\"},{\"type\":\"quoteWon\"}]");
    }

    @Test
    void stepsAsideForAConfigurationFileOfOnesOwn() {
        System.setProperty(ContextInitializer.CONFIG_FILE_PROPERTY, "mine.xml");

        RelayLogging logging = new RelayLogging();
        logging.setContext(context);

        assertThat(logging.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
    }

    /**
     * Configures a fresh logger context, runs {@code checks} on it, logs an arrival as WebhookIntake does, and returns
     * what reached stdout.
     */
    private String logOneArrival(Runnable checks) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        RelayLogging logging = new RelayLogging();
        logging.setContext(context);
        assertThat(logging.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        checks.run();

        context.getLogger("dealhub.relay.intake.WebhookIntake").atInfo().setMessage("accepted")
                .addKeyValue("event_id", "EV1").addKeyValue("type", "quoteWon").log();
        context.stop(); // drains the writer thread
        return captured.toString(StandardCharsets.UTF_8);
    }
}
