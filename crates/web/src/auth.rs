//! Sessions for the pages: the login form (with its own CSRF token, a
//! double-submit cookie, and a per-address limit on failures), logout, the
//! `SessionAccount` extractor (any valid session, for the password change),
//! the `CurrentUser` extractor (a session of an account with a role and its
//! own password; otherwise a redirect to the login page or to the password
//! change) and `CsrfForm` / `AccountForm`, which accept a POSTed form only
//! with the session's CSRF token.

use crate::AppState;
use crate::error::AppError;
use crate::layout::render;
use crate::limiter::PeerIp;
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use dangjian_service::auth::Account;
use dangjian_service::crypto::random_token;
use dangjian_service::{Actor, ServiceError, auth};
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub const SESSION_COOKIE: &str = "dj_session";
/// The login form's CSRF token (double-submit: cookie and hidden field).
pub const LOGIN_CSRF_COOKIE: &str = "dj_login_csrf";
/// Where an account goes that must change its password or has no role.
pub const ACCOUNT_PAGE: &str = "/account/password";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

/// Any logged-in account, whether or not it may act yet (the password
/// change page and logout).
#[derive(Debug, Clone)]
pub struct SessionAccount {
    pub account: Account,
    pub csrf: String,
    pub token: String,
}

impl FromRequestParts<AppState> for SessionAccount {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Err(Redirect::to("/login").into_response());
        };
        match auth::session(&st.svc, &token).await {
            Ok((account, csrf)) => Ok(SessionAccount {
                account,
                csrf,
                token,
            }),
            Err(ServiceError::Unauthenticated | ServiceError::NotFound) => {
                Err(Redirect::to("/login?expired=1").into_response())
            }
            Err(e) => Err(AppError(e).into_response()),
        }
    }
}

/// The logged-in user of a page request: an account with a granted role
/// and a password of its own. Others are sent to the password change.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub actor: Actor,
    pub csrf: String,
    pub token: String,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let s = SessionAccount::from_request_parts(parts, st).await?;
        match s.account.actor() {
            Ok(actor) => Ok(CurrentUser {
                actor,
                csrf: s.csrf,
                token: s.token,
            }),
            Err(_) => Err(Redirect::to(ACCOUNT_PAGE).into_response()),
        }
    }
}

/// A form POSTed by the logged-in user with the right CSRF token.
pub struct CsrfForm<T> {
    pub user: CurrentUser,
    pub form: T,
}

/// A form POSTed by any logged-in account with the right CSRF token.
pub struct AccountForm<T> {
    pub session: SessionAccount,
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for AccountForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, st: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let session = SessionAccount::from_request_parts(&mut parts, st).await?;
        let req = Request::from_parts(parts, body);
        let form = checked_form(req, st, &session.csrf).await?;
        Ok(AccountForm { session, form })
    }
}

/// Reads a urlencoded body whose `csrf_token` must equal `expected`.
async fn checked_form<T: DeserializeOwned>(
    req: Request,
    st: &AppState,
    expected: &str,
) -> Result<T, Response> {
    let bytes = axum::body::Bytes::from_request(req, st)
        .await
        .map_err(IntoResponse::into_response)?;
    let csrf: CsrfField = serde_urlencoded::from_bytes(&bytes).map_err(|_| forbidden_csrf())?;
    if !constant_time_eq(csrf.csrf_token.as_bytes(), expected.as_bytes()) {
        return Err(forbidden_csrf());
    }
    serde_urlencoded::from_bytes(&bytes).map_err(|e| {
        crate::error::error_page(
            StatusCode::BAD_REQUEST,
            "提交的数据无效",
            format!("表单格式不正确：{e}"),
            Vec::new(),
        )
    })
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

/// The page for a missing or wrong CSRF token.
pub fn forbidden_csrf() -> Response {
    crate::error::error_page(
        StatusCode::FORBIDDEN,
        "页面已过期",
        "页面已过期或来源不明，请返回刷新页面后重新提交".into(),
        Vec::new(),
    )
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, st: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = CurrentUser::from_request_parts(&mut parts, st).await?;
        let req = Request::from_parts(parts, body);
        let form = checked_form(req, st, &user.csrf).await?;
        Ok(CsrfForm { user, form })
    }
}

/// Does `token` equal the session's CSRF token (compared in constant time)?
pub fn check_csrf(user: &CurrentUser, token: &str) -> bool {
    constant_time_eq(token.as_bytes(), user.csrf.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    username: String,
    error: Option<String>,
    notice: Option<&'static str>,
    csrf: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginQuery {
    expired: String,
    changed: String,
}

/// The login page with a fresh login CSRF token in the cookie and the form.
fn login_response(
    jar: CookieJar,
    status: StatusCode,
    username: String,
    error: Option<String>,
    notice: Option<&'static str>,
) -> Response {
    let csrf = random_token();
    let cookie = Cookie::build((LOGIN_CSRF_COOKIE, csrf.clone()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/login")
        .build();
    let mut r = render(&LoginPage {
        username,
        error,
        notice,
        csrf,
    });
    *r.status_mut() = status;
    (jar.add(cookie), r).into_response()
}

async fn login_page(
    jar: CookieJar,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Response {
    let notice = if !q.changed.is_empty() {
        Some("密码已修改，请使用新密码登录")
    } else if !q.expired.is_empty() {
        Some("登录已超时，请重新登录")
    } else {
        None
    };
    login_response(jar, StatusCode::OK, String::new(), None, notice)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    username: String,
    password: String,
    csrf_token: String,
}

async fn login(
    State(st): State<AppState>,
    jar: CookieJar,
    PeerIp(ip): PeerIp,
    Form(f): Form<LoginForm>,
) -> Response {
    let expected = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(f.csrf_token.as_bytes(), expected.as_bytes()) {
        return crate::error::error_page(
            StatusCode::FORBIDDEN,
            "页面已过期",
            "登录页面已过期或来源不明，请刷新登录页面后重新登录".into(),
            Vec::new(),
        );
    }
    let now = st.svc.clock.now();
    if let Some(minutes) = st.login_limiter.blocked(ip, now) {
        return crate::error::error_page(
            StatusCode::TOO_MANY_REQUESTS,
            "登录尝试过于频繁",
            format!("来自您所在地址的登录失败次数过多，请{minutes}分钟后再试"),
            Vec::new(),
        );
    }
    let username: String = f.username.chars().take(64).collect();
    if f.username.trim().is_empty()
        || f.password.is_empty()
        || f.username.len() > 64
        || f.password.len() > 256
    {
        return login_response(
            jar,
            StatusCode::UNPROCESSABLE_ENTITY,
            username,
            Some("请输入用户名和密码".into()),
            None,
        );
    }
    match auth::login(&st.svc, &f.username, &f.password).await {
        Ok(Ok((account, session))) => {
            let cookie = Cookie::build((SESSION_COOKIE, session.token))
                .http_only(true)
                .same_site(SameSite::Strict)
                .path("/")
                .build();
            let to = if account.actor().is_ok() {
                "/"
            } else {
                ACCOUNT_PAGE
            };
            let jar = jar.remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login").build());
            (jar.add(cookie), Redirect::to(to)).into_response()
        }
        Ok(Err(e)) => {
            st.login_limiter.failed(ip, now);
            login_response(
                jar,
                StatusCode::UNAUTHORIZED,
                username,
                Some(e.message()),
                None,
            )
        }
        Err(e) => AppError(e).into_response(),
    }
}

async fn logout(
    State(st): State<AppState>,
    jar: CookieJar,
    AccountForm { session, .. }: AccountForm<CsrfFieldOnly>,
) -> Response {
    if let Err(e) = auth::logout(&st.svc, &session.token).await {
        return AppError(e).into_response();
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/").build());
    (jar, [(header::LOCATION, "/login")], StatusCode::SEE_OTHER).into_response()
}

/// A form with nothing but the CSRF token.
#[derive(Deserialize)]
pub struct CsrfFieldOnly {}
