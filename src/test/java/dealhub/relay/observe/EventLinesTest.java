package dealhub.relay.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class EventLinesTest {

    private final AtomicLong millis = new AtomicLong(1_000_000);
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    };

    @Test
    void writesALinePerEventUpToTheRateAndCountsTheRestInOneSummaryTheNextSecond() {
        Logger logger = (Logger) LoggerFactory.getLogger("event-lines-test-" + System.nanoTime());
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        logger.addAppender(seen);
        EventLines lines = new EventLines(logger, "webhooks accepted", 3, clock);

        List<Boolean> firstSecond = IntStream.range(0, 10).mapToObj(i -> lines.admit()).toList();
        millis.addAndGet(1000);
        boolean nextSecond = lines.admit();

        assertThat(firstSecond).containsExactly(true, true, true, false, false, false, false, false, false, false);
        assertThat(nextSecond).isTrue();
        assertThat(seen.list).hasSize(1);
        assertThat(seen.list.get(0).getFormattedMessage()).startsWith("webhooks accepted without a line each");
        assertThat(seen.list.get(0).getKeyValuePairs()).anyMatch(kv -> kv.key.equals("count") && kv.value.equals(7L));
    }

    @Test
    void aQuietSecondWritesNoSummary() {
        Logger logger = (Logger) LoggerFactory.getLogger("event-lines-quiet-" + System.nanoTime());
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        logger.addAppender(seen);
        EventLines lines = new EventLines(logger, "deliveries done", 3, clock);

        lines.admit();
        millis.addAndGet(1000);
        lines.admit();
        lines.admit();

        assertThat(seen.list).isEmpty();
    }
}
