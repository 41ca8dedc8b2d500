package dealhub.relay.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The retry schedule's steps, written as a list or derived from the retry keys of before the schedule. */
class RetryScheduleStepsTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void theNthFailureWaitsTheNthStepAndTheDeliveryIsDeadOnceTheStepsAreSpent() {
        RetrySchedule schedule = RetrySchedule.parse(List.of("10s", "1m", "5m", "30m", "2h", "6h", "12h"), 0);

        assertThat(schedule.next(0, null, NOW)).isEqualTo(NOW.plusSeconds(10));
        assertThat(schedule.next(6, null, NOW)).isEqualTo(NOW.plus(Duration.ofHours(12)));
        assertThat(schedule.next(7, null, NOW)).isNull();
        assertThat(schedule.steps().stream().reduce(Duration.ZERO, Duration::plus))
                .as("about a day").isBetween(Duration.ofHours(20), Duration.ofHours(28));
    }

    @Test
    void aRetryAfterIsAFloorCappedAtTheLongestStep() {
        RetrySchedule schedule = RetrySchedule.parse(List.of("250ms", "1m"), 0);

        assertThat(schedule.next(0, Duration.ofSeconds(30), NOW)).isEqualTo(NOW.plusSeconds(30));
        assertThat(schedule.next(0, Duration.ofMillis(5), NOW)).isEqualTo(NOW.plusMillis(250));
        assertThat(schedule.next(0, Duration.ofDays(3), NOW)).isEqualTo(NOW.plusSeconds(60));
    }

    @Test
    void theRetryKeysOfBeforeTheScheduleDescribeTheSameAttemptsAsBefore() {
        RetrySchedule schedule = RetrySchedule.fromBackoff(5, 1000, 2.0, 5000, 0);

        assertThat(schedule.steps()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4), Duration.ofSeconds(5));
        assertThat(schedule.next(0, Duration.ofSeconds(60), NOW)).as("Retry-After up to max-delay-ms")
                .isEqualTo(NOW.plusSeconds(5));
    }

    @Test
    void aStepThatIsNotADelayIsNamed() {
        assertThatThrownBy(() -> RetrySchedule.parse(List.of("10s", "5x"), 0.15))
                .hasMessageContaining("relay.retry.schedule").hasMessageContaining("'5x'");
    }
}
