-- The compliance load (store::compliance::packed_facts) reads every record
-- of a scope and window, and only these columns. With them in the scope
-- index the engine's facts come from the index alone, without a table
-- lookup per record (a county's two years on SQLite: 75 → 56 ms for the
-- whole matrix). The index starts with records_scope's columns, so it serves
-- every query that one served, and replaces it.
CREATE INDEX records_facts ON records(org_path, held_on, org_id, record_type, valid, marks);
DROP INDEX records_scope;
