//! Roles and what each may do. Scope (which organizations) is separate: every
//! user is bound to one organization and acts only inside its subtree; this
//! module answers only "may this role do this kind of thing at all".
//!
//! The three system roles follow China's classified-protection practice
//! (三员分立): they run the system and read no business data.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 县级管理员 (county organization department)
    CountyAdmin,
    /// 单位管理员 (township committee or county department)
    UnitAdmin,
    /// 支部书记
    BranchSecretary,
    /// 纪检监察
    Discipline,
    /// 领导（只读）
    Leader,
    /// 系统管理员
    SystemAdmin,
    /// 安全管理员
    SecurityAdmin,
    /// 审计管理员
    AuditAdmin,
}

/// Something a role may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read organizations and members (masked).
    ReadBusiness,
    /// Create, move and dissolve organizations below one's own.
    ManageOrgs,
    /// Edit an organization's details (name, secretary, unit information, terms).
    EditOrg,
    /// Create and edit members, record transfers and full membership.
    EditMembers,
    /// See full ID-card and phone numbers (every reveal is audited).
    RevealSensitive,
    /// Create and disable accounts inside one's scope.
    ManageUsers,
    /// Grant and withdraw roles and organization bindings, lock and unlock
    /// accounts, list and revoke anyone's API tokens.
    ManageSecurity,
    /// Browse and verify the audit log.
    ViewAudit,
    /// Create personal API tokens.
    UseApi,
    /// Load a new version of the policy profile (政策配置).
    ManagePolicy,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::CountyAdmin,
        Role::UnitAdmin,
        Role::BranchSecretary,
        Role::Discipline,
        Role::Leader,
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::CountyAdmin => "county_admin",
            Role::UnitAdmin => "unit_admin",
            Role::BranchSecretary => "branch_secretary",
            Role::Discipline => "discipline",
            Role::Leader => "leader",
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::CountyAdmin => "县级管理员",
            Role::UnitAdmin => "单位管理员",
            Role::BranchSecretary => "支部书记",
            Role::Discipline => "纪检监察",
            Role::Leader => "领导（只读）",
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::AuditAdmin => "审计管理员",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The three separated system roles see no business data.
    pub fn is_system(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
        )
    }

    pub fn can(self, p: Permission) -> bool {
        use Permission as P;
        use Role as R;
        match p {
            P::ReadBusiness => !self.is_system(),
            P::ManageOrgs => matches!(self, R::CountyAdmin | R::UnitAdmin),
            P::EditOrg | P::EditMembers => {
                matches!(self, R::CountyAdmin | R::UnitAdmin | R::BranchSecretary)
            }
            P::RevealSensitive => matches!(self, R::CountyAdmin | R::UnitAdmin | R::Discipline),
            P::ManageUsers => matches!(self, R::CountyAdmin | R::UnitAdmin | R::SystemAdmin),
            P::ManageSecurity => matches!(self, R::SecurityAdmin),
            P::ViewAudit => matches!(self, R::AuditAdmin),
            P::UseApi => !self.is_system(),
            P::ManagePolicy => matches!(self, R::CountyAdmin),
        }
    }

    /// Roles an account manager with role `self` may hand out when it
    /// creates an account. Business administrators hand out business roles
    /// below their own; the system administrator creates accounts but grants
    /// no role at all (三员分立: only the security administrator grants, see
    /// [`Role::grantable`]).
    pub fn assignable(self) -> Vec<Role> {
        match self {
            Role::CountyAdmin => vec![
                Role::CountyAdmin,
                Role::UnitAdmin,
                Role::BranchSecretary,
                Role::Discipline,
                Role::Leader,
            ],
            Role::UnitAdmin => vec![Role::UnitAdmin, Role::BranchSecretary, Role::Leader],
            _ => Vec::new(),
        }
    }

    /// Roles the security administrator may grant to (or withdraw from) an
    /// account other than its own: every role. An account holds one role,
    /// so nobody holds two of the three system roles.
    pub fn grantable(self) -> Vec<Role> {
        if self == Role::SecurityAdmin {
            Role::ALL.to_vec()
        } else {
            Vec::new()
        }
    }

    /// Accounts whose password nobody resets on the pages: the three system
    /// roles and the county administrator. Only `dangjian init` creates the
    /// first one and `dangjian user reset-password` at the console (with
    /// the key file) recovers one.
    pub fn is_protected_admin(self) -> bool {
        self.is_system() || self == Role::CountyAdmin
    }

    /// May an account manager with role `self` enable, disable or reset the
    /// password of an account holding `target` (`None`: no role granted
    /// yet)? Business administrators manage the business roles they may
    /// hand out; the system administrator manages every account's life
    /// cycle. Password resets are further limited by
    /// [`Role::is_protected_admin`].
    pub fn may_manage_account(self, target: Option<Role>) -> bool {
        match (self, target) {
            (Role::SystemAdmin, _) => true,
            (_, Some(t)) => self.assignable().contains(&t),
            (_, None) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_roles_read_no_business_data() {
        for r in Role::ALL {
            assert_eq!(r.can(Permission::ReadBusiness), !r.is_system(), "{r:?}");
            if r.is_system() {
                assert!(!r.can(Permission::EditMembers));
                assert!(!r.can(Permission::RevealSensitive));
            }
        }
    }

    #[test]
    fn leader_is_read_only() {
        let r = Role::Leader;
        assert!(r.can(Permission::ReadBusiness));
        for p in [
            Permission::ManageOrgs,
            Permission::EditOrg,
            Permission::EditMembers,
            Permission::ManageUsers,
        ] {
            assert!(!r.can(p));
        }
    }

    #[test]
    fn only_the_county_administrator_loads_a_policy_profile() {
        for r in Role::ALL {
            assert_eq!(
                r.can(Permission::ManagePolicy),
                r == Role::CountyAdmin,
                "{r:?}"
            );
        }
    }

    #[test]
    fn the_system_administrator_grants_no_role_and_only_the_security_administrator_does() {
        assert!(Role::SystemAdmin.assignable().is_empty());
        for r in Role::ALL {
            assert_eq!(!r.grantable().is_empty(), r == Role::SecurityAdmin, "{r:?}");
            for a in r.assignable() {
                assert!(!a.is_system(), "{r:?} hands out {a:?}");
            }
        }
        assert!(!Role::SecurityAdmin.can(Permission::ManageUsers));
        assert!(!Role::AuditAdmin.can(Permission::ManageUsers));
        assert!(!Role::AuditAdmin.can(Permission::ManageSecurity));
    }

    #[test]
    fn business_administrators_never_manage_system_or_roleless_accounts() {
        for manager in [Role::CountyAdmin, Role::UnitAdmin] {
            assert!(!manager.may_manage_account(None));
            for t in Role::ALL.into_iter().filter(|t| t.is_system()) {
                assert!(!manager.may_manage_account(Some(t)), "{manager:?} {t:?}");
            }
        }
        assert!(Role::SystemAdmin.may_manage_account(None));
        for r in [Role::SecurityAdmin, Role::AuditAdmin, Role::Leader] {
            assert!(!r.may_manage_account(Some(Role::Leader)));
        }
    }

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
    }
}
