//! The member roll (党员名册): filters kept in the URL, paging, and the
//! exact ID search, which is a POST so the number never lands in a URL.

use super::{FieldErrors, Labels, Opt, options};
use crate::AppState;
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, Pager, render, with_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_domain::FieldError;
use dangjian_domain::member::{AGE_BANDS, MemberCategory};
use dangjian_domain::org::Sector;
use dangjian_domain::role::Permission;
use dangjian_service::ServiceError;
use dangjian_service::members::{self, COUNT_CAP, MemberPage, MemberQuery, PER_PAGE};
use dangjian_service::orgs;
use dangjian_service::store::org::OrgRow;
use serde::Deserialize;

/// Shown when the exact ID search finds nobody the user may see; it does
/// not say whether the number belongs to a member elsewhere.
pub(super) const NOT_FOUND_IN_SCOPE: &str = "在您的管辖范围内没有找到该公民身份号码对应的党员";

/// What the exact ID search (`POST /members/find`) left for the list page:
/// the number as typed (only ever in a POST response, never in a URL), a
/// not-found message, or the errors next to its field.
#[derive(Default)]
pub(super) struct FindOutcome {
    id_card: String,
    message: Option<&'static str>,
    errors: Vec<FieldError>,
}

#[derive(Template)]
#[template(path = "members/list.html")]
pub(super) struct ListPage {
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
    /// The export link: the list's filters (scope explicit), no page.
    export_href: String,
    may_import: bool,
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
pub(super) fn list_base(q: &MemberQuery) -> String {
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

pub(super) async fn list(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<MemberQuery>,
) -> Result<Response, AppError> {
    list_page(&st, &user, q, FindOutcome::default()).await
}

pub(super) async fn list_page(
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
    let export_href = list_base(&link_q).replacen("/members?", "/members/export?", 1);
    let export_href = export_href
        .strip_suffix(['&', '?'])
        .unwrap_or(&export_href)
        .to_owned();
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
        export_href,
        may_import: a.role.can(Permission::EditMembers),
    });
    Ok(with_status(r, status))
}

/// The exact ID search form; the list's filters ride along in hidden
/// fields so the same list comes back when nothing is found.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct FindInput {
    id_card: String,
    #[serde(flatten)]
    list: MemberQuery,
}

/// Exact search by citizen ID number. A POST, so the full number never
/// appears in a URL, a log line or the browser history; the service checks
/// the permission and audits the lookup.
pub(super) async fn find_by_id_card(
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
