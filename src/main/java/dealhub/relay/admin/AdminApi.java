package dealhub.relay.admin;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;

import dealhub.relay.reply.BadRequestException;
import dealhub.relay.intake.WebhookAuthenticator;
import dealhub.relay.journal.DeliveryOutcomes;
import dealhub.relay.journal.JournalQueries;
import dealhub.relay.journal.JournalState;
import dealhub.relay.reply.AdminReply;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' API ({@code routes/admin.yaml}): list events by state, look at one, replay dead deliveries.
 * It answers only with {@code Authorization: Bearer <relay.admin.token>}, and not at all (404) when no token is set.
 */
public class AdminApi {

    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
    private static final Set<String> STATES = Set.of(JournalState.PENDING, JournalState.DONE, JournalState.DEAD);
    private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9 _.-]{1,64}");
    private static final int MAX_LIMIT = 1000;

    private final JournalQueries journal;
    private final DeliveryOutcomes outcomes;
    private final WebhookAuthenticator authenticator;
    private final ObjectMapper mapper = new ObjectMapper();

    /** @param token the admin token, or {@code null} to keep the API off */
    public AdminApi(JournalQueries journal, DeliveryOutcomes outcomes, String token) {
        this.journal = journal;
        this.outcomes = outcomes;
        this.authenticator = token == null ? null
                : new WebhookAuthenticator(WebhookAuthenticator.Mode.BEARER, List.of(token));
    }

    public void authorize(@Header("Authorization") String authorization) {
        if (authenticator == null) {
            throw new BadRequestException(404, "not found");
        }
        authenticator.authenticate(authorization);
    }

    /** {@code GET /admin/events?state=&type=&limit=} */
    public AdminReply list(@Header("state") String state, @Header("type") String type, @Header("limit") String limit)
            throws SQLException {
        if (state != null && !STATES.contains(state)) {
            throw new BadRequestException(400, "state must be one of pending, done, dead");
        }
        if (type != null && !EVENT_TYPE.matcher(type).matches()) {
            throw new BadRequestException(400, "type must be an event type");
        }
        return new AdminReply(200, Map.of("events", journal.list(state, type, limit(limit))));
    }

    /** {@code GET /admin/events/{eventId}}: the event, its payload and quote as JSON, and every delivery. */
    public AdminReply event(@Header("eventId") String eventId) throws Exception {
        Map<String, Object> event = journal.detail(eventId);
        if (event == null) {
            throw new BadRequestException(404, "no such event");
        }
        for (String json : List.of("payload", "quote")) {
            Object text = event.get(json);
            event.put(json, text == null ? null : mapper.readTree((String) text));
        }
        return new AdminReply(200, event);
    }

    /**
     * {@code GET /admin/retries}: per sink, the deliveries waiting for their next attempt, the arrival of the oldest
     * one's event and the next attempt due.
     */
    public AdminReply retries() throws SQLException {
        List<Map<String, Object>> sinks = new ArrayList<>();
        long total = 0;
        for (Map.Entry<String, JournalQueries.RetriesWaiting> entry : journal.retriesWaiting().entrySet()) {
            Map<String, Object> sink = new LinkedHashMap<>();
            sink.put("sink", entry.getKey());
            sink.put("waiting", entry.getValue().deliveries());
            sink.put("oldest_received_at", entry.getValue().oldest().toString());
            sink.put("next_attempt_at", entry.getValue().nextAttempt() == null ? null
                    : entry.getValue().nextAttempt().toString());
            sinks.add(sink);
            total += entry.getValue().deliveries();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("waiting", total);
        body.put("sinks", sinks);
        return new AdminReply(200, body);
    }

    /** {@code POST /admin/events/{eventId}/replay}: its dead deliveries go round again; delivered ones do not. */
    public AdminReply replay(@Header("eventId") String eventId) throws SQLException {
        if (journal.detail(eventId) == null) {
            throw new BadRequestException(404, "no such event");
        }
        int deliveries = outcomes.replay(eventId);
        LOG.info("event_id={} replay requested: {} dead deliveries pending again", eventId, deliveries);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event_id", eventId);
        body.put("replayed_deliveries", deliveries);
        return new AdminReply(deliveries > 0 ? 202 : 200, body);
    }

    /** {@code POST /admin/replay?state=dead}: every dead delivery goes round again. */
    public AdminReply replayAll(@Header("state") String state) throws SQLException {
        if (!JournalState.DEAD.equals(state)) {
            throw new BadRequestException(400, "only state=dead can be replayed in bulk");
        }
        int deliveries = outcomes.replayAllDead();
        LOG.info("bulk replay requested: {} dead deliveries pending again", deliveries);
        return new AdminReply(deliveries > 0 ? 202 : 200, Map.of("replayed_deliveries", deliveries));
    }

    public AdminReply failure(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure) {
        if (failure instanceof BadRequestException rejected) {
            return new AdminReply(rejected.status(), Map.of("error", rejected.getMessage()));
        }
        LOG.error("admin request failed", failure);
        return new AdminReply(500, Map.of("error", "internal error"));
    }

    private static int limit(String limit) {
        if (limit == null) {
            return 100;
        }
        try {
            int value = Integer.parseInt(limit);
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new BadRequestException(400, "limit must be a whole number from 1 to " + MAX_LIMIT);
    }
}
