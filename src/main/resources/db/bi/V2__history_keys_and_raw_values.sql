-- BI tables analysts can trust (issue 15): history of fetched states, raw values beside typed ones, line items by
-- DealHub's id, countable approval reasons and answer values, the webhook's own fields. Additive: every V1 column
-- stays, existing rows are migrated, nothing is dropped.
-- ${json} is JSONB on PostgreSQL and JSON on H2 (JdbcSink sets it per database): queryable JSON kept as received.

-- dealhub_quote: when the current state was fetched, its fingerprint, the approvals' fetch, DealRoom, absence.
ALTER TABLE dealhub_quote ADD COLUMN state_fetched_at TIMESTAMP;      -- when Get Quote answered with this state
ALTER TABLE dealhub_quote ADD COLUMN state_hash VARCHAR;              -- SHA-256 of that answer: unchanged states skip
ALTER TABLE dealhub_quote ADD COLUMN approvals_fetched_at TIMESTAMP;  -- the last state that brought approvals
ALTER TABLE dealhub_quote ADD COLUMN deal_room_url VARCHAR;           -- deal_room_info.url
ALTER TABLE dealhub_quote ADD COLUMN absent_since TIMESTAMP;          -- a complete listing no longer had it
-- The primary quote of an opportunity is found without reading the opportunity's other quotes.
CREATE INDEX dealhub_quote_primary_by_external_opportunity ON dealhub_quote (external_opportunity_id, primary_quote);
CREATE INDEX dealhub_quote_primary_by_opportunity ON dealhub_quote (dealhub_opportunity_id, primary_quote);

-- One row per fetched state of a quote, in the order DealHub answered: the history the webhooks are the only
-- source of. A state equal to the one fetched just before it adds no row.
CREATE TABLE dealhub_quote_snapshot (
    dealhub_quote_id   VARCHAR         NOT NULL,
    event_id           VARCHAR         NOT NULL,   -- the event whose fetch brought this state
    event_type         VARCHAR         NOT NULL,
    fetched_at         TIMESTAMP,                  -- when Get Quote answered (else when the event was received)
    execution_date     TIMESTAMP,                  -- the event's
    status             VARCHAR,
    currency           VARCHAR,
    total_list_price   NUMERIC(20, 6),
    total_net_price    NUMERIC(20, 6),
    total_discount     NUMERIC(20, 6),
    sales_discount     NUMERIC(20, 6),
    submitted_by       VARCHAR,
    submission_date    TIMESTAMP,
    won_date           TIMESTAMP,
    state_hash         VARCHAR         NOT NULL,
    quote              ${json}         NOT NULL,   -- the Get Quote answer
    PRIMARY KEY (dealhub_quote_id, event_id)
);
CREATE INDEX dealhub_quote_snapshot_by_fetch ON dealhub_quote_snapshot (dealhub_quote_id, fetched_at);

-- Line items: DealHub's id is their key within the quote; bundle headers are flagged.
ALTER TABLE dealhub_quote_line_item ADD COLUMN bundle_header BOOLEAN;  -- another line's bundle_ref is its sku
UPDATE dealhub_quote_line_item SET line_item_id = NULL WHERE line_item_id = '';
UPDATE dealhub_quote_line_item SET line_item_id = NULL WHERE line_item_id IS NOT NULL AND line_number > (
    SELECT min(o.line_number) FROM dealhub_quote_line_item o
    WHERE o.dealhub_quote_id = dealhub_quote_line_item.dealhub_quote_id AND o.line_item_id = dealhub_quote_line_item.line_item_id);
CREATE UNIQUE INDEX dealhub_quote_line_item_by_id ON dealhub_quote_line_item (dealhub_quote_id, line_item_id);
UPDATE dealhub_quote_line_item SET bundle_ref = NULL WHERE bundle_ref = '';
UPDATE dealhub_quote_line_item SET bundle_header = EXISTS (SELECT 1 FROM dealhub_quote_line_item c
    WHERE c.dealhub_quote_id = dealhub_quote_line_item.dealhub_quote_id AND c.bundle_ref = dealhub_quote_line_item.sku);

-- Line item attributes by key: numbers also typed ("ARR": "22.02"), placeholders ("-") as text only.
CREATE TABLE dealhub_quote_line_item_attribute (
    dealhub_quote_id  VARCHAR         NOT NULL,
    line_number       INTEGER         NOT NULL,
    attribute_name    VARCHAR         NOT NULL,
    attribute_value   VARCHAR,                    -- as sent
    attribute_number  NUMERIC(20, 6),             -- the value when it is a number, else NULL
    PRIMARY KEY (dealhub_quote_id, line_number, attribute_name),
    FOREIGN KEY (dealhub_quote_id, line_number) REFERENCES dealhub_quote_line_item (dealhub_quote_id, line_number)
);

-- Answers: the question's HTML kept, typed values when they parse, and each value of a multi-select as a row.
ALTER TABLE dealhub_quote_answer ADD COLUMN question_html VARCHAR;      -- as sent
ALTER TABLE dealhub_quote_answer ADD COLUMN answer_numeric NUMERIC(20, 6);
ALTER TABLE dealhub_quote_answer ADD COLUMN answer_date TIMESTAMP;
CREATE TABLE dealhub_quote_answer_value (
    dealhub_quote_id  VARCHAR  NOT NULL,
    answer_number     INTEGER  NOT NULL,
    value_position    INTEGER  NOT NULL,          -- position in the answer, from 1
    answer_value      VARCHAR  NOT NULL,          -- one of the ';'-separated values, trimmed
    PRIMARY KEY (dealhub_quote_id, answer_number, value_position),
    FOREIGN KEY (dealhub_quote_id, answer_number) REFERENCES dealhub_quote_answer (dealhub_quote_id, answer_number)
);
INSERT INTO dealhub_quote_answer_value (dealhub_quote_id, answer_number, value_position, answer_value)
    SELECT dealhub_quote_id, answer_number, 1, TRIM(answer) FROM dealhub_quote_answer
    WHERE answer IS NOT NULL AND TRIM(answer) <> '' AND answer NOT LIKE '%;%';

-- Approvals: each reason a row; approvals not fetched with the current state are marked stale.
ALTER TABLE dealhub_quote_approval ADD COLUMN stale BOOLEAN DEFAULT FALSE NOT NULL;
CREATE TABLE dealhub_quote_approval_reason (
    dealhub_quote_id  VARCHAR  NOT NULL,
    approval_number   INTEGER  NOT NULL,
    reason_position   INTEGER  NOT NULL,          -- position in the list, from 1
    reason            VARCHAR  NOT NULL,
    PRIMARY KEY (dealhub_quote_id, approval_number, reason_position),
    FOREIGN KEY (dealhub_quote_id, approval_number) REFERENCES dealhub_quote_approval (dealhub_quote_id, approval_number)
);
INSERT INTO dealhub_quote_approval_reason (dealhub_quote_id, approval_number, reason_position, reason)
    SELECT dealhub_quote_id, approval_number, 1, reason FROM dealhub_quote_approval
    WHERE reason IS NOT NULL AND reason <> '' AND reason NOT LIKE '%; %';

-- The webhook's own fields, and the webhook as received.
ALTER TABLE dealhub_quote_event ADD COLUMN webhook_id VARCHAR;
ALTER TABLE dealhub_quote_event ADD COLUMN api_version VARCHAR;
ALTER TABLE dealhub_quote_event ADD COLUMN request_id VARCHAR;
ALTER TABLE dealhub_quote_event ADD COLUMN deal_room_url VARCHAR;      -- DealRoom events: DealRoom_URL
ALTER TABLE dealhub_quote_event ADD COLUMN event_source VARCHAR;       -- DealRoom events: Event_source
ALTER TABLE dealhub_quote_event ADD COLUMN action_message VARCHAR;     -- DealRoom events: action_summary's message
ALTER TABLE dealhub_quote_event ADD COLUMN execution_date_raw VARCHAR; -- execution_date as sent, when it did not parse
ALTER TABLE dealhub_quote_event ADD COLUMN webhook ${json};            -- as received

-- Empty strings are DealHub's "none": NULL, as the sink now writes them.
UPDATE dealhub_quote SET external_quote_id = NULL WHERE external_quote_id = '';
UPDATE dealhub_quote SET external_opportunity_id = NULL WHERE external_opportunity_id = '';
UPDATE dealhub_quote SET external_customer_id = NULL WHERE external_customer_id = '';
UPDATE dealhub_quote SET duplicate_from_quote = NULL WHERE duplicate_from_quote = '';
UPDATE dealhub_quote SET quote_url = NULL WHERE quote_url = '';
UPDATE dealhub_quote SET customer_id = NULL WHERE customer_id = '';
UPDATE dealhub_quote SET contact_email = NULL WHERE contact_email = '';
UPDATE dealhub_quote SET geo_code = NULL WHERE geo_code = '';
UPDATE dealhub_quote SET currency = NULL WHERE currency = '';
