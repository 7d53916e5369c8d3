//! The annual procedure for weak and lax organizations (软弱涣散): the
//! screening proposals and the county's confirmation (`screening`), the
//! per-organization 台账 with analysis, plan, rectification work items and
//! acceptance (`ledger`), its spreadsheet (`xlsx`) and the demo year
//! (`demo`). Warnings themselves are `crate::warnings`'; the work items'
//! state machine is `crate::work`'s. Nothing here computes a warning in a
//! save path: the re-check beside the acceptance is an explicit run.

pub mod demo;
pub mod ledger;
pub mod screening;
pub mod xlsx;

pub use ledger::{LedgerLine, LedgerView, Overview, PlanForm};
pub use screening::{ProposalRow, ProposalView, ReviewView, TownshipLine};

use crate::Services;
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::warnings::ReasonView;
use dangjian_domain::role::Role;

/// The screening year a request names, or the current year.
pub fn year_or_current(svc: &Services, raw: &str) -> ServiceResult<i32> {
    if raw.trim().is_empty() {
        Ok(i32::from(svc.clock.today().year()))
    } else {
        dangjian_domain::rectify::parse_year(raw).map_err(ServiceError::from)
    }
}

/// Confirming a list and accepting a rectification are the county's
/// decisions (县委组织部), never a township's.
fn require_county(actor: &Actor) -> ServiceResult<()> {
    if actor.role == Role::CountyAdmin {
        Ok(())
    } else {
        Err(ServiceError::forbidden(format!(
            "{}无权进行此操作：排查名单的确认和整改验收由县级管理员办理",
            actor.role.label()
        )))
    }
}

/// Stored reasons (the warning engine's JSON).
fn reasons_of(raw: &str) -> Vec<ReasonView> {
    serde_json::from_str(raw).unwrap_or_default()
}
