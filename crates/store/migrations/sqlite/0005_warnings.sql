-- Early-warning snapshots (软弱涣散预警): one run per evaluation of a scope,
-- naming the profile version and hash it used, and one result per
-- organization. Reasons are the engine's JSON (indicator, label, criterion,
-- weight, detail, evidence); no_data is the JSON list of indicator codes the
-- organization has no data for. Snapshots are never updated.
CREATE TABLE warning_runs (
    id INTEGER PRIMARY KEY,
    profile_version INTEGER NOT NULL,
    profile_hash TEXT NOT NULL,
    as_of TEXT NOT NULL,
    scope_org_id INTEGER NOT NULL REFERENCES orgs(id),
    scope_path TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    org_count INTEGER NOT NULL,
    green INTEGER NOT NULL,
    yellow INTEGER NOT NULL,
    orange INTEGER NOT NULL,
    red INTEGER NOT NULL
);
CREATE INDEX warning_runs_scope ON warning_runs(scope_path, id);

CREATE TABLE warning_results (
    run_id INTEGER NOT NULL REFERENCES warning_runs(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    org_path TEXT NOT NULL,
    level TEXT NOT NULL,
    score INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    no_data TEXT NOT NULL,
    PRIMARY KEY (run_id, org_id)
);
CREATE INDEX warning_results_level ON warning_results(run_id, level);
CREATE INDEX warning_results_org ON warning_results(org_id, run_id);
