-- Manual facts about an organization (村情登记) that township staff record
-- once a year: petitions and disputes (信访矛盾纠纷件数), the satisfaction
-- survey result in permille (满意度 72.5% = 725), village-affairs
-- disclosure done (村务公开) and a village-affairs supervision committee
-- (村务监督委员会), 1/0. NULL: not recorded, read by the warning engine as
-- "no data". One row per organization and year; a new entry replaces it.
CREATE TABLE org_facts (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    org_path TEXT NOT NULL,
    year INTEGER NOT NULL,
    petitions INTEGER,
    satisfaction_permille INTEGER,
    disclosure_ok INTEGER,
    supervision_committee INTEGER,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (org_id, year)
);
CREATE INDEX org_facts_scope ON org_facts(year, org_path);

-- The warning pages read one run's results for a subtree (run_id and a
-- path range): without this index a township's page scans the whole run.
CREATE INDEX warning_results_scope ON warning_results(run_id, org_path);
