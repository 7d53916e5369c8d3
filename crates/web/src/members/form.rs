//! The create and edit forms of a member, re-rendered with the messages
//! next to their fields.

use super::{FieldErrors, Opt, options};
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
use dangjian_service::ServiceError;
use dangjian_service::members::{self, EDUCATION, MemberForm, MemberView};
use dangjian_service::orgs;
use dangjian_service::store::org::OrgRow;
use serde::Deserialize;

/// Masked numbers shown as hints on the edit form.
pub(super) struct Current {
    id_card_masked: String,
    phone_masked: String,
}

#[derive(Template)]
#[template(path = "members/form.html")]
pub(super) struct FormPage {
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
pub(super) struct FormContext {
    title: String,
    action: String,
    cancel: String,
    org: Option<OrgRow>,
    /// An organization was named, even if it could not be read.
    org_requested: bool,
    current: Option<Current>,
}

pub(super) fn form_page(
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
pub(super) async fn org_if_readable(
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

pub(super) fn new_context(org: Option<OrgRow>, org_requested: bool) -> FormContext {
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
pub(super) struct NewQuery {
    org: String,
}

pub(super) async fn new_page(
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

pub(super) async fn create(
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

pub(super) fn edit_context(view: MemberView) -> FormContext {
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

pub(super) async fn edit_page(
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

pub(super) async fn update(
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
