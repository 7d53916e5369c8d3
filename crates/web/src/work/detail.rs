//! `/work/{id}`: an item with its timeline and the actions the user may
//! take; a refused action re-renders the page with the domain's Chinese
//! message (422) and nothing changed.

use crate::AppState;
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, render, with_status};
use crate::orgs::parse_id;
use crate::records::upload;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_domain::FieldError;
use dangjian_service::ServiceError;
use dangjian_service::work::{self, WorkItemDetail};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "work_detail.html")]
pub(super) struct DetailPage {
    l: Layout,
    d: WorkItemDetail,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
    /// The text typed before a refusal, shown again.
    text: String,
}

impl DetailPage {
    fn state_class(code: &str) -> &'static str {
        super::state_class(code)
    }

    fn is_image(ct: &str) -> bool {
        ct.starts_with("image/")
    }

    fn can(&self, code: &str) -> bool {
        self.d.actions.iter().any(|a| a.code == code)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DetailQuery {
    done: String,
}

async fn page(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
    text: String,
) -> Result<Response, AppError> {
    let d = work::detail(&st.svc, &user.actor, id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        render(&DetailPage {
            l: Layout::new(user, "work"),
            d,
            notice,
            errors,
            text,
        }),
        status,
    ))
}

pub(super) async fn detail(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let notice = match q.done.as_str() {
        "start" => Some("已开始办理。"),
        "submit" => Some("已提交办结，等待交办单位验收。"),
        "accept" => Some("已验收销号。"),
        "return" => Some("已退回重办，承办单位会收到通知。"),
        "note" => Some("进展已记录。"),
        _ => None,
    };
    page(&st, &user, id, notice, Vec::new(), String::new()).await
}

async fn finish(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    result: Result<work::Acted, ServiceError>,
    text: String,
) -> Result<Response, AppError> {
    match result {
        Ok(a) => Ok(
            Redirect::to(&format!("/work/{id}?done={}#timeline", a.action.code())).into_response(),
        ),
        Err(ServiceError::Invalid(errors)) => page(st, user, id, None, errors, text).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ActForm {
    action: String,
    text: String,
}

/// Start, submit, accept, return (with its reason) or a note without files.
pub(super) async fn act(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<ActForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match work::parse_action(&form.action, &form.text) {
        Ok(a) => work::act(&st.svc, &user.actor, id, a).await,
        Err(e) => Err(e),
    };
    finish(&st, &user, id, result, form.text).await
}

/// A progress note with photos or PDFs (multipart, CSRF token first).
pub(super) async fn note(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let sent = match upload::read(&user, mp).await {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let text = sent.value("text").to_owned();
    let action = dangjian_domain::work::Action::Note {
        text: text.clone(),
        attachments: 0,
    };
    let result = work::act_with(&st.svc, &user.actor, id, action, &sent.files).await;
    finish(&st, &user, id, result, text).await
}

/// Serves a note's attachment with its sniffed type under a policy that
/// lets nothing in it run.
pub(super) async fn attachment(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let file = work::attachment(&st.svc, &user.actor, id).await?;
    Ok(crate::download::attachment_response(file))
}
