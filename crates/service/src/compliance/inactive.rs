//! Members without organizational life (无组织生活党员): active members of a
//! scope present at no record in the last months.

use crate::Services;
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use dangjian_domain::role::Permission;
use dangjian_store::Conn;
use dangjian_store::org::{self as odb, OrgRow};
use dangjian_store::record::{self as db, InactiveMemberRow};
use jiff::ToSpan;
use serde::Serialize;

pub const INACTIVE_PER_PAGE: i64 = 50;

/// A page of members without organizational life.
#[derive(Debug, Clone, Serialize)]
pub struct InactivePage {
    /// Present at nothing held on or after this day.
    pub since: String,
    pub months: u32,
    pub rows: Vec<InactiveMemberRow>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Active members of `org_id`'s subtree who were present at no record in
/// the last `months` months (1–24; the rule's default is 6: 自行脱党 risk).
pub async fn members_without_life(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    months: u32,
    page: i64,
) -> ServiceResult<InactivePage> {
    actor.require(Permission::ReadBusiness)?;
    if !(1..=24).contains(&months) {
        return Err(ServiceError::field("months", "月数应在1到24之间"));
    }
    let since = svc
        .clock
        .today()
        .checked_sub(i64::from(months).months())
        .map_err(|_| ServiceError::field("months", "月数超出范围"))?
        .to_string();
    let mut conn = svc.store.read().await?;
    let scope = scoped(&mut conn, actor, org_id).await?;
    let upper = odb::upper_of(&scope.path);
    let total = db::count_without_life(&mut conn, &scope.path, &upper, &since).await?;
    let pages = ((total + INACTIVE_PER_PAGE - 1) / INACTIVE_PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let rows = db::without_life(
        &mut conn,
        &scope.path,
        &upper,
        &since,
        INACTIVE_PER_PAGE,
        (page - 1) * INACTIVE_PER_PAGE,
    )
    .await?;
    Ok(InactivePage {
        since,
        months,
        rows,
        total,
        page,
        per_page: INACTIVE_PER_PAGE,
    })
}

async fn scoped(conn: &mut Conn, actor: &Actor, org_id: i64) -> ServiceResult<OrgRow> {
    let org = odb::get_org(conn, org_id).await?;
    actor.require_scope(&org.path)?;
    Ok(org)
}
