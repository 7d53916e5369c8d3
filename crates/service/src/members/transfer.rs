//! Transfers kept as history (组织关系转接) and probation → full
//! membership (转正, 延长预备期).

use super::{fields_of, member_in_scope, require_active, target_org};
use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::error::{Errors, ServiceError, ServiceResult};
use crate::events::{self, Change, ChangeKind};
use dangjian_domain::FieldError;
use dangjian_domain::error::{date_field, text_field};
use dangjian_domain::member::check_full_date;
use dangjian_domain::role::Permission;
use dangjian_store::member as db;
use serde_json::json;

/// Transfers a member to another organization in scope (组织关系转接).
pub async fn transfer(
    svc: &Services,
    actor: &Actor,
    id: i64,
    to_org_id: &str,
    on: &str,
    reason: &str,
) -> ServiceResult<()> {
    actor.require(Permission::EditMembers)?;
    {
        // Scope first: someone outside it learns nothing from validation messages.
        let mut conn = svc.store.read().await?;
        member_in_scope(&mut conn, actor, id).await?;
    }
    let mut e = Errors::default();
    let to = e.take(
        to_org_id
            .trim()
            .parse::<i64>()
            .map_err(|_| FieldError::new("org_id", "请选择转入党组织")),
    );
    let on = e.take(date_field("on_date", "转接日期", on));
    let reason = e.take(text_field("reason", "转接原因", reason, true, 200));
    if let Some(d) = on
        && d > svc.clock.today()
    {
        e.push(FieldError::new("on_date", "转接日期不能晚于今天"));
    }
    e.finish()?;
    let (Some(to), Some(on), Some(reason)) = (to, on, reason) else {
        unreachable!("checked by finish()")
    };
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let m = member_in_scope(tx.conn(), actor, id).await?;
    require_active(&m)?;
    let org = target_org(tx.conn(), actor, to).await?;
    if org.id == m.org_id {
        return Err(ServiceError::field(
            "org_id",
            "转入党组织与当前所在党组织相同",
        ));
    }
    db::transfer(
        tx.conn(),
        &m,
        org.id,
        &org.path,
        &on.to_string(),
        &reason,
        &now,
    )
    .await?;
    audit::by(tx.conn(), svc, actor, "member.transfer", &format!("member:{id}"), &org.path, &json!({"before": {"org": m.org_id}, "after": {"org": org.id}, "on": on.to_string(), "reason": reason})).await?;
    events::commit(
        svc,
        tx,
        [
            Change::new(ChangeKind::Members, &m.org_path),
            Change::new(ChangeKind::Members, &org.path),
        ],
    )
    .await?;
    Ok(())
}

/// Probationary → full member on `full_on` (one year after joining, or up
/// to two with the one permitted extension).
pub async fn confirm_full(
    svc: &Services,
    actor: &Actor,
    id: i64,
    full_on: &str,
) -> ServiceResult<()> {
    actor.require(Permission::EditMembers)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let m = member_in_scope(tx.conn(), actor, id).await?;
    let full_on = date_field("full_on", "转正日期", full_on)?;
    require_active(&m)?;
    if m.category != "probationary" {
        return Err(ServiceError::field("full_on", "该党员已是正式党员"));
    }
    let joined = m
        .joined_on
        .parse()
        .map_err(|_| ServiceError::field("joined_on", "入党日期无效"))?;
    check_full_date(joined, full_on, svc.clock.today())?;
    if m.probation_extended == 0
        && full_on
            > joined
                .checked_add(jiff::Span::new().years(1).days(31))
                .unwrap_or(joined)
    {
        return Err(ServiceError::field(
            "full_on",
            "未延长预备期的党员应在预备期满一年时转正；如需延长请先办理延长预备期",
        ));
    }
    let mut f = fields_of(&m);
    f.category = "full".into();
    f.full_on = Some(full_on.to_string());
    db::update_member(tx.conn(), &m, &f, &now).await?;
    audit::by(tx.conn(), svc, actor, "member.full", &format!("member:{id}"), &m.org_path, &json!({"before": {"category": "probationary"}, "after": {"category": "full", "full_on": full_on.to_string()}})).await?;
    events::commit(svc, tx, [Change::new(ChangeKind::Members, &m.org_path)]).await?;
    Ok(())
}

/// Extends probation once (延长预备期, at most one year).
pub async fn extend_probation(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<()> {
    actor.require(Permission::EditMembers)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let m = member_in_scope(tx.conn(), actor, id).await?;
    require_active(&m)?;
    if m.category != "probationary" {
        return Err(ServiceError::field(
            "category",
            "只有预备党员可以延长预备期",
        ));
    }
    if m.probation_extended != 0 {
        return Err(ServiceError::field("category", "预备期只能延长一次"));
    }
    let mut f = fields_of(&m);
    f.probation_extended = true;
    db::update_member(tx.conn(), &m, &f, &now).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "member.extend_probation",
        &format!("member:{id}"),
        &m.org_path,
        &json!({"after": {"probation_extended": true}}),
    )
    .await?;
    events::commit(svc, tx, [Change::new(ChangeKind::Members, &m.org_path)]).await?;
    Ok(())
}
