package dealhub.relay.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Prometheus's own tool reads the alert rules: they load ({@code promtool check rules}), and each alert fires when
 * it should and not before ({@code promtool test rules} on {@code ops/prometheus/alerts.test.yml}). Skipped where
 * promtool is not installed ({@code .ci/run} installs Debian's {@code prometheus} package, which has it).
 */
class AlertRulesTest {

    private static String promtool;

    @BeforeAll
    static void findPromtool() {
        promtool = onPath("promtool");
        assumeTrue(promtool != null, "promtool is not on the PATH");
    }

    @Test
    void theAlertRulesLoadInPrometheus() throws Exception {
        Result check = run(promtool, "check", "rules", MonitoringFilesTest.ALERTS.toString());

        assertThat(check.exit()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS");
    }

    @Test
    void eachAlertFiresWhenItShouldAndNotBefore() throws Exception {
        Result test = run(promtool, "test", "rules", "ops/prometheus/alerts.test.yml");

        assertThat(test.exit()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    private record Result(int exit, String output) {
    }

    private static Result run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not end within 60 s");
        }
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(),
                StandardCharsets.UTF_8));
    }

    private static String onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}
