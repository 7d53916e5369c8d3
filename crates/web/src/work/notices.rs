//! `/notices`: the user's organization's notices, newest first, unread
//! marked; mark one or all read.

use crate::AppState;
use crate::auth::{CsrfFieldOnly, CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, Pager, parse_page, render};
use crate::orgs::parse_id;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_service::work::notices::{self, NoticePage};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "work_notices.html")]
pub(super) struct NoticesPage {
    l: Layout,
    n: NoticePage,
    pager: Pager,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NoticesQuery {
    page: String,
}

pub(super) async fn list(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NoticesQuery>,
) -> Result<Response, AppError> {
    let n = notices::list(&st.svc, &user.actor, parse_page(&q.page)).await?;
    let pager = Pager::new("/notices?", n.page, n.total, notices::PER_PAGE);
    Ok(render(&NoticesPage {
        l: Layout::new(&user, "notices"),
        n,
        pager,
    }))
}

pub(super) async fn read_one(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<CsrfFieldOnly>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    notices::mark_read(&st.svc, &user.actor, Some(id)).await?;
    Ok(Redirect::to("/notices").into_response())
}

pub(super) async fn read_all(
    State(st): State<AppState>,
    CsrfForm { user, .. }: CsrfForm<CsrfFieldOnly>,
) -> Result<Response, AppError> {
    notices::mark_read(&st.svc, &user.actor, None).await?;
    Ok(Redirect::to("/notices").into_response())
}
