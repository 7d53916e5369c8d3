//! `/tasks/new` (dispatch a supervised task to many units) and
//! `/tasks/{id}` (its progress table, the state bar, 催办).

use crate::AppState;
use crate::auth::{CsrfFieldOnly, CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, render, status_of, with_status};
use crate::orgs::parse_id;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_domain::FieldError;
use dangjian_service::ServiceError;
use dangjian_service::work::tasks::{self, DispatchForm, TaskView, UnitOption};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "work_task_new.html")]
pub(super) struct NewPage {
    l: Layout,
    f: DispatchForm,
    units: Vec<UnitOption>,
    errors: Vec<FieldError>,
    min_date: String,
}

impl NewPage {
    fn err(&self, field: &str) -> Option<String> {
        let m: Vec<&str> = self
            .errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect();
        (!m.is_empty()).then(|| m.join("；"))
    }

    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes arguments by reference
    fn chosen(&self, id: &i64) -> bool {
        self.f.units.contains(id)
    }
}

async fn new_form(
    st: &AppState,
    user: &CurrentUser,
    f: DispatchForm,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let units = tasks::unit_options(&st.svc, &user.actor).await?;
    let status = status_of(&errors);
    Ok(with_status(
        render(&NewPage {
            l: Layout::new(user, "work"),
            f,
            units,
            errors,
            min_date: st.svc.clock.today().to_string(),
        }),
        status,
    ))
}

pub(super) async fn new_page(
    State(st): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    new_form(&st, &user, DispatchForm::default(), Vec::new()).await
}

/// The form as posted: `units` repeats, checkboxes are absent when off.
fn dispatch_form(pairs: &[(String, String)]) -> DispatchForm {
    let value = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    DispatchForm {
        title: value("title"),
        detail: value("detail"),
        deadline: value("deadline"),
        units: pairs
            .iter()
            .filter(|(n, _)| n == "units")
            .filter_map(|(_, v)| v.trim().parse().ok())
            .collect(),
        all_townships: !value("all_townships").is_empty(),
    }
}

pub(super) async fn create(
    State(st): State<AppState>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = dispatch_form(&form);
    match tasks::dispatch(&st.svc, &user.actor, &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/tasks/{id}?created=1")).into_response()),
        Err(ServiceError::Invalid(errors)) => new_form(&st, &user, f, errors).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "work_task.html")]
pub(super) struct TaskPage {
    l: Layout,
    v: TaskView,
    notice: Option<String>,
}

impl TaskPage {
    fn state_class(code: &str) -> &'static str {
        super::state_class(code)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TaskQuery {
    created: String,
    reminded: String,
}

pub(super) async fn progress(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<TaskQuery>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let v = tasks::progress(&st.svc, &user.actor, id).await?;
    let notice = if !q.created.is_empty() {
        Some(format!("督办任务已下发至{}个单位。", v.rows.len()))
    } else if q.reminded == "0" {
        Some("所有单位均已报送进展，无需催办。".to_owned())
    } else if !q.reminded.is_empty() {
        Some(format!("已向{}个未报送的单位发出催办通知。", q.reminded))
    } else {
        None
    };
    Ok(render(&TaskPage {
        l: Layout::new(&user, "work"),
        v,
        notice,
    }))
}

pub(super) async fn remind(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<CsrfFieldOnly>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let n = tasks::remind(&st.svc, &user.actor, id).await?;
    Ok(Redirect::to(&format!("/tasks/{id}?reminded={n}")).into_response())
}
