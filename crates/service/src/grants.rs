//! The security administrator's account duties (三员分立): grant a role and
//! bind the account to an organization (its scope), withdraw the role, and
//! lock an account until it is unlocked. Never on its own account. The
//! account's sessions end with every change, so the new rights apply from
//! the next login; a withdrawn role also revokes the account's API tokens.
//! Every change is audited with the before and after.

use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::error::{ServiceError, ServiceResult};
use crate::users::user_in_scope;
use dangjian_domain::FieldError;
use dangjian_domain::role::{Permission, Role};
use dangjian_store::DbError;
use dangjian_store::org as odb;
use dangjian_store::user as db;
use dangjian_store::user_security as sdb;
use serde_json::json;

/// A manual lock lasts until the security administrator lifts it.
pub const LOCKED_FOREVER: &str = "9999-12-31T23:59:59.000000Z";

fn not_self(actor: &Actor, id: i64) -> ServiceResult<()> {
    if actor.user_id.0 == id {
        Err(ServiceError::forbidden("不能变更自己账号的角色或锁定状态"))
    } else {
        Ok(())
    }
}

/// Grants `role` (a role code) and binds the account to organization
/// `org_id` (a number), both inside the security administrator's scope.
pub async fn grant_role(
    svc: &Services,
    actor: &Actor,
    id: i64,
    role: &str,
    org_id: &str,
) -> ServiceResult<()> {
    actor.require(Permission::ManageSecurity)?;
    not_self(actor, id)?;
    let mut tx = svc.store.begin_write().await?;
    let u = user_in_scope(tx.conn(), actor, id).await?;
    let mut errors = Vec::new();
    let role = Role::from_code(role.trim()).filter(|r| actor.role.grantable().contains(r));
    if role.is_none() {
        errors.push(FieldError::new("role", "请选择要授予的角色"));
    }
    let org_id = org_id.trim().parse::<i64>().ok().filter(|i| *i > 0);
    if org_id.is_none() {
        errors.push(FieldError::new("org_id", "请填写所属党组织的编号"));
    }
    let (Some(role), Some(org_id)) = (role, org_id) else {
        return Err(ServiceError::Invalid(errors));
    };
    let org = match odb::get_org(tx.conn(), org_id).await {
        Ok(o) => o,
        Err(DbError::NotFound) => {
            return Err(ServiceError::field("org_id", "该编号的党组织不存在"));
        }
        Err(e) => return Err(e.into()),
    };
    actor
        .require_scope(&org.path)
        .map_err(|_| ServiceError::field("org_id", "该党组织不在您的管辖范围内"))?;
    if org.status != "active" {
        return Err(ServiceError::field("org_id", "该党组织已撤销"));
    }
    if u.role == role.code() && u.org_id == org_id {
        return Err(ServiceError::field("role", "该账号已是此角色和所属党组织"));
    }
    sdb::set_role(tx.conn(), id, role.code(), org_id).await?;
    db::delete_sessions_of(tx.conn(), id).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "user.grant",
        &format!("user:{id}"),
        &org.path,
        &json!({
            "before": {"role": u.role, "org": u.org_id},
            "after": {"role": role.code(), "org": org_id},
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws the account's role: it keeps its organization but reaches
/// nothing until a role is granted again; its API tokens are revoked.
pub async fn withdraw_role(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<()> {
    actor.require(Permission::ManageSecurity)?;
    not_self(actor, id)?;
    let mut tx = svc.store.begin_write().await?;
    let u = user_in_scope(tx.conn(), actor, id).await?;
    if u.role.is_empty() {
        return Err(ServiceError::forbidden("该账号尚未被授予角色"));
    }
    let now = svc.clock.now_text();
    sdb::set_role(tx.conn(), id, "", u.org_id).await?;
    db::delete_sessions_of(tx.conn(), id).await?;
    let revoked = sdb::revoke_tokens_of(tx.conn(), id, "role_withdrawn", &now).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "user.withdraw",
        &format!("user:{id}"),
        &u.org_path,
        &json!({"before": {"role": u.role}, "after": {"role": ""}, "tokens_revoked": revoked}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Locks the account until the security administrator unlocks it; its
/// sessions end.
pub async fn lock(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<()> {
    actor.require(Permission::ManageSecurity)?;
    not_self(actor, id)?;
    let mut tx = svc.store.begin_write().await?;
    let u = user_in_scope(tx.conn(), actor, id).await?;
    sdb::lock(tx.conn(), id, LOCKED_FOREVER).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "user.lock",
        &format!("user:{id}"),
        &u.org_path,
        &json!({"before": {"locked_until": u.locked_until}, "after": {"locked_until": LOCKED_FOREVER}}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
