//! Work-item pages (督办/整改事项): the user's lists (待办 / 我交办的 /
//! 上级督办) with state and overdue filters, an item's page with its
//! timeline and the actions the user may take (buttons and forms, a
//! progress note with photos), the dispatch form of a supervised task
//! (督办任务) and its progress table with the 催办 button, and the notice
//! list (通知). Phone width, no script. Permissions, scope and every check
//! are the service's (`dangjian_service::work`); this module reads requests
//! and renders.

mod detail;
mod list;
mod notices;
mod tasks;

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// Pages and small POSTs.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/work", get(list::list))
        .route("/work/{id}", get(detail::detail))
        .route("/work/{id}/act", post(detail::act))
        .route("/work/attachments/{id}", get(detail::attachment))
        .route("/tasks/new", get(tasks::new_page).post(tasks::create))
        .route("/tasks/{id}", get(tasks::progress))
        .route("/tasks/{id}/remind", post(tasks::remind))
        .route("/notices", get(notices::list))
        .route("/notices/read", post(notices::read_all))
        .route("/notices/{id}/read", post(notices::read_one))
}

/// The progress note with photos (multipart); `app()` gives it the records'
/// upload body limit.
pub fn upload_router() -> Router<AppState> {
    Router::new().route(
        "/work/{id}/note",
        post(detail::note).layer(DefaultBodyLimit::max(crate::records::MAX_UPLOAD_BODY)),
    )
}

/// The CSS class of a state's badge.
fn state_class(code: &str) -> &'static str {
    match code {
        "accepted" => "ok",
        "submitted" => "warn",
        _ => "off",
    }
}
