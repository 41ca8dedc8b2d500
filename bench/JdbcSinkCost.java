import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import dealhub.relay.sinks.jdbc.JdbcSink;

/**
 * The jdbc sink's own cost per event, without the rest of the relay: one thread hands {@code count} sink documents
 * (samples/quoteWon.json with samples/get-quote-response.json, a new event id each) to a jdbc sink writing to an H2
 * file database, as the deliver route does, after {@code warm} documents of warm-up. {@code same}: every event is
 * about the same quote, in the same state (a quote's later events, the common case); {@code new}: each event is
 * about a quote of its own (every state is new). Prints "events/s thread-cpu-µs-per-event process-cpu-µs-per-event":
 * the thread's CPU time holds the SQL (embedded H2 runs in the caller's thread) and moves little with the machine's
 * load; the process's adds the garbage collector and H2's writer.
 *
 *   java -cp target/dealhub-relay.jar bench/JdbcSinkCost.java <empty folder> <count> <warm> same|new
 */
public class JdbcSinkCost {

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        int warm = Integer.parseInt(args[2]);
        boolean sameQuote = args[3].equals("same");
        String quote = Files.readString(Path.of("samples/get-quote-response.json"));
        String webhook = Files.readString(Path.of("samples/quoteWon.json"));
        Files.createDirectories(folder);

        JdbcSink sink = new JdbcSink();
        sink.setSinkName("bench");
        sink.setUrl("jdbc:h2:file:" + folder.toAbsolutePath().resolve("bi") + ";WRITE_DELAY=0");
        sink.setUsername("sa");
        sink.setPassword("");
        sink.setPoolSize(2);
        sink.setConnectionTimeoutMs(10_000);
        sink.start();
        try {
            for (int i = 0; i < warm; i++) {
                sink.write(document("W" + i, sameQuote ? "Q8m2XyzA91Lp0c7" : "QW" + i, quote, webhook));
            }
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long thread0 = threads.getCurrentThreadCpuTime();
            long process0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                sink.write(document("E" + i, sameQuote ? "Q8m2XyzA91Lp0c7" : "Q" + i, quote, webhook));
            }
            long elapsed = System.nanoTime() - t0;
            long thread = threads.getCurrentThreadCpuTime() - thread0;
            long process = os.getProcessCpuTime() - process0;
            System.out.printf("%d %d %d%n", count * 1_000_000_000L / elapsed, thread / 1000 / count,
                    process / 1000 / count);
        } finally {
            sink.close();
        }
    }

    /** The document the relay hands every sink (DispatchSteps.document), for one event of one quote. */
    private static String document(String eventId, String quoteId, String quote, String webhook) {
        String now = Instant.now().toString();
        return "{\"event_id\":\"" + eventId + "\",\"event_type\":\"quoteWon\",\"dealhub_quote_id\":\"" + quoteId
                + "\",\"received_at\":\"" + now + "\",\"webhook\":"
                + webhook.replace("EV0f3c8d21a9b4", eventId).replace("Q8m2XyzA91Lp0c7", quoteId)
                + ",\"quote\":" + quote.replace("Q8m2XyzA91Lp0c7", quoteId) + ",\"quote_fetched_at\":\"" + now + "\"}";
    }
}
