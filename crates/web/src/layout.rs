//! The page frame every page shares: who is logged in, the navigation with
//! room for the coming modules, the CSRF token for the logout form.

use crate::auth::CurrentUser;
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use dangjian_domain::role::Permission;

/// One entry of the main navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
    /// Modules not built yet are listed, greyed, so users see what is coming.
    pub coming: bool,
}

/// What `base.html` needs.
pub struct Layout {
    pub user_name: String,
    pub role_label: &'static str,
    pub org_name: String,
    pub csrf: String,
    pub nav: Vec<NavItem>,
}

impl Layout {
    pub fn new(u: &CurrentUser, section: &str) -> Self {
        let a = &u.actor;
        let mut nav = Vec::new();
        let mut item = |href: &'static str, label: &'static str, key: &str, coming: bool| {
            nav.push(NavItem {
                href,
                label,
                active: key == section,
                coming,
            });
        };
        if a.role.can(Permission::ReadBusiness) {
            item("/orgs", "组织", "orgs", false);
            item("/members", "党员", "members", false);
            for (label, key) in [
                ("组织生活", "life"),
                ("预警", "warn"),
                ("督办", "work"),
                ("考评", "eval"),
                ("乡村振兴", "rural"),
                ("干部", "cadre"),
                ("监督", "supervision"),
                ("报告", "report"),
            ] {
                item("#", label, key, true);
            }
        }
        if a.role.can(Permission::ManageUsers) || a.role.can(Permission::ManageSecurity) {
            item("/users", "账号", "users", false);
        }
        if a.role.can(Permission::ViewAudit) {
            item("/audit", "审计日志", "audit", false);
        }
        if a.role.can(Permission::UseApi) {
            item("/tokens", "接口令牌", "tokens", false);
        }
        Self {
            user_name: a.display_name.clone(),
            role_label: a.role.label(),
            org_name: a.org_name.clone(),
            csrf: u.csrf.clone(),
            nav,
        }
    }
}

/// Renders a template into a response; a template error is a server error.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template error");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "页面生成失败",
            )
                .into_response()
        }
    }
}

/// Page numbers around the current one for a pager.
pub fn pager(page: i64, pages: i64) -> Vec<i64> {
    let lo = (page - 3).max(1);
    let hi = (page + 3).min(pages);
    (lo..=hi).collect()
}
