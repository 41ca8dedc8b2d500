-- The Get Quote response moves to a table of its own. It is written once, while an event's row is updated on
-- each step of its way (lease, state); with 4 kB quotes out of relay_event, each of those updates rewrites far
-- less (H2 rewrites the whole page holding the row).
CREATE TABLE relay_quote (
    event_id  VARCHAR(128)  NOT NULL PRIMARY KEY REFERENCES relay_event (event_id),
    quote     TEXT          NOT NULL                -- the Get Quote response as received
);

INSERT INTO relay_quote (event_id, quote) SELECT event_id, quote FROM relay_event WHERE quote IS NOT NULL;

ALTER TABLE relay_event DROP COLUMN quote;
