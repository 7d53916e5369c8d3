//! Manual facts per organization and year (村情登记): petitions and
//! disputes, the satisfaction survey, village-affairs disclosure and the
//! supervision committee. One row per organization and year; recording
//! again replaces the row (`ON CONFLICT … DO UPDATE`, the same text on
//! SQLite and PostgreSQL).

use crate::DbResult;
use sqlx::AnyConnection;

/// One organization's facts for one year. Flags are 1/0; `None`: not recorded.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FactsRow {
    pub org_id: i64,
    pub org_path: String,
    pub year: i64,
    pub petitions: Option<i64>,
    pub satisfaction_permille: Option<i64>,
    pub disclosure_ok: Option<i64>,
    pub supervision_committee: Option<i64>,
    pub recorded_by: String,
    pub recorded_at: String,
}

const COLUMNS: &str = "org_id, org_path, year, petitions, satisfaction_permille, disclosure_ok, \
     supervision_committee, recorded_by, recorded_at";

/// Records (or replaces) one organization's facts for its year.
pub async fn upsert(conn: &mut AnyConnection, row: &FactsRow) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO org_facts (org_id, org_path, year, petitions, satisfaction_permille, \
         disclosure_ok, supervision_committee, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (org_id, year) DO UPDATE SET org_path = excluded.org_path, \
         petitions = excluded.petitions, satisfaction_permille = excluded.satisfaction_permille, \
         disclosure_ok = excluded.disclosure_ok, supervision_committee = excluded.supervision_committee, \
         recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
    )
    .bind(row.org_id)
    .bind(&row.org_path)
    .bind(row.year)
    .bind(row.petitions)
    .bind(row.satisfaction_permille)
    .bind(row.disclosure_ok)
    .bind(row.supervision_committee)
    .bind(&row.recorded_by)
    .bind(&row.recorded_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One organization's facts for `year`, if recorded.
pub async fn get(conn: &mut AnyConnection, org_id: i64, year: i64) -> DbResult<Option<FactsRow>> {
    Ok(sqlx::query_as::<_, FactsRow>(crate::dynamic(format!(
        "SELECT {COLUMNS} FROM org_facts WHERE org_id = $1 AND year = $2"
    )))
    .bind(org_id)
    .bind(year)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Every recorded row of `year` for the subtree `path..upper`, in tree order.
/// Rows are matched by the organization's current path (an organization
/// moved since keeps its facts).
pub async fn in_scope(
    conn: &mut AnyConnection,
    year: i64,
    path: &str,
    upper: &str,
) -> DbResult<Vec<FactsRow>> {
    Ok(sqlx::query_as::<_, FactsRow>(
        "SELECT f.org_id, o.path AS org_path, f.year, f.petitions, f.satisfaction_permille, \
         f.disclosure_ok, f.supervision_committee, f.recorded_by, f.recorded_at \
         FROM org_facts f JOIN orgs o ON o.id = f.org_id \
         WHERE f.year = $1 AND o.path >= $2 AND o.path < $3 ORDER BY o.path",
    )
    .bind(year)
    .bind(path)
    .bind(upper)
    .fetch_all(&mut *conn)
    .await?)
}
