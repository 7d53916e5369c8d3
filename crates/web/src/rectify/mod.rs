//! The rectification pages (整改): the year's overview with the townships'
//! numbers and every 台账 (`/rectify`), the screening — a township's
//! proposal and the county's review (`/rectify/screening`) — and one
//! organization's 台账 with its forms (`/rectify/ledger/{id}`), with the
//! .xlsx exports. Every decision is the service's (`dangjian_service::
//! rectify`); these handlers read requests and render. No script: each
//! action is a small form.

mod ledger;
mod screening;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};
use dangjian_domain::FieldError;
use dangjian_domain::rectify::LedgerStatus;
use dangjian_domain::warnings::Level;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rectify", get(ledger::overview))
        .route("/rectify/export", get(ledger::export_year))
        .route("/rectify/screening", get(screening::page))
        .route("/rectify/screening/start", post(screening::start))
        .route("/rectify/screening/{id}/add", post(screening::add))
        .route("/rectify/screening/{id}/remove", post(screening::remove))
        .route("/rectify/screening/{id}/submit", post(screening::submit))
        .route("/rectify/screening/{id}/confirm", post(screening::confirm))
        .route("/rectify/screening/{id}/return", post(screening::send_back))
        .route("/rectify/ledger/{id}", get(ledger::page))
        .route("/rectify/ledger/{id}/export", get(ledger::export_one))
        .route("/rectify/ledger/{id}/plan", post(ledger::plan))
        .route("/rectify/ledger/{id}/items", post(ledger::add_item))
        .route(
            "/rectify/ledger/{id}/items/{item}/act",
            post(ledger::act_on_item),
        )
        .route("/rectify/ledger/{id}/recheck", post(ledger::recheck))
        .route("/rectify/ledger/{id}/accept", post(ledger::accept))
}

/// The badge class of a warning level (the badge also carries the word).
fn level_class(level: Level) -> &'static str {
    match level {
        Level::Green => "ok",
        Level::Yellow | Level::Orange => "warn",
        Level::Red => "bad",
    }
}

/// The badge class of a ledger status.
fn status_class(s: LedgerStatus) -> &'static str {
    match s {
        LedgerStatus::Planning => "warn",
        LedgerStatus::InProgress => "off",
        LedgerStatus::PendingAcceptance => "warn",
        LedgerStatus::Closed => "ok",
    }
}

/// All messages of one field, for beside the field.
fn err_of(errors: &[FieldError], field: &str) -> Option<String> {
    let msgs: Vec<&str> = errors
        .iter()
        .filter(|e| e.field == field)
        .map(|e| e.message.as_str())
        .collect();
    (!msgs.is_empty()).then(|| msgs.join("；"))
}
