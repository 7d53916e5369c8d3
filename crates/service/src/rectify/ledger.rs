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
use crate::work::{self, ActionOption, NewWorkItem, WorkItemSummary, WorkKind};
use crate::{Services, audit};
use dangjian_domain::FieldError;
use dangjian_domain::error::{date_field, text_field};
use dangjian_domain::rectify::{LedgerStatus, Plan, PlanInput};
use dangjian_domain::role::Permission;
use dangjian_domain::warnings::Level;
use dangjian_domain::work::WorkState;
use dangjian_store::Conn;
use dangjian_store::org as odb;
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
    /// The rectification work items, by deadline, with what the reader may
    /// do with each.
    pub items: Vec<ItemLine>,
    /// Who may dispatch a new item: (organization id, name), the township
    /// first; empty when the reader may not.
    pub owners: Vec<(i64, String)>,
    pub can_plan: bool,
    pub can_accept: bool,
    pub can_recheck: bool,
}

/// The plan form as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub analysis: String,
    pub goal: String,
    pub measures: String,
    pub deadline: String,
    pub responsible: String,
    pub contact_leader: String,
}

/// A rectification item on the ledger page.
#[derive(Debug, Clone, Serialize)]
pub struct ItemLine {
    pub item: WorkItemSummary,
    /// The actions the reader may take on it now.
    pub actions: Vec<ActionOption>,
}

/// A new rectification item as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ItemForm {
    pub title: String,
    pub detail: String,
    pub deadline: String,
    /// The dispatching organization: the township (default) or the county.
    pub owner_org: String,
}

/// The source key of a ledger's work items.
pub fn source_of(id: i64) -> String {
    format!("ledger:{id}")
}

fn accepted(items: &[WorkItemSummary]) -> usize {
    items
        .iter()
        .filter(|i| i.state == WorkState::Accepted.code())
        .count()
}

/// The status shown: the stored one, 整改中 reading 待验收 once every item
/// is accepted.
fn status_with(l: &LedgerRow, items: &[WorkItemSummary]) -> LedgerStatus {
    LedgerStatus::derive(stored_status(l), items.len(), accepted(items))
}

async fn items_of(conn: &mut Conn, svc: &Services, id: i64) -> ServiceResult<Vec<WorkItemSummary>> {
    work::by_source_on(conn, &source_of(id), svc.clock.today()).await
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
    let mut conn = svc.store.read().await?;
    let rows = db::ledgers(&mut conn, i64::from(year), &path, &upper).await?;
    let mut by_status = [0usize; 4];
    let mut ledgers = Vec::with_capacity(rows.len());
    for l in rows {
        // One small indexed read per ledger: a county confirms tens of
        // organizations a year, not thousands.
        let status = if stored_status(&l) == LedgerStatus::InProgress {
            status_with(&l, &items_of(&mut conn, svc, l.id).await?)
        } else {
            stored_status(&l)
        };
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
    let (summaries, owners) = {
        let mut conn = svc.store.read().await?;
        let items = items_of(&mut conn, svc, l.id).await?;
        let mut owners = Vec::new();
        if actor.role.can(Permission::ManageOrgs) {
            let township = odb::get_org(&mut conn, l.owner_org_id).await?;
            let parent = match township.parent_id {
                Some(p) => Some(odb::get_org(&mut conn, p).await?),
                None => None,
            };
            for o in std::iter::once(township).chain(parent) {
                if actor.require_scope(&o.path).is_ok() {
                    owners.push((o.id, o.name));
                }
            }
        }
        (items, owners)
    };
    let latest = warnings::latest(svc, actor, l.org_id).await?;
    let now_as_of = latest.as_ref().map(|r| r.as_of.clone());
    let now = latest.and_then(|r| r.results.into_iter().find(|w| w.org_id == l.org_id));
    let status = status_with(&l, &summaries);
    let mut items = Vec::with_capacity(summaries.len());
    for item in summaries {
        let actions = work::detail(svc, actor, item.id).await?.actions;
        items.push(ItemLine { item, actions });
    }
    let manages = actor.role.can(Permission::ManageOrgs);
    let county_above = require_county(actor).is_ok() && actor.require_below(&l.org_path).is_ok();
    let owners = if status.check_new_item().is_ok() {
        owners
    } else {
        Vec::new()
    };
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
        can_accept: county_above && status == LedgerStatus::PendingAcceptance,
        can_recheck: manages && status != LedgerStatus::Closed,
        now,
        now_as_of,
        items,
        owners,
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

/// Dispatches a rectification work item (整改事项) of the ledger to its
/// organization, from the township or the county, through the work-items
/// engine (audited there as `work.create`). Returns the item's id.
pub async fn add_item(svc: &Services, actor: &Actor, id: i64, f: &ItemForm) -> ServiceResult<i64> {
    actor.require(Permission::ManageOrgs)?;
    let mut tx = svc.store.begin_write().await?;
    let l = db::get_ledger(tx.conn(), id).await?;
    actor.require_scope(&l.org_path)?;
    let deadline = date_field("deadline", "办理期限", &f.deadline).map_err(|e| invalid(vec![e]))?;
    let items = items_of(tx.conn(), svc, l.id).await?;
    status_with(&l, &items)
        .check_new_item()
        .map_err(|e| invalid(vec![e]))?;
    let township = odb::get_org(tx.conn(), l.owner_org_id).await?;
    let owner_org = match f.owner_org.trim() {
        "" => township.id,
        raw => {
            let chosen: i64 = raw
                .parse()
                .map_err(|_| ServiceError::field("owner_org", "请选择交办单位"))?;
            if chosen != township.id && Some(chosen) != township.parent_id {
                return Err(ServiceError::field(
                    "owner_org",
                    "交办单位应为乡镇（单位）党委或县委",
                ));
            }
            chosen
        }
    };
    let item = work::create_in(
        tx.conn(),
        svc,
        actor,
        &NewWorkItem {
            kind: WorkKind::Rectification,
            title: f.title.clone(),
            detail: f.detail.clone(),
            owner_org,
            assignee_org: l.org_id,
            deadline,
            source: Some(source_of(l.id)),
            task_id: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(item)
}

/// Takes an action on one of the ledger's items (开始办理, 提交办结,
/// 验收销号, 退回重办, 填写进展) through the work-items engine, which decides
/// the reader's side and audits it.
pub async fn act_on_item(
    svc: &Services,
    actor: &Actor,
    id: i64,
    item_id: i64,
    action: &str,
    text: &str,
) -> ServiceResult<()> {
    let l = in_scope(svc, actor, id).await?;
    {
        let mut conn = svc.store.read().await?;
        let items = items_of(&mut conn, svc, l.id).await?;
        if !items.iter().any(|i| i.id == item_id) {
            return Err(ServiceError::NotFound);
        }
    }
    work::act(svc, actor, item_id, work::parse_action(action, text)?).await?;
    Ok(())
}

/// Accepts the rectification (验收销号): the county administrator above the
/// organization, once every rectification item is accepted. The
/// indicators are re-checked first (a stored run for the organization);
/// the level found is kept with the acceptance. The ledger is closed.
pub async fn accept(svc: &Services, actor: &Actor, id: i64, note: &str) -> ServiceResult<()> {
    require_county(actor)?;
    let l = in_scope(svc, actor, id).await?;
    actor.require_below(&l.org_path)?;
    let note = text_field("note", "验收意见", note, true, 2000).map_err(|e| invalid(vec![e]))?;
    {
        let mut conn = svc.store.read().await?;
        let items = items_of(&mut conn, svc, l.id).await?;
        status_with(&l, &items)
            .check_accept(items.len())
            .map_err(|e| invalid(vec![e]))?;
    }
    let now_check = recheck(svc, actor, id).await?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let l = db::get_ledger(tx.conn(), id).await?;
    let items = items_of(tx.conn(), svc, l.id).await?;
    status_with(&l, &items)
        .check_accept(items.len())
        .map_err(|e| invalid(vec![e]))?;
    let level = now_check.as_ref().map(|w| w.level.code());
    let reasons = now_check
        .as_ref()
        .map(|w| serde_json::to_string(&w.reasons).unwrap_or_else(|_| "[]".into()));
    db::close_ledger(
        tx.conn(),
        l.id,
        &note,
        level,
        reasons.as_deref(),
        &actor.username,
        &now,
    )
    .await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "ledger.accept",
        &format!("ledger:{}", l.id),
        &l.org_path,
        &json!({"before": {"status": "pending_acceptance", "level": l.level},
                "after": {"status": "closed", "note": note, "level": level,
                          "items": items.iter().map(|i| i.id).collect::<Vec<_>>()}}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
