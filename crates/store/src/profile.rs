//! Policy profiles (政策配置) as stored: every loaded text with its own
//! version number and the day it takes effect (生效日期). Parsing,
//! validation and which version is in force on a day are the domain's
//! (`dangjian_domain::policy`, `policy::Schedule`); choosing to load one is
//! the service's.

use crate::{DbError, DbResult};
use sqlx::AnyConnection;

/// A stored profile without its text (for lists).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ProfileRow {
    pub version: i64,
    /// The version the file declares, e.g. `jiangxi-county-2026.1`.
    pub label: String,
    pub name: String,
    pub content_hash: String,
    /// 1 for the newest upload (not necessarily in force yet).
    pub active: i64,
    pub created_by: String,
    pub created_at: String,
    /// `YYYY-MM-DD`: the first day the version is in force.
    pub effective_from: String,
    /// Why it was made to take effect before its upload day (追溯适用);
    /// empty otherwise.
    pub retroactive_reason: String,
}

const COLS: &str = "version, label, name, content_hash, active, created_by, created_at, \
                    effective_from, retroactive_reason";

/// One version's place in time, for the schedule.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DatedRow {
    pub version: i64,
    pub content_hash: String,
    pub effective_from: String,
}

/// Every stored version's number, hash and effective day (a handful of
/// rows: one per upload).
pub async fn schedule(conn: &mut AnyConnection) -> DbResult<Vec<DatedRow>> {
    Ok(sqlx::query_as(
        "SELECT version, content_hash, effective_from FROM policy_profiles \
         ORDER BY effective_from, version",
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// Whether any profile is stored.
pub async fn any(conn: &mut AnyConnection) -> DbResult<bool> {
    let n: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM policy_profiles")
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

/// The text of a stored version.
pub async fn content(conn: &mut AnyConnection, version: i64) -> DbResult<String> {
    sqlx::query_scalar("SELECT content FROM policy_profiles WHERE version = $1")
        .bind(version)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(DbError::NotFound)
}

/// Every stored version, newest first.
pub async fn list(conn: &mut AnyConnection) -> DbResult<Vec<ProfileRow>> {
    Ok(sqlx::query_as::<_, ProfileRow>(crate::dynamic(format!(
        "SELECT {COLS} FROM policy_profiles ORDER BY version DESC"
    )))
    .fetch_all(&mut *conn)
    .await?)
}

/// A new profile to store.
#[derive(Debug, Clone)]
pub struct NewProfile<'a> {
    pub label: &'a str,
    pub name: &'a str,
    pub content: &'a str,
    pub content_hash: &'a str,
    pub created_by: &'a str,
    /// `YYYY-MM-DD`
    pub effective_from: &'a str,
    /// Empty unless it takes effect before its upload day.
    pub retroactive_reason: &'a str,
}

/// Stores `p` as the next version and marks it the newest upload; returns
/// its number. It is in force from `p.effective_from`. Run inside a write transaction (writers are serialized, so the
/// next number cannot be taken twice).
pub async fn insert_active(
    conn: &mut AnyConnection,
    p: &NewProfile<'_>,
    now: &str,
) -> DbResult<i64> {
    let version: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) FROM policy_profiles",
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE policy_profiles SET active = 0 WHERE active = 1")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO policy_profiles (version, label, name, content, content_hash, active, created_by, created_at, \
         effective_from, retroactive_reason) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9)",
    )
    .bind(version)
    .bind(p.label)
    .bind(p.name)
    .bind(p.content)
    .bind(p.content_hash)
    .bind(p.created_by)
    .bind(now)
    .bind(p.effective_from)
    .bind(p.retroactive_reason)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(version)
}
