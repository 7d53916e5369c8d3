//! Deadlines of work items: whether an item is overdue (derived, never
//! stored) and whether an overdue item escalates to the assignee's parent
//! organization, then to the grandparent.

use super::WorkState;
use jiff::civil::Date;
use serde::Serialize;

/// An item's standing against its deadline on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum DeadlineStatus {
    /// Open, deadline not yet passed (the deadline day itself included).
    Pending { days_left: i64 },
    /// Open, deadline passed.
    Overdue { days: i64 },
    /// Submitted on or before the deadline; waiting for acceptance.
    SubmittedOnTime,
    /// Submitted after the deadline (逾期提交).
    SubmittedLate { days: i64 },
    /// Accepted: never overdue.
    Closed,
}

impl DeadlineStatus {
    pub fn label(self) -> &'static str {
        match self {
            DeadlineStatus::Pending { .. } => "未到期",
            DeadlineStatus::Overdue { .. } => "逾期",
            DeadlineStatus::SubmittedOnTime => "按时提交",
            DeadlineStatus::SubmittedLate { .. } => "逾期提交",
            DeadlineStatus::Closed => "已销号",
        }
    }

    /// Overdue now, or submitted late: counted as overdue in roll-ups.
    pub fn is_late(self) -> bool {
        matches!(
            self,
            DeadlineStatus::Overdue { .. } | DeadlineStatus::SubmittedLate { .. }
        )
    }
}

fn days_after(deadline: Date, day: Date) -> i64 {
    i64::from((day - deadline).get_days())
}

/// Where an item stands against `deadline` on `today`. For a submitted item
/// `submitted_on` is the day of the (last) submission; when the caller does
/// not know it, the item is judged as if submitted today, which never hides
/// a late submission.
pub fn deadline_status(
    deadline: Date,
    state: WorkState,
    submitted_on: Option<Date>,
    today: Date,
) -> DeadlineStatus {
    match state {
        WorkState::Accepted => DeadlineStatus::Closed,
        WorkState::Submitted => {
            let late = days_after(deadline, submitted_on.unwrap_or(today));
            if late > 0 {
                DeadlineStatus::SubmittedLate { days: late }
            } else {
                DeadlineStatus::SubmittedOnTime
            }
        }
        WorkState::Assigned | WorkState::InProgress => {
            let late = days_after(deadline, today);
            if late > 0 {
                DeadlineStatus::Overdue { days: late }
            } else {
                DeadlineStatus::Pending { days_left: -late }
            }
        }
    }
}

/// How long an overdue item waits before it escalates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EscalationRule {
    /// Overdue by more than this many days: escalates to the parent.
    pub grace_days: u32,
    /// Overdue by more than `grace_days + further_days`: to the grandparent.
    pub further_days: u32,
}

impl EscalationRule {
    pub const DEFAULT: EscalationRule = EscalationRule {
        grace_days: 3,
        further_days: 7,
    };
}

/// To whom an overdue item has escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    None,
    /// The assignee's parent organization (上级党组织).
    Parent,
    /// The parent's parent (上上级党组织).
    Grandparent,
}

impl Escalation {
    pub fn label(self) -> &'static str {
        match self {
            Escalation::None => "未升级",
            Escalation::Parent => "已升级至上级党组织督办",
            Escalation::Grandparent => "已升级至再上一级党组织督办",
        }
    }

    /// How many levels above the assignee it reached (0, 1 or 2); the
    /// service walks the organization path that many steps up.
    pub fn levels_up(self) -> usize {
        match self {
            Escalation::None => 0,
            Escalation::Parent => 1,
            Escalation::Grandparent => 2,
        }
    }
}

/// Whether an item escalates on `today`. Only open items escalate: a
/// submitted item waits on the owner, an accepted one is closed.
pub fn escalation(
    deadline: Date,
    state: WorkState,
    today: Date,
    rule: EscalationRule,
) -> Escalation {
    if !state.is_open() {
        return Escalation::None;
    }
    let late = days_after(deadline, today);
    let grace = i64::from(rule.grace_days);
    if late > grace + i64::from(rule.further_days) {
        Escalation::Grandparent
    } else if late > grace {
        Escalation::Parent
    } else {
        Escalation::None
    }
}
