//! The capability registry: the one place where each capability of the
//! platform declares what the rest of the platform needs to know of it —
//! its navigation entries and who sees them, the permissions its use cases
//! check, the tiles it adds to the leading group's cockpit, the sections it
//! adds to the half-year report, the warning indicators whose facts it
//! provides, the changes it publishes and the changes that make it
//! re-evaluate. The navigation is built from it (an entry appears when its
//! capability exists), the background re-evaluation subscribes to the
//! triggers it lists, and the cockpit and the report will read their tiles
//! and sections from it.
//!
//! A new capability adds one `Capability` to [`CAPABILITIES`]; see
//! docs/ARCHITECTURE.md for the rest of the checklist.

use crate::events::ChangeKind;
use dangjian_domain::role::{Permission, Role};

/// An entry of the navigation bar.
#[derive(Debug)]
pub struct NavEntry {
    pub href: &'static str,
    /// The Chinese label shown.
    pub label: &'static str,
    /// The key a page passes to mark its entry as the current one.
    pub section: &'static str,
    /// Whether a role sees the entry (the pages check again).
    pub shown: fn(Role) -> bool,
}

/// A tile of the leading group's cockpit (驾驶舱).
#[derive(Debug)]
pub struct Tile {
    pub key: &'static str,
    pub title: &'static str,
}

/// A section of the half-year work report.
#[derive(Debug)]
pub struct ReportSection {
    pub key: &'static str,
    pub title: &'static str,
}

/// What a capability declares.
#[derive(Debug)]
pub struct Capability {
    pub key: &'static str,
    /// The Chinese name.
    pub name: &'static str,
    pub nav: &'static [NavEntry],
    /// The permissions its use cases check (which roles hold each is
    /// `Role::can`).
    pub permissions: &'static [Permission],
    pub tiles: &'static [Tile],
    pub report_sections: &'static [ReportSection],
    /// Codes of the warning indicators whose facts it provides.
    pub warning_facts: &'static [&'static str],
    /// The change events its use cases publish after commit.
    pub publishes: &'static [ChangeKind],
    /// The change events that make it re-evaluate (its background work).
    pub triggers: &'static [ChangeKind],
}

/// The key of the early-warning capability (whose triggers start a run).
pub const WARNINGS: &str = "warnings";

const fn empty() -> Capability {
    Capability {
        key: "",
        name: "",
        nav: &[],
        permissions: &[],
        tiles: &[],
        report_sections: &[],
        warning_facts: &[],
        publishes: &[],
        triggers: &[],
    }
}

fn business(r: Role) -> bool {
    r.can(Permission::ReadBusiness)
}

/// Every capability, in navigation order.
pub static CAPABILITIES: &[Capability] = &[
    Capability {
        key: "orgs",
        name: "党组织",
        nav: &[NavEntry {
            href: "/orgs",
            label: "组织",
            section: "orgs",
            shown: business,
        }],
        permissions: &[
            Permission::ReadBusiness,
            Permission::ManageOrgs,
            Permission::EditOrg,
        ],
        warning_facts: &["secretary_vacant", "term_overdue", "branch_oversized"],
        publishes: &[ChangeKind::Orgs],
        ..empty()
    },
    Capability {
        key: "members",
        name: "党员",
        nav: &[NavEntry {
            href: "/members",
            label: "党员",
            section: "members",
            shown: business,
        }],
        permissions: &[
            Permission::ReadBusiness,
            Permission::EditMembers,
            Permission::RevealSensitive,
        ],
        warning_facts: &["no_development_candidate", "aging_members"],
        publishes: &[ChangeKind::Members],
        ..empty()
    },
    Capability {
        key: "import",
        name: "数据导入",
        nav: &[NavEntry {
            href: "/import",
            label: "数据导入",
            section: "import",
            shown: |r| r.can(Permission::EditMembers) || r.can(Permission::ManageOrgs),
        }],
        permissions: &[Permission::EditMembers, Permission::ManageOrgs],
        publishes: &[ChangeKind::Members, ChangeKind::Orgs, ChangeKind::OrgFacts],
        ..empty()
    },
    Capability {
        key: "life",
        name: "组织生活",
        nav: &[NavEntry {
            href: "/life",
            label: "组织生活",
            section: "life",
            shown: business,
        }],
        permissions: &[Permission::ReadBusiness, Permission::EditOrg],
        warning_facts: &["org_life_compliance"],
        publishes: &[ChangeKind::Records],
        ..empty()
    },
    Capability {
        key: WARNINGS,
        name: "软弱涣散预警",
        nav: &[NavEntry {
            href: "/warnings",
            label: "预警",
            section: "warn",
            shown: business,
        }],
        permissions: &[Permission::ReadBusiness, Permission::ManageOrgs],
        warning_facts: &[
            "affairs_disclosure",
            "petitions_disputes",
            "collective_economy",
            "satisfaction",
            "supervision_committee",
        ],
        publishes: &[ChangeKind::OrgFacts],
        triggers: &[
            ChangeKind::Orgs,
            ChangeKind::Members,
            ChangeKind::Records,
            ChangeKind::OrgFacts,
        ],
        ..empty()
    },
    Capability {
        key: "rectify",
        name: "整改",
        nav: &[NavEntry {
            href: "/rectify",
            label: "整改",
            section: "rectify",
            shown: business,
        }],
        permissions: &[Permission::ReadBusiness, Permission::ManageOrgs],
        ..empty()
    },
    Capability {
        key: "work",
        name: "督办",
        nav: &[
            NavEntry {
                href: "/work",
                label: "督办",
                section: "work",
                shown: business,
            },
            NavEntry {
                href: "/notices",
                label: "通知",
                section: "notices",
                shown: business,
            },
        ],
        permissions: &[Permission::ReadBusiness, Permission::EditOrg],
        ..empty()
    },
    Capability {
        key: "policy",
        name: "政策配置",
        // Every business role may read the rules it is held to; only county
        // administrators (ManagePolicy) see the upload form there.
        nav: &[NavEntry {
            href: "/policy",
            label: "政策配置",
            section: "policy",
            shown: business,
        }],
        permissions: &[Permission::ReadBusiness, Permission::ManagePolicy],
        ..empty()
    },
    Capability {
        key: "accounts",
        name: "账号与安全",
        nav: &[
            NavEntry {
                href: "/users",
                label: "账号",
                section: "users",
                shown: |r| r.can(Permission::ManageUsers) || r.can(Permission::ManageSecurity),
            },
            NavEntry {
                href: "/security/alerts",
                label: "安全告警",
                section: "security",
                shown: |r| r.can(Permission::ManageSecurity),
            },
            NavEntry {
                href: "/security/tokens",
                label: "令牌管理",
                section: "security_tokens",
                shown: |r| r.can(Permission::ManageSecurity),
            },
        ],
        permissions: &[Permission::ManageUsers, Permission::ManageSecurity],
        ..empty()
    },
    Capability {
        key: "audit",
        name: "审计日志",
        nav: &[NavEntry {
            href: "/audit",
            label: "审计日志",
            section: "audit",
            shown: |r| r.can(Permission::ViewAudit),
        }],
        permissions: &[Permission::ViewAudit],
        ..empty()
    },
    Capability {
        key: "api",
        name: "接口令牌",
        nav: &[NavEntry {
            href: "/tokens",
            label: "接口令牌",
            section: "tokens",
            shown: |r| r.can(Permission::UseApi),
        }],
        permissions: &[Permission::UseApi],
        ..empty()
    },
];

/// The capability with this key.
pub fn get(key: &str) -> Option<&'static Capability> {
    CAPABILITIES.iter().find(|c| c.key == key)
}

/// The change kinds that make the capability `key` re-evaluate.
pub fn triggers_of(key: &str) -> Vec<ChangeKind> {
    get(key).map(|c| c.triggers.to_vec()).unwrap_or_default()
}

/// The navigation entries a role sees, in order.
pub fn nav_for(role: Role) -> impl Iterator<Item = &'static NavEntry> {
    CAPABILITIES
        .iter()
        .flat_map(|c| c.nav.iter())
        .filter(move |n| (n.shown)(role))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dangjian_domain::policy::Profile;

    #[test]
    fn keys_and_sections_are_unique() {
        let mut keys: Vec<&str> = CAPABILITIES.iter().map(|c| c.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), CAPABILITIES.len());
        let mut sections: Vec<&str> = CAPABILITIES
            .iter()
            .flat_map(|c| c.nav.iter().map(|n| n.section))
            .collect();
        let n = sections.len();
        sections.sort_unstable();
        sections.dedup();
        assert_eq!(sections.len(), n);
    }

    #[test]
    fn every_trigger_is_published_by_some_capability() {
        for c in CAPABILITIES {
            for t in c.triggers {
                assert!(
                    CAPABILITIES.iter().any(|p| p.publishes.contains(t)),
                    "{}: nobody publishes {t:?}",
                    c.key
                );
            }
        }
    }

    #[test]
    fn every_declared_fact_is_an_indicator_of_the_default_profile() {
        let profile = Profile::default_profile();
        let codes: Vec<&str> = profile
            .indicators()
            .iter()
            .map(dangjian_domain::policy::Indicator::code)
            .collect();
        for c in CAPABILITIES {
            for f in c.warning_facts {
                assert!(codes.contains(f), "{}: {f}", c.key);
            }
        }
    }

    #[test]
    fn system_roles_see_no_business_entry() {
        for r in Role::ALL.into_iter().filter(|r| r.is_system()) {
            let hrefs: Vec<&str> = nav_for(r).map(|n| n.href).collect();
            for business in ["/orgs", "/members", "/life", "/warnings", "/policy"] {
                assert!(!hrefs.contains(&business), "{r:?}: {hrefs:?}");
            }
        }
        let secretary: Vec<&str> = nav_for(Role::BranchSecretary).map(|n| n.href).collect();
        assert!(secretary.contains(&"/life") && !secretary.contains(&"/audit"));
    }
}
