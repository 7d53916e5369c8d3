//! Organizational-life records (组织生活记录): the rows, their sign-in lists
//! (their attachments are in `attachments`), the filtered lists, and the
//! narrow reads the compliance and 意识形态 views need (only the columns the
//! engine uses, one query per scope, never one per organization). No checks
//! here: the service validates and authorizes.

use crate::{DbError, DbResult, dynamic, placeholders};
use sqlx::AnyConnection;

mod texts;
pub use texts::{
    RecordTextRow, count_all, org_texts_after, subtree_texts_after, text_of, texts_after,
};

/// One row of `records`.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct RecordRow {
    pub id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub record_type: String,
    pub held_on: String,
    pub place: String,
    pub host: String,
    pub topics: String,
    pub minutes: String,
    pub expected_count: i64,
    pub present_count: i64,
    pub voting_count: i64,
    pub voting_present: i64,
    pub valid: i64,
    pub marks: String,
    pub status: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub profile_version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

const COLS: &str = "id, org_id, org_path, record_type, held_on, place, host, topics, minutes, \
    expected_count, present_count, voting_count, voting_present, valid, marks, status, reviewed_by, \
    reviewed_at, profile_version, created_by, created_at, updated_at";

/// The fields a record's author sets (everything but ids, review and times).
#[derive(Debug, Clone, Default)]
pub struct RecordFields {
    pub record_type: String,
    pub held_on: String,
    pub place: String,
    pub host: String,
    pub topics: String,
    pub minutes: String,
    pub expected_count: i64,
    pub present_count: i64,
    pub voting_count: i64,
    pub voting_present: i64,
    pub valid: bool,
    /// Comma-separated mark codes.
    pub marks: String,
    pub profile_version: i64,
}

/// Binds the twelve author columns of [`RecordFields`] from `record_type` to
/// `marks` in their schema order; every statement that writes them lists
/// them in that order (`profile_version` is bound where each statement has it).
macro_rules! bind_record_fields {
    ($q:expr, $f:expr) => {{
        let f: &$crate::record::RecordFields = $f;
        $q.bind(&f.record_type)
            .bind(&f.held_on)
            .bind(&f.place)
            .bind(&f.host)
            .bind(&f.topics)
            .bind(&f.minutes)
            .bind(f.expected_count)
            .bind(f.present_count)
            .bind(f.voting_count)
            .bind(f.voting_present)
            .bind(i64::from(f.valid))
            .bind(&f.marks)
    }};
}
pub(crate) use bind_record_fields;

pub async fn insert_record(
    conn: &mut AnyConnection,
    org_id: i64,
    org_path: &str,
    f: &RecordFields,
    created_by: &str,
    now: &str,
) -> DbResult<i64> {
    let q = sqlx::query_scalar(
        "INSERT INTO records (org_id, org_path, record_type, held_on, place, host, topics, minutes, \
         expected_count, present_count, voting_count, voting_present, valid, marks, status, \
         profile_version, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'submitted', $15, $16, $17, $17) \
         RETURNING id",
    )
    .bind(org_id)
    .bind(org_path);
    bind_record_fields!(q, f)
        .bind(f.profile_version)
        .bind(created_by)
        .bind(now)
        .fetch_one(&mut *conn)
        .await
        .map_err(DbError::from_sqlx)
}

/// Replaces the author's fields; the record goes back to `submitted` (a
/// changed record needs confirming again).
pub async fn update_record(
    conn: &mut AnyConnection,
    id: i64,
    f: &RecordFields,
    now: &str,
) -> DbResult<()> {
    let q = sqlx::query(
        "UPDATE records SET record_type = $1, held_on = $2, place = $3, host = $4, topics = $5, \
         minutes = $6, expected_count = $7, present_count = $8, voting_count = $9, voting_present = $10, \
         valid = $11, marks = $12, profile_version = $13, status = 'submitted', reviewed_by = NULL, \
         reviewed_at = NULL, updated_at = $14 WHERE id = $15",
    );
    let n = bind_record_fields!(q, f)
        .bind(f.profile_version)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(DbError::from_sqlx)?
        .rows_affected();
    if n == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}

pub async fn get_record(conn: &mut AnyConnection, id: i64) -> DbResult<RecordRow> {
    sqlx::query_as::<_, RecordRow>(dynamic(format!("SELECT {COLS} FROM records WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(DbError::NotFound)
}

/// Marks a record confirmed by the parent organization.
pub async fn confirm(conn: &mut AnyConnection, id: i64, by: &str, now: &str) -> DbResult<()> {
    sqlx::query(
        "UPDATE records SET status = 'confirmed', reviewed_by = $1, reviewed_at = $2 WHERE id = $3",
    )
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(())
}

/// Deletes a record with its sign-in list and attachments.
pub async fn delete_record(conn: &mut AnyConnection, id: i64) -> DbResult<()> {
    crate::attachments::delete_all(conn, crate::attachments::OwnerKind::Record, id).await?;
    for sql in [
        "DELETE FROM record_attendance WHERE record_id = $1",
        "DELETE FROM records WHERE id = $1",
    ] {
        sqlx::query(sql)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(DbError::from_sqlx)?;
    }
    Ok(())
}

/// One line of a sign-in list to store: member, present, reason if absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceLine {
    pub member_id: i64,
    pub present: bool,
    pub absent_reason: String,
}

/// Replaces a record's sign-in list.
pub async fn set_attendance(
    conn: &mut AnyConnection,
    record_id: i64,
    lines: &[AttendanceLine],
) -> DbResult<()> {
    sqlx::query("DELETE FROM record_attendance WHERE record_id = $1")
        .bind(record_id)
        .execute(&mut *conn)
        .await?;
    for chunk in lines.chunks(50) {
        let sql = format!(
            "INSERT INTO record_attendance (record_id, member_id, present, absent_reason) VALUES {}",
            crate::bulk::values(4, chunk.len())
        );
        let mut q = sqlx::query(dynamic(sql));
        for l in chunk {
            q = q
                .bind(record_id)
                .bind(l.member_id)
                .bind(i64::from(l.present))
                .bind(&l.absent_reason);
        }
        q.execute(&mut *conn).await.map_err(DbError::from_sqlx)?;
    }
    Ok(())
}

/// A sign-in line with the member's name and category.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AttendanceRow {
    pub member_id: i64,
    pub name: String,
    pub category: String,
    pub present: i64,
    pub absent_reason: String,
}

/// A record's sign-in list, present first, then by name.
pub async fn attendance(conn: &mut AnyConnection, record_id: i64) -> DbResult<Vec<AttendanceRow>> {
    Ok(sqlx::query_as::<_, AttendanceRow>(
        "SELECT a.member_id, m.name, m.category, a.present, a.absent_reason \
         FROM record_attendance a JOIN members m ON m.id = a.member_id \
         WHERE a.record_id = $1 ORDER BY a.present DESC, m.id",
    )
    .bind(record_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// An active member of an organization, as a sign-in list expects them.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, PartialEq, Eq)]
pub struct ExpectedMember {
    pub id: i64,
    pub name: String,
    /// `full` (has a vote) or `probationary`.
    pub category: String,
}

/// The active members directly in `org_id`, in id order.
pub async fn expected_members(
    conn: &mut AnyConnection,
    org_id: i64,
) -> DbResult<Vec<ExpectedMember>> {
    Ok(sqlx::query_as::<_, ExpectedMember>(
        "SELECT id, name, category FROM members WHERE org_id = $1 AND status = 'active' ORDER BY id",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Filters of the record list; every value is bound.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    pub scope_path: String,
    pub scope_upper: String,
    /// Only this organization's own records (not its subtree's).
    pub org_id: Option<i64>,
    pub record_type: Option<String>,
    /// Inclusive date range.
    pub from: Option<String>,
    pub to: Option<String>,
    pub status: Option<String>,
}

impl RecordFilter {
    fn where_clause(&self) -> (String, Vec<Bind>) {
        let mut sql = String::from("r.org_path >= $1 AND r.org_path < $2");
        let mut binds = vec![
            Bind::Text(self.scope_path.clone()),
            Bind::Text(self.scope_upper.clone()),
        ];
        let mut add = |cond: &str, v: Bind| {
            binds.push(v);
            sql.push_str(&cond.replace('?', &format!("${}", binds.len())));
        };
        if let Some(v) = self.org_id {
            add(" AND r.org_id = ?", Bind::Int(v));
        }
        if let Some(v) = &self.record_type {
            add(" AND r.record_type = ?", Bind::Text(v.clone()));
        }
        if let Some(v) = &self.from {
            add(" AND r.held_on >= ?", Bind::Text(v.clone()));
        }
        if let Some(v) = &self.to {
            add(" AND r.held_on <= ?", Bind::Text(v.clone()));
        }
        if let Some(v) = &self.status {
            add(" AND r.status = ?", Bind::Text(v.clone()));
        }
        (sql, binds)
    }
}

enum Bind {
    Text(String),
    Int(i64),
}

/// A record list row with its organization's name.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct RecordListRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub record_type: String,
    pub held_on: String,
    pub topics: String,
    pub present_count: i64,
    pub expected_count: i64,
    pub valid: i64,
    pub status: String,
}

/// A page of records, newest first.
pub async fn list_records(
    conn: &mut AnyConnection,
    filter: &RecordFilter,
    limit: i64,
    offset: i64,
) -> DbResult<Vec<RecordListRow>> {
    let (cond, binds) = filter.where_clause();
    let n = binds.len();
    let sql = format!(
        "SELECT r.id, r.org_id, o.name AS org_name, r.record_type, r.held_on, r.topics, \
         r.present_count, r.expected_count, r.valid, r.status \
         FROM records r JOIN orgs o ON o.id = r.org_id WHERE {cond} \
         ORDER BY r.held_on DESC, r.id DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query_as::<_, RecordListRow>(dynamic(sql));
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s),
            Bind::Int(i) => q.bind(i),
        };
    }
    Ok(q.bind(limit).bind(offset).fetch_all(&mut *conn).await?)
}

pub async fn count_records(conn: &mut AnyConnection, filter: &RecordFilter) -> DbResult<i64> {
    let (cond, binds) = filter.where_clause();
    let sql = format!("SELECT COUNT(*) FROM records r WHERE {cond}");
    let mut q = sqlx::query_scalar::<_, i64>(dynamic(sql));
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s),
            Bind::Int(i) => q.bind(i),
        };
    }
    Ok(q.fetch_one(&mut *conn).await?)
}

/// What the obligations engine needs of a record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FactRow {
    pub org_id: i64,
    pub record_type: String,
    pub held_on: String,
    pub valid: i64,
    pub marks: String,
}

/// Every record of the subtree held in `from..=to`: one query, only the
/// columns the engine reads.
pub async fn facts(
    conn: &mut AnyConnection,
    scope_path: &str,
    scope_upper: &str,
    from: &str,
    to: &str,
) -> DbResult<Vec<FactRow>> {
    Ok(sqlx::query_as::<_, FactRow>(
        "SELECT org_id, record_type, held_on, valid, marks FROM records \
         WHERE org_path >= $1 AND org_path < $2 AND held_on >= $3 AND held_on <= $4",
    )
    .bind(scope_path)
    .bind(scope_upper)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?)
}

/// A record in brief (the 意识形态工作责任制 view lists them per committee).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct BriefRow {
    pub id: i64,
    pub org_id: i64,
    pub record_type: String,
    pub held_on: String,
    pub topics: String,
    pub valid: i64,
    pub status: String,
}

/// Records of the given types in the subtree held in `from..=to`, by date.
pub async fn brief_by_types(
    conn: &mut AnyConnection,
    scope_path: &str,
    scope_upper: &str,
    from: &str,
    to: &str,
    types: &[&str],
) -> DbResult<Vec<BriefRow>> {
    if types.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, org_id, record_type, held_on, topics, valid, status FROM records \
         WHERE org_path >= $1 AND org_path < $2 AND held_on >= $3 AND held_on <= $4 \
         AND record_type IN ({}) ORDER BY held_on, id",
        placeholders(5, types.len())
    );
    let mut q = sqlx::query_as::<_, BriefRow>(dynamic(sql))
        .bind(scope_path)
        .bind(scope_upper)
        .bind(from)
        .bind(to);
    for t in types {
        q = q.bind(*t);
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

/// An active member with no organizational life since a date.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct InactiveMemberRow {
    pub id: i64,
    pub name: String,
    pub category: String,
    pub org_id: i64,
    pub org_name: String,
    /// The last record they were present at, if ever.
    pub last_present: Option<String>,
}

const NO_LIFE: &str = "m.status = 'active' AND m.org_path >= $1 AND m.org_path < $2 \
    AND NOT EXISTS (SELECT 1 FROM record_attendance a JOIN records r ON r.id = a.record_id \
    WHERE a.member_id = m.id AND a.present = 1 AND r.held_on >= $3)";

/// Active members of the subtree present at no record held on or after
/// `since`, in path order.
pub async fn without_life(
    conn: &mut AnyConnection,
    scope_path: &str,
    scope_upper: &str,
    since: &str,
    limit: i64,
    offset: i64,
) -> DbResult<Vec<InactiveMemberRow>> {
    Ok(sqlx::query_as::<_, InactiveMemberRow>(dynamic(format!(
        "SELECT m.id, m.name, m.category, m.org_id, o.name AS org_name, \
         (SELECT MAX(r.held_on) FROM record_attendance a JOIN records r ON r.id = a.record_id \
          WHERE a.member_id = m.id AND a.present = 1) AS last_present \
         FROM members m JOIN orgs o ON o.id = m.org_id WHERE {NO_LIFE} \
         ORDER BY m.org_path, m.id LIMIT $4 OFFSET $5"
    )))
    .bind(scope_path)
    .bind(scope_upper)
    .bind(since)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?)
}

pub async fn count_without_life(
    conn: &mut AnyConnection,
    scope_path: &str,
    scope_upper: &str,
    since: &str,
) -> DbResult<i64> {
    Ok(sqlx::query_scalar(dynamic(format!(
        "SELECT COUNT(*) FROM members m WHERE {NO_LIFE}"
    )))
    .bind(scope_path)
    .bind(scope_upper)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?)
}
