//! The record list (filters kept in the URL, newest first, paged) and the
//! full-text search page with highlighted excerpts.

use super::{FieldErrors, Opt};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::layout::{Layout, Pager, parse_page, render, with_status};
use crate::orgs::parse_id;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use dangjian_domain::FieldError;
use dangjian_domain::role::Permission;
use dangjian_service::records::{self, RecordPage, RecordQuery, SearchResults};
use dangjian_service::store::org::OrgRow;
use dangjian_service::{ServiceError, orgs, policy};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The list's query string, as typed (bookmarkable).
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct ListQuery {
    org: String,
    /// Only the organization's own records, not its subtree's.
    own: String,
    #[serde(rename = "type")]
    record_type: String,
    from: String,
    to: String,
    status: String,
    page: String,
    #[serde(skip_serializing)]
    deleted: String,
}

#[derive(Template)]
#[template(path = "records/list.html")]
pub(super) struct ListPage {
    l: Layout,
    q: ListQuery,
    scope: OrgRow,
    result: Option<RecordPage>,
    errors: Vec<FieldError>,
    type_opts: Vec<Opt>,
    status_opts: Vec<Opt>,
    labels: HashMap<String, String>,
    pager: Pager,
    can_record: bool,
    deleted: bool,
}

impl FieldErrors for ListPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

impl ListPage {
    fn type_label<'a>(&'a self, code: &'a str) -> &'a str {
        self.labels.get(code).map_or(code, String::as_str)
    }

    fn status(code: &str) -> &'static str {
        super::status_label(code)
    }
}

/// The list URL with every filter but the page, ending in `?` or `&`.
fn list_base(q: &ListQuery) -> String {
    let mut q = q.clone();
    q.page.clear();
    let qs = serde_urlencoded::to_string(&q).unwrap_or_default();
    let kept: Vec<&str> = qs
        .split('&')
        .filter(|p| !p.is_empty() && !p.ends_with('='))
        .collect();
    if kept.is_empty() {
        "/records?".to_owned()
    } else {
        format!("/records?{}&", kept.join("&"))
    }
}

fn opt_text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The organization of `raw` (the user's own when empty), readable by the user.
async fn scope_org(st: &AppState, user: &CurrentUser, raw: &str) -> Result<OrgRow, AppError> {
    let id = if raw.trim().is_empty() {
        user.actor.org_id.0
    } else {
        parse_id(raw.trim())?
    };
    Ok(orgs::get(&st.svc, &user.actor, id).await?)
}

pub(super) async fn list(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(mut q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let scope = scope_org(&st, &user, &q.org).await?;
    q.org = scope.id.to_string();
    let query = RecordQuery {
        org_id: Some(scope.id),
        own_only: !q.own.trim().is_empty(),
        record_type: opt_text(&q.record_type),
        from: opt_text(&q.from),
        to: opt_text(&q.to),
        status: opt_text(&q.status),
        page: parse_page(&q.page),
    };
    let (result, errors) = match records::list(&st.svc, &user.actor, &query).await {
        Ok(p) => (Some(p), Vec::new()),
        Err(ServiceError::Invalid(e)) => (None, e),
        Err(e) => return Err(e.into()),
    };
    let active = policy::active(&st.svc).await?;
    let types = active.profile.record_types();
    let labels = types
        .iter()
        .map(|t| (t.code.clone(), t.label.clone()))
        .collect();
    let mut type_opts = vec![Opt {
        value: String::new(),
        label: "全部类型".into(),
        selected: q.record_type.is_empty(),
    }];
    type_opts.extend(types.iter().map(|t| Opt {
        value: t.code.clone(),
        label: t.label.clone(),
        selected: t.code == q.record_type,
    }));
    let status_opts = [
        ("", "全部"),
        ("submitted", "待上级确认"),
        ("confirmed", "已审核确认"),
    ]
    .into_iter()
    .map(|(v, label)| Opt {
        value: v.into(),
        label: label.into(),
        selected: v == q.status,
    })
    .collect();
    let pager = match &result {
        Some(p) => Pager::new(&list_base(&q), p.page, p.total, p.per_page),
        None => Pager::new("/records?", 1, 0, records::PER_PAGE),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let r = render(&ListPage {
        l: Layout::new(&user, "life"),
        can_record: user.actor.role.can(Permission::EditOrg) && scope.status == "active",
        deleted: !q.deleted.is_empty(),
        q,
        scope,
        result,
        errors,
        type_opts,
        status_opts,
        labels,
        pager,
    });
    Ok(with_status(r, status))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SearchQuery {
    q: String,
    org: String,
    page: String,
}

#[derive(Template)]
#[template(path = "records/search.html")]
pub(super) struct SearchPage {
    l: Layout,
    q: String,
    scope: OrgRow,
    result: Option<SearchResults>,
    errors: Vec<FieldError>,
    pager: Pager,
}

impl FieldErrors for SearchPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

pub(super) async fn search(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let scope = scope_org(&st, &user, &q.org).await?;
    let (result, errors) = if q.q.trim().is_empty() {
        (None, Vec::new())
    } else {
        match records::search(
            &st.svc,
            &user.actor,
            &q.q,
            Some(scope.id),
            parse_page(&q.page),
        )
        .await
        {
            Ok(r) => (Some(r), Vec::new()),
            Err(ServiceError::Invalid(e)) => (None, e),
            Err(e) => return Err(e.into()),
        }
    };
    let pager = match &result {
        Some(r) => {
            let base = format!(
                "/records/search?{}&",
                serde_urlencoded::to_string([("q", q.q.trim()), ("org", &scope.id.to_string())])
                    .unwrap_or_default()
            );
            Pager::new(&base, r.page, r.total, r.per_page)
        }
        None => Pager::new("/records/search?", 1, 0, records::SEARCH_PER_PAGE),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let r = render(&SearchPage {
        l: Layout::new(&user, "life"),
        q: q.q,
        scope,
        result,
        errors,
        pager,
    });
    Ok(with_status(r, status))
}
