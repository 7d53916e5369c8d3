//! Excel exports of the lists: the member roll with the filters in force
//! (masked; the full numbers only by a POST from a role that may reveal
//! them, which the service audits) and an organization's subtree.

use crate::AppState;
use crate::auth::{CsrfForm, CurrentUser};
use crate::download::xlsx_response;
use crate::error::AppError;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use dangjian_service::export;
use dangjian_service::members::MemberQuery;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/members/export",
            get(members_masked).post(members_unmasked),
        )
        .route("/orgs/{id}/export", get(orgs))
}

/// The member roll as on the list page (all pages), identity masked.
async fn members_masked(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<MemberQuery>,
) -> Result<Response, AppError> {
    let e = export::members_xlsx(&st.svc, &user.actor, &q, false).await?;
    Ok(xlsx_response(&e.file_name, e.bytes))
}

/// The member roll with full ID-card and phone numbers: a POST with the
/// CSRF token, so a link cannot trigger it; the service checks the
/// permission and audits the export.
async fn members_unmasked(
    State(st): State<AppState>,
    CsrfForm { user, form }: CsrfForm<MemberQuery>,
) -> Result<Response, AppError> {
    let e = export::members_xlsx(&st.svc, &user.actor, &form, true).await?;
    Ok(xlsx_response(&e.file_name, e.bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OrgExportQuery {
    q: String,
}

/// The organization's subtree, parents before children.
async fn orgs(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OrgExportQuery>,
) -> Result<Response, AppError> {
    let e = export::orgs_xlsx(&st.svc, &user.actor, id, &q.q).await?;
    Ok(xlsx_response(&e.file_name, e.bytes))
}
