//! Security bookkeeping: duplicate-number hits per user and day (the
//! membership-oracle limit) and the security administrator's alerts.

use crate::{DbError, DbResult};
use sqlx::AnyConnection;

/// Adds `hits` to the user's count for `day` (`YYYY-MM-DD`) and returns the
/// day's new total. Call inside the write transaction.
pub async fn add_probe_hits(
    conn: &mut AnyConnection,
    user_id: i64,
    day: &str,
    hits: i64,
) -> DbResult<i64> {
    sqlx::query(
        "INSERT INTO id_probe_counts (user_id, day, hits) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, day) DO UPDATE SET hits = id_probe_counts.hits + $3",
    )
    .bind(user_id)
    .bind(day)
    .bind(hits)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT CAST(hits AS BIGINT) FROM id_probe_counts WHERE user_id = $1 AND day = $2",
    )
    .bind(user_id)
    .bind(day)
    .fetch_one(&mut *conn)
    .await?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AlertRow {
    pub id: i64,
    pub at: String,
    pub kind: String,
    pub username: String,
    pub detail: String,
}

pub async fn insert_alert(
    conn: &mut AnyConnection,
    at: &str,
    kind: &str,
    username: &str,
    detail: &str,
) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO security_alerts (at, kind, username, detail) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(at)
    .bind(kind)
    .bind(username)
    .bind(detail)
    .fetch_one(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)
}

/// Newest first.
pub async fn alerts(conn: &mut AnyConnection, limit: i64, offset: i64) -> DbResult<Vec<AlertRow>> {
    Ok(sqlx::query_as::<_, AlertRow>(
        "SELECT id, at, kind, username, detail FROM security_alerts ORDER BY id DESC LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?)
}

pub async fn count_alerts(conn: &mut AnyConnection) -> DbResult<i64> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT CAST(COUNT(*) AS BIGINT) FROM security_alerts")
            .fetch_one(&mut *conn)
            .await?,
    )
}
