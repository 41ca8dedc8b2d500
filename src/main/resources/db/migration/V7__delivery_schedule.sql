-- Each (event, sink) delivery becomes its own unit of work with its own schedule and lease, so that a failing sink
-- waits in the journal for its next attempt (freeing its thread), never holds up the event's other sinks, and is
-- fenced: only the holder of the current version may record its outcome.
ALTER TABLE relay_delivery ADD COLUMN next_attempt_at TIMESTAMP;     -- due from then; while leased: the lease's end
ALTER TABLE relay_delivery ADD COLUMN lease_owner VARCHAR(64);       -- the instance performing it, else NULL
ALTER TABLE relay_delivery ADD COLUMN version BIGINT DEFAULT 0 NOT NULL; -- raised by every claim: the fencing token
ALTER TABLE relay_delivery ADD COLUMN retries INTEGER DEFAULT 0 NOT NULL; -- failures since the last replay: the place in the schedule

-- Pending deliveries from before are due at once.
UPDATE relay_delivery SET next_attempt_at = updated_at WHERE state = 'pending';

CREATE INDEX relay_delivery_due ON relay_delivery (state, next_attempt_at);

-- When the event's delivery rows were made: events without them are new work for the poller.
ALTER TABLE relay_event ADD COLUMN planned_at TIMESTAMP;
UPDATE relay_event SET planned_at = updated_at WHERE state <> 'pending';

CREATE INDEX relay_event_unplanned ON relay_event (state, planned_at, received_at);
