-- The BI tables of the jdbc sink kind (routes/sink-jdbc.yaml): DealHub quotes as analysts query them.
-- Applied by the sink itself, with its own history table (dealhub_bi_schema_history), to whichever database the
-- sink writes to: a separate BI database gets these tables only, never the relay's journal.
-- Portable SQL: the same migration runs on H2 and PostgreSQL.
-- All timestamps are GMT, stored without a zone, as DealHub sends them. Money, discounts and quantities are
-- NUMERIC(20,6); JSON is kept as text. VARCHAR without a length: DealHub publishes no limits.

-- One row per quote, with its latest known state.
CREATE TABLE dealhub_quote (
    dealhub_quote_id         VARCHAR      NOT NULL PRIMARY KEY,
    status                   VARCHAR,             -- Draft, ReadyToBeSent, Published, Won, ... (free text)
    quote_upgrade_required   BOOLEAN,             -- true: DealHub returned no details for this quote
    dealhub_quote_name       VARCHAR,
    dealhub_quote_number     VARCHAR,
    dealhub_opportunity_id   VARCHAR,
    version_id               VARCHAR,
    playbook                 VARCHAR,
    geo_code                 VARCHAR,
    primary_quote            BOOLEAN,
    duplicate_from_quote     VARCHAR,
    account_name             VARCHAR,
    customer_id              VARCHAR,
    contact_name             VARCHAR,
    contact_email            VARCHAR,
    created_by               VARCHAR,
    submitted_by             VARCHAR,
    external_opportunity_id  VARCHAR,             -- the CRM's ids
    external_quote_id        VARCHAR,
    external_customer_id     VARCHAR,
    quote_url                VARCHAR,
    creation_date            TIMESTAMP,
    submission_date          TIMESTAMP,
    expiration_date          TIMESTAMP,
    won_date                 TIMESTAMP,
    currency                 VARCHAR,             -- summary.currency, else info.currency
    total_list_price         NUMERIC(20, 6),
    total_net_price          NUMERIC(20, 6),
    total_discount           NUMERIC(20, 6),      -- percent
    sales_discount           NUMERIC(20, 6),      -- percent
    last_event_id            VARCHAR      NOT NULL, -- the newest event seen for this quote
    last_event_type          VARCHAR      NOT NULL,
    last_event_at            TIMESTAMP,           -- its execution_date
    last_event_received_at   TIMESTAMP    NOT NULL,
    state_event_id           VARCHAR,             -- the newest event that brought the quote itself (Get Quote)
    state_event_at           TIMESTAMP,
    state_event_received_at  TIMESTAMP,
    updated_at               TIMESTAMP    NOT NULL
);

-- The quote's current line items, replaced as a set whenever a newer state of the quote arrives.
CREATE TABLE dealhub_quote_line_item (
    dealhub_quote_id   VARCHAR        NOT NULL REFERENCES dealhub_quote (dealhub_quote_id),
    line_number        INTEGER        NOT NULL,   -- position in the quote, from 1
    line_item_id       VARCHAR,
    sku                VARCHAR,
    name               VARCHAR,
    bundle_ref         VARCHAR,
    primary_tag        VARCHAR,
    system_id          VARCHAR,
    system_name        VARCHAR,
    system_ordinal     INTEGER,
    group_name         VARCHAR,
    ordinal            INTEGER,
    quantity           NUMERIC(20, 6),            -- product_factors.quantity
    duration           NUMERIC(20, 6),            -- product_factors.duration
    msrp               NUMERIC(20, 6),
    msrp_discount      NUMERIC(20, 6),
    list_price         NUMERIC(20, 6),
    user_price         NUMERIC(20, 6),
    user_discount      NUMERIC(20, 6),
    net_per_unit       NUMERIC(20, 6),
    net_price          NUMERIC(20, 6),
    sales_discount     NUMERIC(20, 6),
    total_discount     NUMERIC(20, 6),
    product_factors    TEXT,                      -- JSON object, every factor as sent
    attributes         TEXT,                      -- JSON object
    partner_discounts  TEXT,                      -- JSON array of {name, discount, price}
    PRIMARY KEY (dealhub_quote_id, line_number)
);

-- The playbook answers of the quote's current state.
CREATE TABLE dealhub_quote_answer (
    dealhub_quote_id  VARCHAR  NOT NULL REFERENCES dealhub_quote (dealhub_quote_id),
    answer_number     INTEGER  NOT NULL,          -- position in the quote, from 1
    system_id         VARCHAR,
    system_name       VARCHAR,
    group_id          VARCHAR,
    group_name        VARCHAR,
    question_id       VARCHAR,
    question          VARCHAR,                    -- as text: DealHub's HTML stripped
    answer            VARCHAR,                    -- as sent; multi-select values are separated by ';'
    PRIMARY KEY (dealhub_quote_id, answer_number)
);

-- The approvals of the quote's current state, when they were fetched.
CREATE TABLE dealhub_quote_approval (
    dealhub_quote_id  VARCHAR    NOT NULL REFERENCES dealhub_quote (dealhub_quote_id),
    approval_number   INTEGER    NOT NULL,        -- position in the quote, from 1
    step              INTEGER,
    reviewer          VARCHAR,
    status            VARCHAR,                    -- waiting | rejected | approved
    reason            VARCHAR,                    -- several reasons are joined with '; '
    impersonated_by   VARCHAR,
    review_date       TIMESTAMP,
    reviewer_comment  VARCHAR,
    PRIMARY KEY (dealhub_quote_id, approval_number)
);

-- Every event the sink received, once each.
CREATE TABLE dealhub_quote_event (
    event_id                VARCHAR    NOT NULL PRIMARY KEY,
    event_type              VARCHAR    NOT NULL,
    event_action            VARCHAR,              -- DealRoom events: the activity
    dealhub_quote_id        VARCHAR,
    dealhub_opportunity_id  VARCHAR,
    execution_date          TIMESTAMP,
    executed_by             VARCHAR,
    impersonated_by         VARCHAR,
    quote_status            VARCHAR,              -- the quote's status as fetched for this event
    additional_data         TEXT,                 -- JSON object, as sent
    received_at             TIMESTAMP  NOT NULL   -- when the relay accepted the webhook
);

CREATE INDEX dealhub_quote_event_by_quote ON dealhub_quote_event (dealhub_quote_id, execution_date);
