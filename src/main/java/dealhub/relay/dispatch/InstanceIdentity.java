package dealhub.relay.dispatch;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who this relay is on its leases: a name that stays the same across restarts, and an incarnation that is new at
 * every start. The lease owner ({@link #owner()}) is both; the rest of the relay treats it as an opaque string.
 * <p>
 * The name is {@code relay.instance-id}, or by default the host and the working folder: a relay restarted in the
 * same place is the same instance. A lease held under this name by another incarnation belongs to a process that is
 * certainly dead, so the new one takes it back at once instead of waiting for it to run out: while it runs, a relay
 * holds an operating-system lock named after its name, which the system releases when the process dies, even by
 * {@code kill -9}. A second relay started on the same host with the same default name (two in one folder) finds the
 * lock taken and runs as the next free name ({@code -2}, {@code -3}, ...); with a configured name it refuses to
 * start. Relays on different hosts must not share a configured name: no lock spans hosts.
 */
public final class InstanceIdentity implements AutoCloseable {

    /** What a name may hold; with the incarnation it fits the journal's 64-character owner columns. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,48}");
    private static final char SEPARATOR = '#';
    private static final int MAX_SLOTS = 64;

    private final String name;
    private final String incarnation;
    private final FileChannel lockFile;
    private final FileLock lock;

    private InstanceIdentity(String name, String incarnation, FileChannel lockFile, FileLock lock) {
        this.name = name;
        this.incarnation = incarnation;
        this.lockFile = lockFile;
        this.lock = lock;
    }

    /**
     * Takes this process's identity: {@code configured}, or else one made of the host and {@code workingFolder},
     * locked under {@code lockFolder} (a folder of this host) for as long as the relay runs.
     */
    public static InstanceIdentity take(Optional<String> configured, Path workingFolder, Path lockFolder) {
        String incarnation = incarnation();
        if (configured.isPresent()) {
            String name = configured.get();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("relay.instance-id must be 1 to 48 letters, digits or . _ : -,"
                        + " not '" + name + "'");
            }
            return tryLock(name, incarnation, lockFolder).orElseThrow(() -> new IllegalStateException(
                    "another relay on this host runs as relay.instance-id=" + name + "; give each its own"));
        }
        String base = defaultName(workingFolder);
        for (int slot = 1; slot <= MAX_SLOTS; slot++) {
            String name = slot == 1 ? base : base + "-" + slot;
            Optional<InstanceIdentity> taken = tryLock(name, incarnation, lockFolder);
            if (taken.isPresent()) {
                return taken.get();
            }
        }
        throw new IllegalStateException(MAX_SLOTS + " relays already run from " + workingFolder + " on this host");
    }

    /** The lease owner: the name and the incarnation. */
    public String owner() {
        return name + SEPARATOR + incarnation;
    }

    /** What every lease owner of this name starts with, whatever its incarnation. */
    public String ownerPrefix() {
        return name + SEPARATOR;
    }

    public String name() {
        return name;
    }

    /** Gives the name back, for the next incarnation (the system does so anyway when the process ends). */
    @Override
    public void close() throws IOException {
        lock.release();
        lockFile.close();
    }

    private static Optional<InstanceIdentity> tryLock(String name, String incarnation, Path lockFolder) {
        Path file = lockFolder.resolve("dealhub-relay-" + digest(name).substring(0, 16) + ".lock");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return Optional.of(new InstanceIdentity(name, incarnation, channel, lock));
            }
        } catch (OverlappingFileLockException heldInThisProcess) {
            // another relay in this JVM (tests) runs under this name
        } catch (IOException e) {
            throw new IllegalStateException("cannot lock " + file + " to claim the instance name " + name
                    + ": " + e.getMessage(), e);
        }
        closeQuietly(channel);
        return Optional.empty();
    }

    /** The host, the working folder's own name and a digest of its full path, so that it stays short and safe. */
    static String defaultName(Path workingFolder) {
        Path folder = workingFolder.toAbsolutePath().normalize();
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        String leaf = folder.getFileName() == null ? "root" : folder.getFileName().toString();
        // At most 44 characters, 47 with a slot number: within the 48 a name may have.
        return safe(host, 20) + ":" + safe(leaf, 16) + "-" + digest(folder.toString()).substring(0, 6);
    }

    private static String safe(String text, int max) {
        String cleaned = text.replaceAll("[^A-Za-z0-9._-]", "_");
        return cleaned.length() > max ? cleaned.substring(0, max) : cleaned;
    }

    /** Start time in base 36 and a random part: distinct for every start, even two in one millisecond. */
    private static String incarnation() {
        byte[] random = new byte[2];
        new SecureRandom().nextBytes(random);
        return Long.toString(System.currentTimeMillis(), 36) + "." + HexFormat.of().formatHex(random);
    }

    private static String digest(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing held
            }
        }
    }
}
