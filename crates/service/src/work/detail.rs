//! An item's page: its timeline with each note's attachments, the
//! organizations it escalated to, the actions the user may take now, and
//! the download of a note's attachment.

use super::{WorkItemSummary, db, odb};
use super::{date_of, escalate, item_in_scope, parties_of, party_for, state_of, summarize};
use crate::Services;
use crate::actor::Actor;
use crate::attachments::{self as att, AttachmentMeta, Download, OwnerKind};
use crate::error::ServiceResult;
use dangjian_domain::role::Permission;
use dangjian_domain::work::{Action, ActionKind, Party, WorkState, escalation, transition};
use serde::Serialize;

fn party_label(code: &str) -> &'static str {
    match code {
        "assignee" => Party::Assignee.label(),
        "owner" => Party::Owner.label(),
        "parent" => Party::Parent.label(),
        _ => Party::Other.label(),
    }
}

/// One event of the timeline, ready to show.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub id: i64,
    pub action: String,
    pub action_label: &'static str,
    pub from_label: &'static str,
    pub to_label: &'static str,
    pub party_label: &'static str,
    pub text: String,
    pub actor: String,
    pub actor_org_name: String,
    /// Display time (Beijing).
    pub at: String,
    pub attachments: Vec<AttachmentMeta>,
}

/// An action the user may take now, for the buttons and forms.
#[derive(Debug, Clone, Serialize)]
pub struct ActionOption {
    pub code: &'static str,
    pub label: &'static str,
    /// Needs a text (a reason or a note).
    pub needs_text: bool,
}

/// An item with everything its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct WorkItemDetail {
    pub item: WorkItemSummary,
    pub detail: String,
    pub created_by: String,
    pub created_at: String,
    pub timeline: Vec<TimelineEntry>,
    /// The organizations it has escalated to (names), in order.
    pub escalated_to: Vec<String>,
    /// The actions the acting user may take now.
    pub actions: Vec<ActionOption>,
    /// The sides the user holds (labels), empty for a reader.
    pub parties: Vec<&'static str>,
}

/// One item with its timeline and the actions the user may take.
pub async fn detail(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<WorkItemDetail> {
    actor.require(Permission::ReadBusiness)?;
    let today = svc.clock.today();
    let mut conn = svc.store.read().await?;
    let row = item_in_scope(&mut conn, actor, id).await?;
    let rule = escalate::rule_in(&mut conn, today).await?;
    let state = state_of(&row);
    let esc = escalation(date_of(&row.deadline), state, today, rule);
    let parties = parties_of(actor, &row, esc);
    let events = db::events(&mut conn, id).await?;
    let mut atts = att::list(&mut conn, OwnerKind::WorkItem, id).await?;
    let timeline = events
        .into_iter()
        .map(|e| {
            let mine: Vec<_> = atts
                .iter()
                .filter(|a| a.part_id == Some(e.id))
                .cloned()
                .collect();
            atts.retain(|a| a.part_id != Some(e.id));
            let action = ActionKind::ALL
                .into_iter()
                .find(|k| k.code() == e.action)
                .unwrap_or(ActionKind::Note);
            let label = |s: &str| WorkState::from_code(s).map_or("", WorkState::label);
            TimelineEntry {
                id: e.id,
                action_label: action.label(),
                from_label: label(&e.from_state),
                to_label: label(&e.to_state),
                party_label: party_label(&e.party),
                action: e.action,
                text: e.body,
                actor: e.actor,
                actor_org_name: e.actor_org_name,
                at: crate::clock::display_ts(&e.at),
                attachments: mine,
            }
        })
        .collect();
    let mut escalated_to = Vec::new();
    let esc_orgs = db::escalations_of(&mut conn, id).await?;
    if !esc_orgs.is_empty() {
        let ids: Vec<i64> = esc_orgs.iter().map(|(_, o)| *o).collect();
        let orgs = odb::get_orgs(&mut conn, &ids).await?;
        for (_, o) in &esc_orgs {
            if let Some(org) = orgs.iter().find(|x| x.id == *o) {
                escalated_to.push(org.name.clone());
            }
        }
    }
    let actions = ActionKind::ALL
        .into_iter()
        .filter_map(|k| {
            let probe = match k {
                ActionKind::Start => Action::Start,
                ActionKind::Submit => Action::Submit,
                ActionKind::Accept => Action::Accept,
                ActionKind::Return => Action::Return { reason: "-".into() },
                ActionKind::Note => Action::Note {
                    text: "-".into(),
                    attachments: 0,
                },
            };
            transition(state, &probe, party_for(k, &parties))
                .ok()
                .map(|_| ActionOption {
                    code: k.code(),
                    label: k.label(),
                    needs_text: matches!(k, ActionKind::Return | ActionKind::Note),
                })
        })
        .collect();
    Ok(WorkItemDetail {
        item: summarize(&row, today, rule),
        detail: row.detail,
        created_by: row.created_by,
        created_at: crate::clock::display_ts(&row.created_at),
        timeline,
        escalated_to,
        actions,
        parties: parties.iter().map(|p| p.label()).collect(),
    })
}

/// A note attachment's bytes, for a user who may read its item.
pub async fn attachment(
    svc: &Services,
    actor: &Actor,
    attachment_id: i64,
) -> ServiceResult<Download> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    let meta = att::meta(&mut conn, OwnerKind::WorkItem, attachment_id).await?;
    item_in_scope(&mut conn, actor, meta.owner_id).await?;
    att::download(&mut conn, OwnerKind::WorkItem, meta).await
}
