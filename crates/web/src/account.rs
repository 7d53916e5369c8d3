//! The holder's own account: the password change page, reachable from the
//! header by every account and the only page an account reaches while its
//! password was set by someone else (or expired) or it has no role yet.
//! The rules are `dangjian_service::account`'s.

use crate::AppState;
use crate::auth::{AccountForm, SESSION_COOKIE, SessionAccount};
use crate::error::AppError;
use crate::layout::{render, status_of, with_status};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use dangjian_domain::FieldError;
use dangjian_service::ServiceError;
use dangjian_service::account::{self, PasswordChange};
use dangjian_service::auth;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/account/password",
        get(password_page).post(change_password),
    )
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    username: String,
    display_name: String,
    csrf: String,
    must_change: bool,
    no_role: bool,
    min_length: u32,
    min_words: u32,
    history: u32,
    errors: Vec<FieldError>,
}

impl PasswordPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn page(
    st: &AppState,
    s: &SessionAccount,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let policy = auth::security_policy(&st.svc).await?;
    let status = status_of(&errors);
    let a = &s.account;
    Ok(with_status(
        render(&PasswordPage {
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            csrf: s.csrf.clone(),
            must_change: a.must_change_password,
            no_role: a.role.is_none(),
            min_length: policy.password_min_length,
            min_words: policy.passphrase_min_words,
            history: policy.password_history,
            errors,
        }),
        status,
    ))
}

async fn password_page(
    State(st): State<AppState>,
    s: SessionAccount,
) -> Result<Response, AppError> {
    page(&st, &s, Vec::new()).await
}

async fn change_password(
    State(st): State<AppState>,
    jar: CookieJar,
    AccountForm { session, form }: AccountForm<PasswordChange>,
) -> Result<Response, AppError> {
    match account::change_password(&st.svc, &session.account, &form).await {
        Ok(()) => {
            let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/").build());
            Ok((jar, Redirect::to("/login?changed=1")).into_response())
        }
        Err(ServiceError::Invalid(errors)) => page(&st, &session, errors).await,
        Err(e) => Err(e.into()),
    }
}
