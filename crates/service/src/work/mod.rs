//! Work items (督办/整改事项): create, act on (every transition of
//! `domain::work`, progress notes with attachments), the user's lists
//! (`list`), an item's detail with its timeline and the download of a
//! note's attachment (`detail`); escalation of overdue items
//! ([`escalate`]), the in-app notices ([`notices`]) and supervised tasks
//! dispatched to many units ([`tasks`]).
//!
//! Who may do what: the assignee organization's editors (县级管理员、单位管理员、
//! 支部书记 of that organization) start, report and submit; the owner
//! organization's administrators (ManageOrgs) accept or return; an
//! organization above the assignee that an overdue item escalated to may add
//! supervision notes. Every business role reads the items whose assignee is
//! in its subtree. The actor's side ([`Party`]) is decided here from the
//! item's organizations and the user's; the domain's `transition` decides
//! the rest and refuses in Chinese. Overdue is derived from the deadline and
//! the day, never stored.

pub mod demo;
mod detail;
pub mod escalate;
mod list;
pub mod notices;
pub mod tasks;

pub use detail::{ActionOption, TimelineEntry, WorkItemDetail, attachment, detail};
pub use list::{WorkPage, WorkQuery, list};

use crate::actor::Actor;
use crate::attachments::{self as att, Owner, OwnerKind, Upload};
use crate::error::{ServiceError, ServiceResult};
use crate::{Services, audit, policy};
use dangjian_domain::FieldError;
use dangjian_domain::error::text_field;
use dangjian_domain::role::Permission;
use dangjian_domain::work::{
    Action, ActionKind, DeadlineStatus, Escalation, Party, WorkError, WorkState, deadline_status,
    escalation, long_text, transition,
};
use dangjian_store::Conn;
use dangjian_store::org as odb;
use dangjian_store::work::{self as db, WorkItemRow};
use jiff::civil::Date;
use serde::Serialize;
use serde_json::json;

/// Items per page of the lists.
pub const PER_PAGE: i64 = 20;
/// Longest title and description, in characters.
pub const TITLE_MAX: usize = 100;
pub const DETAIL_MAX: usize = 2000;

/// What kind of thing must be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    /// 督办任务: dispatched by a superior, often to many units at once.
    Task,
    /// 整改事项: rectification of a warning or a finding (a 台账's items).
    Rectification,
}

impl WorkKind {
    pub const ALL: [WorkKind; 2] = [WorkKind::Task, WorkKind::Rectification];

    pub fn code(self) -> &'static str {
        match self {
            WorkKind::Task => "task",
            WorkKind::Rectification => "rectification",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WorkKind::Task => "督办任务",
            WorkKind::Rectification => "整改事项",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A new work item.
#[derive(Debug, Clone)]
pub struct NewWorkItem {
    pub kind: WorkKind,
    pub title: String,
    pub detail: String,
    /// The organization that dispatches and accepts it (交办单位).
    pub owner_org: i64,
    /// The organization that does the work (承办单位): the owner or below it.
    pub assignee_org: i64,
    pub deadline: Date,
    /// What the item belongs to, e.g. `"ledger:12"` (a rectification 台账);
    /// [`by_source`] finds the items again.
    pub source: Option<String>,
    /// The supervised task it is one unit's part of.
    pub task_id: Option<i64>,
}

/// An item as lists show it.
#[derive(Debug, Clone, Serialize)]
pub struct WorkItemSummary {
    pub id: i64,
    pub kind: String,
    pub kind_label: &'static str,
    pub title: String,
    pub owner_org_id: i64,
    pub owner_name: String,
    pub assignee_org_id: i64,
    pub assignee_name: String,
    pub deadline: String,
    /// `WorkState` code and label.
    pub state: String,
    pub state_label: &'static str,
    /// The deadline status on the day read: 未到期 / 逾期 / 按时提交 / 逾期提交 / 已销号.
    pub deadline_label: &'static str,
    /// Days overdue (open) or submitted late; 0 otherwise.
    pub late_days: i64,
    /// Days left before the deadline of an open item (0 when not pending).
    pub days_left: i64,
    pub late: bool,
    /// How far it has escalated today.
    pub escalation_label: &'static str,
    pub escalated: bool,
    /// Time of the assignee's last note or submission.
    pub reported_at: Option<String>,
    pub task_id: Option<i64>,
    pub source: Option<String>,
}

fn state_of(row: &WorkItemRow) -> WorkState {
    WorkState::from_code(&row.state).unwrap_or(WorkState::Assigned)
}

fn date_of(s: &str) -> Date {
    s.parse().unwrap_or(Date::MIN)
}

fn summarize(
    row: &WorkItemRow,
    today: Date,
    rule: dangjian_domain::work::EscalationRule,
) -> WorkItemSummary {
    let state = state_of(row);
    let deadline = date_of(&row.deadline);
    let submitted_on = row.submitted_on.as_deref().map(date_of);
    let status = deadline_status(deadline, state, submitted_on, today);
    let esc = escalation(deadline, state, today, rule);
    let (late_days, days_left) = match status {
        DeadlineStatus::Overdue { days } | DeadlineStatus::SubmittedLate { days } => (days, 0),
        DeadlineStatus::Pending { days_left } => (0, days_left),
        _ => (0, 0),
    };
    WorkItemSummary {
        id: row.id,
        kind_label: WorkKind::from_code(&row.kind).map_or("事项", WorkKind::label),
        kind: row.kind.clone(),
        title: row.title.clone(),
        owner_org_id: row.owner_org_id,
        owner_name: row.owner_name.clone(),
        assignee_org_id: row.assignee_org_id,
        assignee_name: row.assignee_name.clone(),
        deadline: row.deadline.clone(),
        state: row.state.clone(),
        state_label: state.label(),
        deadline_label: status.label(),
        late_days,
        days_left,
        late: status.is_late(),
        escalation_label: esc.label(),
        escalated: esc != Escalation::None,
        reported_at: row.reported_at.clone(),
        task_id: row.task_id,
        source: row.source.clone(),
    }
}

/// A multi-line description: line breaks kept, other control characters refused.
fn detail_text(raw: &str) -> Result<String, FieldError> {
    if raw.trim().is_empty() {
        return Ok(String::new());
    }
    long_text("detail", "具体要求", raw, DETAIL_MAX)
}

async fn item_in_scope(conn: &mut Conn, actor: &Actor, id: i64) -> ServiceResult<WorkItemRow> {
    let row = db::get_item(conn, id).await?;
    actor.require_scope(&row.assignee_path)?;
    Ok(row)
}

/// Creates an item inside the caller's write transaction: fields checked
/// (Chinese messages naming 标题 / 具体要求 / 办理期限 / 承办单位), the actor
/// must administer organizations (ManageOrgs), the owner organization must be
/// in the actor's scope and the assignee at or below the owner; a notice goes
/// to the assignee and an audit row (`work.create`) is written. Returns the id.
pub async fn create_in(
    conn: &mut Conn,
    svc: &Services,
    actor: &Actor,
    item: &NewWorkItem,
) -> ServiceResult<i64> {
    actor.require(Permission::ManageOrgs)?;
    let owner = odb::get_org(conn, item.owner_org).await?;
    actor.require_scope(&owner.path)?;
    let assignee = match odb::get_org(conn, item.assignee_org).await {
        Ok(o) if o.path.starts_with(&owner.path) => o,
        Ok(_) | Err(dangjian_store::DbError::NotFound) => {
            return Err(ServiceError::field(
                "assignee_org",
                "承办单位应为交办单位本级或其下级党组织",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let mut errs = crate::error::Errors::default();
    let title = errs.take(text_field("title", "标题", &item.title, true, TITLE_MAX));
    let detail = errs.take(detail_text(&item.detail));
    if item.deadline < svc.clock.today() {
        errs.push(FieldError::new("deadline", "办理期限不能早于今天"));
    }
    if assignee.status != "active" {
        errs.push(FieldError::new(
            "assignee_org",
            format!("承办单位“{}”已撤销，不能交办事项", assignee.name),
        ));
    }
    if let Some(s) = &item.source
        && (s.is_empty() || s.chars().count() > 60 || s.chars().any(char::is_control))
    {
        errs.push(FieldError::new("source", "来源标识无效"));
    }
    errs.finish()?;
    let (title, detail) = (title.unwrap_or_default(), detail.unwrap_or_default());
    let now = svc.clock.now_text();
    let deadline = item.deadline.to_string();
    let id = db::insert_item(
        conn,
        &db::NewItemRow {
            kind: item.kind.code(),
            title: &title,
            detail: &detail,
            owner_org_id: owner.id,
            owner_path: &owner.path,
            assignee_org_id: assignee.id,
            assignee_path: &assignee.path,
            deadline: &deadline,
            source: item.source.as_deref(),
            task_id: item.task_id,
        },
        &actor.username,
        &now,
    )
    .await?;
    notices::notify(
        conn,
        assignee.id,
        notices::NoticeKind::Assigned,
        &format!(
            "{}交办{}“{title}”，请于{deadline}前办结",
            owner.name,
            item.kind.label()
        ),
        Some(id),
        &now,
    )
    .await?;
    audit::by(
        conn,
        svc,
        actor,
        "work.create",
        &format!("work:{id}"),
        &assignee.path,
        &json!({"after": {"kind": item.kind.code(), "title": title, "owner": owner.id, "assignee": assignee.id,
                "deadline": deadline, "source": item.source, "task": item.task_id}}),
    )
    .await?;
    Ok(id)
}

/// Creates one item in its own transaction (the pages' and the API's
/// single-item dispatch); see [`create_in`].
pub async fn create(svc: &Services, actor: &Actor, item: &NewWorkItem) -> ServiceResult<i64> {
    let mut tx = svc.store.begin_write().await?;
    let id = create_in(tx.conn(), svc, actor, item).await?;
    tx.commit().await?;
    Ok(id)
}

/// Items belonging to a source (e.g. `"ledger:12"`), by deadline, for the
/// page that owns them. No permission check: the caller has checked its
/// own. Overdue and escalation are judged on today in China Standard
/// Time by the system clock (see [`by_source_on`] for a given day).
pub async fn by_source(conn: &mut Conn, source: &str) -> ServiceResult<Vec<WorkItemSummary>> {
    by_source_on(conn, source, crate::Clock::System.today()).await
}

/// [`by_source`] judged on a given day (callers with a `Services` pass
/// `svc.clock.today()`).
pub async fn by_source_on(
    conn: &mut Conn,
    source: &str,
    today: Date,
) -> ServiceResult<Vec<WorkItemSummary>> {
    let rows = db::by_source(conn, source).await?;
    let rule = escalate::rule_in(conn, today).await?;
    Ok(rows.iter().map(|r| summarize(r, today, rule)).collect())
}

/// The sides the actor holds on an item (possibly several: an organization
/// may assign an item to itself). Depends on the role, the user's
/// organization and, for [`Party::Parent`], today's escalation.
fn parties_of(actor: &Actor, row: &WorkItemRow, esc: Escalation) -> Vec<Party> {
    let mut out = Vec::new();
    let role = actor.role;
    if actor.org_id.0 == row.assignee_org_id && role.can(Permission::EditOrg) {
        out.push(Party::Assignee);
    }
    if actor.org_id.0 == row.owner_org_id && role.can(Permission::ManageOrgs) {
        out.push(Party::Owner);
    }
    let mine = actor.org_path.as_str();
    if role.can(Permission::EditOrg)
        && row.assignee_path.starts_with(mine)
        && row.assignee_path != mine
        && !out.contains(&Party::Owner)
    {
        let levels = row.assignee_path.matches('/').count() - mine.matches('/').count();
        if levels <= esc.levels_up() {
            out.push(Party::Parent);
        }
    }
    out
}

/// The party an action is taken as: the first held side allowed to take it,
/// else the first held side (the domain then says why not), else Other.
fn party_for(kind: ActionKind, parties: &[Party]) -> Party {
    parties
        .iter()
        .copied()
        .find(|p| kind.allowed_parties().contains(p))
        .or_else(|| parties.first().copied())
        .unwrap_or(Party::Other)
}

/// A refused action as a 422 with the domain's Chinese message.
fn refused(e: WorkError) -> ServiceError {
    match e {
        WorkError::Field(f) => ServiceError::Invalid(vec![f]),
        other => ServiceError::field("action", other.to_string()),
    }
}

/// The result of an accepted action.
#[derive(Debug, Clone, Serialize)]
pub struct Acted {
    pub item_id: i64,
    pub event_id: i64,
    pub action: ActionKind,
    pub party: Party,
    pub from: WorkState,
    pub to: WorkState,
}

/// Takes an action on an item: decides the actor's [`Party`] from the
/// item's organizations and the user's organization, calls the domain's
/// `transition`, and writes the item, a timeline event, the notices and the
/// audit row (`work.start` / `work.submit` / `work.accept` / `work.return` /
/// `work.note`) in one transaction. A refused action changes nothing and
/// returns the domain's Chinese message as a field error (422); a role that
/// may not act at all is refused with 403.
pub async fn act(
    svc: &Services,
    actor: &Actor,
    item_id: i64,
    action: Action,
) -> ServiceResult<Acted> {
    act_with(svc, actor, item_id, action, &[]).await
}

/// [`act`] with the attachments of a progress note (only a note carries
/// files; the note's attachment count is the number of uploads).
pub async fn act_with(
    svc: &Services,
    actor: &Actor,
    item_id: i64,
    action: Action,
    uploads: &[Upload],
) -> ServiceResult<Acted> {
    actor.require(Permission::EditOrg)?;
    let action = match action {
        Action::Note { text, .. } => Action::Note {
            text,
            attachments: u32::try_from(uploads.len()).unwrap_or(u32::MAX),
        },
        other if !uploads.is_empty() => {
            return Err(ServiceError::field(
                "attachments",
                format!(
                    "只有填写进展时可以上传附件，{}不带附件",
                    other.kind().label()
                ),
            ));
        }
        other => other,
    };
    let now = svc.clock.now_text();
    let today = svc.clock.today();
    let mut tx = svc.store.begin_write().await?;
    let row = item_in_scope(tx.conn(), actor, item_id).await?;
    let rule = escalate::rule_in(tx.conn(), today).await?;
    let state = state_of(&row);
    let esc = escalation(date_of(&row.deadline), state, today, rule);
    let party = party_for(action.kind(), &parties_of(actor, &row, esc));
    let t = transition(state, &action, party).map_err(refused)?;
    let checked = att::check_all(uploads, 0, "每条进展").map_err(ServiceError::Invalid)?;
    let today_text = today.to_string();
    let reported = (party == Party::Assignee
        && matches!(t.action, ActionKind::Note | ActionKind::Submit))
    .then_some(now.as_str());
    let submitted = (t.action == ActionKind::Submit).then_some(today_text.as_str());
    db::set_state(tx.conn(), row.id, t.to.code(), submitted, reported, &now).await?;
    let body = t.text.clone().unwrap_or_default();
    let event_id = db::insert_event(
        tx.conn(),
        &db::NewEvent {
            item_id: row.id,
            action: t.action.code(),
            from_state: t.from.code(),
            to_state: t.to.code(),
            party: party_code(party),
            body: &body,
            actor: &actor.username,
            actor_org_id: actor.org_id.0,
            at: &now,
        },
    )
    .await?;
    let owner = Owner {
        kind: OwnerKind::WorkItem,
        id: row.id,
        part: Some(event_id),
    };
    att::store_all(tx.conn(), &owner, &checked, &actor.username, &now).await?;
    let names: Vec<_> = checked.iter().map(|f| f.file_name.clone()).collect();
    let notice = match t.action {
        ActionKind::Submit => Some((
            row.owner_org_id,
            notices::NoticeKind::Submitted,
            format!("{}已提交“{}”，请验收", row.assignee_name, row.title),
        )),
        ActionKind::Accept => Some((
            row.assignee_org_id,
            notices::NoticeKind::Accepted,
            format!("“{}”已通过验收，销号", row.title),
        )),
        ActionKind::Return => Some((
            row.assignee_org_id,
            notices::NoticeKind::Returned,
            format!("“{}”被退回重办：{body}", row.title),
        )),
        ActionKind::Start | ActionKind::Note => None,
    };
    if let Some((org, kind, text)) = notice {
        notices::notify(tx.conn(), org, kind, &text, Some(row.id), &now).await?;
    }
    audit::by(
        tx.conn(),
        svc,
        actor,
        &format!("work.{}", t.action.code()),
        &format!("work:{}", row.id),
        &row.assignee_path,
        &json!({"before": {"state": t.from.code()}, "after": {"state": t.to.code()},
                "party": party_code(party), "text": t.text, "attachments": names}),
    )
    .await?;
    tx.commit().await?;
    Ok(Acted {
        item_id: row.id,
        event_id,
        action: t.action,
        party,
        from: t.from,
        to: t.to,
    })
}

fn party_code(p: Party) -> &'static str {
    match p {
        Party::Assignee => "assignee",
        Party::Owner => "owner",
        Party::Parent => "parent",
        Party::Other => "other",
    }
}

/// Parses an action from a form or the API: `start`, `submit`, `accept`,
/// `return` (with the reason in `text`) or `note` (with the text).
pub fn parse_action(code: &str, text: &str) -> ServiceResult<Action> {
    Ok(match code.trim() {
        "start" => Action::Start,
        "submit" => Action::Submit,
        "accept" => Action::Accept,
        "return" => Action::Return {
            reason: text.to_owned(),
        },
        "note" => Action::Note {
            text: text.to_owned(),
            attachments: 0,
        },
        _ => return Err(ServiceError::field("action", "未知的操作")),
    })
}

/// The active profile's escalation rule (re-exported for the pages' help text).
pub async fn escalation_rule(
    svc: &Services,
) -> ServiceResult<dangjian_domain::work::EscalationRule> {
    Ok(policy::active(svc).await?.profile.escalation_rule())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in WorkKind::ALL {
            assert_eq!(WorkKind::from_code(k.code()), Some(k));
        }
        assert_eq!(WorkKind::Task.label(), "督办任务");
        assert_eq!(WorkKind::Rectification.label(), "整改事项");
    }

    #[test]
    fn the_party_is_the_side_allowed_to_act() {
        let both = [Party::Assignee, Party::Owner];
        assert_eq!(party_for(ActionKind::Accept, &both), Party::Owner);
        assert_eq!(party_for(ActionKind::Submit, &both), Party::Assignee);
        assert_eq!(
            party_for(ActionKind::Accept, &[Party::Parent]),
            Party::Parent
        );
        assert_eq!(party_for(ActionKind::Note, &[]), Party::Other);
    }
}
