-- Issue 10, finding 1: a masked ID number plus the birth date in clear was
-- the full number (the mask hid exactly the eight birth-date digits, and the
-- check digit follows from the rest). What stays in clear from now on:
--
-- * id_card_masked keeps only the six-digit region code: the birth date,
--   the sequence digits and the check digit are hidden;
-- * birth_month ('YYYY-MM') replaces birth_date: the age bands and the
--   average age need no more. Region, birth month and gender together still
--   leave about 15,000 candidate numbers (28-31 days x 500 sequence numbers
--   of one parity), and the keyed lookup hash cannot test them without the
--   key. The full birth date is read from the encrypted number when needed.
ALTER TABLE members ADD COLUMN birth_month TEXT NOT NULL DEFAULT '';
UPDATE members SET birth_month = substr(birth_date, 1, 7);
ALTER TABLE members DROP COLUMN birth_date;
UPDATE members SET id_card_masked = substr(id_card_masked, 1, 6) || '************';

-- Finding 4: a duplicate ID number found by the member form or an import is
-- a membership oracle. Every hit is counted per user and day, and past the
-- daily limit the request is refused and the security administrator alerted.
CREATE TABLE id_probe_counts (
    user_id INTEGER NOT NULL REFERENCES users(id),
    day TEXT NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- Alerts for the security administrator (安全告警), newest first.
CREATE TABLE security_alerts (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    username TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX security_alerts_at ON security_alerts(at);
