//! The account-security side of the user tables: granting and withdrawing
//! roles, manual locks, the password history, the sessions an account holds
//! (for the concurrent-session cap) and every account's API tokens (for
//! the security administrator).

use crate::user::{ApiTokenRow, TOKEN_COLUMNS};
use crate::{DbResult, dynamic};
use sqlx::AnyConnection;

/// Grants `role` (`""`: withdraws it) and binds the account to `org_id`.
pub async fn set_role(conn: &mut AnyConnection, id: i64, role: &str, org_id: i64) -> DbResult<()> {
    sqlx::query("UPDATE users SET role = $1, org_id = $2 WHERE id = $3")
        .bind(role)
        .bind(org_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Locks the account until `until` and ends its sessions.
pub async fn lock(conn: &mut AnyConnection, id: i64, until: &str) -> DbResult<()> {
    sqlx::query("UPDATE users SET locked_until = $1, failed_attempts = 0 WHERE id = $2")
        .bind(until)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    crate::user::delete_sessions_of(conn, id).await
}

/// Marks the password as to be changed at the next login (expiry).
pub async fn require_change(conn: &mut AnyConnection, id: i64) -> DbResult<()> {
    sqlx::query("UPDATE users SET must_change_password = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn push_history(
    conn: &mut AnyConnection,
    user_id: i64,
    hash: &str,
    now: &str,
) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO password_history (user_id, password_hash, created_at) VALUES ($1, $2, $3)",
    )
    .bind(user_id)
    .bind(hash)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The hashes of the user's last `n` chosen passwords, newest first.
pub async fn recent_hashes(
    conn: &mut AnyConnection,
    user_id: i64,
    n: i64,
) -> DbResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(n)
    .fetch_all(&mut *conn)
    .await?)
}

/// The token hashes of the user's sessions, oldest first.
pub async fn sessions_of(conn: &mut AnyConnection, user_id: i64) -> DbResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT token_hash FROM sessions WHERE user_id = $1 ORDER BY created_at, token_hash",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Ends every session of the user but `keep`.
pub async fn delete_other_sessions(
    conn: &mut AnyConnection,
    user_id: i64,
    keep: &str,
) -> DbResult<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Revokes every live token of the user; returns how many.
pub async fn revoke_tokens_of(
    conn: &mut AnyConnection,
    user_id: i64,
    reason: &str,
    now: &str,
) -> DbResult<u64> {
    Ok(sqlx::query(
        "UPDATE api_tokens SET revoked = 1, revoked_at = $1, revoked_reason = $2 WHERE user_id = $3 AND revoked = 0",
    )
    .bind(now)
    .bind(reason)
    .bind(user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// An API token with its owner, for the security administrator's list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OwnedToken {
    #[sqlx(flatten)]
    pub token: ApiTokenRow,
    pub username: String,
    pub display_name: String,
    pub org_path: String,
}

const OWNED: &str =
    "FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN orgs o ON o.id = u.org_id";

/// Tokens of the accounts bound to organizations in the subtree, newest first.
pub async fn tokens_in(
    conn: &mut AnyConnection,
    path: &str,
    upper: &str,
    limit: i64,
    offset: i64,
) -> DbResult<Vec<OwnedToken>> {
    Ok(sqlx::query_as::<_, OwnedToken>(dynamic(format!(
        "SELECT {TOKEN_COLUMNS}, u.username, u.display_name, o.path AS org_path {OWNED} \
         WHERE o.path >= $1 AND o.path < $2 ORDER BY t.id DESC LIMIT $3 OFFSET $4"
    )))
    .bind(path)
    .bind(upper)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?)
}

pub async fn count_tokens_in(conn: &mut AnyConnection, path: &str, upper: &str) -> DbResult<i64> {
    Ok(sqlx::query_scalar(dynamic(format!(
        "SELECT COUNT(*) {OWNED} WHERE o.path >= $1 AND o.path < $2"
    )))
    .bind(path)
    .bind(upper)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn get_token(conn: &mut AnyConnection, id: i64) -> DbResult<Option<OwnedToken>> {
    Ok(sqlx::query_as::<_, OwnedToken>(dynamic(format!(
        "SELECT {TOKEN_COLUMNS}, u.username, u.display_name, o.path AS org_path {OWNED} WHERE t.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Revokes one token (any owner); false when it was already revoked.
pub async fn revoke_token(
    conn: &mut AnyConnection,
    id: i64,
    reason: &str,
    now: &str,
) -> DbResult<bool> {
    Ok(sqlx::query(
        "UPDATE api_tokens SET revoked = 1, revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked = 0",
    )
    .bind(now)
    .bind(reason)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0)
}
