//! `/work`: the three lists with their filters, paged.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::layout::{Layout, Pager, parse_page, render, with_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use dangjian_domain::FieldError;
use dangjian_domain::role::Permission;
use dangjian_domain::work::WorkState;
use dangjian_service::ServiceError;
use dangjian_service::store::work::TaskRow;
use dangjian_service::work::{self, WorkPage, WorkQuery, tasks};
use serde::{Deserialize, Serialize};

/// The list's query string, as typed (bookmarkable).
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct ListQuery {
    tab: String,
    state: String,
    overdue: String,
    page: String,
}

#[derive(Template)]
#[template(path = "work_list.html")]
pub(super) struct ListPage {
    l: Layout,
    q: ListQuery,
    tab: &'static str,
    result: Option<WorkPage>,
    errors: Vec<FieldError>,
    states: Vec<(&'static str, &'static str)>,
    tasks: Vec<TaskRow>,
    can_dispatch: bool,
    pager: Pager,
}

impl ListPage {
    fn state_class(code: &str) -> &'static str {
        super::state_class(code)
    }
}

/// The list URL with every filter but the page, ending in `?` or `&`.
fn base(q: &ListQuery) -> String {
    let mut q = q.clone();
    q.page.clear();
    let qs = serde_urlencoded::to_string(&q).unwrap_or_default();
    let kept: Vec<&str> = qs
        .split('&')
        .filter(|p| !p.is_empty() && !p.ends_with('='))
        .collect();
    if kept.is_empty() {
        "/work?".to_owned()
    } else {
        format!("/work?{}&", kept.join("&"))
    }
}

pub(super) async fn list(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let query = WorkQuery {
        tab: Some(q.tab.clone()),
        state: Some(q.state.clone()),
        overdue: Some(q.overdue.clone()),
        page: parse_page(&q.page),
    };
    let (result, errors) = match work::list(&st.svc, &user.actor, &query).await {
        Ok(p) => (Some(p), Vec::new()),
        Err(ServiceError::Invalid(e)) => (None, e),
        Err(e) => return Err(e.into()),
    };
    let tab = result.as_ref().map_or("mine", |p| p.tab);
    let can_dispatch = user.actor.role.can(Permission::ManageOrgs);
    let tasks = if tab == "dispatched" {
        tasks::recent(&st.svc, &user.actor).await?
    } else {
        Vec::new()
    };
    let pager = result.as_ref().map_or_else(
        || Pager::new("/work?", 1, 0, work::PER_PAGE),
        |p| Pager::new(&base(&q), p.page, p.total, p.per_page),
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        render(&ListPage {
            l: Layout::new(&user, "work"),
            tab,
            q,
            result,
            errors,
            states: WorkState::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
            tasks,
            can_dispatch,
            pager,
        }),
        status,
    ))
}
