//! The JSON API under `/api/v1`: organizations, members, records,
//! compliance and early warnings for programs,
//! authenticated by personal access tokens (`Authorization: Bearer …`), never
//! by cookies — so no CSRF token is needed. The service enforces the same
//! permission and scope rules as for the pages.
//!
//! Every error is JSON, `{"error": {"code", "message", "fields"}}`: bad
//! tokens (401), path ids that are not positive integers (404), malformed
//! bodies (400/422, code `bad_request`), unsupported methods (405).
//! `GET /api/v1/openapi.json` describes it all and needs no token.

mod compliance;
pub mod dto;
mod members;
mod openapi;
mod orgs;
mod records;
mod rectify;
#[cfg(test)]
mod smoke;
mod warnings;
mod work;

use crate::AppState;
use crate::error::ApiError;
use axum::Router;
use axum::extract::rejection::{JsonRejection, MissingJsonContentType};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dangjian_service::{Actor, ServiceError, auth};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::serve))
        .route("/orgs", get(orgs::list).post(orgs::create))
        .route("/orgs/search", get(orgs::search))
        .route("/orgs/{id}", get(orgs::get).put(orgs::update))
        .route("/orgs/{id}/move", post(orgs::move_org))
        .route("/orgs/{id}/dissolve", post(orgs::dissolve))
        .route("/members", get(members::list).post(members::create))
        .route("/members/{id}", get(members::get).put(members::update))
        .route("/members/{id}/transfer", post(members::transfer))
        .route("/records", get(records::list).post(records::create))
        .route("/records/search", get(records::search))
        .route("/records/{id}", get(records::get))
        .route("/compliance", get(compliance::matrix))
        .route("/compliance/due", get(compliance::due))
        .route("/policy", get(compliance::active_policy))
        .route("/rectify", get(rectify::overview))
        .route("/rectify/ledgers/{id}", get(rectify::get))
        .route("/work", get(work::list))
        .route("/work/{id}", get(work::get))
        .route("/work/{id}/actions", post(work::act))
        .route("/tasks/{id}", get(work::task))
        .route("/warnings", get(warnings::list))
        .route("/orgs/{id}/warnings", get(warnings::history))
        .method_not_allowed_fallback(method_not_allowed)
}

async fn method_not_allowed() -> ApiError {
    ApiError::request(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "该地址不支持此请求方法",
    )
}

fn unauthenticated() -> Response {
    let mut r = ApiError::Service(ServiceError::Unauthenticated).into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"dangjian\""),
    );
    r
}

/// A `201 Created` answer: the new record's address in `Location`, and
/// `body`.
fn created<T: Serialize>(location: &str, body: T) -> Response {
    let location = HeaderValue::from_str(location).expect("an API path is a valid header value");
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(body),
    )
        .into_response()
}

// ---------------------------------------------------------------- extractors

/// The user behind `Authorization: Bearer <token>`; a missing, malformed,
/// unknown or revoked token (or a user who may not use the API) is a 401.
#[derive(Debug, Clone)]
pub struct ApiUser(pub Actor);

/// The token of an `Authorization: Bearer <token>` header, if well formed.
fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    let well_formed = scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && token.len() <= 256
        && token.bytes().all(|b| b.is_ascii_graphic());
    well_formed.then_some(token)
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer_token(parts) else {
            return Err(unauthenticated());
        };
        match auth::api_token(&st.svc, token).await {
            Ok(actor) => Ok(ApiUser(actor)),
            Err(ServiceError::Unauthenticated | ServiceError::NotFound) => Err(unauthenticated()),
            Err(e) => Err(ApiError::Service(e).into_response()),
        }
    }
}

/// A record id from the path: anything but a positive integer is a 404.
#[derive(Debug, Clone, Copy)]
pub struct ApiId(pub i64);

fn parse_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|i| *i > 0)
}

impl<S: Send + Sync> FromRequestParts<S> for ApiId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, st)
            .await
            .map_err(|_| ApiError::Service(ServiceError::NotFound))?;
        parse_id(&raw)
            .map(ApiId)
            .ok_or(ApiError::Service(ServiceError::NotFound))
    }
}

/// Query parameters; a malformed query string is a JSON 400.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _st: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|_| ApiError::bad_request("查询参数格式不正确（同一参数只能出现一次）"))
    }
}

/// A JSON request body, which must be an object. Wrong content type,
/// malformed JSON, wrong field types and unreadable bodies become JSON
/// errors with code `bad_request` and a Chinese message (axum's own
/// rejections are mapped, never shown as plain text).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

/// `application/json` or `application/…+json`, parameters ignored.
fn is_json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, st: &S) -> Result<Self, Self::Rejection> {
        if !is_json_content_type(req.headers()) {
            return Err(json_rejection(&JsonRejection::MissingJsonContentType(
                MissingJsonContentType::default(),
            )));
        }
        let bytes = axum::body::Bytes::from_request(req, st)
            .await
            .map_err(|e| json_rejection(&JsonRejection::BytesRejection(e)))?;
        body(&bytes).map(ApiJson)
    }
}

/// A request body read as a JSON object of type `T`.
fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(ApiError::bad_request("请求体为空，应为 JSON 对象")),
        // Serde would also take an array for a struct, by position.
        Some(b'[') => return Err(ApiError::bad_body("请求体内容有误：应为 JSON 对象", None)),
        Some(_) => {}
    }
    axum::Json::<T>::from_bytes(bytes)
        .map(|axum::Json(v)| v)
        .map_err(|rejection| json_rejection(&rejection))
}

type PathError = serde_path_to_error::Error<serde_json::Error>;

/// The serde_json error behind a JSON rejection, with the field path when
/// there is one.
fn json_cause(rejection: &JsonRejection) -> Option<(String, &serde_json::Error)> {
    let inner = std::error::Error::source(rejection)?.source()?;
    if let Some(e) = inner.downcast_ref::<PathError>() {
        return Some((e.path().to_string(), e.inner()));
    }
    inner
        .downcast_ref::<serde_json::Error>()
        .map(|e| (".".to_owned(), e))
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::bad_request("请求体应为 JSON，并设置请求头 Content-Type: application/json")
        }
        JsonRejection::JsonSyntaxError(_) => ApiError::bad_request(match json_cause(rejection) {
            Some((_, e)) if e.is_eof() && e.line() <= 1 && e.column() == 0 => {
                "请求体为空，应为 JSON 对象".to_owned()
            }
            Some((_, e)) if e.is_eof() => "请求体 JSON 不完整".to_owned(),
            Some((_, e)) => format!(
                "请求体不是有效的 JSON（第{}行第{}列附近有语法错误）",
                e.line(),
                e.column()
            ),
            None => "请求体不是有效的 JSON".to_owned(),
        }),
        JsonRejection::JsonDataError(_) => {
            let (field, detail) = match json_cause(rejection) {
                Some((path, e)) => describe_data_error(&path, e),
                None => (None, "字段类型或格式不正确".to_owned()),
            };
            match field {
                Some(f) => {
                    ApiError::bad_body(format!("请求体内容有误：{f} {detail}"), Some((f, detail)))
                }
                None => ApiError::bad_body(format!("请求体内容有误：{detail}"), None),
            }
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::request(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "请求体过大",
        ),
        _ => ApiError::bad_request("无法读取请求体"),
    }
}

/// A data error of serde_json in Chinese: the field it concerns (if any)
/// and what is wrong with it.
fn describe_data_error(path: &str, e: &serde_json::Error) -> (Option<String>, String) {
    let full = e.to_string();
    // serde_json appends " at line L column C"; the path says more.
    let msg = full
        .rfind(" at line ")
        .map_or(full.as_str(), |i| &full[..i]);
    let field = (path != "." && !path.is_empty()).then(|| path.to_owned());
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let field = match field {
            Some(p) => format!("{p}.{name}"),
            None => name.to_owned(),
        };
        return (Some(field), "为必填字段".to_owned());
    }
    let expected = msg
        .rsplit_once(", expected ")
        .map(|(_, x)| expected_in_chinese(x));
    let detail = if msg.starts_with("invalid type") {
        match &expected {
            Some(x) => format!("类型不正确，应为{x}"),
            None => "类型不正确".to_owned(),
        }
    } else if msg.starts_with("invalid value") {
        match &expected {
            Some(x) => format!("取值无效，应为{x}"),
            None => "取值无效".to_owned(),
        }
    } else if msg.starts_with("invalid length") {
        "长度不正确".to_owned()
    } else {
        "格式不正确".to_owned()
    };
    match field {
        Some(f) => (Some(f), detail),
        // The body as a whole has the wrong shape (an array, a number…).
        None => (None, format!("请求体{detail}")),
    }
}

fn expected_in_chinese(x: &str) -> String {
    if !x.is_ascii() {
        return x.to_owned();
    }
    let zh = if x.starts_with("struct ") || x == "a map" {
        "JSON 对象"
    } else if x == "a string" {
        "文本"
    } else if x == "a boolean" {
        "布尔值"
    } else if x == "a sequence" {
        "数组"
    } else if x.starts_with('i') || x.starts_with('u') || x.contains("integer") {
        "整数"
    } else {
        "正确的类型"
    };
    zh.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_error<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> (Option<String>, String) {
        let de = &mut serde_json::Deserializer::from_str(body);
        let err = serde_path_to_error::deserialize::<_, T>(de).unwrap_err();
        describe_data_error(&err.path().to_string(), err.inner())
    }

    #[test]
    fn ids_must_be_positive_integers() {
        assert_eq!(parse_id("42"), Some(42));
        for bad in ["0", "-3", "abc", "1.5", "", "99999999999999999999"] {
            assert_eq!(parse_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn data_errors_name_the_field_in_chinese() {
        let (f, m) = data_error::<dto::OrgMove>(r#"{"parent_id": "abc"}"#);
        assert_eq!(f.as_deref(), Some("parent_id"));
        assert!(m.contains("整数编号"), "{m}");
        let (f, m) = data_error::<dto::OrgInput>(r#"{"name": true}"#);
        assert_eq!(f.as_deref(), Some("name"));
        assert!(m.starts_with("类型不正确"), "{m}");
        let (f, m) = data_error::<dto::OrgInput>("5");
        assert_eq!(f, None);
        assert!(m.contains("JSON 对象"), "{m}");
    }

    /// The status and JSON body of an error answer.
    async fn answer(e: ApiError) -> (StatusCode, serde_json::Value) {
        let r = e.into_response();
        let status = r.status();
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn body_errors_answer_bad_request_with_their_status() {
        for (raw, status, field) in [
            (&b" "[..], StatusCode::BAD_REQUEST, None),
            (b"{\"name\": ", StatusCode::BAD_REQUEST, None),
            (b"[1]", StatusCode::UNPROCESSABLE_ENTITY, None),
            (
                b"{\"name\": true}",
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("name"),
            ),
        ] {
            let (st, v) = answer(body::<dto::OrgInput>(raw).unwrap_err()).await;
            assert_eq!(st, status, "{v}");
            assert_eq!(v["error"]["code"], "bad_request");
            assert_eq!(v["error"]["fields"][0]["field"].as_str(), field, "{v}");
        }
        let (st, v) = answer(ApiError::invalid("parent_id", "请选择上级组织")).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["code"], "invalid");
        assert_eq!(v["error"]["fields"][0]["field"], "parent_id");
    }

    #[test]
    fn lenient_inputs() {
        let c: dto::OrgCreate = serde_json::from_str(
            r#"{"parent_id": "7", "name": "第一支部", "population": 120, "secretary_vacant_since": null, "id": 3}"#,
        )
        .unwrap();
        assert_eq!(c.parent_id, Some(7));
        assert_eq!(c.population, "120");
        assert_eq!(c.secretary_vacant_since, "");
        let m: dto::OrgMove = serde_json::from_str("{}").unwrap();
        assert_eq!(m.parent_id, None);
        let t: dto::MemberTransfer =
            serde_json::from_str(r#"{"org_id": 5, "on_date": "2024-01-02"}"#).unwrap();
        assert_eq!(t.org_id, "5");
        assert_eq!(t.reason, "");
    }
}
