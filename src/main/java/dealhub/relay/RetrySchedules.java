package dealhub.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dealhub.relay.dispatch.RetrySchedule;

import org.apache.camel.LoggingLevel;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retry schedule from the settings: {@code relay.retry.schedule}, or, for a configuration written before it
 * existed, the schedule its {@code relay.retry.max-attempts}, {@code initial-delay-ms}, {@code multiplier} and
 * {@code max-delay-ms} describe, with a warning that says what to write instead. Those keys keep working: an upgrade
 * must not change how long a relay tries.
 */
final class RetrySchedules {

    private static final Logger LOG = LoggerFactory.getLogger(RetrySchedules.class);
    private static final List<String> OLD_KEYS = List.of("relay.retry.max-attempts", "relay.retry.initial-delay-ms",
            "relay.retry.multiplier", "relay.retry.max-delay-ms");

    private RetrySchedules() {
    }

    static RetrySchedule fromSettings(Settings settings) {
        double jitter = settings.decimal("relay.retry.jitter");
        List<String> old = OLD_KEYS.stream().filter(key -> settings.optional(key).isPresent()).toList();
        if (old.isEmpty()) {
            return RetrySchedule.parse(settings.list("relay.retry.schedule"), jitter);
        }
        RetrySchedule schedule = RetrySchedule.fromBackoff((int) number(settings, "relay.retry.max-attempts", 5),
                (long) number(settings, "relay.retry.initial-delay-ms", 1000),
                number(settings, "relay.retry.multiplier", 2.0),
                (long) number(settings, "relay.retry.max-delay-ms", 60000), jitter);
        LOG.warn("{} {} replaced by relay.retry.schedule: this relay retries after {}; write relay.retry.schedule ="
                + " {} instead (the default, 10s,1m,5m,30m,2h,6h,12h, tries for about a day)", old,
                old.size() == 1 ? "is" : "are", schedule, text(schedule));
        return schedule;
    }

    /**
     * Reconcile's retries of a failed page, in memory (a run is one thread's work under a lease, not a unit the
     * journal schedules): the schedule's first steps, as long as each is shorter than the run's lease, which the
     * next attempt renews. A longer wait would give the run away; the next scheduled run starts over instead.
     */
    static RedeliveryPolicy pageRetries(RetrySchedule schedule, Duration lease) {
        List<String> pattern = new ArrayList<>();
        for (Duration step : schedule.steps()) {
            if (step.compareTo(lease) >= 0) {
                break;
            }
            pattern.add((pattern.size() + 1) + ":" + step.toMillis());
        }
        RedeliveryPolicy policy = new RedeliveryPolicy();
        policy.setMaximumRedeliveries(pattern.size());
        if (!pattern.isEmpty()) {
            policy.setDelayPattern(String.join(";", pattern));
        }
        policy.setAsyncDelayedRedelivery(true);
        policy.setRetryAttemptedLogLevel(LoggingLevel.WARN);
        return policy;
    }

    /** The longest wait of {@link #pageRetries}: a server's {@code Retry-After} is honoured up to it. */
    static long longestPageWait(RedeliveryPolicy policy) {
        String pattern = policy.getDelayPattern();
        if (pattern == null) {
            return 0;
        }
        long longest = 0;
        for (String group : pattern.split(";")) {
            longest = Math.max(longest, Long.parseLong(group.substring(group.indexOf(':') + 1)));
        }
        return longest;
    }

    private static double number(Settings settings, String key, double fallback) {
        return settings.optional(key).isPresent() ? settings.decimal(key) : fallback;
    }

    private static String text(RetrySchedule schedule) {
        return String.join(",", schedule.steps().stream().map(d -> d.toMillis() + "ms").toList());
    }
}
