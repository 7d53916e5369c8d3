//! The security administrator's pages: grant a role and organization to an
//! account, withdraw it, lock an account, and every account's API tokens
//! with a revoke button. Who may do what is decided by
//! `dangjian_service::grants` and `dangjian_service::tokens`.

use crate::AppState;
use crate::auth::{CsrfFieldOnly, CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, Pager, parse_page, render, status_of, with_status};
use crate::orgs::parse_id;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dangjian_domain::FieldError;
use dangjian_domain::role::{Permission, Role};
use dangjian_service::clock::display_ts;
use dangjian_service::store::user::UserRow;
use dangjian_service::{ServiceError, auth, grants, tokens, users};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users/{id}/role", get(role_page).post(grant))
        .route("/users/{id}/withdraw", post(withdraw))
        .route("/users/{id}/lock", post(lock))
        .route("/security/tokens", get(all_tokens))
        .route("/security/tokens/{id}/revoke", post(revoke_token))
}

/// The label of a stored role code; `""` is an account without a role.
pub fn role_label(code: &str) -> String {
    if code.is_empty() {
        return "未授权".to_owned();
    }
    Role::from_code(code).map_or_else(|| code.to_owned(), |r| r.label().to_owned())
}

#[derive(Template)]
#[template(path = "users/role.html")]
struct RolePage {
    l: Layout,
    current_role: String,
    account: UserRow,
    roles: Vec<(&'static str, &'static str)>,
    role: String,
    org_id: String,
    errors: Vec<FieldError>,
}

impl RolePage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrantInput {
    role: String,
    org_id: String,
}

async fn role_form(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    input: GrantInput,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    user.actor.require(Permission::ManageSecurity)?;
    let account = users::get(&st.svc, &user.actor, id).await?;
    let status = status_of(&errors);
    let page = RolePage {
        l: Layout::new(user, "users"),
        current_role: role_label(&account.role),
        role: if input.role.is_empty() {
            account.role.clone()
        } else {
            input.role
        },
        org_id: if input.org_id.is_empty() {
            account.org_id.to_string()
        } else {
            input.org_id
        },
        roles: user
            .actor
            .role
            .grantable()
            .into_iter()
            .map(|r| (r.code(), r.label()))
            .collect(),
        account,
        errors,
    };
    Ok(with_status(render(&page), status))
}

async fn role_page(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    role_form(&st, &user, id, GrantInput::default(), Vec::new()).await
}

async fn grant(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<GrantInput>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    match grants::grant_role(&st.svc, &user.actor, id, &form.role, &form.org_id).await {
        Ok(()) => Ok(Redirect::to("/users?done=grant").into_response()),
        Err(ServiceError::Invalid(errors)) => role_form(&st, &user, id, form, errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn withdraw(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<CsrfFieldOnly>,
) -> Result<Response, AppError> {
    grants::withdraw_role(&st.svc, &user.actor, parse_id(&id)?).await?;
    Ok(Redirect::to("/users?done=withdraw").into_response())
}

async fn lock(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<CsrfFieldOnly>,
) -> Result<Response, AppError> {
    grants::lock(&st.svc, &user.actor, parse_id(&id)?).await?;
    Ok(Redirect::to("/users?done=lock").into_response())
}

struct TokenLine {
    id: i64,
    username: String,
    display_name: String,
    name: String,
    created: String,
    expires: String,
    last_used: Option<String>,
    status: &'static str,
    live: bool,
}

#[derive(Template)]
#[template(path = "security/tokens.html")]
struct TokensPage {
    l: Layout,
    lines: Vec<TokenLine>,
    pager: Pager,
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    page: String,
    done: String,
}

async fn all_tokens(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let page = parse_page(&q.page);
    let (rows, total) = tokens::list_all(&st.svc, &user.actor, page).await?;
    let policy = auth::security_policy(&st.svc).await?;
    let now = st.svc.clock.now_text();
    let lines = rows
        .into_iter()
        .map(|o| {
            let expires = tokens::token_expiry(&o.token, policy.token_lifetime_days);
            let revoked = o.token.revoked != 0;
            let expired = expires <= now;
            TokenLine {
                id: o.token.id,
                username: o.username,
                display_name: o.display_name,
                name: o.token.name,
                created: display_ts(&o.token.created_at),
                expires: display_ts(&expires),
                last_used: o.token.last_used.as_deref().map(display_ts),
                status: if revoked {
                    "已撤销"
                } else if expired {
                    "已过期"
                } else {
                    "有效"
                },
                live: !revoked && !expired,
            }
        })
        .collect();
    Ok(render(&TokensPage {
        l: Layout::new(&user, "security_tokens"),
        lines,
        pager: Pager::new("/security/tokens?", page, total, tokens::PER_PAGE),
        notice: (q.done == "revoke").then_some("令牌已撤销"),
    }))
}

async fn revoke_token(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<CsrfFieldOnly>,
) -> Result<Response, AppError> {
    tokens::revoke_any(&st.svc, &user.actor, parse_id(&id)?).await?;
    Ok(Redirect::to("/security/tokens?done=revoke").into_response())
}
