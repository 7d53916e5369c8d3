//! The page frame every page shares: who is logged in, the navigation (from
//! the capability registry), the CSRF token for the logout form; and the
//! small pieces every list and form page uses (the pager, the 422 status of
//! a re-rendered form). Nothing here knows a capability's rules.

use crate::auth::CurrentUser;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use dangjian_domain::FieldError;

/// One entry of the main navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
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
        // The navigation is the capability registry's: an entry appears
        // when its capability exists and the role may use it.
        for n in dangjian_service::capability::nav_for(a.role) {
            nav.push(NavItem {
                href: n.href,
                label: n.label,
                active: n.section == section,
            });
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
            (StatusCode::INTERNAL_SERVER_ERROR, "页面生成失败").into_response()
        }
    }
}

/// The status of a page that re-renders a form: 422 when it carries errors.
pub fn status_of(errors: &[FieldError]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A rendered page with another status.
pub fn with_status(mut r: Response, status: StatusCode) -> Response {
    *r.status_mut() = status;
    r
}

/// Highest page number accepted, so `(page - 1) * per_page` cannot overflow.
const MAX_PAGE: i64 = 100_000;

/// A `page` query parameter; anything but a positive number is page 1.
pub fn parse_page(raw: &str) -> i64 {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|p| *p >= 1)
        .map_or(1, |p| p.min(MAX_PAGE))
}

/// One link of a pager.
pub struct PageLink {
    pub n: i64,
    pub href: String,
    pub current: bool,
}

/// The pager under a list (`_pager.html`): a window of pages around the
/// current one, the first and last page when outside it, previous / next,
/// all with links that keep the list's filters.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// The total stopped counting at `total` (the list shows "more than").
    pub capped: bool,
    pub links: Vec<PageLink>,
    pub first: Option<PageLink>,
    pub first_gap: bool,
    pub last: Option<PageLink>,
    pub last_gap: bool,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `base` is the list URL with its filters, ending in `?` or `&`.
    pub fn new(base: &str, page: i64, total: i64, per_page: i64) -> Self {
        let pages = ((total.max(0) + per_page - 1) / per_page).max(1);
        let href = |n: i64| format!("{base}page={n}");
        let link = |n: i64| PageLink {
            n,
            href: href(n),
            current: n == page,
        };
        let lo = (page.min(pages) - 3).max(1);
        let hi = (page + 3).min(pages);
        Self {
            page,
            pages,
            total,
            capped: false,
            links: (lo..=hi).map(link).collect(),
            first: (lo > 1).then(|| link(1)),
            first_gap: lo > 2,
            last: (hi < pages).then(|| link(pages)),
            last_gap: hi < pages - 1,
            prev: (page > 1).then(|| href((page - 1).min(pages))),
            next: (page < pages).then(|| href(page + 1)),
        }
    }

    /// Marks the total as a lower bound.
    pub fn capped(mut self, capped: bool) -> Self {
        self.capped = capped;
        self
    }
}
