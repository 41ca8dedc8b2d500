import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The file system's ceiling for the file sink, measured by bench/run.sh beside the relay's figures: one thread writes
 * {@code count} documents the way the file sink does (a temporary file, then a rename), with nothing else around.
 * Prints "files/s cpu-µs-per-file".
 *
 *   java bench/FileCeiling.java <empty folder> <count> <bytes per file>
 */
public class FileCeiling {

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        String document = "x".repeat(Integer.parseInt(args[2]));
        Files.createDirectories(folder);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            Path temporary = folder.resolve(".writing-" + i + ".json");
            Files.writeString(temporary, document);
            Files.move(temporary, folder.resolve(i + ".json"), StandardCopyOption.REPLACE_EXISTING);
        }
        long elapsed = System.nanoTime() - t0;
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        System.out.printf("%d %d%n", count * 1_000_000_000L / elapsed, cpu / 1000 / count);
    }
}
