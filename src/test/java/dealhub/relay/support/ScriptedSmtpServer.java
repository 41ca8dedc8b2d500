package dealhub.relay.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real SMTP server, small enough to script: it answers {@code 550} to RCPT TO for the mailboxes it was given
 * and {@code 250} to everything else, and keeps, per mail it accepted, the recipients it took. GreenMail takes
 * every recipient; this is a server with a stale address in its directory.
 */
public final class ScriptedSmtpServer implements AutoCloseable {

    private final Set<String> unknown;
    private final ServerSocket server;
    private final List<List<String>> accepted = new CopyOnWriteArrayList<>();

    /** A server with no mailbox of these addresses. */
    public ScriptedSmtpServer(Set<String> unknownMailboxes) {
        unknown = unknownMailboxes;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::serve, "scripted-smtp-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The recipients of each mail the server accepted (after DATA), in order. */
    public List<List<String>> acceptedMails() {
        return List.copyOf(accepted);
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket session = server.accept()) {
                converse(session);
            } catch (IOException closed) {
                // The next session, or the end.
            }
        }
    }

    private void converse(Socket session) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(session.getInputStream(), StandardCharsets.UTF_8));
        OutputStream out = session.getOutputStream();
        reply(out, "220 scripted.example ESMTP");
        List<String> recipients = new CopyOnWriteArrayList<>();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String command = line.toUpperCase(Locale.ROOT);
            if (command.startsWith("EHLO")) {
                reply(out, "250-scripted.example\r\n250 8BITMIME");
            } else if (command.startsWith("RCPT TO:")) {
                String mailbox = line.substring(line.indexOf('<') + 1, line.lastIndexOf('>'));
                if (unknown.contains(mailbox)) {
                    reply(out, "550 5.1.1 <" + mailbox + ">: Recipient address rejected: User unknown");
                } else {
                    recipients.add(mailbox);
                    reply(out, "250 2.1.5 OK");
                }
            } else if (command.startsWith("DATA")) {
                reply(out, "354 End data with <CR><LF>.<CR><LF>");
                for (String data = in.readLine(); data != null && !data.equals("."); data = in.readLine()) {
                    // The mail itself is not needed: who it was accepted for is.
                }
                accepted.add(List.copyOf(recipients));
                recipients.clear();
                reply(out, "250 2.0.0 Ok: queued");
            } else if (command.startsWith("RSET")) {
                recipients.clear();
                reply(out, "250 2.0.0 Ok");
            } else if (command.startsWith("QUIT")) {
                reply(out, "221 2.0.0 Bye");
                return;
            } else {
                reply(out, "250 Ok");
            }
        }
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
