-- relay_delivery_due (state, next_attempt_at) answers every query by state that relay_delivery_by_state (state) did,
-- as its first column. Each index is written again on every change of a delivery's state, and on H2 every commit
-- rewrites the index pages it touched: one index fewer is less to write for every delivery (bench/RESULTS.md, round 6).
DROP INDEX relay_delivery_by_state;
