//! Accounts, browser sessions and personal API tokens. Secrets are stored
//! only as hashes (argon2id for passwords, SHA-256 for random tokens).

use crate::{DbError, DbResult, dynamic};
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: String,
    pub org_id: i64,
    pub org_path: String,
    pub org_name: String,
    pub active: i64,
    pub failed_attempts: i64,
    pub locked_until: Option<String>,
    pub created_at: String,
    /// 1: the password was set by someone else and must be changed first.
    pub must_change_password: i64,
    pub password_changed_at: Option<String>,
}

/// The user columns every user query reads (users `u`, orgs `o`).
const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.password_hash, u.role, u.org_id, \
    o.path AS org_path, o.name AS org_name, u.active, u.failed_attempts, u.locked_until, u.created_at, \
    u.must_change_password, u.password_changed_at";

const SELECT: &str = "SELECT u.id, u.username, u.display_name, u.password_hash, u.role, u.org_id, \
    o.path AS org_path, o.name AS org_name, u.active, u.failed_attempts, u.locked_until, u.created_at, \
    u.must_change_password, u.password_changed_at \
    FROM users u JOIN orgs o ON o.id = u.org_id";

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    /// `""`: no role granted yet.
    pub role: &'a str,
    pub org_id: i64,
    /// The password was set by someone else (one-time).
    pub must_change: bool,
}

pub async fn insert_user(conn: &mut AnyConnection, u: &NewUser<'_>, now: &str) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, role, org_id, active, failed_attempts, created_at, must_change_password, password_changed_at) \
         VALUES ($1, $2, $3, $4, $5, 1, 0, $6, $7, $8) RETURNING id",
    )
    .bind(u.username)
    .bind(u.display_name)
    .bind(u.password_hash)
    .bind(u.role)
    .bind(u.org_id)
    .bind(now)
    .bind(i64::from(u.must_change))
    .bind((!u.must_change).then_some(now))
    .fetch_one(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)
}

pub async fn get_user(conn: &mut AnyConnection, id: i64) -> DbResult<UserRow> {
    sqlx::query_as::<_, UserRow>(dynamic(format!("{SELECT} WHERE u.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(DbError::NotFound)
}

pub async fn find_by_username(
    conn: &mut AnyConnection,
    username: &str,
) -> DbResult<Option<UserRow>> {
    Ok(
        sqlx::query_as::<_, UserRow>(dynamic(format!("{SELECT} WHERE u.username = $1")))
            .bind(username)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Accounts bound to organizations in the subtree.
pub async fn list_users(
    conn: &mut AnyConnection,
    path: &str,
    upper: &str,
    limit: i64,
    offset: i64,
) -> DbResult<Vec<UserRow>> {
    Ok(sqlx::query_as::<_, UserRow>(dynamic(format!(
        "{SELECT} WHERE o.path >= $1 AND o.path < $2 ORDER BY o.path, u.username LIMIT $3 OFFSET $4"
    )))
    .bind(path)
    .bind(upper)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?)
}

pub async fn count_users(conn: &mut AnyConnection, path: &str, upper: &str) -> DbResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM users u JOIN orgs o ON o.id = u.org_id WHERE o.path >= $1 AND o.path < $2",
    )
    .bind(path)
    .bind(upper)
    .fetch_one(&mut *conn)
    .await?)
}

/// Records a failed login; locks the account until `lock_until` when the
/// count reaches `max_attempts`. Returns the new count.
pub async fn record_failed_login(
    conn: &mut AnyConnection,
    id: i64,
    max_attempts: i64,
    lock_until: &str,
) -> DbResult<i64> {
    let n: i64 = sqlx::query_scalar(
        "UPDATE users SET failed_attempts = failed_attempts + 1 WHERE id = $1 RETURNING failed_attempts",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    if n >= max_attempts {
        sqlx::query("UPDATE users SET locked_until = $1, failed_attempts = 0 WHERE id = $2")
            .bind(lock_until)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(n)
}

pub async fn clear_failed_logins(conn: &mut AnyConnection, id: i64) -> DbResult<()> {
    sqlx::query("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Enables or disables an account. Disabling ends its sessions and revokes
/// its API tokens for good (enabling again does not revive them).
pub async fn set_active(
    conn: &mut AnyConnection,
    id: i64,
    active: bool,
    now: &str,
) -> DbResult<()> {
    sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
        .bind(i64::from(active))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if !active {
        delete_sessions_of(conn, id).await?;
        crate::user_security::revoke_tokens_of(conn, id, "disabled", now).await?;
    }
    Ok(())
}

/// Sets the password hash. `one_time`: set by someone else, to be changed
/// at the next login. Ends every session of the account; the caller decides
/// about its API tokens and the history.
pub async fn set_password(
    conn: &mut AnyConnection,
    id: i64,
    hash: &str,
    one_time: bool,
    now: &str,
) -> DbResult<()> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = $2, password_changed_at = $3 WHERE id = $4",
    )
    .bind(hash)
    .bind(i64::from(one_time))
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    delete_sessions_of(conn, id).await
}

/// A browser session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: String,
    pub last_seen: String,
}

pub async fn insert_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: i64,
    csrf: &str,
    now: &str,
) -> DbResult<()> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen) VALUES ($1, $2, $3, $4, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(DbError::from_sqlx)?;
    Ok(())
}

pub async fn get_session(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> DbResult<Option<SessionRow>> {
    Ok(sqlx::query_as::<_, SessionRow>(
        "SELECT token_hash, user_id, csrf_token, created_at, last_seen FROM sessions WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A session with its user, in one query (every page request asks).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    pub csrf_token: String,
    pub session_created_at: String,
    pub last_seen: String,
    #[sqlx(flatten)]
    pub user: UserRow,
}

pub async fn get_session_user(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> DbResult<Option<SessionUser>> {
    Ok(sqlx::query_as::<_, SessionUser>(dynamic(format!(
        "SELECT s.csrf_token, s.created_at AS session_created_at, s.last_seen, {USER_COLUMNS} \
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN orgs o ON o.id = u.org_id WHERE s.token_hash = $1",
    )))
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?)
}

pub async fn touch_session(conn: &mut AnyConnection, token_hash: &str, now: &str) -> DbResult<()> {
    sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(token_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn delete_session(conn: &mut AnyConnection, token_hash: &str) -> DbResult<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn delete_sessions_of(conn: &mut AnyConnection, user_id: i64) -> DbResult<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Removes sessions idle since before `cutoff`.
pub async fn delete_idle_sessions(conn: &mut AnyConnection, cutoff: &str) -> DbResult<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE last_seen < $1")
        .bind(cutoff)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ApiTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used: Option<String>,
    pub revoked: i64,
    /// NULL for tokens made before expiry existed (see the migration).
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub revoked_reason: String,
}

/// The token columns of [`ApiTokenRow`] (table `t`).
pub(crate) const TOKEN_COLUMNS: &str = "t.id, t.user_id, t.name, t.created_at, t.last_used, t.revoked, \
    t.expires_at, t.revoked_at, t.revoked_reason";

pub async fn insert_api_token(
    conn: &mut AnyConnection,
    user_id: i64,
    name: &str,
    token_hash: &str,
    now: &str,
    expires_at: &str,
) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, revoked, expires_at) VALUES ($1, $2, $3, $4, 0, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)
}

/// The unrevoked token with this hash (its expiry is the caller's check).
pub async fn user_of_api_token(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> DbResult<Option<ApiTokenRow>> {
    Ok(sqlx::query_as::<_, ApiTokenRow>(dynamic(format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.token_hash = $1 AND t.revoked = 0",
    )))
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?)
}

pub async fn mark_api_token_used(conn: &mut AnyConnection, id: i64, now: &str) -> DbResult<()> {
    sqlx::query("UPDATE api_tokens SET last_used = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn api_tokens_of(conn: &mut AnyConnection, user_id: i64) -> DbResult<Vec<ApiTokenRow>> {
    Ok(sqlx::query_as::<_, ApiTokenRow>(dynamic(format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.id DESC",
    )))
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The owner revokes one of its tokens.
pub async fn revoke_api_token(
    conn: &mut AnyConnection,
    user_id: i64,
    id: i64,
    now: &str,
) -> DbResult<bool> {
    Ok(sqlx::query(
        "UPDATE api_tokens SET revoked = 1, revoked_at = $1, revoked_reason = 'owner' \
         WHERE id = $2 AND user_id = $3 AND revoked = 0",
    )
    .bind(now)
    .bind(id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0)
}
