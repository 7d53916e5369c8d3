//! Organizational-life record pages (组织生活记录: 三会一课, 主题党日 …): the
//! phone-first entry and edit form with the sign-in list and photos, the
//! detail page with confirmation by the parent organization and a
//! confirmation step before deletion, attachment serving, the filtered list
//! and the full-text search. Permissions, scope and every check of the form
//! are the service's; this module reads requests and renders.

mod detail;
mod form;
mod list;
pub(crate) mod upload;

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use dangjian_domain::FieldError;

/// Largest body of the routes that take photos: several phone photos with
/// the form. The service refuses any one file over 10 MB with its own
/// message.
pub const MAX_UPLOAD_BODY: usize = 60 * 1024 * 1024;

/// Pages and small POSTs (under the application's ordinary body limit).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/records", get(list::list))
        .route("/records/search", get(list::search))
        .route("/records/new", get(form::new_page))
        .route("/records/{id}", get(detail::detail))
        .route("/records/{id}/edit", get(form::edit_page))
        .route("/records/{id}/confirm", post(detail::confirm))
        .route(
            "/records/{id}/delete",
            get(detail::delete_page).post(detail::delete),
        )
        .route("/records/attachments/{id}", get(detail::attachment))
        .route(
            "/records/{id}/attachments/{att}/delete",
            post(detail::delete_attachment),
        )
}

/// The multipart POSTs that may carry photos; `app()` gives them the larger
/// body limit [`MAX_UPLOAD_BODY`].
pub fn upload_router() -> Router<AppState> {
    let limit = || DefaultBodyLimit::max(MAX_UPLOAD_BODY);
    Router::new()
        .route("/records/new", post(form::create).layer(limit()))
        .route("/records/{id}/edit", post(form::update).layer(limit()))
        .route(
            "/records/{id}/attachments",
            post(detail::add_attachments).layer(limit()),
        )
}

/// Display label of a record's review status.
pub fn status_label(code: &str) -> &'static str {
    match code {
        "confirmed" => "已审核确认",
        _ => "待上级确认",
    }
}

/// Field errors shown next to their fields: all messages for one field.
trait FieldErrors {
    fn errors(&self) -> &[FieldError];
    fn err(&self, field: &str) -> Option<String> {
        let msgs: Vec<&str> = self
            .errors()
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join("；"))
    }
}

/// One `<option>` of a select.
struct Opt {
    value: String,
    label: String,
    selected: bool,
}
