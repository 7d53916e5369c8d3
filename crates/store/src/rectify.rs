//! Annual screening (年度排查) proposals with their entries, and the
//! rectification ledgers (整改台账) of the confirmed organizations. Every
//! list is read by year and by an organization-path range, so a township
//! reads its own and the county reads all of them with one indexed scan.

use crate::{DbError, DbResult};
use sqlx::AnyConnection;

/// A township's proposal, with the organization's current name.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ScreeningRow {
    pub id: i64,
    pub year: i64,
    pub org_id: i64,
    pub org_path: String,
    pub org_name: String,
    pub status: String,
    pub run_id: Option<i64>,
    pub run_as_of: Option<String>,
    pub return_reason: String,
    pub created_by: String,
    pub created_at: String,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub updated_at: String,
}

const SCREENING: &str = "SELECT s.id, s.year, s.org_id, s.org_path, o.name AS org_name, s.status, \
    s.run_id, s.run_as_of, s.return_reason, s.created_by, s.created_at, s.submitted_by, \
    s.submitted_at, s.reviewed_by, s.reviewed_at, s.updated_at \
    FROM screenings s JOIN orgs o ON o.id = s.org_id";

pub async fn get_screening(conn: &mut AnyConnection, id: i64) -> DbResult<ScreeningRow> {
    sqlx::query_as::<_, ScreeningRow>(crate::dynamic(format!("{SCREENING} WHERE s.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(DbError::NotFound)
}

/// The proposals of `year` made for organizations in `path..upper`, in
/// tree order.
pub async fn screenings(
    conn: &mut AnyConnection,
    year: i64,
    path: &str,
    upper: &str,
) -> DbResult<Vec<ScreeningRow>> {
    Ok(sqlx::query_as::<_, ScreeningRow>(crate::dynamic(format!(
        "{SCREENING} WHERE s.year = $1 AND s.org_path >= $2 AND s.org_path < $3 ORDER BY s.org_path"
    )))
    .bind(year)
    .bind(path)
    .bind(upper)
    .fetch_all(&mut *conn)
    .await?)
}

/// A proposal of `year` for `path`'s organization, one of its ancestors or
/// one of its descendants (two proposals must not cover one organization).
pub async fn overlapping(
    conn: &mut AnyConnection,
    year: i64,
    path: &str,
    upper: &str,
) -> DbResult<Option<ScreeningRow>> {
    Ok(sqlx::query_as::<_, ScreeningRow>(crate::dynamic(format!(
        "{SCREENING} WHERE s.year = $1 AND ((s.org_path >= $2 AND s.org_path < $3) \
         OR SUBSTR($2, 1, LENGTH(s.org_path)) = s.org_path) ORDER BY s.id LIMIT 1"
    )))
    .bind(year)
    .bind(path)
    .bind(upper)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A new proposal.
#[derive(Debug, Clone)]
pub struct NewScreening<'a> {
    pub year: i64,
    pub org_id: i64,
    pub org_path: &'a str,
    pub run_id: Option<i64>,
    pub run_as_of: Option<&'a str>,
    pub created_by: &'a str,
    pub now: &'a str,
}

pub async fn insert_screening(conn: &mut AnyConnection, s: &NewScreening<'_>) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO screenings (year, org_id, org_path, status, run_id, run_as_of, return_reason, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, 'draft', $4, $5, '', $6, $7, $7) \
         RETURNING id",
    )
    .bind(s.year)
    .bind(s.org_id)
    .bind(s.org_path)
    .bind(s.run_id)
    .bind(s.run_as_of)
    .bind(s.created_by)
    .bind(s.now)
    .fetch_one(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)
}

/// Marks a proposal submitted.
pub async fn submit_screening(
    conn: &mut AnyConnection,
    id: i64,
    by: &str,
    now: &str,
) -> DbResult<()> {
    sqlx::query(
        "UPDATE screenings SET status = 'submitted', submitted_by = $1, submitted_at = $2, \
         updated_at = $2 WHERE id = $3",
    )
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records the county's decision: `confirmed`, or `returned` with a reason.
pub async fn review_screening(
    conn: &mut AnyConnection,
    id: i64,
    status: &str,
    reason: &str,
    by: &str,
    now: &str,
) -> DbResult<()> {
    sqlx::query(
        "UPDATE screenings SET status = $1, return_reason = $2, reviewed_by = $3, reviewed_at = $4, \
         updated_at = $4 WHERE id = $5",
    )
    .bind(status)
    .bind(reason)
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One organization of a proposal, with its current name.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct EntryRow {
    pub screening_id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub org_name: String,
    pub flagged: i64,
    pub included: i64,
    pub level: String,
    pub score: i64,
    /// JSON array of the run's reasons.
    pub reasons: String,
    /// Why it was added or removed.
    pub reason: String,
}

const ENTRY: &str = "SELECT e.screening_id, e.org_id, e.org_path, o.name AS org_name, e.flagged, \
    e.included, e.level, e.score, e.reasons, e.reason FROM screening_entries e \
    JOIN orgs o ON o.id = e.org_id";

/// The entries of a proposal, in tree order.
pub async fn entries(conn: &mut AnyConnection, screening_id: i64) -> DbResult<Vec<EntryRow>> {
    Ok(sqlx::query_as::<_, EntryRow>(crate::dynamic(format!(
        "{ENTRY} WHERE e.screening_id = $1 ORDER BY e.org_path"
    )))
    .bind(screening_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The entries of every proposal of `year` made in `path..upper`.
pub async fn entries_of_year(
    conn: &mut AnyConnection,
    year: i64,
    path: &str,
    upper: &str,
) -> DbResult<Vec<EntryRow>> {
    Ok(sqlx::query_as::<_, EntryRow>(crate::dynamic(format!(
        "{ENTRY} JOIN screenings s ON s.id = e.screening_id \
         WHERE s.year = $1 AND s.org_path >= $2 AND s.org_path < $3 ORDER BY e.org_path"
    )))
    .bind(year)
    .bind(path)
    .bind(upper)
    .fetch_all(&mut *conn)
    .await?)
}

/// An entry to insert.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub org_id: i64,
    pub org_path: &'a str,
    pub flagged: bool,
    pub included: bool,
    pub level: &'a str,
    pub score: i64,
    pub reasons: &'a str,
    pub reason: &'a str,
}

pub async fn insert_entry(
    conn: &mut AnyConnection,
    screening_id: i64,
    e: &NewEntry<'_>,
) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO screening_entries (screening_id, org_id, org_path, flagged, included, level, \
         score, reasons, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(screening_id)
    .bind(e.org_id)
    .bind(e.org_path)
    .bind(i64::from(e.flagged))
    .bind(i64::from(e.included))
    .bind(e.level)
    .bind(e.score)
    .bind(e.reasons)
    .bind(e.reason)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(())
}

/// Puts a flagged entry on or off the list, with the reason.
pub async fn set_included(
    conn: &mut AnyConnection,
    screening_id: i64,
    org_id: i64,
    included: bool,
    reason: &str,
) -> DbResult<()> {
    sqlx::query(
        "UPDATE screening_entries SET included = $1, reason = $2 \
         WHERE screening_id = $3 AND org_id = $4",
    )
    .bind(i64::from(included))
    .bind(reason)
    .bind(screening_id)
    .bind(org_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Withdraws an addition.
pub async fn delete_entry(
    conn: &mut AnyConnection,
    screening_id: i64,
    org_id: i64,
) -> DbResult<()> {
    sqlx::query("DELETE FROM screening_entries WHERE screening_id = $1 AND org_id = $2")
        .bind(screening_id)
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A rectification ledger, with the organization's current name.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct LedgerRow {
    pub id: i64,
    pub year: i64,
    pub org_id: i64,
    pub org_path: String,
    pub org_name: String,
    pub screening_id: i64,
    pub owner_org_id: i64,
    pub owner_name: String,
    pub status: String,
    pub flagged: i64,
    pub level: String,
    pub score: i64,
    pub reasons: String,
    pub entry_reason: String,
    pub analysis: String,
    pub goal: String,
    pub measures: String,
    pub deadline: Option<String>,
    pub responsible: String,
    pub contact_leader: String,
    pub plan_by: Option<String>,
    pub plan_at: Option<String>,
    pub accept_note: String,
    pub accept_level: Option<String>,
    pub accept_reasons: Option<String>,
    pub accepted_by: Option<String>,
    pub accepted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const LEDGER: &str = "SELECT l.id, l.year, l.org_id, l.org_path, o.name AS org_name, \
    l.screening_id, l.owner_org_id, w.name AS owner_name, l.status, l.flagged, l.level, l.score, \
    l.reasons, l.entry_reason, l.analysis, l.goal, l.measures, l.deadline, l.responsible, \
    l.contact_leader, l.plan_by, l.plan_at, l.accept_note, l.accept_level, l.accept_reasons, \
    l.accepted_by, l.accepted_at, l.created_at, l.updated_at \
    FROM rectify_ledgers l JOIN orgs o ON o.id = l.org_id JOIN orgs w ON w.id = l.owner_org_id";

pub async fn get_ledger(conn: &mut AnyConnection, id: i64) -> DbResult<LedgerRow> {
    sqlx::query_as::<_, LedgerRow>(crate::dynamic(format!("{LEDGER} WHERE l.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(DbError::NotFound)
}

/// The ledgers of `year` for organizations in `path..upper`, in tree order.
pub async fn ledgers(
    conn: &mut AnyConnection,
    year: i64,
    path: &str,
    upper: &str,
) -> DbResult<Vec<LedgerRow>> {
    Ok(sqlx::query_as::<_, LedgerRow>(crate::dynamic(format!(
        "{LEDGER} WHERE l.year = $1 AND l.org_path >= $2 AND l.org_path < $3 ORDER BY l.org_path"
    )))
    .bind(year)
    .bind(path)
    .bind(upper)
    .fetch_all(&mut *conn)
    .await?)
}

/// The ledger of an organization in a year, if any.
pub async fn ledger_of(conn: &mut AnyConnection, year: i64, org_id: i64) -> DbResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM rectify_ledgers WHERE year = $1 AND org_id = $2")
            .bind(year)
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Opens the ledger of a confirmed entry (状态 待制定方案).
pub async fn insert_ledger(
    conn: &mut AnyConnection,
    year: i64,
    screening_id: i64,
    owner_org_id: i64,
    e: &EntryRow,
    now: &str,
) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO rectify_ledgers (year, org_id, org_path, screening_id, owner_org_id, status, \
         flagged, level, score, reasons, entry_reason, analysis, goal, measures, responsible, \
         contact_leader, accept_note, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'planning', $6, $7, $8, $9, $10, '', '', '', '', '', '', $11, $11) \
         RETURNING id",
    )
    .bind(year)
    .bind(e.org_id)
    .bind(&e.org_path)
    .bind(screening_id)
    .bind(owner_org_id)
    .bind(e.flagged)
    .bind(&e.level)
    .bind(e.score)
    .bind(&e.reasons)
    .bind(&e.reason)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)
}

/// A plan to store.
#[derive(Debug, Clone)]
pub struct PlanFields<'a> {
    pub analysis: &'a str,
    pub goal: &'a str,
    pub measures: &'a str,
    pub deadline: &'a str,
    pub responsible: &'a str,
    pub contact_leader: &'a str,
}

/// Files or revises the plan; a ledger still 待制定方案 becomes 整改中.
pub async fn set_plan(
    conn: &mut AnyConnection,
    id: i64,
    p: &PlanFields<'_>,
    by: &str,
    now: &str,
) -> DbResult<()> {
    sqlx::query(
        "UPDATE rectify_ledgers SET analysis = $1, goal = $2, measures = $3, deadline = $4, \
         responsible = $5, contact_leader = $6, plan_by = $7, plan_at = $8, updated_at = $8, \
         status = CASE WHEN status = 'planning' THEN 'in_progress' ELSE status END WHERE id = $9",
    )
    .bind(p.analysis)
    .bind(p.goal)
    .bind(p.measures)
    .bind(p.deadline)
    .bind(p.responsible)
    .bind(p.contact_leader)
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Acceptance: the ledger is closed (已销号) with the re-check's level.
pub async fn close_ledger(
    conn: &mut AnyConnection,
    id: i64,
    note: &str,
    level: Option<&str>,
    reasons: Option<&str>,
    by: &str,
    now: &str,
) -> DbResult<()> {
    sqlx::query(
        "UPDATE rectify_ledgers SET status = 'closed', accept_note = $1, accept_level = $2, \
         accept_reasons = $3, accepted_by = $4, accepted_at = $5, updated_at = $5 WHERE id = $6",
    )
    .bind(note)
    .bind(level)
    .bind(reasons)
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
