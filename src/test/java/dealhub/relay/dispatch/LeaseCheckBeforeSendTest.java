package dealhub.relay.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import com.zaxxer.hikari.HikariDataSource;

import dealhub.relay.dispatch.Leases.LeaseLostException;
import dealhub.relay.journal.EventStore;
import dealhub.relay.journal.GroupCommit;
import dealhub.relay.journal.JournalEvent;
import dealhub.relay.journal.WorkQueue;
import dealhub.relay.journal.WorkQueue.Claim;
import dealhub.relay.journal.WorkQueue.Ticket;
import dealhub.relay.sinks.SinkRegistry;
import dealhub.relay.support.InMemoryH2;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The check right before a send that must not happen twice ({@link Leases#holdForSend}): for half a lease term
 * after the statement that leased or renewed a delivery, the instance knows it holds it and asks nobody; after that
 * only the journal can say, and a delivery another instance has taken over meanwhile is not sent.
 */
class LeaseCheckBeforeSendTest {

    private static final Duration LEASE = Duration.ofSeconds(2);

    private DefaultCamelContext context;
    private HikariDataSource dataSource;
    private GroupCommit commits;
    private EventStore events;
    private Leases leases;

    @BeforeEach
    void start() {
        dataSource = InMemoryH2.withJournal(10);
        commits = new GroupCommit(dataSource, 16, "test-journal-writer");
        events = new EventStore(commits);
        context = new DefaultCamelContext();
        Properties sinks = new Properties();
        sinks.setProperty("relay.sinks.hook.type", "http");
        context.getPropertiesComponent().setInitialProperties(sinks);
        WorkQueue queue = new WorkQueue(dataSource, commits, "first", LEASE, 1);
        leases = new Leases(queue, SinkRegistry.fromProperties(context.getPropertiesComponent(), List.of("*")), 16,
                50, LEASE);
    }

    @AfterEach
    void stop() throws Exception {
        commits.close();
        dataSource.close();
        context.close();
    }

    @Test
    void aSendRightAfterTheClaimDoesNotWaitForAJournalThatIsBusyWithTheDeliveryRow() throws Exception {
        Exchange send = claimedDelivery();
        assertGoesOutWithoutAskingTheJournal(send);
    }

    @Test
    void aSendMoreThanHalfALeaseAfterTheClaimIsRefusedWhenAnotherInstanceHasTakenTheDeliveryOver() throws Exception {
        Exchange send = claimedDelivery();
        takeOverInTheJournal();
        Thread.sleep(LEASE.toMillis() / 2 + 200);

        assertThatThrownBy(() -> leases.holdForSend(send)).isInstanceOf(LeaseLostException.class)
                .hasMessageContaining("no longer held");
    }

    @Test
    void aSendMoreThanHalfALeaseAfterTheClaimIsConfirmedByTheJournalAndGoesOut() throws Exception {
        Exchange send = claimedDelivery();
        Thread.sleep(LEASE.toMillis() / 2 + 200);

        leases.holdForSend(send);
    }

    @Test
    void aRenewalStartsAFreshHalfTermInWhichTheJournalIsNotAsked() throws Exception {
        Exchange send = claimedDelivery();
        Thread.sleep(LEASE.toMillis() / 2 + 200);
        leases.renewLeases();
        assertGoesOutWithoutAskingTheJournal(send);
    }

    @Test
    void aSendAfterHalfALeaseThatFindsTheJournalBusyIsRefusedRatherThanSentUnchecked() throws Exception {
        Exchange send = claimedDelivery();
        Thread.sleep(LEASE.toMillis() / 2 + 200);
        try (Connection busy = lockDeliveryRow()) {
            assertThatThrownBy(() -> leases.holdForSend(send)).isInstanceOf(LeaseLostException.class)
                    .hasMessageContaining("did not confirm");
            busy.rollback();
        }
    }

    /** One webhook stored and claimed: the exchange that is about to send its delivery to the http sink. */
    private Exchange claimedDelivery() throws Exception {
        events.record(new JournalEvent("ev-1", "quoteWon", null, "Q1", "{}", null, Instant.now()));
        Exchange poll = new DefaultExchange(context);
        List<Claim> claims = leases.claim(poll);
        assertThat(claims).hasSize(1);
        Ticket ticket = claims.get(0).deliveries().get(0);
        assertThat(ticket.sink()).isEqualTo("hook");
        Exchange send = new DefaultExchange(context);
        send.setProperty(EventExchange.TICKET, ticket);
        return send;
    }

    /** With the delivery's row held by another transaction, the send is let through at once: nothing asked. */
    private void assertGoesOutWithoutAskingTheJournal(Exchange send) throws Exception {
        try (Connection busy = lockDeliveryRow()) {
            long started = System.nanoTime();
            leases.holdForSend(send);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(500));
            busy.rollback();
        }
    }

    /** Another transaction holds the delivery's row: a statement on it waits, up to the queue's timeout. */
    private Connection lockDeliveryRow() throws Exception {
        Connection c = dataSource.getConnection();
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("UPDATE relay_delivery SET attempts = attempts")) {
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        return c;
    }

    /** What a claim by another instance leaves: the row at a newer version, leased to that instance. */
    private void takeOverInTheJournal() throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE relay_delivery SET version = version + 1, lease_owner = 'second'")) {
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }
}
