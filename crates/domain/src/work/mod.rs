//! The work-items engine (督办/整改事项): one state machine for every "thing
//! an organization must do by a date" — supervised tasks, rectification of
//! warnings and inspection findings, villagers' requests. An item moves
//! 已分派 → 办理中 → 已提交 → 已验收, or is returned from 已提交 to 办理中;
//! nothing leaves 已验收. Who may do what depends on the actor's side of the
//! item ([`Party`]); a refused action says why in Chinese.
//!
//! Pure: no clock, no storage, no users. The service decides the actor's
//! party from the item's organizations and the user's, calls [`transition`],
//! and writes the item and the returned [`Transition`] (to the audit log) in
//! one transaction. Deadlines, escalation and task roll-ups are in
//! [`deadline`] and [`task`].

pub mod deadline;
pub mod task;

pub use deadline::{DeadlineStatus, Escalation, EscalationRule, deadline_status, escalation};
pub use task::{TaskProgress, UnitItem, task_progress};

use crate::error::{FieldError, text_field};
use serde::Serialize;

/// Where a work item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkState {
    Assigned,
    InProgress,
    Submitted,
    Accepted,
}

impl WorkState {
    pub const ALL: [WorkState; 4] = [
        WorkState::Assigned,
        WorkState::InProgress,
        WorkState::Submitted,
        WorkState::Accepted,
    ];

    pub fn code(self) -> &'static str {
        match self {
            WorkState::Assigned => "assigned",
            WorkState::InProgress => "in_progress",
            WorkState::Submitted => "submitted",
            WorkState::Accepted => "accepted",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            WorkState::Assigned => "已分派",
            WorkState::InProgress => "办理中",
            WorkState::Submitted => "已提交",
            WorkState::Accepted => "已验收",
        }
    }

    /// Still to be worked on by the assignee (not waiting for acceptance,
    /// not closed).
    pub fn is_open(self) -> bool {
        matches!(self, WorkState::Assigned | WorkState::InProgress)
    }
}

/// The actor's side of an item, decided by the service from organizations
/// and roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The assignee organization (承办单位), which does the work.
    Assignee,
    /// The owner organization (交办单位) that dispatched the item.
    Owner,
    /// An organization above the assignee that an overdue item escalated to;
    /// it may add supervision notes (督办意见) only.
    Parent,
    /// Anyone else: may do nothing.
    Other,
}

impl Party {
    pub fn label(self) -> &'static str {
        match self {
            Party::Assignee => "承办单位",
            Party::Owner => "交办单位",
            Party::Parent => "上级党组织",
            Party::Other => "无关单位",
        }
    }
}

/// What an actor asks to do with an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// 开始办理.
    Start,
    /// 提交办结.
    Submit,
    /// 验收销号.
    Accept,
    /// 退回重办, with the reason.
    Return { reason: String },
    /// A progress note (进展情况), possibly with attachments; changes no state.
    Note { text: String, attachments: u32 },
}

/// An action without its text, as stored and audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Start,
    Submit,
    Accept,
    Return,
    Note,
}

impl ActionKind {
    pub const ALL: [ActionKind; 5] = [
        ActionKind::Start,
        ActionKind::Submit,
        ActionKind::Accept,
        ActionKind::Return,
        ActionKind::Note,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ActionKind::Start => "start",
            ActionKind::Submit => "submit",
            ActionKind::Accept => "accept",
            ActionKind::Return => "return",
            ActionKind::Note => "note",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Start => "开始办理",
            ActionKind::Submit => "提交办结",
            ActionKind::Accept => "验收销号",
            ActionKind::Return => "退回重办",
            ActionKind::Note => "填写进展",
        }
    }

    /// The parties that may take this action (in a state that allows it).
    pub fn allowed_parties(self) -> &'static [Party] {
        match self {
            ActionKind::Start | ActionKind::Submit => &[Party::Assignee],
            ActionKind::Accept | ActionKind::Return => &[Party::Owner],
            ActionKind::Note => &[Party::Assignee, Party::Owner, Party::Parent],
        }
    }

    /// The state this action moves an item from, and to (`None`: any open
    /// or submitted state, unchanged).
    fn moves(self) -> Option<(WorkState, WorkState)> {
        match self {
            ActionKind::Start => Some((WorkState::Assigned, WorkState::InProgress)),
            ActionKind::Submit => Some((WorkState::InProgress, WorkState::Submitted)),
            ActionKind::Accept => Some((WorkState::Submitted, WorkState::Accepted)),
            ActionKind::Return => Some((WorkState::Submitted, WorkState::InProgress)),
            ActionKind::Note => None,
        }
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Start => ActionKind::Start,
            Action::Submit => ActionKind::Submit,
            Action::Accept => ActionKind::Accept,
            Action::Return { .. } => ActionKind::Return,
            Action::Note { .. } => ActionKind::Note,
        }
    }
}

/// An accepted action: what the service writes to the item and, always, to
/// the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: WorkState,
    pub to: WorkState,
    pub action: ActionKind,
    pub party: Party,
    /// The cleaned text: a return's reason or a note's text.
    pub text: Option<String>,
    pub attachments: u32,
    /// Always true: every accepted action is audited. A field rather than a
    /// convention so that a caller cannot forget it silently.
    pub needs_audit: bool,
}

/// Why an action was refused, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkError {
    #[error("事项已验收销号，不能再{}", .action.label())]
    Closed { action: ActionKind },
    #[error("{}无权{}：只有{}可以{}", .party.label(), .action.label(), allowed(*.action), .action.label())]
    NotPermitted { action: ActionKind, party: Party },
    #[error("事项当前为“{}”，不能{}：只有“{}”的事项可以{}", .state.label(), .action.label(), .needs.label(), .action.label())]
    WrongState {
        action: ActionKind,
        state: WorkState,
        needs: WorkState,
    },
    #[error("{}", .0.message)]
    Field(FieldError),
}

fn allowed(action: ActionKind) -> String {
    action
        .allowed_parties()
        .iter()
        .map(|p| p.label())
        .collect::<Vec<_>>()
        .join("、")
}

/// Longest return reason and note, in characters.
pub const REASON_MAX: usize = 500;
pub const NOTE_MAX: usize = 2000;
/// Most attachments on one note.
pub const ATTACHMENTS_MAX: u32 = 20;

/// A required text of several lines (a reason, a note typed in a text
/// area): line breaks and tabs are kept (`\r\n` becomes `\n`), other
/// control characters refused, as by [`text_field`].
pub fn long_text(
    field: &'static str,
    label: &str,
    raw: &str,
    max: usize,
) -> Result<String, FieldError> {
    let normalized = raw.replace("\r\n", "\n").replace('\r', "\n");
    let flat: String = normalized
        .chars()
        .map(|c| if matches!(c, '\n' | '\t') { ' ' } else { c })
        .collect();
    text_field(field, label, &flat, true, max)?;
    Ok(normalized.trim().to_owned())
}

/// Decides whether `party` may take `action` on an item in `state`, and if
/// so what changes. Checked in order: a closed item, the party, the state,
/// then the text.
pub fn transition(
    state: WorkState,
    action: &Action,
    party: Party,
) -> Result<Transition, WorkError> {
    let kind = action.kind();
    if state == WorkState::Accepted {
        return Err(WorkError::Closed { action: kind });
    }
    if !kind.allowed_parties().contains(&party) {
        return Err(WorkError::NotPermitted {
            action: kind,
            party,
        });
    }
    let to = match kind.moves() {
        Some((from, to)) if from == state => to,
        Some((needs, _)) => {
            return Err(WorkError::WrongState {
                action: kind,
                state,
                needs,
            });
        }
        None => state,
    };
    let (text, attachments) = match action {
        Action::Return { reason } => (
            Some(long_text("reason", "退回理由", reason, REASON_MAX).map_err(WorkError::Field)?),
            0,
        ),
        Action::Note { text, attachments } => {
            let text = long_text("text", "进展情况", text, NOTE_MAX).map_err(WorkError::Field)?;
            if *attachments > ATTACHMENTS_MAX {
                return Err(WorkError::Field(FieldError::new(
                    "attachments",
                    format!("每条进展最多{ATTACHMENTS_MAX}个附件"),
                )));
            }
            (Some(text), *attachments)
        }
        Action::Start | Action::Submit | Action::Accept => (None, 0),
    };
    Ok(Transition {
        from: state,
        to,
        action: kind,
        party,
        text,
        attachments,
        needs_audit: true,
    })
}

#[cfg(test)]
mod tests;
