package dealhub.relay.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay in front of a database server that a test can take down and bring back. Down, it hangs up on every
 * new connection and cuts the open ones, which is what a client sees of a database that went away; it counts the
 * connections it turned away, so a test can tell that clients kept trying.
 */
public final class SwitchableProxy implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket server;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger turnedAway = new AtomicInteger();
    private volatile boolean up;
    private volatile boolean stalled;

    /** A proxy that starts down. */
    public SwitchableProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::accept, "proxy-accept-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public void up() {
        up = true;
        stalled = false;
    }

    /**
     * A database that stops answering without going away (a hung server, a network that drops packets): open
     * connections stay open but nothing passes either way, and new ones are accepted and never answered, until
     * {@link #up()}.
     */
    public void stall() {
        stalled = true;
    }

    public void down() {
        up = false;
        open.forEach(SwitchableProxy::closeQuietly);
        open.clear();
    }

    public int turnedAway() {
        return turnedAway.get();
    }

    @Override
    public void close() {
        down();
        closeQuietly(server);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (stalled) {
                    open.add(client); // held, never answered
                    continue;
                }
                if (!up) {
                    turnedAway.incrementAndGet();
                    client.close();
                    continue;
                }
                Socket target = new Socket(targetHost, targetPort);
                open.add(client);
                open.add(target);
                pipe(client, target);
                pipe(target, client);
            } catch (IOException e) {
                // closed, or the target refused this one connection: the next may do better
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread copier = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                byte[] buffer = new byte[8192];
                for (int n; (n = in.read(buffer)) >= 0;) {
                    while (stalled) {
                        Thread.sleep(10); // what was read passes once the stall is over
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // one side hung up, or the proxy went down
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "proxy-pipe-" + port());
        copier.setDaemon(true);
        copier.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // closing is all that is wanted
        }
    }
}
