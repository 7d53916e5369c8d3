//! A record's page: every field, the sign-in list, the photos and files;
//! confirmation by the parent organization, deletion after a confirmation
//! step (no script needed), adding and removing attachments, and serving
//! an attachment with its sniffed type under a sandboxing policy.

use super::upload;
use crate::AppState;
use crate::auth::{CsrfFieldOnly, CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, render, with_status};
use crate::orgs::parse_id;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_domain::FieldError;
use dangjian_service::ServiceError;
use dangjian_service::records::{self, RecordDetail};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "records/detail.html")]
pub(super) struct DetailPage {
    l: Layout,
    d: RecordDetail,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
    members_meeting: bool,
}

impl DetailPage {
    fn status(&self) -> &'static str {
        super::status_label(&self.d.record.status)
    }

    /// A stored timestamp in Asia/Shanghai.
    fn time(stored: &str) -> String {
        dangjian_service::clock::display_ts(stored)
    }

    fn is_image(ct: &str) -> bool {
        ct.starts_with("image/")
    }

    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes arguments by reference
    fn size(bytes: &i64) -> String {
        #[allow(clippy::cast_precision_loss)] // display only
        let kb = *bytes as f64 / 1024.0;
        if kb < 1024.0 {
            format!("{kb:.0} KB")
        } else {
            format!("{:.1} MB", kb / 1024.0)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DetailQuery {
    saved: String,
    confirmed: String,
    attached: String,
    detached: String,
}

async fn detail_page(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let d = records::get(&st.svc, &user.actor, id).await?;
    let active = dangjian_service::policy::active(&st.svc).await?;
    let members_meeting = active
        .profile
        .record_type(&d.record.record_type)
        .is_some_and(|t| t.members_meeting);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        render(&DetailPage {
            l: Layout::new(user, "life"),
            d,
            notice,
            errors,
            members_meeting,
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
    let notice = if !q.saved.is_empty() {
        Some("组织生活记录已保存。")
    } else if !q.confirmed.is_empty() {
        Some("已审核确认。")
    } else if !q.attached.is_empty() {
        Some("附件已上传。")
    } else if !q.detached.is_empty() {
        Some("附件已删除。")
    } else {
        None
    };
    detail_page(&st, &user, id, notice, Vec::new()).await
}

/// An action's outcome: on success back to the page with a notice, a
/// refusal of the input shows the page with the messages (422).
async fn finish(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    result: Result<(), ServiceError>,
    query: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/records/{id}?{query}=1")).into_response()),
        Err(ServiceError::Invalid(errors)) => detail_page(st, user, id, None, errors).await,
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn confirm(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<CsrfFieldOnly>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = records::confirm(&st.svc, &user.actor, id).await;
    finish(&st, &user, id, result, "confirmed").await
}

#[derive(Template)]
#[template(path = "records/delete.html")]
pub(super) struct DeletePage {
    l: Layout,
    d: RecordDetail,
}

/// The confirmation step before a deletion.
pub(super) async fn delete_page(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let d = records::get(&st.svc, &user.actor, id).await?;
    if !d.can_edit {
        user.actor
            .require(dangjian_domain::role::Permission::EditOrg)?;
        return Err(
            ServiceError::forbidden("已审核确认的记录不能由本级删除，请联系上级党组织").into(),
        );
    }
    Ok(render(&DeletePage {
        l: Layout::new(&user, "life"),
        d,
    }))
}

pub(super) async fn delete(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<CsrfFieldOnly>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let d = records::get(&st.svc, &user.actor, id).await?;
    records::delete(&st.svc, &user.actor, id).await?;
    Ok(Redirect::to(&format!("/records?org={}&deleted=1", d.record.org_id)).into_response())
}

pub(super) async fn add_attachments(
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
    let result = records::add_attachments(&st.svc, &user.actor, id, &sent.files)
        .await
        .map(|_| ());
    finish(&st, &user, id, result, "attached").await
}

pub(super) async fn delete_attachment(
    State(st): State<AppState>,
    Path((record, id)): Path<(String, String)>,
    CsrfForm { user, .. }: CsrfForm<CsrfFieldOnly>,
) -> Result<Response, AppError> {
    let (record, id) = (parse_id(&record)?, parse_id(&id)?);
    let result = records::delete_attachment(&st.svc, &user.actor, id).await;
    finish(&st, &user, record, result, "detached").await
}

/// Serves an attachment: the type sniffed by the service, its disposition
/// (`inline` for images), and a policy that lets nothing in it run.
pub(super) async fn attachment(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let file = records::attachment(&st.svc, &user.actor, id).await?;
    Ok(crate::download::attachment_response(file))
}
