//! The user's lists of items: assigned to the user's organization,
//! dispatched by it, or escalated to it.

use super::{PER_PAGE, WorkItemSummary, db, escalate, summarize};
use crate::Services;
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use dangjian_domain::role::Permission;
use dangjian_domain::work::WorkState;
use dangjian_store::work::{ItemFilter, ItemTab};
use serde::Serialize;

/// Which list and filters, as the page's query string gives them.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct WorkQuery {
    /// `mine` (default), `dispatched` or `escalated`.
    pub tab: Option<String>,
    /// A `WorkState` code.
    pub state: Option<String>,
    /// Only items overdue today.
    pub overdue: Option<String>,
    pub page: i64,
}

/// A page of the user's items.
#[derive(Debug, Clone, Serialize)]
pub struct WorkPage {
    pub tab: &'static str,
    pub rows: Vec<WorkItemSummary>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub per_page: i64,
    /// Unread notices of the user's organization (for the tab bar).
    pub unread_notices: i64,
}

/// The user's items: as assignee (`mine`: the user's organization's items),
/// as owner (`dispatched`), or escalated to the user's organization
/// (`escalated`; the escalation sweep runs for the user's subtree first, so
/// the list and its notices are up to date). Open items first, by deadline.
pub async fn list(svc: &Services, actor: &Actor, q: &WorkQuery) -> ServiceResult<WorkPage> {
    actor.require(Permission::ReadBusiness)?;
    let today = svc.clock.today();
    let (tab_code, tab) = match q.tab.as_deref().map(str::trim) {
        None | Some("" | "mine") => ("mine", ItemTab::Assignee(actor.org_id.0)),
        Some("dispatched") => ("dispatched", ItemTab::Owner(actor.org_id.0)),
        Some("escalated") => ("escalated", ItemTab::Escalated(actor.org_id.0)),
        Some(_) => {
            return Err(ServiceError::field(
                "tab",
                "列表应为待办、我交办的或上级督办",
            ));
        }
    };
    let state = match q.state.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(
            WorkState::from_code(s)
                .ok_or_else(|| {
                    ServiceError::field("state", "状态应为已分派、办理中、已提交或已验收")
                })?
                .code()
                .to_owned(),
        ),
    };
    let overdue = matches!(q.overdue.as_deref(), Some("1" | "true" | "on"));
    if tab_code == "escalated" {
        escalate::sweep_scope(svc, actor).await?;
    }
    let filter = ItemFilter {
        tab,
        state,
        overdue_before: overdue.then(|| today.to_string()),
    };
    let mut conn = svc.store.read().await?;
    let rule = escalate::rule_in(&mut conn, today).await?;
    let total = db::count_items(&mut conn, &filter).await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let page = q.page.clamp(1, pages);
    let rows = db::list_items(&mut conn, &filter, PER_PAGE, (page - 1) * PER_PAGE).await?;
    let (_, unread) = db::count_notices(&mut conn, actor.org_id.0).await?;
    Ok(WorkPage {
        tab: tab_code,
        rows: rows.iter().map(|r| summarize(r, today, rule)).collect(),
        total,
        page,
        pages,
        per_page: PER_PAGE,
        unread_notices: unread,
    })
}
