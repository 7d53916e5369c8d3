//! Member pages (党员): the filtered, paged roll with the filters kept in the
//! URL, the exact search by citizen ID number (a POST, so the number never
//! lands in a URL), the create and edit forms, and the detail page with the
//! audited reveal of sensitive numbers, transfers and probation actions.
//! Permissions and scope are the service's to decide, not this module's.

use crate::AppState;
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, Pager, render, status_of, with_status};
use crate::orgs::{kind_label, parse_id, sector_label};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dangjian_domain::FieldError;
use dangjian_domain::member::{AGE_BANDS, Gender, MemberCategory};
use dangjian_domain::org::Sector;
use dangjian_domain::role::Permission;
use dangjian_service::members::{
    self, COUNT_CAP, EDUCATION, MemberForm, MemberPage, MemberQuery, MemberView, PER_PAGE,
};
use dangjian_service::orgs;
use dangjian_service::store::org::OrgRow;
use dangjian_service::{ServiceError, ServiceResult};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/members", get(list))
        .route("/members/find", post(find_by_id_card))
        .route("/members/new", get(new_page).post(create))
        .route("/members/{id}", get(detail))
        .route("/members/{id}/edit", get(edit_page).post(update))
        .route("/members/{id}/reveal", post(reveal))
        .route("/members/{id}/transfer", post(transfer))
        .route("/members/{id}/full", post(confirm_full))
        .route("/members/{id}/extend", post(extend))
}

/// Display label of a stored gender code.
pub fn gender_label(code: &str) -> &'static str {
    Gender::from_code(code).map_or("未知", Gender::label)
}

/// Display label of a stored member category code.
pub fn category_label(code: &str) -> &'static str {
    MemberCategory::from_code(code).map_or("未知", MemberCategory::label)
}

/// Display label of a member's roll status.
pub fn status_label(code: &str) -> &'static str {
    match code {
        "active" => "在册",
        "transferred_out" => "已转出",
        "deceased" => "已去世",
        "left" => "已出党",
        _ => "不在册",
    }
}

/// Label helpers the member templates call as `self.gender(..)` etc.
trait Labels {
    fn gender(&self, code: &str) -> &'static str {
        gender_label(code)
    }
    fn category(&self, code: &str) -> &'static str {
        category_label(code)
    }
    fn kind(&self, code: &str) -> &'static str {
        kind_label(code)
    }
    fn sector(&self, code: &str) -> &'static str {
        sector_label(code)
    }
    fn status(&self, code: &str) -> &'static str {
        status_label(code)
    }
}

/// Field errors shown next to their fields: all messages for one field.
trait FieldErrors {
    fn errors(&self) -> &[FieldError];
    fn err(&self, field: &str) -> Option<String> {
        let msgs: Vec<&str> = self
            .errors()
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join("；"))
    }
}

/// One `<option>` of a select.
struct Opt {
    value: String,
    label: String,
    selected: bool,
}

fn options<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, current: &str) -> Vec<Opt> {
    pairs
        .into_iter()
        .map(|(value, label)| Opt {
            value: value.to_owned(),
            label: label.to_owned(),
            selected: value == current,
        })
        .collect()
}

// ---------------------------------------------------------------- list

/// Shown when the exact ID search finds nobody the user may see; it does
/// not say whether the number belongs to a member elsewhere.
const NOT_FOUND_IN_SCOPE: &str = "在您的管辖范围内没有找到该公民身份号码对应的党员";

/// What the exact ID search (`POST /members/find`) left for the list page:
/// the number as typed (only ever in a POST response, never in a URL), a
/// not-found message, or the errors next to its field.
#[derive(Default)]
struct FindOutcome {
    id_card: String,
    message: Option<&'static str>,
    errors: Vec<FieldError>,
}

#[derive(Template)]
#[template(path = "members/list.html")]
struct ListPage {
    l: Layout,
    q: MemberQuery,
    scope: Option<OrgRow>,
    result: Option<MemberPage>,
    errors: Vec<FieldError>,
    can_edit: bool,
    can_reveal: bool,
    cap: i64,
    category_opts: Vec<Opt>,
    sector_opts: Vec<Opt>,
    age_opts: Vec<Opt>,
    pager: Pager,
    /// How many filters are set, for the collapsed filter box on phones.
    filters_set: usize,
    find: FindOutcome,
}

impl Labels for ListPage {}

impl FieldErrors for ListPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

impl ListPage {
    /// The exact ID search's error, shown next to its field.
    fn find_err(&self) -> Option<String> {
        let msgs: Vec<&str> = self
            .find
            .errors
            .iter()
            .map(|e| e.message.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join("；"))
    }

    /// The filter box starts open when something in it needs attention.
    fn filters_open(&self) -> bool {
        self.filters_set > 0
            || !self.errors.is_empty()
            || !self.find.errors.is_empty()
            || self.find.message.is_some()
    }
}

/// The list URL with every filter but the page, ending in `?` or `&`;
/// empty filters are left out so bookmarks stay short.
fn list_base(q: &MemberQuery) -> String {
    let mut q = q.clone();
    q.page.clear();
    let qs = serde_urlencoded::to_string(&q).unwrap_or_default();
    // An empty value serializes as `key=`; a non-empty one never ends in `=`
    // because `=` inside a value is percent-encoded.
    let kept: Vec<&str> = qs
        .split('&')
        .filter(|p| !p.is_empty() && !p.ends_with('='))
        .collect();
    if kept.is_empty() {
        "/members?".to_owned()
    } else {
        format!("/members?{}&", kept.join("&"))
    }
}

async fn list(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<MemberQuery>,
) -> Result<Response, AppError> {
    list_page(&st, &user, q, FindOutcome::default()).await
}

async fn list_page(
    st: &AppState,
    user: &CurrentUser,
    q: MemberQuery,
    find: FindOutcome,
) -> Result<Response, AppError> {
    let a = &user.actor;
    let (result, scope, errors) = match members::list(&st.svc, a, &q).await {
        Ok(p) => {
            let scope = p.scope.clone();
            (Some(p), Some(scope), Vec::new())
        }
        Err(ServiceError::Invalid(errors)) => {
            // Show the scope the user asked for when it is readable, else their own.
            let id = q
                .org
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|i| *i > 0)
                .unwrap_or(a.org_id.0);
            let scope = match orgs::get(&st.svc, a, id).await {
                Ok(o) => Some(o),
                Err(ServiceError::Db(e)) => return Err(ServiceError::Db(e).into()),
                Err(_) => None,
            };
            (None, scope, errors)
        }
        Err(e) => return Err(e.into()),
    };
    // Links keep the scope explicit so a bookmarked page does not depend on who opens it.
    let mut link_q = q.clone();
    if let Some(s) = &scope {
        link_q.org = s.id.to_string();
    }
    let pager = match &result {
        Some(p) => Pager::new(&list_base(&link_q), p.page, p.total, PER_PAGE).capped(p.capped),
        None => Pager::new("/members?", 1, 0, PER_PAGE),
    };
    let category_opts = options(
        [("", "全部")].into_iter().chain(
            [MemberCategory::Full, MemberCategory::Probationary].map(|c| (c.code(), c.label())),
        ),
        &q.category,
    );
    let sector_opts = options(
        [("", "全部")]
            .into_iter()
            .chain(Sector::ALL.map(|s| (s.code(), s.label()))),
        &q.sector,
    );
    let age_opts = options(
        [("", "全部")]
            .into_iter()
            .chain(AGE_BANDS.iter().map(|b| (b.0, b.1))),
        &q.age,
    );
    let filters_set = [&q.category, &q.sector, &q.age, &q.joined_year, &q.q]
        .into_iter()
        .filter(|v| !v.trim().is_empty())
        .count();
    let status = if errors.is_empty() && find.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let r = render(&ListPage {
        l: Layout::new(user, "members"),
        can_edit: a.role.can(Permission::EditMembers)
            && scope.as_ref().is_some_and(|s| s.status == "active"),
        can_reveal: a.role.can(Permission::RevealSensitive),
        q,
        scope,
        result,
        errors,
        cap: COUNT_CAP,
        category_opts,
        sector_opts,
        age_opts,
        pager,
        filters_set,
        find,
    });
    Ok(with_status(r, status))
}

/// The exact ID search form; the list's filters ride along in hidden
/// fields so the same list comes back when nothing is found.
#[derive(Deserialize, Default)]
#[serde(default)]
struct FindInput {
    id_card: String,
    #[serde(flatten)]
    list: MemberQuery,
}

/// Exact search by citizen ID number. A POST, so the full number never
/// appears in a URL, a log line or the browser history; the service checks
/// the permission and audits the lookup.
async fn find_by_id_card(
    State(st): State<AppState>,
    CsrfForm { user, form }: CsrfForm<FindInput>,
) -> Result<Response, AppError> {
    match members::find_by_id_card(&st.svc, &user.actor, &form.id_card).await {
        Ok(Some(id)) => Ok(Redirect::to(&format!("/members/{id}")).into_response()),
        Ok(None) => {
            let find = FindOutcome {
                id_card: form.id_card,
                message: Some(NOT_FOUND_IN_SCOPE),
                errors: Vec::new(),
            };
            list_page(&st, &user, form.list, find).await
        }
        Err(ServiceError::Invalid(errors)) => {
            let find = FindOutcome {
                id_card: form.id_card,
                message: None,
                errors,
            };
            list_page(&st, &user, form.list, find).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- form

/// Masked numbers shown as hints on the edit form.
struct Current {
    id_card_masked: String,
    phone_masked: String,
}

#[derive(Template)]
#[template(path = "members/form.html")]
struct FormPage {
    l: Layout,
    title: String,
    action: String,
    cancel: String,
    org: Option<OrgRow>,
    org_message: Option<&'static str>,
    form: MemberForm,
    errors: Vec<FieldError>,
    current: Option<Current>,
    today: String,
    gender_opts: Vec<Opt>,
    education_opts: Vec<Opt>,
    category_opts: Vec<Opt>,
}

impl FieldErrors for FormPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

/// What the form page shows besides the form itself.
struct FormContext {
    title: String,
    action: String,
    cancel: String,
    org: Option<OrgRow>,
    /// An organization was named, even if it could not be read.
    org_requested: bool,
    current: Option<Current>,
}

fn form_page(
    st: &AppState,
    user: &CurrentUser,
    ctx: FormContext,
    form: MemberForm,
    errors: Vec<FieldError>,
) -> Response {
    let org_message = match &ctx.org {
        None if !ctx.org_requested => {
            Some("未指定所在党组织，请在组织页面选择党组织后点击“添加党员”。")
        }
        None => Some("所选党组织不存在或不在您的管理范围内，请在组织页面重新选择。"),
        Some(o) if o.status != "active" => Some("该党组织已撤销，不能添加或修改党员。"),
        Some(_) => None,
    };
    let gender_opts = options(
        [
            ("", "按公民身份号码自动识别"),
            ("male", "男"),
            ("female", "女"),
        ],
        &form.gender,
    );
    let mut edu: Vec<(&str, &str)> = vec![("", "请选择")];
    edu.extend(EDUCATION.iter().map(|e| (*e, *e)));
    // Keep a stored value from before the list was fixed, so saving does not lose it.
    if !form.education.is_empty() && !EDUCATION.contains(&form.education.as_str()) {
        edu.push((form.education.as_str(), form.education.as_str()));
    }
    let education_opts = options(edu, &form.education);
    let category_opts = options(
        [MemberCategory::Full, MemberCategory::Probationary].map(|c| (c.code(), c.label())),
        &form.category,
    );
    let status = status_of(&errors);
    let r = render(&FormPage {
        l: Layout::new(user, "members"),
        title: ctx.title,
        action: ctx.action,
        cancel: ctx.cancel,
        org: ctx.org,
        org_message,
        today: st.svc.clock.today().to_string(),
        gender_opts,
        education_opts,
        category_opts,
        form,
        errors,
        current: ctx.current,
    });
    with_status(r, status)
}

/// The organization named by a raw id, when it exists and is in scope.
async fn org_if_readable(
    st: &AppState,
    user: &CurrentUser,
    raw: &str,
) -> Result<Option<OrgRow>, AppError> {
    let Some(id) = raw.trim().parse::<i64>().ok().filter(|i| *i > 0) else {
        return Ok(None);
    };
    match orgs::get(&st.svc, &user.actor, id).await {
        Ok(o) => Ok(Some(o)),
        Err(ServiceError::Db(e)) => Err(ServiceError::Db(e).into()),
        Err(_) => Ok(None),
    }
}

fn new_context(org: Option<OrgRow>, org_requested: bool) -> FormContext {
    let cancel = org.as_ref().map_or_else(
        || "/members".to_owned(),
        |o| format!("/members?org={}", o.id),
    );
    FormContext {
        title: "添加党员".into(),
        action: "/members/new".into(),
        cancel,
        org,
        org_requested,
        current: None,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    org: String,
}

async fn new_page(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    user.actor.require(Permission::EditMembers)?;
    let org = org_if_readable(&st, &user, &q.org).await?;
    let form = MemberForm {
        org_id: org.as_ref().map(|o| o.id.to_string()).unwrap_or_default(),
        ethnicity: "汉族".into(),
        category: MemberCategory::Full.code().into(),
        ..MemberForm::default()
    };
    Ok(form_page(
        &st,
        &user,
        new_context(org, !q.org.trim().is_empty()),
        form,
        Vec::new(),
    ))
}

async fn create(
    State(st): State<AppState>,
    CsrfForm { user, form }: CsrfForm<MemberForm>,
) -> Result<Response, AppError> {
    match members::create(&st.svc, &user.actor, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/members/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let org = org_if_readable(&st, &user, &form.org_id).await?;
            let requested = !form.org_id.trim().is_empty();
            Ok(form_page(
                &st,
                &user,
                new_context(org, requested),
                form,
                errors,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

fn edit_context(view: MemberView) -> FormContext {
    let m = &view.member;
    FormContext {
        title: format!("修改党员信息：{}", m.name),
        action: format!("/members/{}/edit", m.id),
        cancel: format!("/members/{}", m.id),
        current: Some(Current {
            id_card_masked: m.id_card_masked.clone(),
            phone_masked: m.phone_masked.clone(),
        }),
        org: Some(view.org),
        org_requested: true,
    }
}

async fn edit_page(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    user.actor.require(Permission::EditMembers)?;
    let view = members::view(&st.svc, &user.actor, id).await?;
    let form = MemberForm::from_row(&view.member);
    Ok(form_page(&st, &user, edit_context(view), form, Vec::new()))
}

async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<MemberForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    match members::update(&st.svc, &user.actor, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/members/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let view = members::view(&st.svc, &user.actor, id).await?;
            Ok(form_page(&st, &user, edit_context(view), form, errors))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- detail

/// What the transfer form had in it, kept when the page is shown again.
#[derive(Deserialize, Default)]
#[serde(default)]
struct TransferForm {
    transfer_q: String,
    org_id: String,
    on_date: String,
    reason: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FullForm {
    full_on: String,
}

/// A POST with nothing but the CSRF token.
#[derive(Deserialize, Default)]
struct NoFields {}

/// Inputs of the detail page: the transfer search and whatever a failed
/// action had submitted.
#[derive(Default)]
struct DetailInput {
    transfer: TransferForm,
    full_on: String,
    revealed: Option<(String, Option<String>)>,
    errors: Vec<FieldError>,
}

#[derive(Template)]
#[template(path = "members/detail.html")]
struct DetailPage {
    l: Layout,
    view: MemberView,
    errors: Vec<FieldError>,
    revealed_id_card: Option<String>,
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

async fn detail_page(
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
struct DetailQuery {
    transfer_q: String,
}

async fn detail(
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
enum Next {
    /// Back to the detail page by redirect, so a reload does not repeat it.
    Reload,
    /// The detail page with something shown this once (the revealed numbers).
    Show(DetailInput),
}

/// The end of every detail-page action: an accepted one goes where `next`
/// says; input the service refuses shows the detail page again with the
/// messages and what was submitted (`kept`), as 422; anything else is an
/// error page.
async fn finish_action<T>(
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

async fn reveal(
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

async fn transfer(
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

async fn confirm_full(
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

async fn extend(
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
