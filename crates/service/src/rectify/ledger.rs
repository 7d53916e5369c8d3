//! The rectification ledger (整改台账) of each confirmed organization: the
//! analysis and the plan with its four parts (目标任务、措施、时限、责任主体)
//! and the contact county leader, filed by a county or unit administrator;
//! the rectification work items; the indicators' re-check; acceptance by
//! the county administrator, which closes it (销号). Status: 待制定方案 →
//! 整改中 → 待验收 (every item accepted, derived) → 已销号.

use super::{reasons_of, require_county};
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::warnings::{self, OrgWarningView, ReasonView};
use crate::{Services, audit};
use dangjian_domain::FieldError;
use dangjian_domain::rectify::{LedgerStatus, Plan, PlanInput};
use dangjian_domain::role::Permission;
use dangjian_domain::warnings::Level;
use dangjian_store::rectify::{self as db, LedgerRow, PlanFields};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A ledger in the year's list.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerLine {
    pub ledger: LedgerRow,
    pub status: LedgerStatus,
    pub level: Level,
}

/// The year's overview: the townships' numbers and every ledger in scope.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub year: i32,
    pub review: super::ReviewView,
    pub ledgers: Vec<LedgerLine>,
    /// Ledgers per status, in [`LedgerStatus::ALL`] order.
    pub by_status: [usize; 4],
}

/// A ledger with everything its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerView {
    pub ledger: LedgerRow,
    pub status: LedgerStatus,
    /// The level and reasons at screening.
    pub level: Level,
    pub reasons: Vec<ReasonView>,
    /// The latest stored evaluation of the organization (the re-check).
    pub now: Option<OrgWarningView>,
    pub now_as_of: Option<String>,
    /// The re-check stored at acceptance.
    pub accept_level: Option<Level>,
    pub accept_reasons: Vec<ReasonView>,
    pub can_plan: bool,
    pub can_accept: bool,
    pub can_recheck: bool,
}

/// The plan form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub analysis: String,
    pub goal: String,
    pub measures: String,
    pub deadline: String,
    pub responsible: String,
    pub contact_leader: String,
}

fn stored_status(l: &LedgerRow) -> LedgerStatus {
    LedgerStatus::from_code(&l.status).unwrap_or(LedgerStatus::Planning)
}

fn level_of(raw: &str) -> Level {
    Level::parse(raw).unwrap_or(Level::Green)
}

async fn in_scope(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<LedgerRow> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    let l = db::get_ledger(&mut conn, id).await?;
    actor.require_scope(&l.org_path)?;
    Ok(l)
}

/// The year's overview for the actor's scope.
pub async fn overview(svc: &Services, actor: &Actor, year: i32) -> ServiceResult<Overview> {
    let review = super::screening::review(svc, actor, year).await?;
    let (path, upper) = actor.scope_range();
    let rows = {
        let mut conn = svc.store.read().await?;
        db::ledgers(&mut conn, i64::from(year), &path, &upper).await?
    };
    let mut by_status = [0usize; 4];
    let mut ledgers = Vec::with_capacity(rows.len());
    for l in rows {
        let status = stored_status(&l);
        if let Some(i) = LedgerStatus::ALL.iter().position(|s| *s == status) {
            by_status[i] += 1;
        }
        ledgers.push(LedgerLine {
            level: level_of(&l.level),
            ledger: l,
            status,
        });
    }
    Ok(Overview {
        year,
        review,
        ledgers,
        by_status,
    })
}

/// The ledger `id` with the re-check of its organization's indicators.
pub async fn get(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<LedgerView> {
    let l = in_scope(svc, actor, id).await?;
    let latest = warnings::latest(svc, actor, l.org_id).await?;
    let now_as_of = latest.as_ref().map(|r| r.as_of.clone());
    let now = latest.and_then(|r| r.results.into_iter().find(|w| w.org_id == l.org_id));
    let status = stored_status(&l);
    let manages = actor.role.can(Permission::ManageOrgs);
    let county_above = require_county(actor).is_ok() && actor.require_below(&l.org_path).is_ok();
    Ok(LedgerView {
        level: level_of(&l.level),
        reasons: reasons_of(&l.reasons),
        accept_level: l.accept_level.as_deref().map(level_of),
        accept_reasons: l
            .accept_reasons
            .as_deref()
            .map(reasons_of)
            .unwrap_or_default(),
        can_plan: manages && status != LedgerStatus::Closed,
        can_accept: county_above && status != LedgerStatus::Closed,
        can_recheck: manages && status != LedgerStatus::Closed,
        now,
        now_as_of,
        status,
        ledger: l,
    })
}

fn invalid(errors: Vec<FieldError>) -> ServiceError {
    ServiceError::Invalid(errors)
}

/// Files (or revises) the analysis and the plan; a ledger 待制定方案 moves
/// to 整改中. Every part is required; nothing is written when one is
/// missing.
pub async fn file_plan(svc: &Services, actor: &Actor, id: i64, f: &PlanForm) -> ServiceResult<()> {
    actor.require(Permission::ManageOrgs)?;
    let plan = Plan::parse(
        &PlanInput {
            analysis: &f.analysis,
            goal: &f.goal,
            measures: &f.measures,
            deadline: &f.deadline,
            responsible: &f.responsible,
            contact_leader: &f.contact_leader,
        },
        svc.clock.today(),
    );
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let l = db::get_ledger(tx.conn(), id).await?;
    actor.require_scope(&l.org_path)?;
    stored_status(&l)
        .check_plan()
        .map_err(|e| invalid(vec![e]))?;
    let plan = plan.map_err(invalid)?;
    let deadline = plan.deadline.to_string();
    db::set_plan(
        tx.conn(),
        l.id,
        &PlanFields {
            analysis: &plan.analysis,
            goal: &plan.goal,
            measures: &plan.measures,
            deadline: &deadline,
            responsible: &plan.responsible,
            contact_leader: &plan.contact_leader,
        },
        &actor.username,
        &now,
    )
    .await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "ledger.plan",
        &format!("ledger:{}", l.id),
        &l.org_path,
        &json!({
            "before": {"status": l.status, "goal": l.goal, "deadline": l.deadline},
            "after": {"status": if l.status == "planning" { "in_progress" } else { l.status.as_str() },
                      "goal": plan.goal, "measures": plan.measures, "deadline": deadline,
                      "responsible": plan.responsible, "contact_leader": plan.contact_leader},
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Re-checks the organization's indicators now: a stored warning run for
/// the organization (audited as any run), which the ledger page then shows
/// beside the level at screening.
pub async fn recheck(
    svc: &Services,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<OrgWarningView>> {
    let l = in_scope(svc, actor, id).await?;
    let run = warnings::evaluate_scope(svc, actor, l.org_id).await?;
    Ok(run.results.into_iter().find(|w| w.org_id == l.org_id))
}
