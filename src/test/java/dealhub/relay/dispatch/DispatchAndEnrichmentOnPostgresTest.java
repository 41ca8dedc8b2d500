package dealhub.relay.dispatch;

import dealhub.relay.support.TestRelay;

class DispatchAndEnrichmentOnPostgresTest extends DispatchAndEnrichmentTest {

    @Override
    TestRelay.Builder database(TestRelay.Builder relay) {
        return relay.onPostgres();
    }
}
