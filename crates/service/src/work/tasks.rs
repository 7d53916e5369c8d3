//! Supervised tasks (督办任务): an administrator dispatches one task to many
//! units of its subtree at once — one work item per unit, owned by the
//! dispatcher's organization. Each unit reports (progress notes, submission)
//! on its item; the dispatcher accepts or returns each report on the item's
//! page, reminds the units that have not reported (催办: one notice to each,
//! audited) and reads the progress table (`domain::work::task_progress`).

use crate::actor::Actor;
use crate::error::{Errors, ServiceError, ServiceResult};
use crate::work::notices::{self, NoticeKind};
use crate::work::{NewWorkItem, WorkItemSummary, WorkKind, create_in, escalate, summarize};
use crate::{Services, audit};
use dangjian_domain::FieldError;
use dangjian_domain::error::{date_field, text_field};
use dangjian_domain::ids::OrgId;
use dangjian_domain::org::{OrgKind, Sector};
use dangjian_domain::role::Permission;
use dangjian_domain::work::{TaskProgress, UnitItem, WorkState, task_progress};
use dangjian_store::org as odb;
use dangjian_store::work::{self as db, TaskRow};
use serde::Serialize;
use serde_json::json;

/// Most units one task goes to.
pub const MAX_UNITS: usize = 500;

/// The dispatch form as submitted.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DispatchForm {
    pub title: String,
    pub detail: String,
    /// `YYYY-MM-DD`.
    pub deadline: String,
    /// Chosen units (direct children of the dispatcher's organization).
    pub units: Vec<i64>,
    /// "全部乡镇": every active child township (a rural or community 党委)
    /// of the dispatcher's organization.
    pub all_townships: bool,
}

/// A unit the dispatcher may choose.
#[derive(Debug, Clone, Serialize)]
pub struct UnitOption {
    pub id: i64,
    pub name: String,
    pub kind_label: &'static str,
    /// A rural or community 党委 (at county level: a township or 街道),
    /// chosen by the "全部乡镇" shortcut; county departments are not.
    pub township: bool,
}

/// The units the actor may dispatch to: the active direct children of its
/// organization.
pub async fn unit_options(svc: &Services, actor: &Actor) -> ServiceResult<Vec<UnitOption>> {
    actor.require(Permission::ManageOrgs)?;
    let mut conn = svc.store.read().await?;
    let rows = odb::children(&mut conn, actor.org_id.0, false, MAX_UNITS as i64, 0).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let kind = OrgKind::from_code(&c.kind);
            let local = matches!(
                Sector::from_code(&c.sector),
                Some(Sector::Rural | Sector::Community)
            );
            UnitOption {
                id: c.id,
                name: c.name,
                kind_label: kind.map_or("", OrgKind::label),
                township: kind == Some(OrgKind::Committee) && local,
            }
        })
        .collect())
}

/// Whether every id is an active direct child of the actor's organization.
/// The option list holds at most [`MAX_UNITS`] children (a county generated
/// at scale 100 has thousands), so ids beyond it are looked up.
async fn direct_children(
    svc: &Services,
    actor: &Actor,
    options: &[UnitOption],
    ids: &[i64],
) -> ServiceResult<bool> {
    let rest: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !options.iter().any(|o| o.id == *id))
        .collect();
    if rest.is_empty() {
        return Ok(true);
    }
    let mut conn = svc.store.read().await?;
    let rows = odb::get_orgs(&mut conn, &rest).await?;
    Ok(rest.iter().all(|id| {
        rows.iter()
            .any(|o| o.id == *id && o.parent_id == Some(actor.org_id.0) && o.status == "active")
    }))
}

/// Dispatches a task: validates the form (标题, 具体要求, 办理期限, 承办单位),
/// then in one transaction stores the task (audited `task.create`) and one
/// work item per unit ([`create_in`]: each audited, each unit notified).
/// Only administrators (ManageOrgs); every unit must be a direct child of
/// the actor's organization. Returns the task's id.
pub async fn dispatch(svc: &Services, actor: &Actor, form: &DispatchForm) -> ServiceResult<i64> {
    actor.require(Permission::ManageOrgs)?;
    let options = unit_options(svc, actor).await?;
    let mut errs = Errors::default();
    let title = errs.take(text_field(
        "title",
        "标题",
        &form.title,
        true,
        super::TITLE_MAX,
    ));
    let detail = errs.take(super::detail_text(&form.detail));
    let deadline = errs.take(date_field("deadline", "办理期限", &form.deadline));
    if deadline.is_some_and(|d| d < svc.clock.today()) {
        errs.push(FieldError::new("deadline", "办理期限不能早于今天"));
    }
    let mut units: Vec<i64> = Vec::new();
    if form.units.len() > MAX_UNITS {
        errs.push(FieldError::new(
            "units",
            format!("一次最多选择{MAX_UNITS}个承办单位"),
        ));
    } else if direct_children(svc, actor, &options, &form.units).await? {
        for id in &form.units {
            if !units.contains(id) {
                units.push(*id);
            }
        }
    } else {
        errs.push(FieldError::new(
            "units",
            "承办单位只能从本级的直属下级党组织中选择",
        ));
    }
    if form.all_townships {
        for o in options.iter().filter(|o| o.township) {
            if !units.contains(&o.id) {
                units.push(o.id);
            }
        }
    }
    if units.is_empty() && errs.0.iter().all(|e| e.field != "units") {
        errs.push(FieldError::new("units", "请至少选择一个承办单位"));
    }
    errs.finish()?;
    let (title, detail) = (title.unwrap_or_default(), detail.unwrap_or_default());
    let Some(deadline) = deadline else {
        return Err(ServiceError::field("deadline", "请填写办理期限"));
    };
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let task_id = db::insert_task(
        tx.conn(),
        &db::NewTask {
            title: &title,
            detail: &detail,
            deadline: &deadline.to_string(),
            dispatcher_org_id: actor.org_id.0,
            dispatcher_path: actor.org_path.as_str(),
        },
        &actor.username,
        &now,
    )
    .await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "task.create",
        &format!("task:{task_id}"),
        actor.org_path.as_str(),
        &json!({"after": {"title": title, "deadline": deadline.to_string(), "units": units}}),
    )
    .await?;
    for unit in &units {
        let item = NewWorkItem {
            kind: WorkKind::Task,
            title: title.clone(),
            detail: detail.clone(),
            owner_org: actor.org_id.0,
            assignee_org: *unit,
            deadline,
            source: Some(format!("task:{task_id}")),
            task_id: Some(task_id),
        };
        create_in(tx.conn(), svc, actor, &item).await?;
    }
    tx.commit().await?;
    Ok(task_id)
}

/// One unit's row of the progress table.
#[derive(Debug, Clone, Serialize)]
pub struct UnitRow {
    pub item: WorkItemSummary,
    pub reported: bool,
    /// Display time of the last report, or empty.
    pub last_report: String,
}

/// A task's progress table.
#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    pub task: TaskRow,
    pub rows: Vec<UnitRow>,
    pub progress: TaskProgress,
    /// The state of every unit, ordered 已验收 → 已分派, for the bar.
    pub bar: Vec<&'static str>,
    /// The names of the units that have not reported.
    pub not_reported: Vec<String>,
    /// Whether the user may remind and review (the dispatcher's administrators).
    pub can_manage: bool,
}

async fn task_in_scope(
    conn: &mut dangjian_store::Conn,
    actor: &Actor,
    id: i64,
) -> ServiceResult<TaskRow> {
    let t = db::get_task(conn, id).await?;
    actor.require_scope(&t.dispatcher_path)?;
    Ok(t)
}

/// The progress table of a task: every unit's state, deadline status and
/// last report, with the roll-up counts; readable by business roles whose
/// subtree holds the dispatcher.
pub async fn progress(svc: &Services, actor: &Actor, task_id: i64) -> ServiceResult<TaskView> {
    actor.require(Permission::ReadBusiness)?;
    let today = svc.clock.today();
    let mut conn = svc.store.read().await?;
    let task = task_in_scope(&mut conn, actor, task_id).await?;
    let items = db::items_of_task(&mut conn, task_id).await?;
    let rule = escalate::rule_in(&mut conn, today).await?;
    let units: Vec<UnitItem> = items
        .iter()
        .map(|r| UnitItem {
            org: OrgId(r.assignee_org_id),
            state: WorkState::from_code(&r.state).unwrap_or(WorkState::Assigned),
            deadline: super::date_of(&r.deadline),
            submitted_on: r.submitted_on.as_deref().map(super::date_of),
            reported: r.reported_at.is_some(),
        })
        .collect();
    let p = task_progress(&units, today);
    let not_reported = p
        .not_reported
        .iter()
        .filter_map(|o| items.iter().find(|r| r.assignee_org_id == o.0))
        .map(|r| r.assignee_name.clone())
        .collect();
    let mut bar = Vec::new();
    for (state, n) in [
        (WorkState::Accepted, p.accepted),
        (WorkState::Submitted, p.submitted),
        (WorkState::InProgress, p.in_progress),
        (WorkState::Assigned, p.assigned),
    ] {
        bar.extend(std::iter::repeat_n(state.code(), n as usize));
    }
    let rows = items
        .iter()
        .map(|r| UnitRow {
            item: summarize(r, today, rule),
            reported: r.reported_at.is_some(),
            last_report: r
                .reported_at
                .as_deref()
                .map(crate::clock::display_ts)
                .unwrap_or_default(),
        })
        .collect();
    Ok(TaskView {
        can_manage: actor.role.can(Permission::ManageOrgs)
            && actor.org_id.0 == task.dispatcher_org_id,
        task,
        rows,
        progress: p,
        bar,
        not_reported,
    })
}

/// Reminds (催办) every unit of a task that has not reported: one notice
/// each, one audit row (`task.remind`) naming them. Only the dispatcher's
/// administrators. Returns how many units were reminded (0: all reported).
pub async fn remind(svc: &Services, actor: &Actor, task_id: i64) -> ServiceResult<usize> {
    actor.require(Permission::ManageOrgs)?;
    let today = svc.clock.today();
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let task = task_in_scope(tx.conn(), actor, task_id).await?;
    if actor.org_id.0 != task.dispatcher_org_id {
        return Err(ServiceError::forbidden("只有交办单位可以催办"));
    }
    let items = db::items_of_task(tx.conn(), task_id).await?;
    let units: Vec<UnitItem> = items
        .iter()
        .map(|r| UnitItem {
            org: OrgId(r.id),
            state: WorkState::from_code(&r.state).unwrap_or(WorkState::Assigned),
            deadline: super::date_of(&r.deadline),
            submitted_on: r.submitted_on.as_deref().map(super::date_of),
            reported: r.reported_at.is_some(),
        })
        .collect();
    // Keyed by item id (one item per unit), so each reminder links its item.
    let p = task_progress(&units, today);
    let mut reminded = Vec::new();
    for item_id in &p.not_reported {
        let Some(r) = items.iter().find(|r| r.id == item_id.0) else {
            continue;
        };
        notices::notify(
            tx.conn(),
            r.assignee_org_id,
            NoticeKind::Reminder,
            &format!(
                "{}催办“{}”：请于{}前报送办理进展",
                task.dispatcher_name, task.title, r.deadline
            ),
            Some(r.id),
            &now,
        )
        .await?;
        reminded.push(r.assignee_org_id);
    }
    if !reminded.is_empty() {
        audit::by(
            tx.conn(),
            svc,
            actor,
            "task.remind",
            &format!("task:{task_id}"),
            &task.dispatcher_path,
            &json!({"after": {"units": reminded}}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(reminded.len())
}

/// The newest tasks the actor's organization dispatched (the 我交办的 tab).
pub async fn recent(svc: &Services, actor: &Actor) -> ServiceResult<Vec<TaskRow>> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    Ok(db::tasks_of(&mut conn, actor.org_id.0, 10).await?)
}
