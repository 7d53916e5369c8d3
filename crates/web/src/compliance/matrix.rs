//! The compliance matrix (organizations × periods per obligation, each cell
//! coloured and worded by status and linking to the records behind it) and
//! its .xlsx export; the window of months a request asks for.

use super::{org_param, status_class, tally_class, tally_text};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::download::xlsx_response;
use crate::error::AppError;
use crate::layout::{Layout, render, with_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use dangjian_domain::FieldError;
use dangjian_domain::obligations::{Cell, Tally, Window};
use dangjian_service::ServiceError;
use dangjian_service::compliance::{self, ComplianceView, ObligationView, PeriodView};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;

/// Most months one matrix covers (a phone table stays usable, a year and a
/// half of monthly columns is plenty to look back on).
pub const MAX_MONTHS: i32 = 24;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct MatrixQuery {
    org: String,
    /// `YYYY-MM`
    from: String,
    to: String,
    /// One obligation's code; empty: all.
    ob: String,
    /// A stored profile version to judge every period by instead of the
    /// one in force then (what if; not an official result); empty: none.
    version: String,
}

/// The what-if version asked for, or the field error (then none).
fn what_if_of(raw: &str) -> (Option<i64>, Option<FieldError>) {
    let raw = raw.trim();
    if raw.is_empty() {
        return (None, None);
    }
    match raw.parse::<i64>() {
        Ok(v) if v > 0 => (Some(v), None),
        _ => (
            None,
            Some(FieldError::new("version", "版本应为正整数，例如 2")),
        ),
    }
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
    /// `&version=N` on every link of a what-if view, else empty.
    vq: String,
    /// The window was judged by more than one version.
    several: bool,
}

pub(super) async fn matrix(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<MatrixQuery>,
) -> Result<Response, AppError> {
    let org_id = org_param(&user, &q.org)?;
    let (window, mut errors) = window_of(st.svc.clock.today(), &q.from, &q.to);
    let (what_if, bad) = what_if_of(&q.version);
    errors.extend(bad);
    let view = compliance::for_scope_as(&st.svc, &user.actor, org_id, window, what_if).await?;
    let vq = what_if.map(|v| format!("&version={v}")).unwrap_or_default();
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
        "/life/compliance/export?org={}&from={from}&to={to}{vq}",
        view.org.id
    );
    let up_href = if view.org.id == user.actor.org_id.0 {
        None
    } else {
        let org = dangjian_service::orgs::get(&st.svc, &user.actor, view.org.id).await?;
        org.parent_id
            .map(|p| format!("/life/compliance?org={p}&from={from}&to={to}{vq}"))
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let tables = tables(&view, &ob);
    let several = view.versions.len() > 1;
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
            vq,
            several,
        }),
        status,
    ))
}

pub(super) async fn export(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<MatrixQuery>,
) -> Result<Response, AppError> {
    let org_id = org_param(&user, &q.org)?;
    let (window, errors) = window_of(st.svc.clock.today(), &q.from, &q.to);
    let (what_if, bad) = what_if_of(&q.version);
    if let Some(e) = bad {
        return Err(ServiceError::Invalid(vec![e]).into());
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors).into());
    }
    let view = compliance::for_scope_as(&st.svc, &user.actor, org_id, window, what_if).await?;
    let bytes = dangjian_service::compliance_xlsx::matrix_xlsx(&view)?;
    let name = format!(
        "组织生活完成情况-{}-{}至{}{}.xlsx",
        view.org.name,
        window.from.strftime("%Y%m"),
        window.to.strftime("%Y%m"),
        what_if
            .map(|v| format!("-假设按第{v}版"))
            .unwrap_or_default()
    );
    Ok(xlsx_response(&name, bytes))
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
}
