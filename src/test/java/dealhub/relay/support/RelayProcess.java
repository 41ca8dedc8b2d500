package dealhub.relay.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

/** The packaged jar, run as a separate process from the repository root, the way a user runs it. */
public final class RelayProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final int port;
    private final Path log;

    private RelayProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts the jar with these settings (in a --properties file) and waits until it answers HTTP. */
    public static RelayProcess start(Path folder, String name, int port, Map<String, String> settings) throws IOException {
        return start(folder, name, port, settings, Map.of());
    }

    /** {@link #start(Path, String, int, Map)} with extra environment variables. */
    public static RelayProcess start(Path folder, String name, int port, Map<String, String> settings,
            Map<String, String> environment) throws IOException {
        StringBuilder properties = new StringBuilder("camel.server.port = " + port + "\n");
        settings.forEach((k, v) -> properties.append(k).append(" = ").append(v).append('\n'));
        Path file = Files.writeString(folder.resolve(name + ".properties"), properties.toString());
        Path log = folder.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", "target/dealhub-relay.jar", "--properties", file.toString())
                .directory(Path.of("").toAbsolutePath().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        Process process = builder.start();
        RelayProcess relay = new RelayProcess(process, port, log);
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("relay exited:\n" + Files.readString(log));
                    }
                    return relay.send(HttpRequest.newBuilder(relay.uri("/webhooks/dealhub")).GET().build())
                            .statusCode() == 405;
                });
        return relay;
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    /** kill -9: no shutdown hook, nothing flushed, nothing released. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then the time it took to exit; fails if it did not within {@code limit}. */
    public Duration terminate(Duration limit) throws InterruptedException {
        long start = System.nanoTime();
        process.destroy();
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the relay did not stop within " + limit + " of SIGTERM");
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
