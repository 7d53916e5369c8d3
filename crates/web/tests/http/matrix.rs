//! The authorization matrix every capability's HTTP tests share: the
//! fixture's users are bound to town A, and each route is tried against
//! town A itself (own), its branch A1 (child), town B (sibling) and the
//! county (parent). Each cell asserts either the allowed answer or an
//! explicit 403.

use crate::support::TestApp;
use dangjian_domain::role::Role;
use std::fmt::Debug;

/// Where the target organization stands relative to the user's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rel {
    Own,
    Child,
    Sibling,
    Parent,
}

pub const RELS: [Rel; 4] = [Rel::Own, Rel::Child, Rel::Sibling, Rel::Parent];

/// The roles that read business data.
pub const BUSINESS: &[Role] = &[
    Role::CountyAdmin,
    Role::UnitAdmin,
    Role::BranchSecretary,
    Role::Discipline,
    Role::Leader,
];
/// The roles that edit organizations, members and records.
pub const EDITORS: &[Role] = &[Role::CountyAdmin, Role::UnitAdmin, Role::BranchSecretary];
/// The roles that manage organizations.
pub const MANAGERS: &[Role] = &[Role::CountyAdmin, Role::UnitAdmin];
/// The roles that may see unmasked personal fields.
pub const REVEALERS: &[Role] = &[Role::CountyAdmin, Role::UnitAdmin, Role::Discipline];

/// The fixture organization at `rel` from town A.
pub fn org_of(app: &TestApp, rel: Rel) -> i64 {
    match rel {
        Rel::Own => app.fx.town_a,
        Rel::Child => app.fx.branch_a1,
        Rel::Sibling => app.fx.town_b,
        Rel::Parent => app.fx.root,
    }
}

/// Town A and what is below it.
pub fn in_scope(rel: Rel) -> bool {
    matches!(rel, Rel::Own | Rel::Child)
}

/// Asserts one cell: when `allowed`, the status is one of `ok` (any status
/// but 403 when `ok` is empty); otherwise exactly 403.
pub fn check(route: &str, role: Role, rel: impl Debug, allowed: bool, status: u16, ok: &[u16]) {
    if allowed {
        if ok.is_empty() {
            assert_ne!(
                status, 403,
                "{route}: {role:?} on {rel:?} should be allowed"
            );
        } else {
            assert!(
                ok.contains(&status),
                "{route}: {role:?} on {rel:?} should be allowed with {ok:?}, got {status}"
            );
        }
    } else {
        assert_eq!(status, 403, "{route}: {role:?} on {rel:?} must be denied");
    }
}
