package dealhub.relay.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One whole relay with the test settings for all the tests of a class, in a folder of its own: started before the
 * first test, stopped and its folder removed after the last. Register it with
 * {@code @RegisterExtension static final SharedRelay relay = new SharedRelay();}.
 */
public final class SharedRelay implements BeforeAllCallback, AfterAllCallback {

    private Path folder;
    private TestRelay relay;

    public TestRelay get() {
        return relay;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        folder = Files.createTempDirectory("relay-" + context.getRequiredTestClass().getSimpleName());
        relay = TestRelay.in(folder).start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            if (relay != null) {
                relay.close();
            }
        } finally {
            try (Stream<Path> files = Files.walk(folder)) {
                files.sorted(Comparator.reverseOrder()).forEach(SharedRelay::delete);
            }
        }
    }

    private static void delete(Path path) {
        try {
            Files.delete(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
