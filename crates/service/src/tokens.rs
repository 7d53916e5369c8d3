//! Personal API tokens: created by their holder (valid for the policy
//! profile's `token_lifetime_days`), revoked by their holder, by the
//! security administrator (who lists everyone's in scope), and for good
//! when the holder's password is reset, the holder is disabled or their
//! role is withdrawn. The API refuses a token whose account must first
//! change its password.

use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::auth::{actor_of, security_policy};
use crate::crypto::{random_token, sha256_hex};
use crate::error::{ServiceError, ServiceResult};
use dangjian_domain::role::Permission;
use dangjian_store::Conn;
use dangjian_store::user::{self as db, ApiTokenRow};
use dangjian_store::user_security::{self as sdb, OwnedToken};
use jiff::SignedDuration;
use serde_json::json;

pub const PER_PAGE: i64 = 50;

/// When a token stops working: its stored expiry, or for tokens made
/// before expiry existed, `lifetime_days` after its creation.
pub fn token_expiry(t: &ApiTokenRow, lifetime_days: u32) -> String {
    t.expires_at.clone().unwrap_or_else(|| {
        t.created_at
            .parse::<jiff::Timestamp>()
            .map(|c| {
                crate::clock::format_ts(
                    c + SignedDuration::from_hours(i64::from(lifetime_days) * 24),
                )
            })
            .unwrap_or_default()
    })
}

/// The user behind an API bearer token: unrevoked, unexpired, its account
/// active, with a role that may use the API and its own password.
pub async fn api_token(svc: &Services, token: &str) -> ServiceResult<Actor> {
    let policy = security_policy(svc).await?;
    let mut conn = svc.store.read().await?;
    let t = db::user_of_api_token(&mut conn, &sha256_hex(token))
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    if token_expiry(&t, policy.token_lifetime_days) <= svc.clock.now_text() {
        return Err(ServiceError::Unauthenticated);
    }
    let user = db::get_user(&mut conn, t.user_id).await?;
    if user.active == 0 || user.must_change_password != 0 {
        return Err(ServiceError::Unauthenticated);
    }
    drop(conn);
    // Recorded at most once a minute, as the one writer: an API call should
    // not always be a write.
    let now = svc.clock.now();
    let mark_after = crate::clock::format_ts(now - SignedDuration::from_mins(1));
    if t.last_used
        .as_deref()
        .is_none_or(|u| u < mark_after.as_str())
    {
        crate::auth::touch(svc, "api_token", async |c: &mut Conn| {
            db::mark_api_token_used(c, t.id, &svc.clock.now_text()).await
        })
        .await;
    }
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
    let policy = security_policy(svc).await?;
    let token = format!("dj_{}", random_token());
    let expires = crate::clock::format_ts(
        svc.clock.now() + SignedDuration::from_hours(i64::from(policy.token_lifetime_days) * 24),
    );
    let mut tx = svc.store.begin_write().await?;
    let id = db::insert_api_token(
        tx.conn(),
        actor.user_id.0,
        &name,
        &sha256_hex(&token),
        &svc.clock.now_text(),
        &expires,
    )
    .await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "api_token.create",
        &format!("api_token:{id}"),
        actor.org_path.as_str(),
        &json!({"name": name, "expires_at": expires}),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn list_api_tokens(svc: &Services, actor: &Actor) -> ServiceResult<Vec<ApiTokenRow>> {
    actor.require(Permission::UseApi)?;
    let mut conn = svc.store.read().await?;
    Ok(db::api_tokens_of(&mut conn, actor.user_id.0).await?)
}

pub async fn revoke_api_token(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<()> {
    actor.require(Permission::UseApi)?;
    let mut tx = svc.store.begin_write().await?;
    if !db::revoke_api_token(tx.conn(), actor.user_id.0, id, &svc.clock.now_text()).await? {
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

/// Every account's tokens in the security administrator's scope.
pub async fn list_all(
    svc: &Services,
    actor: &Actor,
    page: i64,
) -> ServiceResult<(Vec<OwnedToken>, i64)> {
    actor.require(Permission::ManageSecurity)?;
    let (lo, hi) = actor.scope_range();
    let mut conn = svc.store.read().await?;
    let rows = sdb::tokens_in(&mut conn, &lo, &hi, PER_PAGE, (page.max(1) - 1) * PER_PAGE).await?;
    let total = sdb::count_tokens_in(&mut conn, &lo, &hi).await?;
    Ok((rows, total))
}

/// The security administrator revokes anyone's token in scope.
pub async fn revoke_any(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<()> {
    actor.require(Permission::ManageSecurity)?;
    let mut tx = svc.store.begin_write().await?;
    let t = sdb::get_token(tx.conn(), id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    actor.require_scope(&t.org_path)?;
    if !sdb::revoke_token(tx.conn(), id, "security_admin", &svc.clock.now_text()).await? {
        return Err(ServiceError::forbidden("该令牌已撤销"));
    }
    audit::by(
        tx.conn(),
        svc,
        actor,
        "api_token.revoke",
        &format!("api_token:{id}"),
        &t.org_path,
        &json!({"owner": t.username, "name": t.token.name, "reason": "security_admin"}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
