//! Policy profiles (政策配置) as stored: every loaded text with its own
//! version number and which one is active. Parsing and validation are the
//! domain's (`dangjian_domain::policy`); choosing to load one is the
//! service's.

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
    pub active: i64,
    pub created_by: String,
    pub created_at: String,
}

const COLS: &str = "version, label, name, content_hash, active, created_by, created_at";

/// The active profile's number and hash, if any profile is stored.
pub async fn active(conn: &mut AnyConnection) -> DbResult<Option<(i64, String)>> {
    Ok(
        sqlx::query_as("SELECT version, content_hash FROM policy_profiles WHERE active = 1")
            .fetch_optional(&mut *conn)
            .await?,
    )
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
}

/// Stores `p` as the next version and makes it the active one; returns its
/// number. Run inside a write transaction (writers are serialized, so the
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
        "INSERT INTO policy_profiles (version, label, name, content, content_hash, active, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $7)",
    )
    .bind(version)
    .bind(p.label)
    .bind(p.name)
    .bind(p.content)
    .bind(p.content_hash)
    .bind(p.created_by)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(version)
}
