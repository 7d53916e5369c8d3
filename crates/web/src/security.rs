//! The security administrator's alert list (安全告警): what the service's
//! guards refused and reported, newest first.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::layout::{Layout, Pager, parse_page, render};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use dangjian_service::clock::display_ts;
use dangjian_service::security::{self, ALERTS_PER_PAGE, Alert};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/security/alerts", get(alerts_page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    page: String,
}

#[derive(Template)]
#[template(path = "security/alerts.html")]
struct AlertsPage {
    l: Layout,
    alerts: Vec<Alert>,
    total: i64,
    pager: Pager,
}

async fn alerts_page(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let page = parse_page(&q.page);
    let (mut alerts, total) = security::alerts(&st.svc, &user.actor, page).await?;
    for a in &mut alerts {
        a.at = display_ts(&a.at);
    }
    Ok(render(&AlertsPage {
        l: Layout::new(&user, "security"),
        alerts,
        total,
        pager: Pager::new("/security/alerts?", page, total, ALERTS_PER_PAGE),
    }))
}
