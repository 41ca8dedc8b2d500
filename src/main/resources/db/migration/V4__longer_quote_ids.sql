-- DealHub documents no length for dealhub_quote_id: intake takes ids of up to 128 characters (as event ids) instead
-- of refusing (and so losing) the event of a longer one. Valid in H2 and PostgreSQL.
ALTER TABLE relay_event ALTER COLUMN quote_id SET DATA TYPE VARCHAR(128);
