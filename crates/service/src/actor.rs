//! The acting user and the two checks every use case makes: may this role do
//! this at all, and is the target inside the user's organization subtree.

use crate::error::{ServiceError, ServiceResult};
use dangjian_domain::ids::{OrgId, UserId};
use dangjian_domain::org::OrgPath;
use dangjian_domain::role::{Permission, Role};

#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
}

impl Actor {
    pub fn require(&self, p: Permission) -> ServiceResult<()> {
        if self.role.can(p) {
            Ok(())
        } else {
            Err(ServiceError::forbidden(format!(
                "{}无权进行此操作",
                self.role.label()
            )))
        }
    }

    /// The target (by stored path) must be the user's organization or below it.
    pub fn require_scope(&self, target_path: &str) -> ServiceResult<()> {
        if target_path.starts_with(self.org_path.as_str()) {
            Ok(())
        } else {
            Err(ServiceError::forbidden("该组织不在您的管辖范围内"))
        }
    }

    /// The target must lie strictly below the user's organization (an
    /// administrator does not move or dissolve the organization it belongs to).
    pub fn require_below(&self, target_path: &str) -> ServiceResult<()> {
        self.require_scope(target_path)?;
        if target_path == self.org_path.as_str() {
            Err(ServiceError::forbidden(
                "不能对本级组织进行此操作，请联系上级组织",
            ))
        } else {
            Ok(())
        }
    }

    pub fn scope_range(&self) -> (String, String) {
        (
            self.org_path.as_str().to_owned(),
            self.org_path.subtree_upper(),
        )
    }
}
