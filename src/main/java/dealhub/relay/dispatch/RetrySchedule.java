package dealhub.relay.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a failed delivery (or Get Quote for it) is tried again: the n-th failure since the last replay waits the
 * n-th step of {@code relay.retry.schedule}; once the steps are spent the delivery is dead. Each step is spread by
 * {@code relay.retry.jitter} so that retries after an outage do not arrive all at once. A server's
 * {@code Retry-After} is a floor, capped at the longest step (or {@code relay.retry.max-delay-ms} when the schedule
 * comes from the keys before it) so that a broken server cannot park work forever.
 */
public final class RetrySchedule {

    private static final Pattern STEP = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private final List<Duration> steps;
    private final double jitter;
    private final Duration longest;

    public RetrySchedule(List<Duration> steps, double jitter) {
        this(steps, jitter, steps.stream().max(Duration::compareTo).orElse(Duration.ZERO));
    }

    /** @param longest the longest a {@code Retry-After} may make the wait */
    private RetrySchedule(List<Duration> steps, double jitter, Duration longest) {
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("relay.retry.jitter must be from 0 up to (not including) 1");
        }
        this.steps = List.copyOf(steps);
        this.jitter = jitter;
        this.longest = longest;
    }

    /** Parses {@code 10s,1m,5m,30m,2h,6h,12h} (units ms, s, m, h, d); an empty list means no retries. */
    public static RetrySchedule parse(List<String> steps, double jitter) {
        List<Duration> parsed = new ArrayList<>();
        for (String step : steps) {
            Matcher m = STEP.matcher(step.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw new IllegalArgumentException("relay.retry.schedule: '" + step
                        + "' is not a delay such as 250ms, 10s, 5m, 2h or 1d");
            }
            long n = Long.parseLong(m.group(1));
            parsed.add(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
        }
        return new RetrySchedule(parsed, jitter);
    }

    /**
     * The schedule the retry keys of before the schedule existed describe: {@code maxAttempts - 1} delays from
     * {@code initialMs}, each {@code multiplier} times the one before, capped at {@code maxMs}.
     */
    public static RetrySchedule fromBackoff(int maxAttempts, long initialMs, double multiplier, long maxMs,
            double jitter) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("relay.retry.max-attempts must be at least 1");
        }
        List<Duration> steps = new ArrayList<>();
        double delay = initialMs;
        for (int i = 1; i < maxAttempts; i++) {
            steps.add(Duration.ofMillis((long) Math.min(delay, maxMs)));
            delay *= multiplier;
        }
        return new RetrySchedule(steps, jitter, Duration.ofMillis(maxMs));
    }

    /**
     * When to try again after the delivery's {@code retries}-th earlier failure (0: this is its first), or
     * {@code null} when the schedule is spent and the delivery is dead.
     *
     * @param retryAfter the server's {@code Retry-After}, or {@code null}
     */
    public Instant next(int retries, Duration retryAfter, Instant now) {
        if (retries >= steps.size()) {
            return null;
        }
        Duration step = steps.get(retries);
        long spread = (long) (step.toMillis() * jitter);
        Duration delay = spread == 0 ? step
                : step.plusMillis(ThreadLocalRandom.current().nextLong(-spread, spread + 1));
        if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
            delay = retryAfter.compareTo(longest) > 0 ? longest : retryAfter;
        }
        return now.plus(delay);
    }

    public List<Duration> steps() {
        return steps;
    }

    @Override
    public String toString() {
        return steps.toString();
    }
}
