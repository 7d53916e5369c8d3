-- The 预警 page of a county reads counts per level for the viewed
-- organization and per direct child, and one page of the ranking. Without
-- help that means reading every result of the run (200,000 at scale 100).
--
-- level_rank: the level as a number (green 0, yellow 1, orange 2, red 3),
-- so the ranking (worst level, then highest score, then tree order) is an
-- index walk with LIMIT/OFFSET.
ALTER TABLE warning_results ADD COLUMN level_rank INTEGER NOT NULL DEFAULT 0;
UPDATE warning_results SET level_rank = CASE level
    WHEN 'yellow' THEN 1 WHEN 'orange' THEN 2 WHEN 'red' THEN 3 ELSE 0 END;
CREATE INDEX warning_results_rank
    ON warning_results(run_id, level_rank DESC, score DESC, org_path);

-- Per run, per organization of its scope: the results of the organization's
-- subtree (itself included) per level, and how many lacked data for some
-- indicator. org_path and parent_id are as at the run, so the per-child
-- table is the rows with parent_id = the viewed organization. Written with
-- the results, in the same transaction; never updated.
CREATE TABLE warning_rollups (
    run_id INTEGER NOT NULL REFERENCES warning_runs(id),
    org_id INTEGER NOT NULL,
    org_path TEXT NOT NULL,
    parent_id INTEGER,
    green INTEGER NOT NULL,
    yellow INTEGER NOT NULL,
    orange INTEGER NOT NULL,
    red INTEGER NOT NULL,
    incomplete INTEGER NOT NULL,
    PRIMARY KEY (run_id, org_id)
);
CREATE INDEX warning_rollups_parent ON warning_rollups(run_id, parent_id, org_path);

-- Snapshots stored before this migration: roll up each result into every
-- result of the same run whose path is a prefix of its own (the range
-- a.org_path .. a.org_path with its final '/' bumped to '0', the subtree
-- filter used everywhere). The parent is the result one level up.
INSERT INTO warning_rollups
    (run_id, org_id, org_path, parent_id, green, yellow, orange, red, incomplete)
SELECT a.run_id, a.org_id, a.org_path,
    (SELECT p.org_id FROM warning_results p
     WHERE p.run_id = a.run_id
       AND p.org_path = SUBSTR(a.org_path, 1,
           LENGTH(a.org_path) - LENGTH(CAST(a.org_id AS TEXT)) - 1)),
    CAST(SUM(CASE WHEN w.level_rank = 0 THEN 1 ELSE 0 END) AS INTEGER),
    CAST(SUM(CASE WHEN w.level_rank = 1 THEN 1 ELSE 0 END) AS INTEGER),
    CAST(SUM(CASE WHEN w.level_rank = 2 THEN 1 ELSE 0 END) AS INTEGER),
    CAST(SUM(CASE WHEN w.level_rank = 3 THEN 1 ELSE 0 END) AS INTEGER),
    CAST(SUM(CASE WHEN w.no_data = '[]' THEN 0 ELSE 1 END) AS INTEGER)
FROM warning_results a
JOIN warning_results w ON w.run_id = a.run_id
    AND w.org_path >= a.org_path
    AND w.org_path < SUBSTR(a.org_path, 1, LENGTH(a.org_path) - 1) || '0'
GROUP BY a.run_id, a.org_id, a.org_path;
