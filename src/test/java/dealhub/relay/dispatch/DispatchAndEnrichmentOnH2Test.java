package dealhub.relay.dispatch;

import dealhub.relay.support.TestRelay;

class DispatchAndEnrichmentOnH2Test extends DispatchAndEnrichmentTest {

    @Override
    TestRelay.Builder database(TestRelay.Builder relay) {
        return relay;
    }
}
