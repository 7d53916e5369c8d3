//! A supervised task (督办任务) dispatched to many units: one work item per
//! unit, rolled up into the progress table the dispatcher reads — counts per
//! state, how many are late, and which units have not reported at all (the
//! ones to remind).

use super::WorkState;
use super::deadline::{DeadlineStatus, deadline_status};
use crate::ids::OrgId;
use jiff::civil::Date;
use serde::Serialize;

/// One unit's item of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitItem {
    /// The assignee unit.
    pub org: OrgId,
    pub state: WorkState,
    pub deadline: Date,
    pub submitted_on: Option<Date>,
    /// Whether the unit has written any progress note or submission.
    pub reported: bool,
}

/// The progress table of a task on a day.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TaskProgress {
    pub units: u32,
    pub assigned: u32,
    pub in_progress: u32,
    pub submitted: u32,
    pub accepted: u32,
    /// Open items past their deadline.
    pub overdue: u32,
    /// Submitted items, waiting for acceptance, that came in after their
    /// deadline (逾期提交).
    pub submitted_late: u32,
    /// Units that have not reported anything, in input order.
    pub not_reported: Vec<OrgId>,
}

impl TaskProgress {
    /// Accepted share in permille (0 for a task with no units).
    pub fn accepted_permille(&self) -> u32 {
        if self.units == 0 {
            0
        } else {
            (u64::from(self.accepted) * 1000 / u64::from(self.units)) as u32
        }
    }
}

pub fn task_progress(items: &[UnitItem], today: Date) -> TaskProgress {
    let mut p = TaskProgress::default();
    for it in items {
        p.units += 1;
        match it.state {
            WorkState::Assigned => p.assigned += 1,
            WorkState::InProgress => p.in_progress += 1,
            WorkState::Submitted => p.submitted += 1,
            WorkState::Accepted => p.accepted += 1,
        }
        match deadline_status(it.deadline, it.state, it.submitted_on, today) {
            DeadlineStatus::Overdue { .. } => p.overdue += 1,
            DeadlineStatus::SubmittedLate { .. } => p.submitted_late += 1,
            _ => {}
        }
        if !it.reported && it.state.is_open() {
            p.not_reported.push(it.org);
        }
    }
    p
}
