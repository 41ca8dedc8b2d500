package dealhub.relay.admin;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;

import dealhub.relay.reply.BadRequestException;
import dealhub.relay.intake.WebhookAuthenticator;
import dealhub.relay.journal.DeliveryOutcomes;
import dealhub.relay.journal.EventSearch;
import dealhub.relay.journal.JournalQueries;
import dealhub.relay.observe.CounterHistory;
import dealhub.relay.reply.AdminReply;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' API ({@code routes/admin.yaml}): search events, count them, look at one, replay one's dead
 * deliveries; the console's overview. (Dead letters and replays by filter: {@link AdminReplays}.)
 * It answers only with {@code Authorization: Bearer <relay.admin.token>}, and not at all (404) when no token is set.
 */
public class AdminApi {

    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
    private static final Set<String> LIST_PARAMETERS = AdminQuery.plus(AdminQuery.FILTER, "limit", "cursor");
    private static final Set<String> COUNT_PARAMETERS = AdminQuery.minus(AdminQuery.FILTER, "state");
    private static final int BACKLOG_TIMEOUT_SECONDS = 5;

    private final JournalQueries journal;
    private final EventSearch search;
    private final CounterHistory history;
    private final DeliveryOutcomes outcomes;
    private final WebhookAuthenticator authenticator;
    private final ObjectMapper mapper = new ObjectMapper();

    /**
     * @param history this instance's last hour for the overview, or {@code null} for none
     * @param token   the admin token, or {@code null} to keep the API off
     */
    public AdminApi(JournalQueries journal, EventSearch search, CounterHistory history, DeliveryOutcomes outcomes,
            String token) {
        this.journal = journal;
        this.search = search;
        this.history = history;
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

    /**
     * {@code GET /admin/events?state=&type=&sink=&id=&from=&to=&reason=&limit=&cursor=}: the events the filter
     * matches, newest first, a page at a time; {@code next_cursor} asks for the next page ({@code null} on the last).
     */
    public AdminReply list(@Header(Exchange.HTTP_QUERY) String query) throws SQLException {
        AdminQuery parameters = AdminQuery.parse(query, LIST_PARAMETERS);
        EventSearch.Page page = search.events(parameters.filter(), parameters.position(), parameters.limit(100));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("events", page.events());
        body.put("next_cursor", AdminQuery.cursor(page.next()));
        return new AdminReply(200, body);
    }

    /**
     * {@code GET /admin/counts?type=&sink=&id=&from=&to=&reason=}: how many of the events the filter matches are in
     * each state, and how many of their deliveries (to its sink, if it names one).
     */
    public AdminReply counts(@Header(Exchange.HTTP_QUERY) String query) throws SQLException {
        AdminQuery parameters = AdminQuery.parse(query, COUNT_PARAMETERS);
        return new AdminReply(200, search.counts(parameters.filter()));
    }

    /**
     * {@code GET /admin/overview}: events and deliveries by state, the backlog and its oldest event, and this
     * instance's last hour in intervals (webhooks accepted, deliveries delivered and dead, backlog).
     */
    public AdminReply overview(@Header(Exchange.HTTP_QUERY) String query) throws SQLException {
        AdminQuery.parse(query, Set.of());
        Map<String, Object> body = new LinkedHashMap<>(search.counts(EventSearch.Filter.ALL));
        JournalQueries.Backlog backlog = journal.backlog(BACKLOG_TIMEOUT_SECONDS);
        body.put("backlog", backlog.pending());
        body.put("oldest_pending", backlog.oldest() == null ? null : backlog.oldest().toString());
        body.put("history", history == null ? List.of() : history.lastHour());
        return new AdminReply(200, body);
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

    public AdminReply failure(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure) {
        if (failure instanceof BadRequestException rejected) {
            return new AdminReply(rejected.status(), Map.of("error", rejected.getMessage()));
        }
        LOG.error("admin request failed", failure);
        return new AdminReply(500, Map.of("error", "internal error"));
    }
}
