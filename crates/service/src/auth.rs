//! Logging in and out and browser sessions: an idle timeout, an absolute
//! lifetime and a cap on concurrent sessions per account (the policy
//! profile's `[security]`), lockout after repeated failures, and the same
//! answer and the same Argon2 work for an unknown username as for a wrong
//! password. Every login success and failure is audited. Personal API
//! tokens live in [`crate::tokens`] (re-exported here).

use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::crypto::{hash_password, random_token, sha256_hex, verify_password};
use crate::error::{ServiceError, ServiceResult};
use dangjian_domain::ids::{OrgId, UserId};
use dangjian_domain::org::OrgPath;
use dangjian_domain::policy::SecurityPolicy;
use dangjian_domain::role::Role;
use dangjian_store::Conn;
use dangjian_store::user::{self as db, UserRow};
use dangjian_store::user_security as sdb;
use jiff::SignedDuration;
use serde_json::json;
use std::sync::OnceLock;

pub use crate::tokens::{
    api_token, create_api_token, list_api_tokens, revoke_api_token, token_expiry,
};

/// Failed attempts before the account is locked.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 30;
/// A session unused for this long is over.
pub const IDLE_MINUTES: i64 = 30;

/// A fresh session: the cookie value (shown once) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

/// Why a login failed, in words the login page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    BadCredentials,
    Locked { until: String },
    Disabled,
}

impl LoginError {
    pub fn message(&self) -> String {
        match self {
            LoginError::BadCredentials => "用户名或密码错误".into(),
            LoginError::Locked { until } => format!(
                "账号已锁定至 {}（连续{MAX_FAILED_LOGINS}次登录失败或由安全管理员锁定），请稍后再试或联系安全管理员",
                crate::clock::display_ts(until)
            ),
            LoginError::Disabled => "账号已停用，请联系管理员".into(),
        }
    }
}

/// The logged-in account, whether or not it may act yet: an account
/// without a granted role, or with a password someone else set, reaches
/// only its own password change.
#[derive(Debug, Clone)]
pub struct Account {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    /// `None`: no role granted yet (see `users::grant_role`).
    pub role: Option<Role>,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    /// The password was set by someone else (or expired) and must be
    /// changed before anything else.
    pub must_change_password: bool,
}

impl Account {
    pub fn of(u: &UserRow) -> ServiceResult<Account> {
        let org_path = OrgPath::from_stored(&u.org_path).ok_or(ServiceError::Unauthenticated)?;
        Ok(Account {
            user_id: UserId(u.id),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: Role::from_code(&u.role),
            org_id: OrgId(u.org_id),
            org_path,
            org_name: u.org_name.clone(),
            must_change_password: u.must_change_password != 0,
        })
    }

    /// The acting user, once the account has a role and its own password.
    pub fn actor(&self) -> ServiceResult<Actor> {
        if self.must_change_password {
            return Err(ServiceError::forbidden("请先修改初始密码"));
        }
        let role = self
            .role
            .ok_or_else(|| ServiceError::forbidden("账号尚未授权，请联系安全管理员授予角色"))?;
        Ok(Actor {
            user_id: self.user_id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role,
            org_id: self.org_id,
            org_path: self.org_path.clone(),
            org_name: self.org_name.clone(),
        })
    }
}

/// The acting user of an account row (role granted; the caller checks the
/// pending password change where it matters).
pub fn actor_of(u: &UserRow) -> ServiceResult<Actor> {
    let role = Role::from_code(&u.role).ok_or(ServiceError::Unauthenticated)?;
    let org_path = OrgPath::from_stored(&u.org_path).ok_or(ServiceError::Unauthenticated)?;
    Ok(Actor {
        user_id: UserId(u.id),
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role,
        org_id: OrgId(u.org_id),
        org_path,
        org_name: u.org_name.clone(),
    })
}

/// The `[security]` settings of the active policy profile.
pub async fn security_policy(svc: &Services) -> ServiceResult<SecurityPolicy> {
    Ok(*crate::policy::active(svc).await?.profile.security())
}

/// An Argon2 hash of nothing anybody knows, verified against for unknown
/// usernames so that they cost the same time as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()))
}

/// Is the password older than the profile allows?
fn password_expired(u: &UserRow, policy: &SecurityPolicy, now: jiff::Timestamp) -> bool {
    if policy.password_max_age_days == 0 {
        return false;
    }
    let since = u.password_changed_at.as_deref().unwrap_or(&u.created_at);
    let max = SignedDuration::from_hours(i64::from(policy.password_max_age_days) * 24);
    since
        .parse::<jiff::Timestamp>()
        .is_ok_and(|t| t + max < now)
}

/// Checks the password, applies the lockout rule, audits the attempt and
/// opens a session, ending the account's oldest sessions beyond the cap.
/// Every path verifies one Argon2 hash, so the time taken does not tell
/// whether the username exists.
pub async fn login(
    svc: &Services,
    username: &str,
    password: &str,
) -> ServiceResult<Result<(Account, NewSession), LoginError>> {
    let username = username.trim();
    let policy = security_policy(svc).await?;
    let now = svc.clock.now();
    let now_text = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let Some(user) = db::find_by_username(tx.conn(), username).await? else {
        // Same work and the same answer as a wrong password.
        let _ = verify_password(password, dummy_hash());
        audit::append(
            tx.conn(),
            svc,
            username,
            "login.failure",
            "user:?",
            "",
            &json!({"reason": "unknown_user"}),
        )
        .await?;
        tx.commit().await?;
        return Ok(Err(LoginError::BadCredentials));
    };
    // Argon2 takes tens of milliseconds; the writer lock is held meanwhile,
    // which also slows guessing.
    let password_ok = verify_password(password, &user.password_hash);
    let target = format!("user:{}", user.id);
    let fail = |reason: &'static str| json!({"reason": reason});
    if let Some(until) = &user.locked_until
        && until.as_str() > now_text.as_str()
    {
        audit::append(
            tx.conn(),
            svc,
            username,
            "login.failure",
            &target,
            &user.org_path,
            &fail("locked"),
        )
        .await?;
        tx.commit().await?;
        return Ok(Err(LoginError::Locked {
            until: until.clone(),
        }));
    }
    if user.active == 0 {
        audit::append(
            tx.conn(),
            svc,
            username,
            "login.failure",
            &target,
            &user.org_path,
            &fail("disabled"),
        )
        .await?;
        tx.commit().await?;
        return Ok(Err(LoginError::Disabled));
    }
    if !password_ok {
        let until = crate::clock::format_ts(now + SignedDuration::from_mins(LOCK_MINUTES));
        let n = db::record_failed_login(tx.conn(), user.id, MAX_FAILED_LOGINS, &until).await?;
        let locked = n >= MAX_FAILED_LOGINS;
        audit::append(
            tx.conn(),
            svc,
            username,
            "login.failure",
            &target,
            &user.org_path,
            &json!({"reason": "bad_password", "attempt": n, "locked": locked}),
        )
        .await?;
        tx.commit().await?;
        return Ok(Err(if locked {
            LoginError::Locked { until }
        } else {
            LoginError::BadCredentials
        }));
    }
    db::clear_failed_logins(tx.conn(), user.id).await?;
    let mut user = user;
    let expired = user.must_change_password == 0 && password_expired(&user, &policy, now);
    if expired {
        sdb::require_change(tx.conn(), user.id).await?;
        user.must_change_password = 1;
    }
    // The cap: end the oldest sessions so that this one fits.
    let existing = sdb::sessions_of(tx.conn(), user.id).await?;
    let cap = policy.max_sessions_per_user as usize;
    let evict = (existing.len() + 1).saturating_sub(cap);
    for hash in existing.iter().take(evict) {
        db::delete_session(tx.conn(), hash).await?;
    }
    let session = NewSession {
        token: random_token(),
        csrf_token: random_token(),
    };
    db::insert_session(
        tx.conn(),
        &sha256_hex(&session.token),
        user.id,
        &session.csrf_token,
        &now_text,
    )
    .await?;
    audit::append(
        tx.conn(),
        svc,
        username,
        "login.success",
        &target,
        &user.org_path,
        &json!({
            "sessions_ended": evict,
            "must_change_password": user.must_change_password != 0,
            "password_expired": expired,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok((Account::of(&user)?, session)))
}

/// The account and CSRF token behind a session cookie, if the session
/// exists, has not been idle for more than [`IDLE_MINUTES`] and is younger
/// than the profile's `session_lifetime_hours`. Touches it.
pub async fn session(svc: &Services, token: &str) -> ServiceResult<(Account, String)> {
    let policy = security_policy(svc).await?;
    let hash = sha256_hex(token);
    let mut conn = svc.store.read().await?;
    let s = db::get_session_user(&mut conn, &hash)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    let now = svc.clock.now();
    let idle_cutoff = crate::clock::format_ts(now - SignedDuration::from_mins(IDLE_MINUTES));
    let life_cutoff = crate::clock::format_ts(
        now - SignedDuration::from_hours(i64::from(policy.session_lifetime_hours)),
    );
    if s.last_seen < idle_cutoff || s.session_created_at < life_cutoff {
        drop(conn);
        let mut tx = svc.store.begin_write().await?;
        db::delete_session(tx.conn(), &hash).await?;
        tx.commit().await?;
        return Err(ServiceError::Unauthenticated);
    }
    let user = s.user;
    if user.active == 0 {
        return Err(ServiceError::Unauthenticated);
    }
    // Touch at most once a minute: a page view should not always be a write.
    let touch_after = crate::clock::format_ts(now - SignedDuration::from_mins(1));
    if s.last_seen < touch_after {
        drop(conn);
        touch(svc, "session", async |c: &mut Conn| {
            db::touch_session(c, &hash, &svc.clock.now_text()).await
        })
        .await;
    }
    Ok((Account::of(&user)?, s.csrf_token))
}

/// Writes a bookkeeping timestamp (a session's last page view, a token's
/// last use) as the one writer, like every write, in a short transaction of
/// its own. Best effort: the request it belongs to is served even if the
/// write fails (it is logged; the next request a minute on tries again).
pub(crate) async fn touch(
    svc: &Services,
    what: &'static str,
    write: impl AsyncFnOnce(&mut Conn) -> dangjian_store::DbResult<()>,
) {
    let done = async {
        let mut tx = svc.store.begin_write().await?;
        write(tx.conn()).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = done {
        tracing::warn!(what, error = %e, "last-use time not recorded");
    }
}

pub async fn logout(svc: &Services, token: &str) -> ServiceResult<()> {
    let mut tx = svc.store.begin_write().await?;
    if let Some(s) = db::get_session(tx.conn(), &sha256_hex(token)).await? {
        let user = db::get_user(tx.conn(), s.user_id).await?;
        db::delete_session(tx.conn(), &s.token_hash).await?;
        audit::append(
            tx.conn(),
            svc,
            &user.username,
            "logout",
            &format!("user:{}", user.id),
            &user.org_path,
            &json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
