package dealhub.relay.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The payloads in samples/, and variations of them with another event id. */
public final class Samples {

    private Samples() {
    }

    public static String read(String name) {
        try {
            return Files.readString(Path.of("samples", name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A quote event like samples/quoteWon.json, with the given event id and quote id. */
    public static String quoteEvent(String eventId, String quoteId) {
        return """
                {"event_info": {"webhook_id": "WH1", "event_id": "%s", "api_version": "1.0"},
                 "dealhub_quote_id": "%s", "dealhub_opportunity_id": "OP4Rt6YuI8oP2",
                 "execution_date": "2026-11-02 14:07:33", "executed_by": "maria.lopez@northwind.example"}
                """.formatted(eventId, quoteId);
    }

    /** An event without a quote, such as DealHub's user events. */
    public static String userEvent(String eventId) {
        return """
                {"event_info": {"webhook_id": "WH2", "event_id": "%s", "api_version": "1.0"},
                 "user": {"login": "sam.okafor@northwind.example"}, "action": "modified"}
                """.formatted(eventId);
    }
}
