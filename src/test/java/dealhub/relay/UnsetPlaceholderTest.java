package dealhub.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secret, header or URL written as {@code {{env:NAME}}} whose variable is unset or empty stops the start, naming
 * the key and the variable: the relay never sends unsigned, keyless or anonymous requests because of it.
 */
class UnsetPlaceholderTest {

    private static final String UNSET = "{{env:DEALHUB_RELAY_TEST_NEVER_SET}}";
    private static final String SECRET = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    @TempDir
    Path folder;

    @Test
    void anHttpSinksSigningSecretFromAnUnsetVariableStopsTheStart() {
        String reason = refusal(httpSink().with("relay.sinks.h.signing-secret", UNSET));

        assertThat(reason).contains("relay.sinks.h.signing-secret: {{env:DEALHUB_RELAY_TEST_NEVER_SET}} resolves to"
                + " nothing (environment variable DEALHUB_RELAY_TEST_NEVER_SET is not set)");
    }

    @Test
    void aHeaderFromAnUnsetVariableStopsTheStart() {
        String reason = refusal(httpSink().with("relay.sinks.h.headers", "X-Api-Key: " + UNSET));

        assertThat(reason).contains("relay.sinks.h.headers").contains("DEALHUB_RELAY_TEST_NEVER_SET");
    }

    @Test
    void aUrlWithAnUnsetVariableStopsTheStart() {
        String reason = refusal(TestRelay.in(folder).with("relay.sinks.h.type", "http")
                .with("relay.sinks.h.url", "https://" + UNSET + "/collect"));

        assertThat(reason).contains("relay.sinks.h.url").contains("DEALHUB_RELAY_TEST_NEVER_SET");
    }

    @Test
    void anEmailPasswordFromAnUnsetVariableStopsTheStart() {
        String reason = refusal(TestRelay.in(folder).with("relay.sinks.m.type", "email")
                .with("relay.sinks.m.host", "127.0.0.1").with("relay.sinks.m.from", "relay@northwind.example")
                .with("relay.sinks.m.to", "desk@northwind.example").with("relay.sinks.m.template", "quoteWon")
                .with("relay.sinks.m.username", "relay").with("relay.sinks.m.password", UNSET));

        assertThat(reason).contains("relay.sinks.m.password").contains("DEALHUB_RELAY_TEST_NEVER_SET");
    }

    @Test
    void theRelaysOwnSecretsFromAnUnsetVariableStopTheStart() {
        for (String key : new String[] {"dealhub.api.token", "relay.webhook.secrets", "relay.admin.token",
                "relay.datasource.password"}) {
            String reason = refusal(TestRelay.in(folder.resolve(key)).with(key, UNSET));

            assertThat(reason).as(key).contains(key + ": " + UNSET).contains("DEALHUB_RELAY_TEST_NEVER_SET");
        }
    }

    @Test
    void aVariableThatIsSetButEmptyStopsTheStartToo() {
        System.setProperty("dealhub.relay.test.empty", "");
        try {
            String reason = refusal(httpSink().with("relay.sinks.h.signing-secret", "{{sys:dealhub.relay.test.empty}}"));

            assertThat(reason).contains("relay.sinks.h.signing-secret: {{sys:dealhub.relay.test.empty}} resolves to"
                    + " nothing (system property dealhub.relay.test.empty is empty)");
        } finally {
            System.clearProperty("dealhub.relay.test.empty");
        }
    }

    @Test
    void aPlaceholderThatResolvesStartsAndTheSecretIsNotInTheReason() {
        System.setProperty("dealhub.relay.test.secret", SECRET);
        try (TestRelay relay = httpSink().with("relay.sinks.h.signing-secret", "{{sys:dealhub.relay.test.secret}}")
                .with("relay.sinks.h.headers", "X-Api-Key: {{env:DEALHUB_RELAY_TEST_NEVER_SET:fallback-key}}")
                .start()) {
            assertThat(relay.context().getRoute("sink-h")).isNotNull();
        } finally {
            System.clearProperty("dealhub.relay.test.secret");
        }
    }

    private TestRelay.Builder httpSink() {
        return TestRelay.in(folder).with("relay.sinks.h.type", "http")
                .with("relay.sinks.h.url", "http://127.0.0.1:9/collect");
    }

    private static String refusal(TestRelay.Builder relay) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = relay.startFailure(); t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        return messages.toString();
    }
}
