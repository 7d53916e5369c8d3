-- Annual screening of weak and lax organizations (软弱涣散排查) and the
-- per-organization rectification ledger (整改台账).
--
-- A screening is one township's (or county department's) proposal for one
-- year: it starts from a stored warning run (run_id) and moves
-- draft → submitted → confirmed, or submitted → returned → submitted. Its
-- entries are the organizations the engine flagged (orange or red at the
-- start, flagged = 1) and the ones the township added (flagged = 0); a
-- flagged organization the township removed stays with included = 0. An
-- addition or a removal carries its reason. The level, score and reasons
-- are those of the run, kept so the county sees what the township saw.
CREATE TABLE screenings (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    org_path TEXT NOT NULL,
    status TEXT NOT NULL,
    run_id INTEGER REFERENCES warning_runs(id),
    run_as_of TEXT,
    return_reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    submitted_by TEXT,
    submitted_at TEXT,
    reviewed_by TEXT,
    reviewed_at TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (year, org_id)
);
CREATE INDEX screenings_scope ON screenings(year, org_path);

CREATE TABLE screening_entries (
    screening_id INTEGER NOT NULL REFERENCES screenings(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    org_path TEXT NOT NULL,
    flagged INTEGER NOT NULL,
    included INTEGER NOT NULL,
    level TEXT NOT NULL,
    score INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (screening_id, org_id)
);

-- One ledger per confirmed organization and year. status is planning
-- (待制定方案), in_progress (整改中) or closed (已销号); 待验收 is derived
-- from the rectification work items (all accepted), which another module
-- owns, so it is never stored stale. The plan's four parts (目标任务、措施、
-- 时限、责任主体) are empty until filed; accept_level and accept_reasons are
-- the indicators' re-check at acceptance.
CREATE TABLE rectify_ledgers (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    org_path TEXT NOT NULL,
    screening_id INTEGER NOT NULL REFERENCES screenings(id),
    owner_org_id INTEGER NOT NULL REFERENCES orgs(id),
    status TEXT NOT NULL,
    flagged INTEGER NOT NULL,
    level TEXT NOT NULL,
    score INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    entry_reason TEXT NOT NULL,
    analysis TEXT NOT NULL,
    goal TEXT NOT NULL,
    measures TEXT NOT NULL,
    deadline TEXT,
    responsible TEXT NOT NULL,
    contact_leader TEXT NOT NULL,
    plan_by TEXT,
    plan_at TEXT,
    accept_note TEXT NOT NULL,
    accept_level TEXT,
    accept_reasons TEXT,
    accepted_by TEXT,
    accepted_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (year, org_id)
);
CREATE INDEX rectify_ledgers_scope ON rectify_ledgers(year, org_path);
