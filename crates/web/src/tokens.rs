//! The logged-in user's personal API tokens (接口令牌): list, create (the
//! plain token is shown once, in the response body, never in a URL) and
//! revoke. Who may hold tokens and which ones they see is decided by
//! `dangjian_service::auth`; this module must not decide access itself.

use crate::AppState;
use crate::auth::{CsrfFieldOnly, CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, render, status_of, with_status};
use crate::orgs::parse_id;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dangjian_domain::FieldError;
use dangjian_domain::role::Permission;
use dangjian_service::ServiceError;
use dangjian_service::auth;
use dangjian_service::clock::display_ts;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}/revoke", post(revoke_token))
}

struct TokenLine {
    id: i64,
    name: String,
    created: String,
    last_used: Option<String>,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens/list.html")]
struct TokensPage {
    l: Layout,
    tokens: Vec<TokenLine>,
    /// The plain token, right after it was created; never shown again.
    new_token: Option<String>,
    host: String,
    name: String,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
}

impl TokensPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// The Host header for the curl example, if it looks like a host name.
fn host_of(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("<host>")
        .to_owned()
}

struct TokenOutcome {
    new_token: Option<String>,
    name: String,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
}

async fn tokens_page(
    st: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    o: TokenOutcome,
) -> Result<Response, AppError> {
    user.actor.require(Permission::UseApi)?;
    let tokens = auth::list_api_tokens(&st.svc, &user.actor)
        .await?
        .into_iter()
        .map(|t| TokenLine {
            id: t.id,
            created: display_ts(&t.created_at),
            last_used: t.last_used.as_deref().map(display_ts),
            revoked: t.revoked != 0,
            name: t.name,
        })
        .collect();
    let status = status_of(&o.errors);
    let page = TokensPage {
        l: Layout::new(user, "tokens"),
        tokens,
        new_token: o.new_token,
        host: host_of(headers),
        name: o.name,
        notice: o.notice,
        errors: o.errors,
    };
    Ok(with_status(render(&page), status))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokensQuery {
    done: String,
}

async fn list_tokens(
    State(st): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<TokensQuery>,
) -> Result<Response, AppError> {
    let notice = (q.done == "revoke").then_some("令牌已撤销，使用该令牌的程序将无法再访问接口");
    tokens_page(
        &st,
        &user,
        &headers,
        TokenOutcome {
            new_token: None,
            name: String::new(),
            notice,
            errors: Vec::new(),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenInput {
    name: String,
}

/// Renders the page directly (no redirect): the new token must not travel
/// in a URL, and it is shown this once.
async fn create_token(
    State(st): State<AppState>,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<TokenInput>,
) -> Result<Response, AppError> {
    match auth::create_api_token(&st.svc, &user.actor, &form.name).await {
        Ok(token) => {
            let o = TokenOutcome {
                new_token: Some(token),
                name: String::new(),
                notice: None,
                errors: Vec::new(),
            };
            tokens_page(&st, &user, &headers, o).await
        }
        Err(ServiceError::Invalid(errors)) => {
            let o = TokenOutcome {
                new_token: None,
                name: form.name,
                notice: None,
                errors,
            };
            tokens_page(&st, &user, &headers, o).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke_token(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<CsrfFieldOnly>,
) -> Result<Response, AppError> {
    auth::revoke_api_token(&st.svc, &user.actor, parse_id(&id)?).await?;
    Ok(Redirect::to("/tokens?done=revoke").into_response())
}
