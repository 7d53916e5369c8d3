//! HTTP adapters: the Chinese server-rendered pages, the JSON API under
//! `/api/v1`, sessions, CSRF checks and security headers. Handlers are thin:
//! extract, call a service use case, render. Nothing here writes SQL or
//! decides who may see what; the service layer does.

pub mod account;
pub mod api;
pub mod assets;
pub mod audit_pages;
pub mod auth;
pub mod compliance;
pub mod download;
pub mod error;
pub mod export;
pub mod extract;
pub mod grants;
pub mod import;
pub mod layout;
pub mod limiter;
pub mod members;
pub mod orgs;
pub mod policy;
pub mod records;
pub mod rectify;
pub mod security;
pub mod tokens;
pub mod transport;
pub mod users;
pub mod warnings;
pub mod work;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Redirect;
use axum::routing::get;
use dangjian_service::Services;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub svc: Services,
    /// Files made by one request and fetched by the next.
    pub downloads: download::Shelf,
    /// TLS and proxy settings (`transport`).
    pub transport: transport::Transport,
    /// Failed logins per peer address.
    pub login_limiter: std::sync::Arc<limiter::LoginLimiter>,
}

impl AppState {
    pub fn new(svc: Services) -> Self {
        Self {
            svc,
            downloads: download::Shelf::default(),
            transport: transport::Transport::default(),
            login_limiter: std::sync::Arc::default(),
        }
    }

    /// The same state served over `transport`.
    pub fn with_transport(self, transport: transport::Transport) -> Self {
        Self { transport, ..self }
    }
}

/// Largest request body accepted (forms and JSON); larger ones get 413.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// The whole application; `serve` binds it and tests drive it.
pub fn app(state: AppState) -> Router {
    let csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
               object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    // Forms and JSON are small; only the upload route takes large bodies.
    let small = Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .merge(auth::router())
        .merge(account::router())
        .merge(grants::router())
        .merge(orgs::router())
        .merge(members::router())
        .merge(export::router())
        .merge(users::router())
        .merge(tokens::router())
        .merge(security::router())
        .merge(audit_pages::router())
        .merge(compliance::router())
        .merge(assets::router())
        .merge(records::router())
        .merge(rectify::router())
        .merge(work::router())
        .merge(warnings::router())
        .nest("/api/v1", api::router())
        .fallback(error::not_found)
        .layer(RequestBodyLimitLayer::new(MAX_BODY));
    Router::new()
        .merge(import::router().layer(RequestBodyLimitLayer::new(import::MAX_UPLOAD_BODY)))
        .merge(records::upload_router().layer(RequestBodyLimitLayer::new(records::MAX_UPLOAD_BODY)))
        .merge(work::upload_router().layer(RequestBodyLimitLayer::new(records::MAX_UPLOAD_BODY)))
        .merge(policy::router().layer(RequestBodyLimitLayer::new(policy::MAX_UPLOAD_BODY)))
        .merge(small)
        // A handler may set a stricter policy (served attachments do).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.transport,
            transport::layer,
        ))
        .with_state(state)
}

/// Where a user lands after logging in: a branch secretary on what their
/// branch still has to hold this period (组织生活), everyone else on the
/// organization tree; the system roles on the pages they have.
async fn home(user: auth::CurrentUser) -> Redirect {
    use dangjian_domain::role::{Permission, Role};
    let role = user.actor.role;
    if role == Role::BranchSecretary {
        Redirect::to("/life")
    } else if role.can(Permission::ReadBusiness) {
        Redirect::to("/orgs")
    } else if role.can(Permission::ViewAudit) {
        Redirect::to("/audit")
    } else {
        Redirect::to("/users")
    }
}

async fn healthz(
    axum::extract::State(st): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    if st.svc.store.ping().await {
        (axum::http::StatusCode::OK, "ok")
    } else {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable",
        )
    }
}
