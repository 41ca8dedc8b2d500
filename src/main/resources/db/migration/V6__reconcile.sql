-- Reconciling with DealHub's quote list (routes/reconcile.yaml, docs/operating.md "Reconcile"). Additive: nothing of
-- V1-V3 changes.

-- The quotes a reconcile run has to compare are looked up by their id: the events and fetched quotes of a quote.
CREATE INDEX relay_event_by_quote ON relay_event (quote_id, received_at);

-- The last state of each quote that reconciling journaled: the state (its status), the synthetic event that carried
-- it, and since when a complete listing no longer had the quote. A webhook's fetched quote newer than this row wins.
CREATE TABLE relay_reconcile_quote (
    quote_id      VARCHAR(128)  NOT NULL PRIMARY KEY,
    state         VARCHAR(200),                       -- the compared state as listed ("status=Won"); NULL once absent
    event_id      VARCHAR(128)  NOT NULL,             -- the reconciled event that reported this state (or absence)
    seen_at       TIMESTAMP     NOT NULL,             -- when that event was journaled
    absent_since  TIMESTAMP                           -- a complete listing no longer had the quote
);

-- One row per reconcile run (dry runs are not kept): what an operator sees at GET /admin/reconcile.
CREATE TABLE relay_reconcile_run (
    run_id       VARCHAR(64)   NOT NULL PRIMARY KEY,
    instance_id  VARCHAR(64)   NOT NULL,
    run_trigger  VARCHAR(16)   NOT NULL,              -- schedule | admin
    state        VARCHAR(16)   NOT NULL,              -- running | complete | capped | failed
    started_at   TIMESTAMP     NOT NULL,
    finished_at  TIMESTAMP,
    pages        INTEGER       NOT NULL,
    listed       INTEGER       NOT NULL,
    new_quotes   INTEGER       NOT NULL,
    changed      INTEGER       NOT NULL,
    unchanged    INTEGER       NOT NULL,
    gone         INTEGER       NOT NULL,
    skipped      INTEGER       NOT NULL,              -- listed entries without a valid quote id
    failure      VARCHAR(2000)
);

CREATE INDEX relay_reconcile_run_by_start ON relay_reconcile_run (started_at);

-- Leases on work only one instance may do at a time, like relay_event's on events: the holder renews it; a holder
-- that dies lets it run out.
CREATE TABLE relay_lease (
    lease_name   VARCHAR(64)   NOT NULL PRIMARY KEY,
    lease_owner  VARCHAR(64),
    lease_until  TIMESTAMP
);

INSERT INTO relay_lease (lease_name) VALUES ('reconcile');
