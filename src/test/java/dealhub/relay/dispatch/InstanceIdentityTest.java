package dealhub.relay.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A relay's name on its leases: the same after a restart in the same place, never shared by two live relays. */
class InstanceIdentityTest {

    @TempDir
    Path locks;

    @TempDir
    Path workingFolder;

    @Test
    void aRelayRestartedInTheSameFolderHasTheSameNameAndANewIncarnation() throws Exception {
        String firstOwner;
        String firstName;
        try (InstanceIdentity first = InstanceIdentity.take(Optional.empty(), workingFolder, locks)) {
            firstOwner = first.owner();
            firstName = first.name();
        }
        try (InstanceIdentity again = InstanceIdentity.take(Optional.empty(), workingFolder, locks)) {
            assertThat(again.name()).isEqualTo(firstName);
            assertThat(again.owner()).isNotEqualTo(firstOwner).startsWith(again.ownerPrefix());
            assertThat(firstOwner).startsWith(again.ownerPrefix());
            assertThat(again.owner()).hasSizeLessThanOrEqualTo(64); // the journal's lease_owner and worker columns
        }
    }

    @Test
    void twoRelaysRunningFromOneFolderGetDifferentNamesSoNeitherTakesTheOthersLeases() throws Exception {
        try (InstanceIdentity first = InstanceIdentity.take(Optional.empty(), workingFolder, locks);
             InstanceIdentity second = InstanceIdentity.take(Optional.empty(), workingFolder, locks)) {
            assertThat(second.name()).isNotEqualTo(first.name());
            assertThat(second.owner()).doesNotStartWith(first.ownerPrefix());
            assertThat(first.owner()).doesNotStartWith(second.ownerPrefix());
        }
    }

    @Test
    void relaysInDifferentFoldersHaveDifferentNames() throws Exception {
        try (InstanceIdentity here = InstanceIdentity.take(Optional.empty(), workingFolder, locks);
             InstanceIdentity there = InstanceIdentity.take(Optional.empty(), workingFolder.resolve("other"), locks)) {
            assertThat(there.name()).isNotEqualTo(here.name());
        }
    }

    @Test
    void aConfiguredNameIsUsedAndASecondLiveRelayWithItIsRefused() throws Exception {
        try (InstanceIdentity configured = InstanceIdentity.take(Optional.of("relay-a"), workingFolder, locks)) {
            assertThat(configured.name()).isEqualTo("relay-a");
            assertThat(configured.owner()).startsWith("relay-a#");
            assertThatThrownBy(() -> InstanceIdentity.take(Optional.of("relay-a"), workingFolder, locks))
                    .hasMessageContaining("relay.instance-id=relay-a");
        }
        try (InstanceIdentity afterwards = InstanceIdentity.take(Optional.of("relay-a"), workingFolder, locks)) {
            assertThat(afterwards.name()).isEqualTo("relay-a");
        }
    }

    @Test
    void aConfiguredNameThatCouldNotBeStoredOrMatchedSafelyIsRefused() {
        assertThatThrownBy(() -> InstanceIdentity.take(Optional.of("a%b"), workingFolder, locks))
                .hasMessageContaining("relay.instance-id");
        assertThatThrownBy(() -> InstanceIdentity.take(Optional.of("x".repeat(49)), workingFolder, locks))
                .hasMessageContaining("relay.instance-id");
    }
}
