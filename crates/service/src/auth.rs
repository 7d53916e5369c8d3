//! Logging in and out, browser sessions with an idle timeout, lockout after
//! repeated failures, and personal API tokens. Every login success and
//! failure is audited.

use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::crypto::{random_token, sha256_hex, verify_password};
use crate::error::{ServiceError, ServiceResult};
use dangjian_domain::ids::{OrgId, UserId};
use dangjian_domain::org::OrgPath;
use dangjian_domain::role::{Permission, Role};
use dangjian_store::user::{self as db, UserRow};
use serde_json::json;

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
                "连续{MAX_FAILED_LOGINS}次登录失败，账号已锁定至 {}，请稍后再试或联系安全管理员",
                crate::clock::display_ts(until)
            ),
            LoginError::Disabled => "账号已停用，请联系管理员".into(),
        }
    }
}

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

/// Checks the password, applies the lockout rule, audits the attempt and
/// opens a session.
pub async fn login(
    svc: &Services,
    username: &str,
    password: &str,
) -> ServiceResult<Result<(Actor, NewSession), LoginError>> {
    let username = username.trim();
    let now = svc.clock.now();
    let now_text = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let Some(user) = db::find_by_username(tx.conn(), username).await? else {
        // Same answer as a wrong password, so usernames cannot be probed.
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
    let target = format!("user:{}", user.id);
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
            &json!({"reason": "locked"}),
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
            &json!({"reason": "disabled"}),
        )
        .await?;
        tx.commit().await?;
        return Ok(Err(LoginError::Disabled));
    }
    // Argon2 takes tens of milliseconds; the writer lock is held meanwhile,
    // which also rate-limits guessing.
    if !verify_password(password, &user.password_hash) {
        let until = crate::clock::format_ts(now + jiff::SignedDuration::from_mins(LOCK_MINUTES));
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
        &json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok((actor_of(&user)?, session)))
}

/// The user and CSRF token behind a session cookie, if the session exists
/// and has not been idle for more than [`IDLE_MINUTES`]. Touches it.
pub async fn session(svc: &Services, token: &str) -> ServiceResult<(Actor, String)> {
    let hash = sha256_hex(token);
    let mut conn = svc.store.read().await?;
    let s = db::get_session_user(&mut conn, &hash)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    let cutoff =
        crate::clock::format_ts(svc.clock.now() - jiff::SignedDuration::from_mins(IDLE_MINUTES));
    if s.last_seen < cutoff {
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
    let touch_after = crate::clock::format_ts(svc.clock.now() - jiff::SignedDuration::from_mins(1));
    if s.last_seen < touch_after {
        db::touch_session(&mut conn, &hash, &svc.clock.now_text()).await?;
    }
    Ok((actor_of(&user)?, s.csrf_token))
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

/// The user behind an API bearer token.
pub async fn api_token(svc: &Services, token: &str) -> ServiceResult<Actor> {
    let mut conn = svc.store.read().await?;
    let (token_id, user_id) = db::user_of_api_token(&mut conn, &sha256_hex(token))
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    let user = db::get_user(&mut conn, user_id).await?;
    if user.active == 0 {
        return Err(ServiceError::Unauthenticated);
    }
    db::mark_api_token_used(&mut conn, token_id, &svc.clock.now_text()).await?;
    let actor = actor_of(&user)?;
    actor
        .require(Permission::UseApi)
        .map_err(|_| ServiceError::Unauthenticated)?;
    Ok(actor)
}

/// Creates a personal access token; the plain token is returned once.
pub async fn create_api_token(svc: &Services, actor: &Actor, name: &str) -> ServiceResult<String> {
    actor.require(Permission::UseApi)?;
    let name = dangjian_domain::error::text_field("name", "令牌名称", name, true, 50)?;
    let token = format!("dj_{}", random_token());
    let mut tx = svc.store.begin_write().await?;
    let id = db::insert_api_token(
        tx.conn(),
        actor.user_id.0,
        &name,
        &sha256_hex(&token),
        &svc.clock.now_text(),
    )
    .await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "api_token.create",
        &format!("api_token:{id}"),
        actor.org_path.as_str(),
        &json!({"name": name}),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn list_api_tokens(svc: &Services, actor: &Actor) -> ServiceResult<Vec<db::ApiTokenRow>> {
    actor.require(Permission::UseApi)?;
    let mut conn = svc.store.read().await?;
    Ok(db::api_tokens_of(&mut conn, actor.user_id.0).await?)
}

pub async fn revoke_api_token(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<()> {
    actor.require(Permission::UseApi)?;
    let mut tx = svc.store.begin_write().await?;
    if !db::revoke_api_token(tx.conn(), actor.user_id.0, id).await? {
        return Err(ServiceError::NotFound);
    }
    audit::by(
        tx.conn(),
        svc,
        actor,
        "api_token.revoke",
        &format!("api_token:{id}"),
        actor.org_path.as_str(),
        &json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
