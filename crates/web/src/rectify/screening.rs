//! The screening pages: a township's proposal (the warning ranking with a
//! form per organization to put it on or take it off the list, with the
//! reason, and the submission) and the county's review of every township
//! (numbers per township, confirmation or return with a reason).

use super::{err_of, level_class};
use crate::AppState;
use crate::auth::{CsrfFieldOnly, CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, render, status_of, with_status};
use crate::orgs::parse_id;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_domain::FieldError;
use dangjian_domain::rectify::ScreeningStatus;
use dangjian_domain::warnings::Level;
use dangjian_service::ServiceError;
use dangjian_service::rectify::{self, ProposalView, ReviewView, screening};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ScreeningQuery {
    year: String,
    org: String,
    all: String,
    done: String,
}

#[derive(Template)]
#[template(path = "rectify_screening.html")]
struct ProposalPage {
    l: Layout,
    p: ProposalView,
    all: bool,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
}

impl ProposalPage {
    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes arguments by reference
    fn level_class(level: &Level) -> &'static str {
        level_class(*level)
    }

    fn status_label(&self) -> &'static str {
        self.p.status.map_or("未开始", ScreeningStatus::label)
    }

    fn status_class(&self) -> &'static str {
        screening_class(self.p.status)
    }

    fn err(&self, field: &str) -> Option<String> {
        err_of(&self.errors, field)
    }

    /// A stored timestamp in Asia/Shanghai.
    fn time(stored: &str) -> String {
        dangjian_service::clock::display_ts(stored)
    }
}

#[derive(Template)]
#[template(path = "rectify_review.html")]
struct ReviewPage {
    l: Layout,
    r: ReviewView,
}

impl ReviewPage {
    #[allow(clippy::trivially_copy_pass_by_ref, clippy::ref_option)] // askama passes arguments by reference
    fn status_class(s: &Option<ScreeningStatus>) -> &'static str {
        screening_class(*s)
    }

    #[allow(clippy::trivially_copy_pass_by_ref, clippy::ref_option)] // askama passes arguments by reference
    fn status_label(s: &Option<ScreeningStatus>) -> &'static str {
        s.map_or("未开始", ScreeningStatus::label)
    }
}

/// The badge class of a proposal's status (the badge also carries the word).
fn screening_class(s: Option<ScreeningStatus>) -> &'static str {
    match s {
        None => "off",
        Some(ScreeningStatus::Draft | ScreeningStatus::Submitted) => "warn",
        Some(ScreeningStatus::Returned) => "bad",
        Some(ScreeningStatus::Confirmed) => "ok",
    }
}

fn notice_of(done: &str) -> Option<&'static str> {
    Some(match done {
        "start" => "排查已开始：橙色、红色预警的组织已预选列入名单。",
        "add" => "已列入名单。",
        "remove" => "已移出名单。",
        "submit" => "排查名单已报送县委组织部审核。",
        "confirm" => "排查名单已确认，已为名单中的组织建立整改台账。",
        "return" => "排查名单已退回乡镇（单位）修改。",
        _ => return None,
    })
}

async fn proposal_page(
    st: &AppState,
    user: &CurrentUser,
    year: i32,
    org: i64,
    all: bool,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let p = screening::proposal(&st.svc, &user.actor, year, org, all).await?;
    let status = status_of(&errors);
    Ok(with_status(
        render(&ProposalPage {
            l: Layout::new(user, "rectify"),
            p,
            all,
            notice,
            errors,
        }),
        status,
    ))
}

/// The proposal of `org` (default: the user's organization); for a user
/// at the county root without `org`, the review of every township.
pub(super) async fn page(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ScreeningQuery>,
) -> Result<Response, AppError> {
    let year = rectify::year_or_current(&st.svc, &q.year)?;
    let at_root = user.actor.org_path.ids().len() == 1;
    if q.org.is_empty() && at_root {
        let r = screening::review(&st.svc, &user.actor, year).await?;
        return Ok(render(&ReviewPage {
            l: Layout::new(&user, "rectify"),
            r,
        }));
    }
    let org = if q.org.is_empty() {
        user.actor.org_id.0
    } else {
        parse_id(&q.org)?
    };
    proposal_page(
        &st,
        &user,
        year,
        org,
        !q.all.is_empty(),
        notice_of(&q.done),
        Vec::new(),
    )
    .await
}

/// After an action: back to the proposal with a notice, or the page with
/// the messages (422) when the input was refused.
async fn finish(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    result: Result<(), ServiceError>,
    done: &str,
    entry: Option<i64>,
) -> Result<Response, AppError> {
    let s = screening::get(&st.svc, &user.actor, id).await?;
    let year = i32::try_from(s.year).unwrap_or_default();
    // A change of the list lands on the organization's card in the full
    // ranking.
    let at = entry.map_or_else(String::new, |org| format!("&all=1#org-{org}"));
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/rectify/screening?year={year}&org={}&done={done}{at}",
            s.org_id
        ))
        .into_response()),
        Err(ServiceError::Invalid(errors)) => {
            proposal_page(st, user, year, s.org_id, true, None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct StartForm {
    year: String,
    org: String,
}

pub(super) async fn start(
    State(st): State<AppState>,
    CsrfForm { user, form }: CsrfForm<StartForm>,
) -> Result<Response, AppError> {
    let year = rectify::year_or_current(&st.svc, &form.year)?;
    let org = parse_id(&form.org)?;
    match screening::start(&st.svc, &user.actor, year, org).await {
        Ok(id) => finish(&st, &user, id, Ok(()), "start", None).await,
        Err(ServiceError::Invalid(errors)) => {
            proposal_page(&st, &user, year, org, false, None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct EntryForm {
    org: String,
    reason: String,
}

pub(super) async fn add(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<EntryForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let org = parse_id(&form.org)?;
    let r = screening::add(&st.svc, &user.actor, id, org, &form.reason).await;
    finish(&st, &user, id, r, "add", Some(org)).await
}

pub(super) async fn remove(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<EntryForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let org = parse_id(&form.org)?;
    let r = screening::remove(&st.svc, &user.actor, id, org, &form.reason).await;
    finish(&st, &user, id, r, "remove", Some(org)).await
}

pub(super) async fn submit(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<CsrfFieldOnly>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let r = screening::submit(&st.svc, &user.actor, id).await;
    finish(&st, &user, id, r, "submit", None).await
}

pub(super) async fn confirm(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<CsrfFieldOnly>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let r = screening::confirm(&st.svc, &user.actor, id)
        .await
        .map(|_| ());
    finish(&st, &user, id, r, "confirm", None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ReturnForm {
    reason: String,
}

pub(super) async fn send_back(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<ReturnForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let r = screening::send_back(&st.svc, &user.actor, id, &form.reason).await;
    finish(&st, &user, id, r, "return", None).await
}
