//! 村情登记: one organization's manual facts for a year — a short form
//! that works on a phone (four fields), read-only for the roles that may
//! not record. Many organizations at once go through the import page
//! (`/import`, 导入村情).

use crate::AppState;
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, render, status_of, with_status};
use crate::orgs::parse_id;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_domain::FieldError;
use dangjian_service::ServiceError;
use dangjian_service::org_facts::{self, FactsForm, FactsView, yes_no_text};
use dangjian_service::store::org::OrgRow;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "warnings/facts.html")]
struct FactsPage {
    l: Layout,
    org: OrgRow,
    year: String,
    /// Years offered as links (this one and the four before).
    years: Vec<i16>,
    form: FactsForm,
    recorded: Option<FactsView>,
    may_record: bool,
    saved: bool,
    errors: Vec<FieldError>,
}

impl FactsPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    // Askama hands fields over by reference.
    #[allow(clippy::ref_option, clippy::trivially_copy_pass_by_ref)]
    fn flag(v: &Option<bool>) -> &'static str {
        yes_no_text(*v)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct FactsQuery {
    year: String,
    saved: String,
}

/// The year of `?year=`: this year when empty or not a year.
fn year_of(raw: &str, this_year: i16) -> i16 {
    raw.trim()
        .parse::<i16>()
        .ok()
        .filter(|y| (org_facts::FIRST_YEAR..=this_year).contains(y))
        .unwrap_or(this_year)
}

pub(super) async fn form_page(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<FactsQuery>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let this_year = org_facts::this_year(&st.svc);
    let year = year_of(&q.year, this_year);
    let (org, recorded) = org_facts::get(&st.svc, &user.actor, id, year).await?;
    let form = recorded.as_ref().map_or_else(
        || FactsForm {
            year: year.to_string(),
            ..FactsForm::default()
        },
        FactsView::form,
    );
    Ok(page(
        &user,
        org,
        this_year,
        form,
        recorded,
        !q.saved.is_empty(),
        Vec::new(),
    ))
}

fn page(
    user: &CurrentUser,
    org: OrgRow,
    this_year: i16,
    form: FactsForm,
    recorded: Option<FactsView>,
    saved: bool,
    errors: Vec<FieldError>,
) -> Response {
    let status = status_of(&errors);
    with_status(
        render(&FactsPage {
            l: Layout::new(user, "warn"),
            org,
            year: form.year.clone(),
            years: (0..5).map(|i| this_year - i).collect(),
            form,
            recorded,
            may_record: org_facts::may_record(&user.actor),
            saved,
            errors,
        }),
        status,
    )
}

pub(super) async fn save(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<FactsForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    match org_facts::record(&st.svc, &user.actor, id, &form).await {
        Ok(v) => Ok(
            Redirect::to(&format!("/warnings/facts/{id}?year={}&saved=1", v.year)).into_response(),
        ),
        Err(ServiceError::Invalid(errors)) => {
            let this_year = org_facts::this_year(&st.svc);
            let year = year_of(&form.year, this_year);
            let (org, recorded) = org_facts::get(&st.svc, &user.actor, id, year).await?;
            Ok(page(&user, org, this_year, form, recorded, false, errors))
        }
        Err(e) => Err(e.into()),
    }
}
