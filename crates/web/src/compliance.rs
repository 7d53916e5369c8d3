//! 组织生活 pages: the landing page with what is still due this period, the
//! compliance matrix (organizations × periods per obligation, coloured by
//! status and worded, each cell drilling down to the records list), its
//! .xlsx export, the committees' 意识形态工作责任制 study record, and the
//! members without organizational life. The service computes and scopes
//! everything; this module turns its views into rows and cells to show.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::download::xlsx_response;
use crate::error::AppError;
use crate::layout::{Layout, Pager, parse_page, render, with_status};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use dangjian_domain::FieldError;
use dangjian_domain::obligations::{Cell, Status, Tally, Window};
use dangjian_service::ServiceError;
use dangjian_service::compliance::{
    self, ComplianceView, DueView, InactivePage, ObligationView, OrgBrief, PeriodView,
    StudyRecordView,
};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;

/// Most months one matrix covers (a phone table stays usable, a year and a
/// half of monthly columns is plenty to look back on).
pub const MAX_MONTHS: i32 = 24;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/life", get(landing))
        .route("/life/compliance", get(matrix))
        .route("/life/compliance/export", get(export))
        .route("/life/study", get(study))
        .route("/life/inactive", get(inactive))
}

/// The organization of `?org=`: the user's own when empty; anything but a
/// positive number is not found.
fn org_param(u: &CurrentUser, raw: &str) -> Result<i64, AppError> {
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
fn tally_class(t: &Tally) -> &'static str {
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
fn tally_text(t: &Tally) -> String {
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

// ------------------------------------------------------------------- matrix

#[derive(Deserialize, Default)]
#[serde(default)]
struct MatrixQuery {
    org: String,
    /// `YYYY-MM`
    from: String,
    to: String,
    /// One obligation's code; empty: all.
    ob: String,
}

/// A `YYYY-MM` month's first day.
fn parse_month(field: &'static str, label: &str, raw: &str) -> Result<Date, FieldError> {
    let bad = || FieldError::new(field, format!("{label}应为“年-月”，如 2026-05"));
    let (y, m) = raw.trim().split_once('-').ok_or_else(bad)?;
    let y: i16 = y.parse().map_err(|_| bad())?;
    let m: i8 = m.parse().map_err(|_| bad())?;
    if !(2000..=2100).contains(&y) {
        return Err(FieldError::new(
            field,
            format!("{label}应在2000年至2100年之间"),
        ));
    }
    Date::new(y, m, 1).map_err(|_| bad())
}

/// The window of a matrix request: by default the last six months up to the
/// current one. Bad months are reported and the default is shown.
pub fn window_of(today: Date, from: &str, to: &str) -> (Window, Vec<FieldError>) {
    let this_month = today.first_of_month();
    let default_from = this_month.checked_sub(5.months()).unwrap_or(this_month);
    let mut errors = Vec::new();
    let mut month = |field, label, raw: &str, default: Date| {
        if raw.trim().is_empty() {
            return default;
        }
        parse_month(field, label, raw).unwrap_or_else(|e| {
            errors.push(e);
            default
        })
    };
    let mut start = month("from", "开始月份", from, default_from);
    let mut end = month("to", "结束月份", to, this_month);
    if end < start {
        errors.push(FieldError::new("to", "结束月份不能早于开始月份"));
        (start, end) = (default_from, this_month);
    }
    let months = (i32::from(end.year()) - i32::from(start.year())) * 12 + i32::from(end.month())
        - i32::from(start.month())
        + 1;
    if months > MAX_MONTHS {
        errors.push(FieldError::new(
            "from",
            format!("一次最多查看{MAX_MONTHS}个月，请缩短区间"),
        ));
        (start, end) = (default_from, this_month);
    }
    (
        Window {
            from: start,
            to: end.last_of_month(),
        },
        errors,
    )
}

/// One coloured cell of a matrix.
pub struct CellView {
    pub class: &'static str,
    pub text: String,
    /// A second line (the count, or the subtree's roll-up).
    pub sub: String,
    /// `YYYY-MM` of the period's first day.
    pub period: String,
    pub href: String,
}

pub struct RowView {
    pub org_id: i64,
    pub name: String,
    pub is_scope: bool,
    pub cells: Vec<CellView>,
}

/// One obligation's table.
pub struct TableView {
    pub code: String,
    pub label: String,
    pub requirement: String,
    pub basis: String,
    pub periods: Vec<PeriodView>,
    pub rows: Vec<RowView>,
    pub total: Vec<CellView>,
}

fn records_href(org: i64, record_type: &str, p: &PeriodView) -> String {
    format!(
        "/records?org={org}&type={record_type}&from={}&to={}",
        p.start, p.end
    )
}

fn month_of(p: &PeriodView) -> String {
    p.start.get(..7).unwrap_or(&p.start).to_owned()
}

fn own_cell(c: Cell, sub: &Tally, ob: &ObligationView, p: &PeriodView, org: i64) -> CellView {
    CellView {
        class: status_class(c.status),
        text: c.status.label().to_owned(),
        // A 党总支 bound itself and over branches also shows their roll-up.
        sub: if sub.applicable > 1 {
            format!("含下级 {}", tally_text(sub))
        } else {
            format!("{}次", c.count)
        },
        period: month_of(p),
        href: records_href(org, &ob.record_type, p),
    }
}

fn tally_cell(t: &Tally, ob: &ObligationView, p: &PeriodView, org: i64) -> CellView {
    let mut sub = Vec::new();
    if t.missed > 0 {
        sub.push(format!("未完成{}", t.missed));
    }
    if t.due_soon > 0 {
        sub.push(format!("即将到期{}", t.due_soon));
    }
    if t.open > 0 {
        sub.push(format!("进行中{}", t.open));
    }
    CellView {
        class: tally_class(t),
        text: tally_text(t),
        sub: sub.join(" "),
        period: month_of(p),
        href: records_href(org, &ob.record_type, p),
    }
}

/// The tables of a view, keeping only `only` when it names an obligation.
pub fn tables(view: &ComplianceView, only: &str) -> Vec<TableView> {
    view.obligations
        .iter()
        .filter(|o| only.is_empty() || o.code == only)
        .map(|ob| {
            let rows = ob
                .rows
                .iter()
                .map(|r| {
                    let cells = ob
                        .periods
                        .iter()
                        .enumerate()
                        .map(|(i, p)| match &r.own {
                            Some(own) => own_cell(own[i], &r.subtree[i], ob, p, r.org.id),
                            None => tally_cell(&r.subtree[i], ob, p, r.org.id),
                        })
                        .collect();
                    RowView {
                        org_id: r.org.id,
                        name: r.org.name.clone(),
                        is_scope: r.org.id == view.org.id,
                        cells,
                    }
                })
                .collect();
            TableView {
                code: ob.code.clone(),
                label: ob.label.clone(),
                requirement: ob.requirement.clone(),
                basis: ob.basis.clone(),
                total: ob
                    .periods
                    .iter()
                    .zip(&ob.total)
                    .map(|(p, t)| tally_cell(t, ob, p, view.org.id))
                    .collect(),
                periods: ob.periods.clone(),
                rows,
            }
        })
        .collect()
}

/// One `<option>` of the obligation filter.
struct ObOpt {
    code: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "compliance/matrix.html")]
struct MatrixPage {
    l: Layout,
    view: ComplianceView,
    tables: Vec<TableView>,
    ob_opts: Vec<ObOpt>,
    from: String,
    to: String,
    ob: String,
    errors: Vec<FieldError>,
    export_href: String,
    /// The parent's matrix, when the user may look one level up.
    up_href: Option<String>,
}

async fn matrix(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<MatrixQuery>,
) -> Result<Response, AppError> {
    let org_id = org_param(&user, &q.org)?;
    let (window, errors) = window_of(st.svc.clock.today(), &q.from, &q.to);
    let view = compliance::for_scope(&st.svc, &user.actor, org_id, window).await?;
    let ob = if view.obligations.iter().any(|o| o.code == q.ob) {
        q.ob.clone()
    } else {
        String::new()
    };
    let ob_opts = view
        .obligations
        .iter()
        .map(|o| ObOpt {
            code: o.code.clone(),
            label: o.label.clone(),
            selected: o.code == ob,
        })
        .collect();
    let from = window.from.strftime("%Y-%m").to_string();
    let to = window.to.strftime("%Y-%m").to_string();
    let export_href = format!(
        "/life/compliance/export?org={}&from={from}&to={to}",
        view.org.id
    );
    let up_href = if view.org.id == user.actor.org_id.0 {
        None
    } else {
        let org = dangjian_service::orgs::get(&st.svc, &user.actor, view.org.id).await?;
        org.parent_id
            .map(|p| format!("/life/compliance?org={p}&from={from}&to={to}"))
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let tables = tables(&view, &ob);
    Ok(with_status(
        render(&MatrixPage {
            l: Layout::new(&user, "life"),
            view,
            tables,
            ob_opts,
            from,
            to,
            ob,
            errors,
            export_href,
            up_href,
        }),
        status,
    ))
}

async fn export(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<MatrixQuery>,
) -> Result<Response, AppError> {
    let org_id = org_param(&user, &q.org)?;
    let (window, errors) = window_of(st.svc.clock.today(), &q.from, &q.to);
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors).into());
    }
    let view = compliance::for_scope(&st.svc, &user.actor, org_id, window).await?;
    let bytes = dangjian_service::compliance_xlsx::matrix_xlsx(&view)?;
    let name = format!(
        "组织生活完成情况-{}-{}至{}.xlsx",
        view.org.name,
        window.from.strftime("%Y%m"),
        window.to.strftime("%Y%m")
    );
    Ok(xlsx_response(&name, bytes))
}

// -------------------------------------------------------------------- study

#[derive(Deserialize, Default)]
#[serde(default)]
struct StudyQuery {
    org: String,
    year: String,
}

#[derive(Template)]
#[template(path = "life/study.html")]
struct StudyPage {
    l: Layout,
    view: StudyRecordView,
    year: i16,
    prev_year: i16,
    next_year: Option<i16>,
}

/// Helpers the study and inactive templates call as `self.class(..)` etc.
trait LifeHelpers {
    // Templates hand over references.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    fn class(&self, c: &Cell) -> &'static str {
        status_class(c.status)
    }
    fn tally(&self, t: &Tally) -> String {
        tally_text(t)
    }
    fn tally_class(&self, t: &Tally) -> &'static str {
        tally_class(t)
    }
    /// The records of `cell` held in `p` (`YYYY-MM-DD` bounds compare as text).
    fn in_period<'a>(
        &self,
        cell: &'a compliance::StudyCell,
        p: &PeriodView,
    ) -> Vec<&'a dangjian_service::store::record::BriefRow> {
        cell.records
            .iter()
            .filter(|r| r.held_on >= p.start && r.held_on <= p.end)
            .collect()
    }
    fn category(&self, code: &str) -> &'static str {
        crate::members::category_label(code)
    }
}

impl LifeHelpers for StudyPage {}

async fn study(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<StudyQuery>,
) -> Result<Response, AppError> {
    let org_id = org_param(&user, &q.org)?;
    let this_year = st.svc.clock.today().year();
    let year = match q.year.trim() {
        "" => this_year,
        y => y
            .parse::<i16>()
            .map_err(|_| AppError(ServiceError::field("year", "年份应为四位数字，如 2026")))?,
    };
    let view = compliance::study_record(&st.svc, &user.actor, org_id, year).await?;
    Ok(render(&StudyPage {
        l: Layout::new(&user, "life"),
        view,
        year,
        prev_year: year - 1,
        next_year: (year < this_year).then_some(year + 1),
    }))
}

// ----------------------------------------------------------------- inactive

#[derive(Deserialize, Default)]
#[serde(default)]
struct InactiveQuery {
    org: String,
    months: String,
    page: String,
}

#[derive(Template)]
#[template(path = "life/inactive.html")]
struct InactivePageView {
    l: Layout,
    org: OrgBrief,
    p: InactivePage,
    pager: Pager,
    month_opts: Vec<(u32, bool)>,
}

impl LifeHelpers for InactivePageView {}

async fn inactive(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<InactiveQuery>,
) -> Result<Response, AppError> {
    let org_id = org_param(&user, &q.org)?;
    let months = match q.months.trim() {
        "" => 6,
        m => m
            .parse::<u32>()
            .map_err(|_| AppError(ServiceError::field("months", "月数应在1到24之间")))?,
    };
    let page = parse_page(&q.page);
    let p = compliance::members_without_life(&st.svc, &user.actor, org_id, months, page).await?;
    let org = dangjian_service::orgs::get(&st.svc, &user.actor, org_id).await?;
    let pager = Pager::new(
        &format!("/life/inactive?org={org_id}&months={months}&"),
        p.page,
        p.total,
        p.per_page,
    );
    let month_opts = [3, 6, 12, 24]
        .into_iter()
        .chain((![3, 6, 12, 24].contains(&months)).then_some(months))
        .map(|m| (m, m == months))
        .collect();
    Ok(render(&InactivePageView {
        l: Layout::new(&user, "life"),
        org: OrgBrief {
            id: org.id,
            name: org.name,
            kind: org.kind,
            depth: 0,
        },
        p,
        pager,
        month_opts,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_default_window_is_the_last_six_months() {
        let (w, e) = window_of(date(2026, 11, 29), "", "");
        assert!(e.is_empty());
        assert_eq!((w.from, w.to), (date(2026, 6, 1), date(2026, 11, 30)));
        let (w, e) = window_of(date(2026, 11, 29), "2025-01", "2025-03");
        assert!(e.is_empty());
        assert_eq!((w.from, w.to), (date(2025, 1, 1), date(2025, 3, 31)));
    }

    #[test]
    fn bad_months_are_reported_and_the_default_shown() {
        for (from, to, field) in [
            ("2026-13", "", "from"),
            ("abc", "", "from"),
            ("", "2026-00", "to"),
            ("2026-05", "2026-01", "to"),
            ("2020-01", "2026-01", "from"),
            ("1999-01", "", "from"),
        ] {
            let (w, e) = window_of(date(2026, 11, 29), from, to);
            assert_eq!(e.len(), 1, "{from} {to}: {e:?}");
            assert_eq!(e[0].field, field, "{from} {to}");
            if field == "to" && to == "2026-01" {
                assert_eq!(w.from, date(2026, 6, 1));
            }
        }
    }

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
