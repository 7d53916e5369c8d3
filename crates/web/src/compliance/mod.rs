//! 组织生活 pages: the landing page with what is still due this period, the
//! compliance matrix (organizations × periods per obligation, coloured by
//! status and worded, each cell drilling down to the records list), its
//! .xlsx export, the committees' 意识形态工作责任制 study record, and the
//! members without organizational life. The service computes and scopes
//! everything; this module turns its views into rows and cells to show.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::layout::{Layout, render};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use dangjian_domain::obligations::{Status, Tally};
use dangjian_service::ServiceError;
use dangjian_service::compliance::{self, DueView, OrgBrief};
use serde::Deserialize;

mod life;
mod matrix;

pub use matrix::{MAX_MONTHS, window_of};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/life", get(landing))
        .route("/life/compliance", get(matrix::matrix))
        .route("/life/compliance/export", get(matrix::export))
        .route("/life/study", get(life::study))
        .route("/life/inactive", get(life::inactive))
}

/// The organization of `?org=`: the user's own when empty; anything but a
/// positive number is not found.
pub(crate) fn org_param(u: &CurrentUser, raw: &str) -> Result<i64, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(u.actor.org_id.0);
    }
    raw.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or(AppError(ServiceError::NotFound))
}

/// CSS class of a status (`st-met` …); the cell also carries its word.
pub fn status_class(s: Status) -> &'static str {
    match s {
        Status::Met => "st-met",
        Status::Missed => "st-missed",
        Status::DueSoon => "st-due",
        Status::Open => "st-open",
        Status::NotInForce => "st-na",
    }
}

/// The colour of a roll-up: red when anyone missed, amber when anyone is
/// due soon, green when everyone met, grey when nobody is held to it.
pub(crate) fn tally_class(t: &Tally) -> &'static str {
    if t.applicable == 0 {
        "st-na"
    } else if t.missed > 0 {
        "st-missed"
    } else if t.due_soon > 0 {
        "st-due"
    } else if t.met == t.applicable {
        "st-met"
    } else {
        "st-open"
    }
}

/// "18/21 已完成", or 不考核 when nobody is held to it.
pub(crate) fn tally_text(t: &Tally) -> String {
    if t.applicable == 0 {
        "不考核".to_owned()
    } else {
        format!("{}/{} 已完成", t.met, t.applicable)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OrgQuery {
    org: String,
}

// ------------------------------------------------------------------ landing

#[derive(Template)]
#[template(path = "life/index.html")]
struct LandingPage {
    l: Layout,
    org: OrgBrief,
    own_org: i64,
    due: DueView,
    items: Vec<DueLine>,
}

/// One line of the due list, worded for a secretary.
struct DueLine {
    class: &'static str,
    status: &'static str,
    text: String,
    new_href: String,
}

/// "本月还需召开支部委员会 1 次，剩 5 天".
fn due_text(i: &compliance::DueItem, own: bool) -> String {
    let when = match i.period.start.get(5..7).zip(i.period.end.get(5..7)) {
        Some((a, b)) if a == b => "本月",
        _ if i.requirement.starts_with("每季度") => "本季度",
        _ if i.requirement.starts_with("每半年") => "本半年",
        _ if i.requirement.starts_with("每年") => "今年",
        _ => "本期",
    };
    let left = i.at_least.saturating_sub(i.count);
    let days = match i.days_left {
        0 => "今天截止".to_owned(),
        d => format!("剩 {d} 天"),
    };
    let who = if own {
        String::new()
    } else {
        format!("{}：", i.org.name)
    };
    format!("{who}{when}还需{} {left} 次，{days}", i.label_short())
}

/// The obligation's activity as a verb phrase ("召开支部委员会").
trait ShortLabel {
    fn label_short(&self) -> String;
}

impl ShortLabel for compliance::DueItem {
    fn label_short(&self) -> String {
        let l = self.label.as_str();
        if l.contains("研究") || l.contains('讲') {
            l.to_owned()
        } else if l.ends_with('会') || l.ends_with("会议") {
            format!("召开{l}")
        } else if l.ends_with("党课") {
            format!("讲{l}")
        } else {
            format!("开展{l}")
        }
    }
}

async fn landing(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<OrgQuery>,
) -> Result<Response, AppError> {
    let org_id = org_param(&user, &q.org)?;
    let due = compliance::due_soon(&st.svc, &user.actor, org_id).await?;
    let org = dangjian_service::orgs::get(&st.svc, &user.actor, org_id).await?;
    let items = due
        .items
        .iter()
        .map(|i| DueLine {
            class: status_class(i.status),
            status: i.status_label,
            text: due_text(i, i.org.id == org.id),
            new_href: format!("/records/new?org={}&type={}", i.org.id, i.record_type),
        })
        .collect();
    Ok(render(&LandingPage {
        l: Layout::new(&user, "life"),
        org: OrgBrief {
            id: org.id,
            name: org.name,
            kind: org.kind,
            depth: 0,
        },
        own_org: user.actor.org_id.0,
        due,
        items,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roll_ups_read_as_met_over_applicable() {
        let t = Tally {
            applicable: 21,
            met: 18,
            missed: 3,
            due_soon: 0,
            open: 0,
        };
        assert_eq!(tally_text(&t), "18/21 已完成");
        assert_eq!(tally_class(&t), "st-missed");
        assert_eq!(tally_text(&Tally::default()), "不考核");
    }
}
