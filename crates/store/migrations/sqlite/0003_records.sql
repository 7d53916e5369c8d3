-- Organizational life (组织生活记录) and the policy profiles they are checked
-- against. Kept column-for-column in step with ../postgres/0003_records.sql;
-- a store test compares the two.

-- Policy profiles (政策配置): every loaded version is kept, numbered 1, 2, …
-- in load order; exactly one is active (the partial unique index allows at
-- most one, and the service always activates one when it deactivates
-- another, in one transaction). `label` is the version the file declares
-- (e.g. jiangxi-county-2026.1); `version` is the database's own number,
-- which results and records carry.
CREATE TABLE policy_profiles (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL UNIQUE,
    label TEXT NOT NULL,
    name TEXT NOT NULL,
    content TEXT NOT NULL,
    -- hex SHA-256 of content: the in-memory cache of parsed profiles is keyed by it
    content_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX policy_profiles_one_active ON policy_profiles(active) WHERE active = 1;

-- Whether a branch has a committee (支部委员会) rather than a lone
-- secretary: some obligations bind only those (支部委员会会议 monthly).
ALTER TABLE orgs ADD COLUMN has_committee INTEGER NOT NULL DEFAULT 0;

CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    -- Copy of the organization's path, kept in step on subtree moves like
    -- members.org_path, so a subtree's records are one index range.
    org_path TEXT NOT NULL,
    -- A record type code of the profile (e.g. branch_general_meeting).
    record_type TEXT NOT NULL,
    held_on TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT '',
    topics TEXT NOT NULL DEFAULT '',
    minutes TEXT NOT NULL DEFAULT '',
    -- Attendance figures (from the sign-in list when there is one):
    -- expected (应到), present (实到), and for members' meetings the
    -- members with a vote (正式党员) expected and present.
    expected_count INTEGER NOT NULL DEFAULT 0,
    present_count INTEGER NOT NULL DEFAULT 0,
    voting_count INTEGER NOT NULL DEFAULT 0,
    voting_present INTEGER NOT NULL DEFAULT 0,
    -- 0 for a members' meeting without a quorum: kept, shown flagged, and
    -- not counted towards obligations.
    valid INTEGER NOT NULL DEFAULT 1,
    -- Mark codes the record carries, comma-separated (e.g. by_secretary).
    marks TEXT NOT NULL DEFAULT '',
    -- 'submitted' or 'confirmed' (by the parent organization).
    status TEXT NOT NULL DEFAULT 'submitted',
    reviewed_by TEXT,
    reviewed_at TEXT,
    -- policy_profiles.version the record was checked against.
    profile_version INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- Subtree lists and the compliance load (range on the path, then dates).
CREATE INDEX records_scope ON records(org_path, held_on);
-- One organization's records (drill-down from a compliance cell).
CREATE INDEX records_org ON records(org_id, held_on);

-- The sign-in list: one row per expected member, present or absent.
CREATE TABLE record_attendance (
    record_id INTEGER NOT NULL REFERENCES records(id),
    member_id INTEGER NOT NULL REFERENCES members(id),
    present INTEGER NOT NULL,
    absent_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (record_id, member_id)
);
-- "Members without organizational life": NOT EXISTS a present row since a date.
CREATE INDEX record_attendance_member ON record_attendance(member_id, present, record_id);

-- Attachments (sign-in sheets, photos, PDFs) live in the database, so a
-- backup is one consistent file. content_type is sniffed from the bytes,
-- never taken from the upload.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES records(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX attachments_record ON attachments(record_id);
