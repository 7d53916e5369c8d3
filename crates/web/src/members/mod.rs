//! Member pages (党员): the filtered, paged roll with the filters kept in the
//! URL, the exact search by citizen ID number (a POST, so the number never
//! lands in a URL), the create and edit forms, and the detail page with the
//! audited reveal of sensitive numbers, transfers and probation actions.
//! Permissions and scope are the service's to decide, not this module's.

mod detail;
mod form;
mod list;

use crate::AppState;
use crate::orgs::{kind_label, sector_label};
use axum::Router;
use axum::routing::{get, post};
use dangjian_domain::FieldError;
use dangjian_domain::member::{Gender, MemberCategory};
use detail::{confirm_full, detail, extend, reveal, transfer};
use form::{create, edit_page, new_page, update};
use list::{find_by_id_card, list};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/members", get(list))
        .route("/members/find", post(find_by_id_card))
        .route("/members/new", get(new_page).post(create))
        .route("/members/{id}", get(detail))
        .route("/members/{id}/edit", get(edit_page).post(update))
        .route("/members/{id}/reveal", post(reveal))
        .route("/members/{id}/transfer", post(transfer))
        .route("/members/{id}/full", post(confirm_full))
        .route("/members/{id}/extend", post(extend))
}

/// Display label of a stored gender code.
pub fn gender_label(code: &str) -> &'static str {
    Gender::from_code(code).map_or("未知", Gender::label)
}

/// Display label of a stored member category code.
pub fn category_label(code: &str) -> &'static str {
    MemberCategory::from_code(code).map_or("未知", MemberCategory::label)
}

/// Display label of a member's roll status.
pub fn status_label(code: &str) -> &'static str {
    match code {
        "active" => "在册",
        "transferred_out" => "已转出",
        "deceased" => "已去世",
        "left" => "已出党",
        _ => "不在册",
    }
}

/// Label helpers the member templates call as `self.gender(..)` etc.
trait Labels {
    fn gender(&self, code: &str) -> &'static str {
        gender_label(code)
    }
    fn category(&self, code: &str) -> &'static str {
        category_label(code)
    }
    fn kind(&self, code: &str) -> &'static str {
        kind_label(code)
    }
    fn sector(&self, code: &str) -> &'static str {
        sector_label(code)
    }
    fn status(&self, code: &str) -> &'static str {
        status_label(code)
    }
    /// A stored birth month shown as its year (`1975年`): the date is shown
    /// only with the revealed number.
    fn birth_year(&self, birth_month: &str) -> String {
        dangjian_domain::member::birth_year_label(birth_month)
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

fn options<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, current: &str) -> Vec<Opt> {
    pairs
        .into_iter()
        .map(|(value, label)| Opt {
            value: value.to_owned(),
            label: label.to_owned(),
            selected: value == current,
        })
        .collect()
}
