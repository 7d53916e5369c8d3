//! Escalation of overdue items (超期升级督办): an open item overdue by more
//! than the profile's grace days becomes visible to the assignee's parent
//! organization, later to the grandparent (`domain::work::escalation`).
//! Visibility is derived from the deadline on the day read; what is stored
//! (`work_escalations`) is only that a step was announced, so each step
//! sends exactly one notice to the organization it reached, however often
//! the sweep runs. The sweep runs from a background tick in `serve` and
//! before the 上级督办 list is read.

use crate::actor::Actor;
use crate::error::ServiceResult;
use crate::work::notices::{self, NoticeKind};
use crate::{Services, audit, policy};
use dangjian_domain::work::{EscalationRule, WorkState, escalation};
use dangjian_store::Conn;
use dangjian_store::org::upper_of;
use dangjian_store::work::{self as db, OverdueRow};
use jiff::civil::Date;
use serde_json::json;

/// The escalation rule of the profile in force on `today` (the default
/// when none is stored).
pub async fn rule_in(conn: &mut Conn, today: Date) -> ServiceResult<EscalationRule> {
    Ok(policy::stored_active(conn, today)
        .await?
        .map_or(EscalationRule::DEFAULT, |p| p.escalation_rule()))
}

/// The organization `levels` steps above the one at `path` (`/1/7/42/`,
/// 1 → 7, 2 → 1), if there is one.
pub fn ancestor_at(path: &str, levels: usize) -> Option<i64> {
    let ids: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let i = ids.len().checked_sub(levels + 1)?;
    ids.get(i)?.parse().ok()
}

/// One escalation step to announce.
struct Step<'a> {
    item: &'a OverdueRow,
    level: usize,
    org_id: i64,
    days: i64,
}

fn steps(rows: &[OverdueRow], today: Date, rule: EscalationRule) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for r in rows {
        let Ok(deadline) = r.deadline.parse::<Date>() else {
            continue;
        };
        let state = WorkState::from_code(&r.state).unwrap_or(WorkState::Assigned);
        let reached = escalation(deadline, state, today, rule).levels_up();
        let days = i64::from((today - deadline).get_days());
        for level in 1..=reached {
            if let Some(org_id) = ancestor_at(&r.assignee_path, level) {
                out.push(Step {
                    item: r,
                    level,
                    org_id,
                    days,
                });
            }
        }
    }
    out
}

/// What a sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Open overdue items looked at.
    pub overdue: usize,
    /// New escalation steps announced (one notice each).
    pub escalated: usize,
}

/// Announces every escalation step reached today and not yet announced,
/// for the items whose assignee lies in `[path, upper)` (all when `None`).
/// Reads first; opens a write transaction only when there is something new.
async fn sweep_in(svc: &Services, scope: Option<(&str, &str)>) -> ServiceResult<SweepReport> {
    let today = svc.clock.today();
    let day = today.to_string();
    let (rows, rule) = {
        let mut conn = svc.store.read().await?;
        let rows = db::open_overdue(&mut conn, &day, scope).await?;
        (rows, rule_in(&mut conn, today).await?)
    };
    let mut report = SweepReport {
        overdue: rows.len(),
        escalated: 0,
    };
    let candidates = steps(&rows, today, rule);
    if candidates.is_empty() {
        return Ok(report);
    }
    let mut pending = Vec::new();
    {
        let mut conn = svc.store.read().await?;
        let mut last = None;
        let mut done = Vec::new();
        for s in candidates {
            if last != Some(s.item.id) {
                done = db::escalations_of(&mut conn, s.item.id).await?;
                last = Some(s.item.id);
            }
            if !done.iter().any(|(l, _)| *l == s.level as i64) {
                pending.push(s);
            }
        }
    }
    if pending.is_empty() {
        return Ok(report);
    }
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    for s in pending {
        // Another sweep may have announced it since the read: the insert
        // says whether this one is first.
        if !db::insert_escalation(tx.conn(), s.item.id, s.level as i64, s.org_id, &now).await? {
            continue;
        }
        let text = format!(
            "“{}”（承办单位：{}）已逾期{}天未办结，已升级至本级督办",
            s.item.title, s.item.assignee_name, s.days
        );
        notices::notify(
            tx.conn(),
            s.org_id,
            NoticeKind::Escalated,
            &text,
            Some(s.item.id),
            &now,
        )
        .await?;
        audit::append(
            tx.conn(),
            svc,
            "system",
            "work.escalate",
            &format!("work:{}", s.item.id),
            &s.item.assignee_path,
            &json!({"after": {"level": s.level, "org": s.org_id, "overdue_days": s.days}}),
        )
        .await?;
        report.escalated += 1;
    }
    tx.commit().await?;
    Ok(report)
}

/// The whole database's sweep (the background tick in `serve`, the CLI).
pub async fn sweep(svc: &Services) -> ServiceResult<SweepReport> {
    sweep_in(svc, None).await
}

/// The sweep for the items below the actor's organization (before the
/// 上级督办 list is read). Needs no permission beyond reading: it only
/// announces what the rule already makes visible.
pub async fn sweep_scope(svc: &Services, actor: &Actor) -> ServiceResult<SweepReport> {
    let path = actor.org_path.as_str();
    sweep_in(svc, Some((path, &upper_of(path)))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_are_read_from_the_path() {
        assert_eq!(ancestor_at("/1/7/42/", 0), Some(42));
        assert_eq!(ancestor_at("/1/7/42/", 1), Some(7));
        assert_eq!(ancestor_at("/1/7/42/", 2), Some(1));
        assert_eq!(ancestor_at("/1/7/42/", 3), None);
        assert_eq!(ancestor_at("/1/", 1), None);
    }
}
