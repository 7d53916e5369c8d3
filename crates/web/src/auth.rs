//! Sessions for the pages: the login form, logout, the `CurrentUser`
//! extractor (a valid, non-idle session cookie, or a redirect to the login
//! page) and `CsrfForm`, which accepts a POSTed form only with the
//! session's CSRF token.

use crate::AppState;
use crate::error::AppError;
use crate::layout::render;
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use dangjian_service::{Actor, ServiceError, auth};
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub const SESSION_COOKIE: &str = "dj_session";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

/// The logged-in user of a page request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub actor: Actor,
    pub csrf: String,
    pub token: String,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Err(Redirect::to("/login").into_response());
        };
        match auth::session(&st.svc, &token).await {
            Ok((actor, csrf)) => Ok(CurrentUser { actor, csrf, token }),
            Err(ServiceError::Unauthenticated | ServiceError::NotFound) => {
                Err(Redirect::to("/login?expired=1").into_response())
            }
            Err(e) => Err(AppError(e).into_response()),
        }
    }
}

/// A form POSTed by the logged-in user with the right CSRF token.
pub struct CsrfForm<T> {
    pub user: CurrentUser,
    pub form: T,
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
        let bytes = axum::body::Bytes::from_request(req, st)
            .await
            .map_err(IntoResponse::into_response)?;
        let csrf: CsrfField = serde_urlencoded::from_bytes(&bytes).map_err(|_| forbidden_csrf())?;
        if !constant_time_eq(csrf.csrf_token.as_bytes(), user.csrf.as_bytes()) {
            return Err(forbidden_csrf());
        }
        let form: T = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            crate::error::error_page(
                StatusCode::BAD_REQUEST,
                "提交的数据无效",
                format!("表单格式不正确：{e}"),
                Vec::new(),
            )
        })?;
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
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginQuery {
    expired: String,
}

async fn login_page(axum::extract::Query(q): axum::extract::Query<LoginQuery>) -> Response {
    render(&LoginPage {
        username: String::new(),
        error: None,
        notice: (!q.expired.is_empty()).then_some("登录已超时，请重新登录"),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login(State(st): State<AppState>, jar: CookieJar, Form(f): Form<LoginForm>) -> Response {
    if f.username.trim().is_empty()
        || f.password.is_empty()
        || f.username.len() > 64
        || f.password.len() > 256
    {
        let mut r = render(&LoginPage {
            username: f.username.chars().take(64).collect(),
            error: Some("请输入用户名和密码".into()),
            notice: None,
        });
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return r;
    }
    match auth::login(&st.svc, &f.username, &f.password).await {
        Ok(Ok((_actor, session))) => {
            let cookie = Cookie::build((SESSION_COOKIE, session.token))
                .http_only(true)
                .same_site(SameSite::Strict)
                .path("/")
                .build();
            (jar.add(cookie), Redirect::to("/")).into_response()
        }
        Ok(Err(e)) => {
            let mut r = render(&LoginPage {
                username: f.username,
                error: Some(e.message()),
                notice: None,
            });
            *r.status_mut() = StatusCode::UNAUTHORIZED;
            r
        }
        Err(e) => AppError(e).into_response(),
    }
}

async fn logout(
    State(st): State<AppState>,
    jar: CookieJar,
    CsrfForm { user, .. }: CsrfForm<CsrfFieldOnly>,
) -> Response {
    if let Err(e) = auth::logout(&st.svc, &user.token).await {
        return AppError(e).into_response();
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/").build());
    (jar, [(header::LOCATION, "/login")], StatusCode::SEE_OTHER).into_response()
}

/// A form with nothing but the CSRF token.
#[derive(Deserialize)]
pub struct CsrfFieldOnly {}
