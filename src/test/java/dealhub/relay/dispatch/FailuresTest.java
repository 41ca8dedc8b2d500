package dealhub.relay.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.Map;

import dealhub.relay.dealhub.MalformedQuoteException;
import dealhub.relay.sinks.PermanentDeliveryException;

import org.apache.camel.CamelExecutionException;
import org.apache.camel.component.direct.DirectConsumerNotAvailableException;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The one retry rule that Get Quote's and the sinks' retry configurations both ask. */
class FailuresTest {

    private static HttpOperationFailedException http(int status) {
        return new HttpOperationFailedException("http://receiver", status, "status " + status, null, Map.of(), "");
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 429, 500, 502, 503, 504})
    void timeoutsThrottlingAndServerErrorsAreWorthAnotherAttempt(int status) {
        assertThat(Failures.isTransient(http(status))).isTrue();
        assertThat(Failures.isPermanent(http(status))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 400, 401, 403, 404, 409, 413, 422})
    void everyOtherHttpStatusIsFinal(int status) {
        assertThat(Failures.isTransient(http(status))).isFalse();
        assertThat(Failures.isPermanent(http(status))).isTrue();
    }

    @Test
    void inputOutputFailuresAndMalformedAnswersAreWorthAnotherAttemptEvenWhenWrapped() {
        assertThat(Failures.isTransient(new SocketTimeoutException("Read timed out"))).isTrue();
        assertThat(Failures.isTransient(new MalformedQuoteException("not a JSON object"))).isTrue();
        assertThat(Failures.isTransient(new CamelExecutionException("wrapped", null, new IOException("reset"))))
                .isTrue();
        assertThat(Failures.isTransient(new CamelExecutionException("wrapped", null, http(503)))).isTrue();
    }

    @Test
    void aRouteWithoutAConsumerIsWorthAnotherAttemptSoTheScheduleRetriesItThenItIsDeadWithItsReason() {
        Exception noConsumer = new CamelExecutionException("failed", null,
                new DirectConsumerNotAvailableException("No consumers available on endpoint: direct://enrich-qoute", null));

        assertThat(Failures.isTransient(noConsumer)).isTrue();
        assertThat(Failures.isPermanent(noConsumer)).isFalse();
        assertThat(Failures.describe(noConsumer)).contains("No consumers available");
    }

    @Test
    void aSinksPermanentDeliveryExceptionIsFinal() {
        assertThat(Failures.isPermanent(new PermanentDeliveryException("refused"))).isTrue();
        assertThat(Failures.isTransient(new PermanentDeliveryException("refused", new IOException("x")))).isFalse();
    }

    @Test
    void anyOtherFailureIsNeitherSoEachRouteKeepsItsDefault() {
        IllegalArgumentException invalidQuoteId = new IllegalArgumentException("dealhub_quote_id must be ...");
        assertThat(Failures.isTransient(invalidQuoteId)).as("Get Quote does not retry it").isFalse();
        assertThat(Failures.isPermanent(invalidQuoteId)).as("a sink retries it").isFalse();
    }
}
