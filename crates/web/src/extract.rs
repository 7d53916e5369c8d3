//! Ids and query strings, parsed once at the edge. [`Id`] takes a typed id
//! from the path (`/orgs/{id}`), [`Ids`] two of them, and [`Query`] a page's
//! query string whose id fields are typed (`Option<OrgId>` with
//! `dangjian_domain::ids::blank_as_none`). A path id that is not a positive
//! integer is the Chinese 404 page (a JSON 404 under `/api/`); a query that
//! does not parse is the Chinese 422 page naming what was wrong.

use crate::error::{ApiError, AppError};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use dangjian_domain::FieldError;
use dangjian_domain::ids::TypedId;
use dangjian_service::ServiceError;
use serde::de::DeserializeOwned;

/// A typed id from the request path.
#[derive(Debug, Clone, Copy)]
pub struct Id<T>(pub T);

/// Two typed ids from the request path, in the order of the route.
#[derive(Debug, Clone, Copy)]
pub struct Ids<A, B>(pub A, pub B);

/// The answer to a path id that is not one: 404, as a page or as JSON.
pub struct NoSuchId {
    api: bool,
}

impl NoSuchId {
    fn of(parts: &Parts) -> Self {
        Self {
            api: parts.uri.path().starts_with("/api/"),
        }
    }
}

impl IntoResponse for NoSuchId {
    fn into_response(self) -> Response {
        if self.api {
            ApiError::Service(ServiceError::NotFound).into_response()
        } else {
            AppError(ServiceError::NotFound).into_response()
        }
    }
}

impl<S: Send + Sync, T: TypedId + Send> FromRequestParts<S> for Id<T> {
    type Rejection = NoSuchId;

    async fn from_request_parts(parts: &mut Parts, st: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, st)
            .await
            .map_err(|_| NoSuchId::of(parts))?;
        T::parse(&raw).map(Id).map_err(|_| NoSuchId::of(parts))
    }
}

impl<S: Send + Sync, A: TypedId + Send, B: TypedId + Send> FromRequestParts<S> for Ids<A, B> {
    type Rejection = NoSuchId;

    async fn from_request_parts(parts: &mut Parts, st: &S) -> Result<Self, Self::Rejection> {
        let Path((a, b)) = Path::<(String, String)>::from_request_parts(parts, st)
            .await
            .map_err(|_| NoSuchId::of(parts))?;
        match (A::parse(&a), B::parse(&b)) {
            (Ok(a), Ok(b)) => Ok(Ids(a, b)),
            _ => Err(NoSuchId::of(parts)),
        }
    }
}

/// A page's query string. Unknown fields are ignored; a value that does not
/// parse (an id that is not a number, say) is the 422 page with the
/// field's message.
#[derive(Debug, Clone)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _st: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query).map(Query).map_err(|e| {
            // The typed ids say which id was wrong, in Chinese; serde's own
            // messages (a repeated parameter, say) are replaced by a plain one.
            let message = e.to_string();
            let message = if message.is_ascii() {
                "链接中的参数格式不正确（同一参数只能出现一次）".to_owned()
            } else {
                message
            };
            AppError(ServiceError::Invalid(vec![FieldError::new(
                "query", message,
            )]))
        })
    }
}
