package dealhub.relay;

import dealhub.relay.support.TestRelay;

class ReconcileOnH2Test extends ReconcileTest {

    @Override
    TestRelay.Builder database(TestRelay.Builder relay) {
        return relay;
    }
}
