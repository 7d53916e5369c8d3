//! The one place where service errors become HTTP answers: a Chinese page
//! for the browser, a JSON error for the API. Server errors are logged and
//! shown without internals.

use crate::layout::render;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_domain::FieldError;
use dangjian_service::ServiceError;

/// An error on a page request.
#[derive(Debug)]
pub struct AppError(pub ServiceError);

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        AppError(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: String,
    fields: Vec<FieldError>,
}

pub fn error_page(
    status: StatusCode,
    title: &str,
    message: String,
    fields: Vec<FieldError>,
) -> Response {
    let mut r = render(&ErrorPage {
        status: status.as_u16(),
        title,
        message,
        fields,
    });
    *r.status_mut() = status;
    r
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self.0 {
            ServiceError::Unauthenticated => Redirect::to("/login").into_response(),
            ServiceError::Forbidden(msg) => {
                error_page(StatusCode::FORBIDDEN, "无权访问", msg, Vec::new())
            }
            ServiceError::NotFound => error_page(
                StatusCode::NOT_FOUND,
                "未找到",
                "您要找的内容不存在或已被删除".into(),
                Vec::new(),
            ),
            ServiceError::Invalid(fields) => error_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "输入有误",
                "请检查以下内容：".into(),
                fields,
            ),
            ServiceError::Db(e) => {
                tracing::error!(error = %e, "database error");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "系统错误",
                    "系统暂时无法完成操作，请稍后再试".into(),
                    Vec::new(),
                )
            }
        }
    }
}

pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError(ServiceError::NotFound).into_response();
    }
    AppError(ServiceError::NotFound).into_response()
}

/// An error on an API request: `{"error": {"code", "message", "fields"}}`.
#[derive(Debug)]
pub struct ApiError(pub ServiceError);

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    pub fn bad_request(field: &'static str, message: impl Into<String>) -> Self {
        ApiError(ServiceError::field(field, message))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, fields) = match self.0 {
            ServiceError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "请提供有效的访问令牌".to_owned(),
                Vec::new(),
            ),
            ServiceError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m, Vec::new()),
            ServiceError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "未找到".to_owned(),
                Vec::new(),
            ),
            ServiceError::Invalid(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "输入有误".to_owned(),
                f,
            ),
            ServiceError::Db(e) => {
                tracing::error!(error = %e, "database error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "系统暂时无法完成操作".to_owned(),
                    Vec::new(),
                )
            }
        };
        let body =
            serde_json::json!({"error": {"code": code, "message": message, "fields": fields}});
        (status, axum::Json(body)).into_response()
    }
}
