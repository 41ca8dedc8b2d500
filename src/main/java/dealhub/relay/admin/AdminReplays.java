package dealhub.relay.admin;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dealhub.relay.journal.DeliveryReplay;
import dealhub.relay.journal.EventSearch;
import dealhub.relay.journal.EventSearch.DeliveryKey;
import dealhub.relay.journal.JournalState;
import dealhub.relay.reply.AdminReply;
import dealhub.relay.reply.BadRequestException;

import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead letters for operators ({@code routes/admin.yaml}): the dead deliveries grouped by sink and reason, a replay of
 * everything a filter matches (after a dry run that says how many), and how far a replay has got.
 */
public class AdminReplays {

    private static final Logger LOG = LoggerFactory.getLogger(AdminReplays.class);
    private static final Set<String> GROUP_PARAMETERS = AdminQuery.minus(AdminQuery.FILTER, "state");
    private static final Set<String> REPLAY_PARAMETERS = AdminQuery.plus(AdminQuery.FILTER, "dryRun");

    private final EventSearch search;
    private final DeliveryReplay replay;
    private final ReplayProgress progress = new ReplayProgress();

    public AdminReplays(EventSearch search, DeliveryReplay replay) {
        this.search = search;
        this.replay = replay;
    }

    /** {@code GET /admin/dead-letters?type=&sink=&id=&from=&to=&reason=}: dead deliveries by sink and reason. */
    public AdminReply groups(@Header(Exchange.HTTP_QUERY) String query) throws SQLException {
        List<Map<String, Object>> groups = search.deadGroups(AdminQuery.parse(query, GROUP_PARAMETERS).filter());
        long total = groups.stream().mapToLong(group -> ((Number) group.get("deliveries")).longValue()).sum();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("deliveries", total);
        body.put("groups", groups);
        return new AdminReply(200, body);
    }

    /**
     * {@code POST /admin/replay?state=dead[&type=&sink=&id=&from=&to=&reason=][&dryRun=true]}: the dead deliveries
     * the filter matches go round again ({@code 202} with the replay's id), or, on a dry run, how many would
     * ({@code 200}).
     */
    public AdminReply replay(@Header(Exchange.HTTP_QUERY) String query) throws SQLException {
        AdminQuery parameters = AdminQuery.parse(query, REPLAY_PARAMETERS);
        EventSearch.Filter filter = parameters.filter();
        if (!JournalState.DEAD.equals(filter.state())) {
            throw new BadRequestException(400, "only state=dead can be replayed in bulk");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (parameters.dryRun()) {
            body.put("dry_run", true);
            body.put("deliveries", search.countDead(filter));
            return new AdminReply(200, body);
        }
        List<DeliveryKey> replayed = replay.replay(filter);
        LOG.info("bulk replay requested: {} dead deliveries pending again", replayed.size());
        body.put("replayed_deliveries", replayed.size());
        if (!replayed.isEmpty()) {
            body.put("replay_id", progress.add(given(parameters), replayed).id());
        }
        return new AdminReply(replayed.isEmpty() ? 200 : 202, body);
    }

    /**
     * {@code GET /admin/replays/{replayId}}: how the deliveries of one of this instance's latest replays by filter
     * stand now: still pending, delivered, dead again.
     */
    public AdminReply progress(@Header("replayId") String replayId, @Header(Exchange.HTTP_QUERY) String query)
            throws SQLException {
        AdminQuery.parse(query, Set.of());
        ReplayProgress.Replay made = replayId == null ? null : progress.get(replayId);
        if (made == null) {
            throw new BadRequestException(404, "no such replay on this instance (it keeps its last "
                    + ReplayProgress.KEPT + ")");
        }
        Map<String, Long> states = search.states(made.deliveries());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("replay_id", made.id());
        body.put("at", made.at().toString());
        body.put("filter", made.filter());
        body.put("replayed_deliveries", made.deliveries().size());
        body.put("pending", states.getOrDefault(JournalState.PENDING, 0L));
        body.put("delivered", states.getOrDefault(JournalState.DONE, 0L));
        body.put("dead", states.getOrDefault(JournalState.DEAD, 0L));
        return new AdminReply(200, body);
    }

    private static Map<String, String> given(AdminQuery parameters) {
        Map<String, String> filter = new LinkedHashMap<>();
        for (String name : AdminQuery.FILTER.stream().sorted().toList()) {
            String value = parameters.value(name);
            if (value != null) {
                filter.put(name, value);
            }
        }
        return filter;
    }
}
