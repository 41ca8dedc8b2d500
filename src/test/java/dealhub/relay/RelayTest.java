package dealhub.relay;

import java.nio.file.Path;

import dealhub.relay.support.TestRelay;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** A test that starts a whole relay: it gets a fresh folder of its own, and the relay is stopped after it. */
public abstract class RelayTest {

    @TempDir
    protected Path folder;
    protected TestRelay relay;

    @AfterEach
    protected void stopRelay() {
        if (relay != null) {
            relay.close();
        }
    }
}
