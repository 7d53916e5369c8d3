//! Early-warning (软弱涣散预警) facts and snapshots. The facts the platform
//! already records come from three grouped queries over a scope (its
//! organizations, their committee terms, their members' aggregates); a run
//! and its results are inserted in bulk and never updated.

use crate::bulk::values;
use crate::{DbResult, Engine, dynamic};
use sqlx::AnyConnection;

/// What the engine reads of an active organization, plus its name and path.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WarnOrgRow {
    pub id: i64,
    pub path: String,
    pub name: String,
    pub kind: String,
    pub sector: String,
    pub secretary_vacant_since: Option<String>,
}

/// Active organizations of the subtree `path..upper`, in tree order.
pub async fn orgs(conn: &mut AnyConnection, path: &str, upper: &str) -> DbResult<Vec<WarnOrgRow>> {
    Ok(sqlx::query_as::<_, WarnOrgRow>(
        "SELECT id, path, name, kind, sector, secretary_vacant_since FROM orgs \
         WHERE path >= $1 AND path < $2 AND status = 'active' ORDER BY path",
    )
    .bind(path)
    .bind(upper)
    .fetch_all(&mut *conn)
    .await?)
}

/// A committee term of an organization of the scope.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TermFactRow {
    pub org_id: i64,
    pub start_date: String,
    pub due_date: String,
    pub actual_date: Option<String>,
}

/// Every term of the subtree's organizations, latest start first per
/// organization (the caller keeps the first of each).
pub async fn terms(
    conn: &mut AnyConnection,
    path: &str,
    upper: &str,
) -> DbResult<Vec<TermFactRow>> {
    Ok(sqlx::query_as::<_, TermFactRow>(
        "SELECT t.org_id, t.start_date, t.due_date, t.actual_date FROM org_terms t \
         JOIN orgs o ON o.id = t.org_id WHERE o.path >= $1 AND o.path < $2 \
         ORDER BY t.org_id, t.start_date DESC, t.id DESC",
    )
    .bind(path)
    .bind(upper)
    .fetch_all(&mut *conn)
    .await?)
}

/// The active members of one organization, aggregated.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberStatRow {
    pub org_id: i64,
    pub members: i64,
    /// Sum over members of `birth year × 12 + birth month` (the average age
    /// is computed to the month; a day's precision changes no warning).
    pub birth_months: i64,
    /// Latest 入党 date among them.
    pub last_joined: Option<String>,
}

/// Member aggregates per organization of the subtree, one grouped query
/// over the members' scope index. Birth and join dates are `YYYY-MM-DD`.
pub async fn member_stats(
    conn: &mut AnyConnection,
    path: &str,
    upper: &str,
) -> DbResult<Vec<MemberStatRow>> {
    Ok(sqlx::query_as::<_, MemberStatRow>(
        "SELECT org_id, COUNT(*) AS members, \
         CAST(SUM(CAST(SUBSTR(birth_month, 1, 4) AS INTEGER) * 12 + CAST(SUBSTR(birth_month, 6, 2) AS INTEGER)) AS BIGINT) AS birth_months, \
         MAX(joined_on) AS last_joined \
         FROM members WHERE status = 'active' AND org_path >= $1 AND org_path < $2 GROUP BY org_id",
    )
    .bind(path)
    .bind(upper)
    .fetch_all(&mut *conn)
    .await?)
}

/// A run to store.
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    pub profile_version: i64,
    pub profile_hash: &'a str,
    pub as_of: &'a str,
    pub scope_org_id: i64,
    pub scope_path: &'a str,
    pub created_by: &'a str,
    pub created_at: &'a str,
    /// Organizations per level: green, yellow, orange, red.
    pub counts: [i64; 4],
}

/// One organization's result to store.
#[derive(Debug, Clone)]
pub struct NewResult<'a> {
    pub org_id: i64,
    pub org_path: &'a str,
    pub level: &'a str,
    /// The level as a number: green 0, yellow 1, orange 2, red 3.
    pub level_rank: i64,
    pub score: i64,
    /// JSON array.
    pub reasons: String,
    /// JSON array.
    pub no_data: String,
}

/// One organization's subtree counts in a run, to store.
#[derive(Debug, Clone)]
pub struct NewRollup {
    pub org_id: i64,
    pub org_path: String,
    /// The parent as at the run; `None` for the run's scope organization.
    pub parent_id: Option<i64>,
    /// Results per level (green, yellow, orange, red) in the subtree, the
    /// organization included, and how many of them lacked data.
    pub counts: [i64; 4],
    pub incomplete: i64,
}

fn batch(engine: Engine) -> usize {
    match engine {
        Engine::Sqlite => 16,
        Engine::Postgres => 500,
    }
}

/// Inserts a run, its results and its roll-ups; returns the run's id.
pub async fn insert_run(
    conn: &mut AnyConnection,
    engine: Engine,
    run: &NewRun<'_>,
    results: &[NewResult<'_>],
    rollups: &[NewRollup],
) -> DbResult<i64> {
    let org_count = i64::try_from(results.len()).unwrap_or(i64::MAX);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO warning_runs (profile_version, profile_hash, as_of, scope_org_id, scope_path, \
         created_by, created_at, org_count, green, yellow, orange, red) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(run.profile_version)
    .bind(run.profile_hash)
    .bind(run.as_of)
    .bind(run.scope_org_id)
    .bind(run.scope_path)
    .bind(run.created_by)
    .bind(run.created_at)
    .bind(org_count)
    .bind(run.counts[0])
    .bind(run.counts[1])
    .bind(run.counts[2])
    .bind(run.counts[3])
    .fetch_one(&mut *conn)
    .await?;
    for chunk in results.chunks(batch(engine)) {
        let sql = format!(
            "INSERT INTO warning_results (run_id, org_id, org_path, level, level_rank, score, reasons, no_data) VALUES {}",
            values(8, chunk.len())
        );
        let mut q = sqlx::query(dynamic(sql));
        for r in chunk {
            q = q
                .bind(id)
                .bind(r.org_id)
                .bind(r.org_path)
                .bind(r.level)
                .bind(r.level_rank)
                .bind(r.score)
                .bind(&r.reasons)
                .bind(&r.no_data);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in rollups.chunks(batch(engine)) {
        let sql = format!(
            "INSERT INTO warning_rollups (run_id, org_id, org_path, parent_id, green, yellow, orange, red, incomplete) VALUES {}",
            values(9, chunk.len())
        );
        let mut q = sqlx::query(dynamic(sql));
        for r in chunk {
            q = q
                .bind(id)
                .bind(r.org_id)
                .bind(&r.org_path)
                .bind(r.parent_id)
                .bind(r.counts[0])
                .bind(r.counts[1])
                .bind(r.counts[2])
                .bind(r.counts[3])
                .bind(r.incomplete);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(id)
}

/// A stored run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub profile_version: i64,
    pub profile_hash: String,
    pub as_of: String,
    pub scope_org_id: i64,
    pub scope_path: String,
    pub created_by: String,
    pub created_at: String,
    pub org_count: i64,
    pub green: i64,
    pub yellow: i64,
    pub orange: i64,
    pub red: i64,
}

const RUN_COLUMNS: &str = "id, profile_version, profile_hash, as_of, scope_org_id, scope_path, \
     created_by, created_at, org_count, green, yellow, orange, red";

/// The latest run whose scope is one of `scope_paths` (an organization's
/// path and its ancestors': every such run covers the organization's
/// subtree).
pub async fn latest_run(
    conn: &mut AnyConnection,
    scope_paths: &[String],
) -> DbResult<Option<RunRow>> {
    if scope_paths.is_empty() {
        return Ok(None);
    }
    let list = (1..=scope_paths.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM warning_runs WHERE scope_path IN ({list}) ORDER BY id DESC LIMIT 1"
    );
    let mut q = sqlx::query_as::<_, RunRow>(dynamic(sql));
    for p in scope_paths {
        q = q.bind(p);
    }
    Ok(q.fetch_optional(&mut *conn).await?)
}

/// A stored result with the organization's current name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResultRow {
    pub org_id: i64,
    pub org_path: String,
    pub org_name: String,
    pub level: String,
    pub score: i64,
    pub reasons: String,
    pub no_data: String,
}

/// The results of `run_id` for organizations in `path..upper`, in tree order.
pub async fn results(
    conn: &mut AnyConnection,
    run_id: i64,
    path: &str,
    upper: &str,
) -> DbResult<Vec<ResultRow>> {
    Ok(sqlx::query_as::<_, ResultRow>(
        "SELECT w.org_id, w.org_path, o.name AS org_name, w.level, w.score, w.reasons, w.no_data \
         FROM warning_results w JOIN orgs o ON o.id = w.org_id \
         WHERE w.run_id = $1 AND w.org_path >= $2 AND w.org_path < $3 ORDER BY w.org_path",
    )
    .bind(run_id)
    .bind(path)
    .bind(upper)
    .fetch_all(&mut *conn)
    .await?)
}

/// One organization's level in one run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryRow {
    pub run_id: i64,
    pub as_of: String,
    pub profile_version: i64,
    pub level: String,
    pub score: i64,
}

/// Every stored result of an organization, oldest run first.
pub async fn history(conn: &mut AnyConnection, org_id: i64) -> DbResult<Vec<HistoryRow>> {
    Ok(sqlx::query_as::<_, HistoryRow>(
        "SELECT r.id AS run_id, r.as_of, r.profile_version, w.level, w.score FROM warning_results w \
         JOIN warning_runs r ON r.id = w.run_id WHERE w.org_id = $1 ORDER BY r.id",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// A root organization (the county), which background runs evaluate.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RootRow {
    pub id: i64,
    pub path: String,
    pub name: String,
}

/// Active root organizations, by id.
pub async fn roots(conn: &mut AnyConnection) -> DbResult<Vec<RootRow>> {
    Ok(sqlx::query_as::<_, RootRow>(
        "SELECT id, path, name FROM orgs WHERE parent_id IS NULL AND status = 'active' ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// A stored result without its reasons, for counting and ranking many.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BriefRow {
    pub org_id: i64,
    pub org_path: String,
    pub level: String,
    pub score: i64,
    /// 1 when some indicator had no data.
    pub incomplete: i64,
}

/// The results of `run_id` for `path..upper` without their JSON or names:
/// what the counts, the per-child table and the ranking need.
pub async fn briefs(
    conn: &mut AnyConnection,
    run_id: i64,
    path: &str,
    upper: &str,
) -> DbResult<Vec<BriefRow>> {
    Ok(sqlx::query_as::<_, BriefRow>(
        "SELECT org_id, org_path, level, score, \
         CAST(CASE WHEN no_data = '[]' THEN 0 ELSE 1 END AS BIGINT) AS incomplete \
         FROM warning_results WHERE run_id = $1 AND org_path >= $2 AND org_path < $3",
    )
    .bind(run_id)
    .bind(path)
    .bind(upper)
    .fetch_all(&mut *conn)
    .await?)
}

/// The full results of `run_id` for the given organizations.
pub async fn results_of(
    conn: &mut AnyConnection,
    run_id: i64,
    org_ids: &[i64],
) -> DbResult<Vec<ResultRow>> {
    if org_ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = (2..=org_ids.len() + 1)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT w.org_id, w.org_path, o.name AS org_name, w.level, w.score, w.reasons, w.no_data \
         FROM warning_results w JOIN orgs o ON o.id = w.org_id \
         WHERE w.run_id = $1 AND w.org_id IN ({list})"
    );
    let mut q = sqlx::query_as::<_, ResultRow>(dynamic(sql)).bind(run_id);
    for id in org_ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

/// An organization's subtree counts in a run, with its current name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RollupRow {
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub green: i64,
    pub yellow: i64,
    pub orange: i64,
    pub red: i64,
    pub incomplete: i64,
}

const ROLLUP_COLUMNS: &str = "r.org_id, o.name AS org_name, r.org_path, \
     r.green, r.yellow, r.orange, r.red, r.incomplete";

/// The counts of `org_id`'s subtree in `run_id` (`None` when the run has
/// no result at or below it).
pub async fn rollup(
    conn: &mut AnyConnection,
    run_id: i64,
    org_id: i64,
) -> DbResult<Option<RollupRow>> {
    let sql = format!(
        "SELECT {ROLLUP_COLUMNS} FROM warning_rollups r JOIN orgs o ON o.id = r.org_id \
         WHERE r.run_id = $1 AND r.org_id = $2"
    );
    Ok(sqlx::query_as::<_, RollupRow>(dynamic(sql))
        .bind(run_id)
        .bind(org_id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// How many direct children `parent_id` (as at the run) has in `run_id`.
pub async fn child_count(conn: &mut AnyConnection, run_id: i64, parent_id: i64) -> DbResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM warning_rollups WHERE run_id = $1 AND parent_id = $2",
    )
    .bind(run_id)
    .bind(parent_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// The counts of the direct children of `parent_id` (as at the run) in
/// `run_id`: all of them in tree order, or with `most_warned`, that many
/// with the most warnings (red, then orange, then yellow, then tree order).
pub async fn child_rollups(
    conn: &mut AnyConnection,
    run_id: i64,
    parent_id: i64,
    most_warned: Option<i64>,
) -> DbResult<Vec<RollupRow>> {
    let order = if most_warned.is_some() {
        "r.red DESC, r.orange DESC, r.yellow DESC, r.org_path LIMIT $3"
    } else {
        "r.org_path"
    };
    let sql = format!(
        "SELECT {ROLLUP_COLUMNS} FROM warning_rollups r JOIN orgs o ON o.id = r.org_id \
         WHERE r.run_id = $1 AND r.parent_id = $2 ORDER BY {order}"
    );
    let mut q = sqlx::query_as::<_, RollupRow>(dynamic(sql))
        .bind(run_id)
        .bind(parent_id);
    if let Some(n) = most_warned {
        q = q.bind(n);
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

/// One page of the ranking of `run_id` over `path..upper` — worst level,
/// then highest score, then tree order — optionally of one level only, as
/// a walk of the index `warning_results_rank`. Meant for large subtrees:
/// the path bounds are written as expressions so that neither engine
/// prefers the path index and sorts the whole subtree; a small subtree
/// is better read by path ([`briefs`]) and sorted in memory.
pub async fn ranked_page(
    conn: &mut AnyConnection,
    run_id: i64,
    path: &str,
    upper: &str,
    level_rank: Option<i64>,
    limit: i64,
    offset: i64,
) -> DbResult<Vec<ResultRow>> {
    let level = if level_rank.is_some() {
        "AND w.level_rank = $6 "
    } else {
        ""
    };
    // The page is chosen on the results alone, then joined to the names
    // (a join first would be sorted whole when the planner does not walk
    // the index).
    let sql = format!(
        "SELECT w.org_id, w.org_path, o.name AS org_name, w.level, w.score, w.reasons, w.no_data \
         FROM (SELECT org_id, org_path, level, level_rank, score, reasons, no_data \
               FROM warning_results w \
               WHERE w.run_id = $1 AND w.org_path || '' >= $2 AND w.org_path || '' < $3 {level}\
               ORDER BY w.level_rank DESC, w.score DESC, w.org_path LIMIT $4 OFFSET $5) w \
         JOIN orgs o ON o.id = w.org_id"
    );
    let mut q = sqlx::query_as::<_, ResultRow>(dynamic(sql))
        .bind(run_id)
        .bind(path)
        .bind(upper)
        .bind(limit)
        .bind(offset);
    if let Some(r) = level_rank {
        q = q.bind(r);
    }
    Ok(q.fetch_all(&mut *conn).await?)
}
