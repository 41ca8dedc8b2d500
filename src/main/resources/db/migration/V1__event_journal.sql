-- The event journal: every accepted webhook, durably, before the relay answers 202.
-- Portable SQL: the same migration runs on H2 (embedded default) and PostgreSQL.

CREATE TABLE relay_event (
    event_id      VARCHAR(128)  NOT NULL PRIMARY KEY, -- event_info.event_id: the dedupe key
    event_type    VARCHAR(64)   NOT NULL,             -- from the URL path, else a body field, else 'unknown'
    event_action  VARCHAR(128),                       -- DealRoom: the key of action_summary
    quote_id      VARCHAR(16),                        -- dealhub_quote_id, validated at intake
    payload       TEXT          NOT NULL,             -- the webhook body exactly as received
    quote         TEXT,                               -- the Get Quote response, once fetched
    state         VARCHAR(16)   NOT NULL,             -- pending | done | dead
    received_at   TIMESTAMP     NOT NULL,
    updated_at    TIMESTAMP     NOT NULL,
    lease_owner   VARCHAR(64),                        -- the relay instance working on it
    lease_until   TIMESTAMP,                          -- after this, another instance may take it over
    last_error    VARCHAR(2000)
);

CREATE INDEX relay_event_by_state ON relay_event (state, received_at);

-- One row per (event, sink) pair: each sink's outcome is recorded, retried and replayed on its own.
CREATE TABLE relay_delivery (
    event_id    VARCHAR(128)  NOT NULL REFERENCES relay_event (event_id),
    sink        VARCHAR(64)   NOT NULL,
    state       VARCHAR(16)   NOT NULL,               -- pending | done | dead
    attempts    INTEGER       NOT NULL,
    last_error  VARCHAR(2000),
    updated_at  TIMESTAMP     NOT NULL,
    PRIMARY KEY (event_id, sink)
);

CREATE INDEX relay_delivery_by_state ON relay_delivery (state);
