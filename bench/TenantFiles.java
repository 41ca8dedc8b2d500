import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import dealhub.relay.dealhub.DealHubSimulator;
import dealhub.relay.dealhub.SimulatedTenant;

/**
 * The relay's simulated tenant written out as files, for bench/backfill.sh's Get Quote stand-in (nginx), so that the
 * stand-in's work is not done, and billed, in the relay's own process: each list page as
 * {@code <folder>/api/v2/quotes/<offset>} and each quote as {@code <folder>/api/v2/quote/<id>}, exactly what the
 * relay's simulator answers (dealhub.simulator.*).
 *
 * <pre>java -cp target/dealhub-relay.jar bench/TenantFiles.java samples/get-quote-response.json 5000 1 50 folder</pre>
 */
public class TenantFiles {

    public static void main(String[] args) throws Exception {
        DealHubSimulator simulator = new DealHubSimulator(Path.of(args[0]), Integer.parseInt(args[1]),
                Long.parseLong(args[2]));
        int pageSize = Integer.parseInt(args[3]);
        Path folder = Path.of(args[4]);
        Path pages = Files.createDirectories(folder.resolve("api/v2/quotes"));
        Path quotes = Files.createDirectories(folder.resolve("api/v2/quote"));
        for (int offset = 0; offset < simulator.quotes(); offset += pageSize) {
            Files.writeString(pages.resolve(String.valueOf(offset)), simulator.page(offset, pageSize, false),
                    StandardCharsets.UTF_8);
        }
        for (int number = 0; number < simulator.quotes(); number++) {
            String id = SimulatedTenant.quoteId(number);
            Files.writeString(quotes.resolve(id), simulator.quote(id), StandardCharsets.UTF_8);
        }
    }
}
