//! Organization pages: the tree with subtree counts and search, the detail
//! page with terms, and the forms to create, edit, move and dissolve.

use crate::AppState;
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, Pager, parse_page, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dangjian_domain::FieldError;
use dangjian_domain::org::{OrgKind, Sector};
use dangjian_domain::role::Permission;
use dangjian_service::ServiceError;
use dangjian_service::orgs::{self, DetailView, OrgForm, TreeView};
use dangjian_service::store::org::OrgRow;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(tree))
        .route("/orgs/{id}", get(detail))
        .route("/orgs/{id}/edit", get(edit_page).post(update))
        .route("/orgs/{id}/new", get(new_page).post(create))
        .route("/orgs/{id}/move", get(move_page).post(move_org))
        .route("/orgs/{id}/dissolve", post(dissolve))
        .route("/orgs/{id}/terms", post(start_term))
}

/// Display helpers shared by the organization templates.
pub fn kind_label(code: &str) -> &'static str {
    OrgKind::from_code(code).map_or("未知", OrgKind::label)
}
pub fn sector_label(code: &str) -> &'static str {
    Sector::from_code(code).map_or("未知", Sector::label)
}

/// Path id from the URL; anything but a positive integer is a 404.
pub fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or(AppError(ServiceError::NotFound))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TreeQuery {
    id: String,
    q: String,
    page: String,
}

#[derive(Template)]
#[template(path = "orgs/tree.html")]
struct TreePage {
    l: Layout,
    view: TreeView,
    pager: Pager,
    q: String,
    results: Option<Vec<OrgRow>>,
    search_error: Option<String>,
    can_manage: bool,
}

// Templates call these as methods; they need no state.
#[allow(clippy::unused_self)]
impl TreePage {
    fn kind(&self, c: &str) -> &'static str {
        kind_label(c)
    }
    fn sector(&self, c: &str) -> &'static str {
        sector_label(c)
    }
}

async fn tree(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<TreeQuery>,
) -> Result<Response, AppError> {
    let id = if q.id.is_empty() {
        user.actor.org_id.0
    } else {
        parse_id(&q.id)?
    };
    let page = parse_page(&q.page);
    let view = orgs::tree(&st.svc, &user.actor, id, false, page).await?;
    let pager = Pager::new(
        &format!("/orgs?id={id}&"),
        view.children.page,
        view.children.total,
        orgs::CHILDREN_PER_PAGE,
    );
    let (results, search_error) = if q.q.trim().is_empty() {
        (None, None)
    } else {
        match orgs::search(&st.svc, &user.actor, &q.q).await {
            Ok(r) => (Some(r), None),
            Err(ServiceError::Invalid(f)) => (None, f.first().map(|e| e.message.clone())),
            Err(e) => return Err(e.into()),
        }
    };
    Ok(render(&TreePage {
        l: Layout::new(&user, "orgs"),
        view,
        pager,
        q: q.q,
        results,
        search_error,
        can_manage: user.actor.role.can(Permission::ManageOrgs),
    }))
}

#[derive(Template)]
#[template(path = "orgs/detail.html")]
struct DetailPage {
    l: Layout,
    view: DetailView,
    can_edit: bool,
    can_manage: bool,
    can_edit_members: bool,
    today: String,
    errors: Vec<FieldError>,
}

#[allow(clippy::unused_self)]
impl DetailPage {
    fn kind(&self, c: &str) -> &'static str {
        kind_label(c)
    }
    fn sector(&self, c: &str) -> &'static str {
        sector_label(c)
    }
}

async fn detail_page(
    st: &AppState,
    user: CurrentUser,
    id: i64,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let view = orgs::detail(&st.svc, &user.actor, id).await?;
    let a = &user.actor;
    let is_own = view.org.id == a.org_id.0;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = render(&DetailPage {
        l: Layout::new(&user, "orgs"),
        can_edit: a.role.can(Permission::EditOrg) && view.org.status == "active",
        can_manage: a.role.can(Permission::ManageOrgs) && !is_own && view.org.status == "active",
        can_edit_members: a.role.can(Permission::EditMembers) && view.org.status == "active",
        today: st.svc.clock.today().to_string(),
        view,
        errors,
    });
    *r.status_mut() = status;
    Ok(r)
}

async fn detail(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    detail_page(&st, user, parse_id(&id)?, Vec::new()).await
}

#[derive(Template)]
#[template(path = "orgs/form.html")]
struct FormPage {
    l: Layout,
    title: String,
    action: String,
    parent: Option<OrgRow>,
    form: OrgForm,
    errors: Vec<FieldError>,
    kinds: [OrgKind; 6],
    sectors: [Sector; 8],
}

impl FormPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn form_page(
    user: &CurrentUser,
    title: String,
    action: String,
    parent: Option<OrgRow>,
    form: OrgForm,
    errors: Vec<FieldError>,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = render(&FormPage {
        l: Layout::new(user, "orgs"),
        title,
        action,
        parent,
        form,
        errors,
        kinds: OrgKind::ALL,
        sectors: Sector::ALL,
    });
    *r.status_mut() = status;
    r
}

async fn edit_page(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    user.actor.require(Permission::EditOrg)?;
    let org = orgs::get(&st.svc, &user.actor, id).await?;
    Ok(form_page(
        &user,
        format!("修改 {}", org.name),
        format!("/orgs/{id}/edit"),
        None,
        OrgForm::from_row(&org),
        Vec::new(),
    ))
}

async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<OrgForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    match orgs::update(&st.svc, &user.actor, id, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/orgs/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => Ok(form_page(
            &user,
            "修改组织信息".into(),
            format!("/orgs/{id}/edit"),
            None,
            form,
            errors,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn new_page(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    user.actor.require(Permission::ManageOrgs)?;
    let parent = orgs::get(&st.svc, &user.actor, id).await?;
    let form = OrgForm {
        kind: "branch".into(),
        sector: parent.sector.clone(),
        ..OrgForm::default()
    };
    Ok(form_page(
        &user,
        "新建下级组织".into(),
        format!("/orgs/{id}/new"),
        Some(parent),
        form,
        Vec::new(),
    ))
}

async fn create(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<OrgForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    match orgs::create(&st.svc, &user.actor, id, &form).await {
        Ok(org) => Ok(Redirect::to(&format!("/orgs/{}", org.id)).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let parent = orgs::get(&st.svc, &user.actor, id).await?;
            Ok(form_page(
                &user,
                "新建下级组织".into(),
                format!("/orgs/{id}/new"),
                Some(parent),
                form,
                errors,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MoveForm {
    parent_id: String,
    q: String,
}

#[derive(Template)]
#[template(path = "orgs/move.html")]
struct MovePage {
    l: Layout,
    org: OrgRow,
    q: String,
    candidates: Vec<OrgRow>,
    errors: Vec<FieldError>,
}

async fn move_page(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(f): Query<MoveForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    user.actor.require(Permission::ManageOrgs)?;
    let org = orgs::get(&st.svc, &user.actor, id).await?;
    let (candidates, errors) = if f.q.trim().is_empty() {
        (Vec::new(), Vec::new())
    } else {
        match orgs::search(&st.svc, &user.actor, &f.q).await {
            Ok(c) => (
                c.into_iter()
                    .filter(|c| c.status == "active" && !c.path.starts_with(&org.path))
                    .collect(),
                Vec::new(),
            ),
            Err(ServiceError::Invalid(e)) => (Vec::new(), e),
            Err(e) => return Err(e.into()),
        }
    };
    Ok(render(&MovePage {
        l: Layout::new(&user, "orgs"),
        org,
        q: f.q,
        candidates,
        errors,
    }))
}

async fn move_org(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<MoveForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let Ok(parent_id) = form.parent_id.trim().parse::<i64>() else {
        return Err(ServiceError::field("parent_id", "请选择新的上级组织").into());
    };
    match orgs::move_org(&st.svc, &user.actor, id, parent_id).await {
        Ok(_) => Ok(Redirect::to(&format!("/orgs/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let org = orgs::get(&st.svc, &user.actor, id).await?;
            let mut r = render(&MovePage {
                l: Layout::new(&user, "orgs"),
                org,
                q: form.q,
                candidates: Vec::new(),
                errors,
            });
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DissolveForm {
    dissolved_on: String,
}

async fn dissolve(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<DissolveForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    match orgs::dissolve(&st.svc, &user.actor, id, &form.dissolved_on).await {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => detail_page(&st, user, id, errors).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TermForm {
    start_date: String,
}

async fn start_term(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<TermForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    match orgs::start_term(&st.svc, &user.actor, id, &form.start_date).await {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => detail_page(&st, user, id, errors).await,
        Err(e) => Err(e.into()),
    }
}
