//! Guards against membership oracles (issue 10, finding 4): whether an ID
//! number is already registered is something the member form and the
//! import must answer, but the answer must not become a way to learn who is
//! a Party member where. A number registered outside the user's scope gets
//! one message that says nothing about where; every hit, in scope or out,
//! is audited and counted per user and day; past the daily limit the
//! request is refused as a whole and the security administrator alerted.
//! Also the security administrator's alert list (安全告警).

use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::error::{ServiceError, ServiceResult};
use dangjian_domain::role::Permission;
use dangjian_store::Conn;
use dangjian_store::security as db;
use serde_json::json;

/// What a number registered outside the user's scope is answered with.
pub const HIDDEN_DUPLICATE: &str = "该号码无法登记，请联系县委组织部核实";
/// Duplicate hits a user may cause per day before requests are refused.
pub const DAILY_PROBE_LIMIT: i64 = 20;
/// The refusal past the limit (the field is the ID number's, or the file's).
pub const PROBE_LIMIT_REACHED: &str = "今日公民身份号码重复登记的提示次数已达上限，本次提交不予受理，已通知安全管理员；如确需登记，请联系县委组织部";

/// Duplicate hits of one request.
#[derive(Debug, Default, Clone, Copy)]
pub struct Hits {
    pub in_scope: usize,
    pub out_of_scope: usize,
}

impl Hits {
    pub fn total(self) -> usize {
        self.in_scope + self.out_of_scope
    }
}

/// Records a request's duplicate hits (audit row and daily count) in the
/// caller's write transaction, which the caller commits even though the
/// request itself is refused. Returns `Err` with [`PROBE_LIMIT_REACHED`] on
/// `field` when the day's count passes the limit, after writing an alert.
pub(crate) async fn record_hits(
    conn: &mut Conn,
    svc: &Services,
    actor: &Actor,
    via: &str,
    field: &'static str,
    hits: Hits,
) -> ServiceResult<()> {
    if hits.total() == 0 {
        return Ok(());
    }
    let day = svc.clock.today().to_string();
    let total = db::add_probe_hits(conn, actor.user_id.0, &day, hits.total() as i64).await?;
    audit::by(
        conn,
        svc,
        actor,
        "member.duplicate_hit",
        &format!("user:{}", actor.user_id.0),
        actor.org_path.as_str(),
        &json!({"via": via, "in_scope": hits.in_scope, "out_of_scope": hits.out_of_scope, "today": total}),
    )
    .await?;
    if total <= DAILY_PROBE_LIMIT {
        return Ok(());
    }
    let detail = format!(
        "用户 {}（{}，{}）今日公民身份号码重复命中 {} 次，超过上限 {} 次（{}），请求已拒绝",
        actor.username,
        actor.role.label(),
        actor.org_name,
        total,
        DAILY_PROBE_LIMIT,
        via
    );
    db::insert_alert(
        conn,
        &svc.clock.now_text(),
        "id_probe_limit",
        &actor.username,
        &detail,
    )
    .await?;
    audit::by(
        conn,
        svc,
        actor,
        "security.alert",
        &format!("user:{}", actor.user_id.0),
        actor.org_path.as_str(),
        &json!({"kind": "id_probe_limit", "today": total, "via": via}),
    )
    .await?;
    Err(ServiceError::field(field, PROBE_LIMIT_REACHED))
}

/// One alert as the security administrator's list shows it.
#[derive(Debug, Clone)]
pub struct Alert {
    pub id: i64,
    pub at: String,
    pub kind: &'static str,
    pub username: String,
    pub detail: String,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "id_probe_limit" => "身份号码查重超限",
        _ => "其他",
    }
}

pub const ALERTS_PER_PAGE: i64 = 50;

/// A page of alerts, newest first, and the total: security administrator only.
pub async fn alerts(svc: &Services, actor: &Actor, page: i64) -> ServiceResult<(Vec<Alert>, i64)> {
    actor.require(Permission::ManageSecurity)?;
    let mut conn = svc.store.read().await?;
    let total = db::count_alerts(&mut conn).await?;
    let rows = db::alerts(
        &mut conn,
        ALERTS_PER_PAGE,
        (page.max(1) - 1) * ALERTS_PER_PAGE,
    )
    .await?;
    Ok((
        rows.into_iter()
            .map(|r| Alert {
                id: r.id,
                at: r.at,
                kind: kind_label(&r.kind),
                username: r.username,
                detail: r.detail,
            })
            .collect(),
        total,
    ))
}
