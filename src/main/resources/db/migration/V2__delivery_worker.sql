-- Which relay instance settled each delivery: shows how work spreads over instances sharing one database.
ALTER TABLE relay_delivery ADD COLUMN worker VARCHAR(64);
