package dealhub.relay.admin;

import dealhub.relay.support.TestRelay;

class AdminSearchOnPostgresTest extends AdminSearchTest {

    @Override
    TestRelay.Builder database(TestRelay.Builder relay) {
        return relay.onPostgres();
    }
}
