-- Where each audited request came from (client IP, 'console' or 'system');
-- covered by the keyed audit chain. Rows written before this migration
-- keep an empty source.
ALTER TABLE audit_log ADD COLUMN source_addr TEXT NOT NULL DEFAULT '';
