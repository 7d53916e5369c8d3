//! The year's overview and one organization's 台账: the plan form, the
//! rectification items with their actions, the indicators' re-check beside
//! the acceptance form, and the .xlsx exports.

use super::{err_of, level_class, status_class};
use crate::AppState;
use crate::auth::{CsrfFieldOnly, CsrfForm, CurrentUser};
use crate::download::xlsx_response;
use crate::error::AppError;
use crate::layout::{Layout, Pager, parse_page, render, status_of, with_status};
use crate::orgs::parse_id;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_domain::FieldError;
use dangjian_domain::rectify::LedgerStatus;
use dangjian_domain::warnings::Level;
use dangjian_service::ServiceError;
use dangjian_service::rectify::ledger::{self as svc_ledger, ItemForm};
use dangjian_service::rectify::{self, LedgerLine, LedgerView, Overview, PlanForm, xlsx};
use serde::Deserialize;

/// Ledgers per page of the overview.
const PER_PAGE: usize = 30;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct OverviewQuery {
    year: String,
    page: String,
    /// Export only this organization's subtree.
    org: String,
}

#[derive(Template)]
#[template(path = "rectify_overview.html")]
struct OverviewPage {
    l: Layout,
    o: Overview,
    rows: Vec<LedgerLine>,
    pager: Pager,
    statuses: Vec<(&'static str, usize)>,
}

impl OverviewPage {
    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes arguments by reference
    fn level_class(level: &Level) -> &'static str {
        level_class(*level)
    }

    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes arguments by reference
    fn status_class(s: &LedgerStatus) -> &'static str {
        status_class(*s)
    }
}

pub(super) async fn overview(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    let year = rectify::year_or_current(&st.svc, &q.year)?;
    let mut o = svc_ledger::overview(&st.svc, &user.actor, year).await?;
    let page = parse_page(&q.page);
    let total = o.ledgers.len();
    let skip = usize::try_from(page - 1).unwrap_or(0) * PER_PAGE;
    let rows: Vec<LedgerLine> = o.ledgers.drain(..).skip(skip).take(PER_PAGE).collect();
    let statuses = LedgerStatus::ALL
        .iter()
        .zip(o.by_status)
        .map(|(s, n)| (s.label(), n))
        .collect();
    Ok(render(&OverviewPage {
        l: Layout::new(&user, "rectify"),
        pager: Pager::new(
            &format!("/rectify?year={year}&"),
            page,
            i64::try_from(total).unwrap_or(i64::MAX),
            i64::try_from(PER_PAGE).unwrap_or(30),
        ),
        rows,
        statuses,
        o,
    }))
}

pub(super) async fn export_year(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    let year = rectify::year_or_current(&st.svc, &q.year)?;
    let org = if q.org.is_empty() {
        None
    } else {
        Some(parse_id(&q.org)?)
    };
    let (name, bytes) = xlsx::year_file(&st.svc, &user.actor, year, org).await?;
    Ok(xlsx_response(&name, bytes))
}

#[derive(Template)]
#[template(path = "rectify_ledger.html")]
struct LedgerPage {
    l: Layout,
    v: LedgerView,
    plan: PlanForm,
    item: ItemForm,
    note: String,
    today: String,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
    /// The form the errors belong to (`plan`, `item`, `accept`): the plan
    /// and the item both have a 期限 field.
    form: &'static str,
}

impl LedgerPage {
    #[allow(clippy::trivially_copy_pass_by_ref)] // askama passes arguments by reference
    fn level_class(level: &Level) -> &'static str {
        level_class(*level)
    }

    fn status_class(&self) -> &'static str {
        status_class(self.v.status)
    }

    /// The messages of `field` of `form`, when that form was refused.
    fn err(&self, form: &str, field: &str) -> Option<String> {
        if self.form == form {
            err_of(&self.errors, field)
        } else {
            None
        }
    }

    /// A stored timestamp in Asia/Shanghai.
    fn time(stored: &str) -> String {
        dangjian_service::clock::display_ts(stored)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LedgerQuery {
    done: String,
}

fn notice_of(done: &str) -> Option<&'static str> {
    Some(match done {
        "plan" => "整改方案已保存。",
        "item" => "整改事项已交办。",
        "act" => "整改事项已办理。",
        "recheck" => "已重新评估预警指标。",
        "accept" => "已验收销号。",
        _ => return None,
    })
}

/// The page, with the forms as typed when a submission was refused.
struct Typed {
    plan: Option<PlanForm>,
    item: ItemForm,
    note: String,
}

async fn ledger_page(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    typed: Typed,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
    form: &'static str,
) -> Result<Response, AppError> {
    let v = svc_ledger::get(&st.svc, &user.actor, id).await?;
    let plan = typed.plan.unwrap_or_else(|| PlanForm {
        analysis: v.ledger.analysis.clone(),
        goal: v.ledger.goal.clone(),
        measures: v.ledger.measures.clone(),
        deadline: v.ledger.deadline.clone().unwrap_or_default(),
        responsible: v.ledger.responsible.clone(),
        contact_leader: v.ledger.contact_leader.clone(),
    });
    let status = status_of(&errors);
    Ok(with_status(
        render(&LedgerPage {
            l: Layout::new(user, "rectify"),
            today: st.svc.clock.today().to_string(),
            v,
            plan,
            item: typed.item,
            note: typed.note,
            notice,
            errors,
            form,
        }),
        status,
    ))
}

fn untyped() -> Typed {
    Typed {
        plan: None,
        item: ItemForm::default(),
        note: String::new(),
    }
}

pub(super) async fn page(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    ledger_page(
        &st,
        &user,
        id,
        untyped(),
        notice_of(&q.done),
        Vec::new(),
        "",
    )
    .await
}

pub(super) async fn export_one(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let (name, bytes) = xlsx::ledger_file(&st.svc, &user.actor, id).await?;
    Ok(xlsx_response(&name, bytes))
}

async fn finish(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    result: Result<(), ServiceError>,
    done: &'static str,
    typed: Typed,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => {
            // Back to the section the action was taken in.
            let section = match done {
                "plan" => "plan",
                "item" | "act" => "items",
                _ => "acceptance",
            };
            Ok(
                Redirect::to(&format!("/rectify/ledger/{id}?done={done}#{section}"))
                    .into_response(),
            )
        }
        Err(ServiceError::Invalid(errors)) => {
            ledger_page(st, user, id, typed, None, errors, done).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn plan(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<PlanForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let r = svc_ledger::file_plan(&st.svc, &user.actor, id, &form).await;
    let typed = Typed {
        plan: Some(form),
        ..untyped()
    };
    finish(&st, &user, id, r, "plan", typed).await
}

pub(super) async fn add_item(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<ItemForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let r = svc_ledger::add_item(&st.svc, &user.actor, id, &form)
        .await
        .map(|_| ());
    let typed = Typed {
        item: form,
        ..untyped()
    };
    finish(&st, &user, id, r, "item", typed).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ActForm {
    action: String,
    text: String,
}

pub(super) async fn act_on_item(
    State(st): State<AppState>,
    Path((id, item)): Path<(String, String)>,
    CsrfForm { user, form }: CsrfForm<ActForm>,
) -> Result<Response, AppError> {
    let (id, item) = (parse_id(&id)?, parse_id(&item)?);
    let r = svc_ledger::act_on_item(&st.svc, &user.actor, id, item, &form.action, &form.text).await;
    finish(&st, &user, id, r, "act", untyped()).await
}

pub(super) async fn recheck(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<CsrfFieldOnly>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let r = svc_ledger::recheck(&st.svc, &user.actor, id)
        .await
        .map(|_| ());
    finish(&st, &user, id, r, "recheck", untyped()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AcceptForm {
    note: String,
}

pub(super) async fn accept(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<AcceptForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let r = svc_ledger::accept(&st.svc, &user.actor, id, &form.note).await;
    let typed = Typed {
        note: form.note,
        ..untyped()
    };
    finish(&st, &user, id, r, "accept", typed).await
}
