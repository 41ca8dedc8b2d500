-- When Get Quote answered, kept with the quote: a sink retried or replayed in a later round gets the very document
-- the others got, quote_fetched_at included (the jdbc sink orders a quote's states by it). NULL for quotes kept
-- before this column. Valid in H2 and PostgreSQL.
ALTER TABLE relay_quote ADD COLUMN fetched_at TIMESTAMP;
