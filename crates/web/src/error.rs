//! The one place where service errors become HTTP answers: a Chinese page
//! for the browser, a JSON error for the API. Server errors are logged and
//! shown without internals.

use crate::api::dto;
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
            ServiceError::Conflict(msg) => {
                error_page(StatusCode::CONFLICT, "操作冲突", msg, Vec::new())
            }
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
        return ApiError::Service(ServiceError::NotFound).into_response();
    }
    AppError(ServiceError::NotFound).into_response()
}

/// An error on an API request, answered as
/// `{"error": {"code", "message", "fields"}}` ([`dto::Error`]).
#[derive(Debug)]
pub enum ApiError {
    /// What the service refused or could not do.
    Service(ServiceError),
    /// What the API layer itself finds wrong with a request before any
    /// service is asked: a malformed body or query (400/422, code
    /// `bad_request`), a body too large, an unsupported method.
    Request {
        status: StatusCode,
        code: &'static str,
        message: String,
        /// `(field, message)`; the field is a JSON path such as `name`.
        fields: Vec<(String, String)>,
    },
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError::Service(e)
    }
}

impl ApiError {
    /// A request error without fields.
    pub fn request(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Request {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// 400 `bad_request`: a body or query that cannot be read as such.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::request(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 422 `bad_request`: well-formed JSON of the wrong shape or types,
    /// with the field it concerns when there is one.
    pub fn bad_body(message: impl Into<String>, field: Option<(String, String)>) -> Self {
        ApiError::Request {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "bad_request",
            message: message.into(),
            fields: field.into_iter().collect(),
        }
    }

    /// 422 `invalid` on one field, as the service's own validation answers.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ApiError::Service(ServiceError::field(field, message))
    }
}

/// Status, code, message and fields of a service error.
fn service_answer(e: ServiceError) -> (StatusCode, &'static str, String, Vec<(String, String)>) {
    match e {
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
            f.into_iter()
                .map(|f| (f.field.to_owned(), f.message))
                .collect(),
        ),
        ServiceError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m, Vec::new()),
        ServiceError::Db(e) => {
            tracing::error!(error = %e, "database error");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "系统暂时无法完成操作".to_owned(),
                Vec::new(),
            )
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, fields) = match self {
            ApiError::Service(e) => service_answer(e),
            ApiError::Request {
                status,
                code,
                message,
                fields,
            } => (status, code, message, fields),
        };
        let body = dto::Error {
            error: dto::ErrorBody {
                code: code.to_owned(),
                message,
                fields: fields
                    .into_iter()
                    .map(|(field, message)| dto::ErrorField { field, message })
                    .collect(),
            },
        };
        (status, axum::Json(body)).into_response()
    }
}
