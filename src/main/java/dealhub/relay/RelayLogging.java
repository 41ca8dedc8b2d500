package dealhub.relay;

import java.util.Locale;
import java.util.Map;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The relay's logging, set up in code when logback starts (found through {@code META-INF/services}): reading an
 * XML configuration cost about a tenth of a start. One line per event arrival and per (event, sink) outcome (thinned
 * at high rates, {@code relay.log.event-lines-per-second}, observe/EventLines), with
 * event_id, type, quote_id, sink, attempts and duration_ms as key-values; {@code LOG_FORMAT=json} (environment
 * variable or system property) writes one JSON object per line instead, the key-values as fields, for log shippers.
 * <p>
 * A configuration of one's own still wins: with {@code -Dlogback.configurationFile=FILE} (or a {@code logback-test.xml}
 * on the class path) this steps aside and logback reads that file as usual.
 */
public class RelayLogging extends ContextAwareBase implements Configurator {

    private static final String TEXT_PATTERN = "%d{ISO8601} %-5level [%thread] %logger{30} - %msg %kvp%n";
    private static final Map<String, Level> QUIETER = Map.of("com.zaxxer.hikari", Level.WARN, "org.flywaydb", Level.WARN,
            "io.netty", Level.WARN, "io.vertx", Level.WARN, "org.apache.hc", Level.WARN, "org.eclipse.jetty", Level.WARN,
            "wiremock", Level.WARN);

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(ContextInitializer.CONFIG_FILE_PROPERTY) != null
                || getClass().getClassLoader().getResource(ContextInitializer.TEST_AUTOCONFIG_FILE) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("console");
        console.setEncoder(encoder(context));
        console.start();

        // Request and dispatch threads hand their lines to one writer thread instead of queuing for the console.
        // Nothing is dropped (discarding threshold 0); when the queue is full a logging thread waits for room.
        AsyncAppender async = new AsyncAppender();
        async.setContext(context);
        async.setName("async");
        async.setQueueSize(8192);
        async.setDiscardingThreshold(0);
        async.addAppender(console);
        async.start();

        QUIETER.forEach((name, level) -> context.getLogger(name).setLevel(level));
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(async);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private Encoder<ILoggingEvent> encoder(LoggerContext context) {
        String format = System.getProperty("LOG_FORMAT", System.getenv().getOrDefault("LOG_FORMAT", "text"))
                .toLowerCase(Locale.ROOT);
        if ("json".equals(format)) {
            JsonEncoder json = new JsonEncoder();
            json.setContext(context);
            json.setWithFormattedMessage(true);
            json.setWithMessage(false);
            json.setWithArguments(false);
            json.setWithContext(false);
            json.start();
            return json;
        }
        if (!"text".equals(format)) {
            addWarn("LOG_FORMAT=" + format + " is neither text nor json: writing text");
        }
        PatternLayoutEncoder text = new PatternLayoutEncoder();
        text.setContext(context);
        text.setPattern(TEXT_PATTERN);
        text.start();
        return text;
    }
}
