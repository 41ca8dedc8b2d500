package dealhub.relay.admin;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dealhub.relay.journal.EventSearch.DeliveryKey;

/**
 * The deliveries of this instance's latest replays by filter, so that the console can show how far each has got
 * (how many are delivered, dead again, still pending). Kept in memory: only the last {@value #KEPT} replays, and only
 * on the instance that made them; the journal itself is unchanged by it.
 */
final class ReplayProgress {

    static final int KEPT = 10;

    /** One replay: when it was made, what it was asked to replay, and which deliveries it sent round again. */
    record Replay(String id, Instant at, Map<String, String> filter, List<DeliveryKey> deliveries) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Replay> replays = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Replay> eldest) {
            return size() > KEPT;
        }
    };

    synchronized Replay add(Map<String, String> filter, List<DeliveryKey> deliveries) {
        byte[] id = new byte[12];
        random.nextBytes(id);
        Replay replay = new Replay("RP" + HexFormat.of().formatHex(id), Instant.now(), Map.copyOf(filter),
                List.copyOf(deliveries));
        replays.put(replay.id(), replay);
        return replay;
    }

    synchronized Replay get(String id) {
        return replays.get(id);
    }
}
