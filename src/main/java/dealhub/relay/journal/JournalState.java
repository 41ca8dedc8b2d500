package dealhub.relay.journal;

/**
 * The states an event and each of its deliveries go through in the journal: {@code pending} until settled, then
 * {@code done} or {@code dead} (an operator's replay makes a dead one pending again).
 */
public final class JournalState {

    public static final String PENDING = "pending";
    public static final String DONE = "done";
    public static final String DEAD = "dead";

    private JournalState() {
    }
}
