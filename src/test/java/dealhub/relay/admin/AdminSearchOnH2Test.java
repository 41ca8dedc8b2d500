package dealhub.relay.admin;

import dealhub.relay.support.TestRelay;

class AdminSearchOnH2Test extends AdminSearchTest {

    @Override
    TestRelay.Builder database(TestRelay.Builder relay) {
        return relay;
    }
}
