//! A member's page: details, transfer history, the audited reveal of
//! sensitive numbers, transfers and probation actions.

use super::{FieldErrors, Labels};
use crate::AppState;
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, render, status_of, with_status};
use crate::orgs::parse_id;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_domain::FieldError;
use dangjian_domain::member::MemberCategory;
use dangjian_domain::role::Permission;
use dangjian_service::members::{self, MemberView};
use dangjian_service::orgs;
use dangjian_service::store::org::OrgRow;
use dangjian_service::{ServiceError, ServiceResult};
use serde::Deserialize;

/// What the transfer form had in it, kept when the page is shown again.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TransferForm {
    transfer_q: String,
    org_id: String,
    on_date: String,
    reason: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct FullForm {
    full_on: String,
}

/// A POST with nothing but the CSRF token.
#[derive(Deserialize, Default)]
pub(super) struct NoFields {}

/// Inputs of the detail page: the transfer search and whatever a failed
/// action had submitted.
#[derive(Default)]
pub(super) struct DetailInput {
    transfer: TransferForm,
    full_on: String,
    revealed: Option<(String, Option<String>)>,
    errors: Vec<FieldError>,
}

#[derive(Template)]
#[template(path = "members/detail.html")]
pub(super) struct DetailPage {
    l: Layout,
    view: MemberView,
    errors: Vec<FieldError>,
    revealed_id_card: Option<String>,
    /// The birth date read from the revealed number.
    revealed_birth: Option<String>,
    revealed_phone: Option<String>,
    can_edit: bool,
    can_reveal: bool,
    can_extend: bool,
    probation_ends: Option<String>,
    today: String,
    transfer: TransferForm,
    candidates: Vec<OrgRow>,
    search_error: Option<String>,
    full_on: String,
}

impl Labels for DetailPage {}

impl DetailPage {
    fn probationary(&self) -> bool {
        self.view.member.category == MemberCategory::Probationary.code()
    }
}

impl FieldErrors for DetailPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

pub(super) async fn detail_page(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    input: DetailInput,
) -> Result<Response, AppError> {
    let a = &user.actor;
    let view = members::view(&st.svc, a, id).await?;
    let m = &view.member;
    let active = m.status == "active";
    let can_edit = a.role.can(Permission::EditMembers) && active;
    let probationary = m.category == MemberCategory::Probationary.code();
    let extended = m.probation_extended != 0;
    let probation_ends = if probationary {
        m.joined_on
            .parse::<jiff::civil::Date>()
            .ok()
            .and_then(|j| {
                j.checked_add(jiff::Span::new().years(if extended { 2 } else { 1 }))
                    .ok()
            })
            .map(|d| d.to_string())
    } else {
        None
    };
    let (candidates, search_error) = if can_edit && !input.transfer.transfer_q.trim().is_empty() {
        match orgs::search(&st.svc, a, &input.transfer.transfer_q).await {
            Ok(rs) => (
                rs.into_iter()
                    .filter(|o| o.status == "active" && o.id != m.org_id)
                    .collect(),
                None,
            ),
            Err(ServiceError::Invalid(f)) => (Vec::new(), f.first().map(|e| e.message.clone())),
            Err(e) => return Err(e.into()),
        }
    } else {
        (Vec::new(), None)
    };
    let (revealed_id_card, revealed_phone) = match input.revealed {
        Some((idc, phone)) => (Some(idc), phone),
        None => (None, None),
    };
    let revealed_birth = revealed_id_card.as_deref().and_then(|n| {
        dangjian_domain::member::IdCardNo::parse(n)
            .ok()
            .map(|id| id.birth_date().to_string())
    });
    let status = status_of(&input.errors);
    let r = render(&DetailPage {
        l: Layout::new(user, "members"),
        can_edit,
        can_reveal: a.role.can(Permission::RevealSensitive),
        can_extend: can_edit && probationary && !extended,
        probation_ends,
        today: st.svc.clock.today().to_string(),
        view,
        errors: input.errors,
        revealed_id_card,
        revealed_birth,
        revealed_phone,
        transfer: input.transfer,
        candidates,
        search_error,
        full_on: input.full_on,
    });
    Ok(with_status(r, status))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DetailQuery {
    transfer_q: String,
}

pub(super) async fn detail(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let input = DetailInput {
        transfer: TransferForm {
            transfer_q: q.transfer_q,
            ..TransferForm::default()
        },
        ..DetailInput::default()
    };
    detail_page(&st, &user, id, input).await
}

/// Where a detail-page action the service accepted leads.
pub(super) enum Next {
    /// Back to the detail page by redirect, so a reload does not repeat it.
    Reload,
    /// The detail page with something shown this once (the revealed numbers).
    Show(DetailInput),
}

/// The end of every detail-page action: an accepted one goes where `next`
/// says; input the service refuses shows the detail page again with the
/// messages and what was submitted (`kept`), as 422; anything else is an
/// error page.
pub(super) async fn finish_action<T>(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    result: ServiceResult<T>,
    kept: DetailInput,
    next: impl FnOnce(T) -> Next,
) -> Result<Response, AppError> {
    match result.map(next) {
        Ok(Next::Reload) => Ok(Redirect::to(&format!("/members/{id}")).into_response()),
        Ok(Next::Show(input)) => detail_page(st, user, id, input).await,
        Err(ServiceError::Invalid(errors)) => {
            detail_page(st, user, id, DetailInput { errors, ..kept }).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn reveal(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm {
        user,
        form: NoFields {},
    }: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = members::reveal(&st.svc, &user.actor, id).await;
    finish_action(&st, &user, id, result, DetailInput::default(), |numbers| {
        Next::Show(DetailInput {
            revealed: Some(numbers),
            ..DetailInput::default()
        })
    })
    .await
}

pub(super) async fn transfer(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<TransferForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = members::transfer(
        &st.svc,
        &user.actor,
        id,
        &form.org_id,
        &form.on_date,
        &form.reason,
    )
    .await;
    let kept = DetailInput {
        transfer: form,
        ..DetailInput::default()
    };
    finish_action(&st, &user, id, result, kept, |()| Next::Reload).await
}

pub(super) async fn confirm_full(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<FullForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = members::confirm_full(&st.svc, &user.actor, id, &form.full_on).await;
    let kept = DetailInput {
        full_on: form.full_on,
        ..DetailInput::default()
    };
    finish_action(&st, &user, id, result, kept, |()| Next::Reload).await
}

pub(super) async fn extend(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm {
        user,
        form: NoFields {},
    }: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = members::extend_probation(&st.svc, &user.actor, id).await;
    finish_action(&st, &user, id, result, DetailInput::default(), |()| {
        Next::Reload
    })
    .await
}
