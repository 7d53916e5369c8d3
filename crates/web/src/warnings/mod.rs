//! 预警 pages: the latest snapshot of the early warnings (软弱涣散预警) for
//! an organization's subtree — counts per level with a bar chart, counts
//! per direct child (per township for the county), the ranked list with
//! each organization's reasons linking to their evidence — the 重新研判
//! button, one organization's history across runs with a step chart, and
//! the 村情登记 form (`facts`). The service computes and scopes everything;
//! this module turns its views into rows, links and chart points.

use crate::AppState;
use crate::auth::{CsrfForm, CurrentUser};
use crate::compliance::org_param;
use crate::error::AppError;
use crate::layout::{Layout, Pager, parse_page, render};
use crate::orgs::parse_id;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dangjian_domain::warnings::{Level, LevelCounts};
use dangjian_service::store::org::OrgRow;
use dangjian_service::warnings::{self, HistoryPoint, OrgWarningView, WarningRunView};
use dangjian_service::{ServiceError, org_facts, orgs, reeval};
use serde::Deserialize;

mod facts;

/// Organizations per page of the ranked list.
pub const PER_PAGE: usize = 20;
/// History rows per page on an organization's page.
pub const HISTORY_PER_PAGE: usize = 20;
/// Runs drawn in the history chart (the latest ones).
pub const CHART_POINTS: usize = 30;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/warnings", get(index))
        .route("/warnings/run", post(run))
        .route("/warnings/org/{id}", get(org_page))
        .route(
            "/warnings/facts/{id}",
            get(facts::form_page).post(facts::save),
        )
}

/// The page an evidence code points to, for organization `org`; `None`
/// when the platform has no such page yet (collective economy, discipline).
pub fn evidence_href(code: &str, org: i64) -> Option<String> {
    match code {
        "org_detail" | "terms" => Some(format!("/orgs/{org}")),
        "members" => Some(format!("/members?org={org}")),
        "compliance" => Some(format!("/life/compliance?org={org}")),
        "village_affairs" | "assessment" => Some(format!("/warnings/facts/{org}")),
        _ => None,
    }
}

/// CSS class of a level (`lv-red` …); the text always carries the word too.
pub fn level_class(l: Level) -> &'static str {
    match l {
        Level::Green => "lv-green",
        Level::Yellow => "lv-yellow",
        Level::Orange => "lv-orange",
        Level::Red => "lv-red",
    }
}

/// Who made a run, in words.
pub fn made_by(user: &str) -> String {
    if user == reeval::SYSTEM_USER {
        "系统自动研判".to_owned()
    } else {
        user.to_owned()
    }
}

/// One bar of the chart of counts per level.
struct Bar {
    label: &'static str,
    title: &'static str,
    class: &'static str,
    count: u32,
    /// Width class `w-0` … `w-100`, in steps of 5 (no inline styles: CSP).
    width: String,
    href: String,
}

/// Width class for `n` of `total`, rounded to 5 % (a non-zero count shows
/// at least 5 %).
fn width_class(n: u32, total: u32) -> String {
    if total == 0 || n == 0 {
        return "w-0".to_owned();
    }
    let pct = (u64::from(n) * 100 + u64::from(total) / 2) / u64::from(total);
    let step = (pct.div_ceil(5) * 5).clamp(5, 100);
    format!("w-{step}")
}

fn bars(c: &LevelCounts, org: i64) -> Vec<Bar> {
    let total = c.total();
    Level::ALL
        .iter()
        .rev()
        .map(|l| Bar {
            label: l.label(),
            title: l.title(),
            class: level_class(*l),
            count: c.at(*l),
            width: width_class(c.at(*l), total),
            href: format!("/warnings?org={org}&level={}", l.code()),
        })
        .collect()
}

/// One reason as shown.
struct ReasonLine {
    label: String,
    detail: String,
    criterion: u8,
    href: Option<String>,
}

/// One organization of the ranked list.
struct Ranked {
    org_id: i64,
    org_name: String,
    level_label: &'static str,
    level_title: &'static str,
    class: &'static str,
    score: i64,
    reasons: Vec<ReasonLine>,
    /// Labels of the indicators without data, joined.
    no_data: String,
}

fn ranked(r: &OrgWarningView) -> Ranked {
    Ranked {
        org_id: r.org_id,
        org_name: r.org_name.clone(),
        level_label: r.level.label(),
        level_title: r.level.title(),
        class: level_class(r.level),
        score: r.score,
        reasons: r
            .reasons
            .iter()
            .map(|x| ReasonLine {
                label: x.label.clone(),
                detail: x.detail.clone(),
                criterion: x.criterion,
                href: evidence_href(&x.evidence, r.org_id),
            })
            .collect(),
        no_data: r
            .no_data
            .iter()
            .map(|n| n.label.as_str())
            .collect::<Vec<_>>()
            .join("、"),
    }
}

/// A row of the per-child table.
struct ChildRow {
    org_id: i64,
    org_name: String,
    red: u32,
    orange: u32,
    yellow: u32,
    green: u32,
    total: u32,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IndexQuery {
    org: String,
    level: String,
    page: String,
    /// Set after 重新研判 (the new run's number).
    ran: String,
}

/// What the page shows of a run.
struct RunMeta {
    run_id: i64,
    as_of: String,
    profile_version: i64,
    created_by: String,
    created_at: String,
    warned: u32,
    total: u32,
    incomplete: u32,
}

fn meta(run: &WarningRunView) -> RunMeta {
    RunMeta {
        run_id: run.run_id,
        as_of: run.as_of.clone(),
        profile_version: run.profile_version,
        created_by: made_by(&run.created_by),
        created_at: dangjian_service::clock::display_ts(&run.created_at),
        warned: run.counts.warned(),
        total: run.counts.total(),
        incomplete: run.counts.incomplete,
    }
}

#[derive(Template)]
#[template(path = "warnings/index.html")]
struct IndexPage {
    l: Layout,
    org: OrgRow,
    own_org: i64,
    run: Option<RunMeta>,
    bars: Vec<Bar>,
    children: Vec<ChildRow>,
    /// Direct children in the run, when more than the table shows.
    children_total: usize,
    list: Vec<Ranked>,
    level: String,
    level_title: String,
    levels: Vec<(&'static str, &'static str)>,
    pager: Pager,
    may_run: bool,
    ran: bool,
}

async fn index(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<IndexQuery>,
) -> Result<Response, AppError> {
    let org_id = org_param(&user, &q.org)?;
    let level = match q.level.trim() {
        "" => None,
        raw => Some(Level::parse(raw).ok_or(AppError(ServiceError::NotFound))?),
    };
    let page = parse_page(&q.page);
    let latest = warnings::page(
        &st.svc,
        &user.actor,
        org_id,
        level,
        usize::try_from(page).unwrap_or(1),
        PER_PAGE,
    )
    .await?;
    let org = orgs::get(&st.svc, &user.actor, org_id).await?;
    let level_code = level.map(Level::code).unwrap_or_default();
    let base = if level_code.is_empty() {
        format!("/warnings?org={org_id}&")
    } else {
        format!("/warnings?org={org_id}&level={level_code}&")
    };
    let mut children_total = 0;
    let (run, bars_, children, list, total) = match &latest {
        None => (None, Vec::new(), Vec::new(), Vec::new(), 0),
        Some(run) => {
            // At most `warnings::CHILD_ROWS`, most warnings first when the
            // organization has more children.
            children_total = run.children_total;
            let children = run
                .children
                .clone()
                .into_iter()
                .map(|c| ChildRow {
                    org_id: c.org_id,
                    org_name: c.org_name,
                    red: c.counts.red,
                    orange: c.counts.orange,
                    yellow: c.counts.yellow,
                    green: c.counts.green,
                    total: c.counts.total(),
                })
                .collect();
            (
                Some(RunMeta {
                    run_id: run.run_id,
                    as_of: run.as_of.clone(),
                    profile_version: run.profile_version,
                    created_by: made_by(&run.created_by),
                    created_at: dangjian_service::clock::display_ts(&run.created_at),
                    warned: run.counts.warned(),
                    total: run.counts.total(),
                    incomplete: run.counts.incomplete,
                }),
                bars(&run.counts, org_id),
                children,
                run.items.iter().map(ranked).collect(),
                run.total,
            )
        }
    };
    Ok(render(&IndexPage {
        l: Layout::new(&user, "warn"),
        own_org: user.actor.org_id.0,
        run,
        bars: bars_,
        children,
        children_total,
        list,
        level: level_code.to_owned(),
        level_title: level.map(|l| l.title().to_owned()).unwrap_or_default(),
        levels: Level::ALL
            .iter()
            .rev()
            .map(|l| (l.code(), l.title()))
            .collect(),
        pager: Pager::new(
            &base,
            page,
            i64::try_from(total).unwrap_or(i64::MAX),
            PER_PAGE as i64,
        ),
        may_run: warnings::may_run(&user.actor),
        ran: !q.ran.is_empty(),
        org,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RunForm {
    org: String,
}

/// 重新研判: evaluates the organization's subtree now, then shows it.
async fn run(
    State(st): State<AppState>,
    CsrfForm { user, form }: CsrfForm<RunForm>,
) -> Result<Response, AppError> {
    let org_id = org_param(&user, &form.org)?;
    let run = warnings::evaluate_scope(&st.svc, &user.actor, org_id).await?;
    Ok(Redirect::to(&format!("/warnings?org={org_id}&ran={}", run.run_id)).into_response())
}

/// One point of the history chart.
struct Point {
    x: u32,
    y: u32,
    class: &'static str,
    title: String,
}

/// The history chart: a step line of level over the runs, oldest left.
struct Chart {
    width: u32,
    /// `x,y x,y …` of the step line.
    line: String,
    points: Vec<Point>,
    first: String,
    last: String,
}

/// Chart geometry: 40 px per run; levels at y = 20 (red) … 110 (green).
const STEP_X: u32 = 40;
const LEFT: u32 = 50;

fn level_y(l: Level) -> u32 {
    match l {
        Level::Red => 20,
        Level::Orange => 50,
        Level::Yellow => 80,
        Level::Green => 110,
    }
}

fn chart(history: &[HistoryPoint]) -> Option<Chart> {
    let shown = &history[history.len().saturating_sub(CHART_POINTS)..];
    let (first, last) = (shown.first()?, shown.last()?);
    let mut line: Vec<String> = Vec::new();
    let mut points = Vec::with_capacity(shown.len());
    let mut prev_y: Option<u32> = None;
    for (i, h) in (0u32..).zip(shown) {
        let x = LEFT + i * STEP_X;
        let y = level_y(h.level);
        if let Some(py) = prev_y {
            line.push(format!("{x},{py}"));
        }
        line.push(format!("{x},{y}"));
        prev_y = Some(y);
        points.push(Point {
            x,
            y,
            class: level_class(h.level),
            title: format!("{} {}（得分{}）", h.as_of, h.level.title(), h.score),
        });
    }
    Some(Chart {
        width: LEFT + (u32::try_from(shown.len()).unwrap_or(1)) * STEP_X,
        line: line.join(" "),
        points,
        first: first.as_of.clone(),
        last: last.as_of.clone(),
    })
}

/// A history row.
struct HistoryRow {
    run_id: i64,
    as_of: String,
    level_label: &'static str,
    level_title: &'static str,
    class: &'static str,
    score: i64,
    profile_version: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OrgQuery {
    page: String,
}

#[derive(Template)]
#[template(path = "warnings/org.html")]
struct OrgPage {
    l: Layout,
    org: OrgRow,
    run: Option<RunMeta>,
    current: Option<Ranked>,
    chart: Option<Chart>,
    rows: Vec<HistoryRow>,
    pager: Pager,
    may_record: bool,
    may_run: bool,
}

async fn org_page(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<OrgQuery>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let history = warnings::history(&st.svc, &user.actor, id).await?;
    let org = orgs::get(&st.svc, &user.actor, id).await?;
    let latest = warnings::latest(&st.svc, &user.actor, id).await?;
    let current = latest
        .as_ref()
        .and_then(|r| r.results.iter().find(|x| x.org_id == id))
        .map(ranked);
    let page = parse_page(&q.page);
    let start = usize::try_from(page - 1)
        .unwrap_or(0)
        .saturating_mul(HISTORY_PER_PAGE);
    let rows = history
        .iter()
        .rev()
        .skip(start)
        .take(HISTORY_PER_PAGE)
        .map(|h| HistoryRow {
            run_id: h.run_id,
            as_of: h.as_of.clone(),
            level_label: h.level.label(),
            level_title: h.level.title(),
            class: level_class(h.level),
            score: h.score,
            profile_version: h.profile_version,
        })
        .collect();
    Ok(render(&OrgPage {
        l: Layout::new(&user, "warn"),
        run: latest.as_ref().map(meta),
        current,
        chart: chart(&history),
        rows,
        pager: Pager::new(
            &format!("/warnings/org/{id}?"),
            page,
            i64::try_from(history.len()).unwrap_or(i64::MAX),
            HISTORY_PER_PAGE as i64,
        ),
        may_record: org_facts::may_record(&user.actor),
        may_run: warnings::may_run(&user.actor),
        org,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_round_to_five_percent_and_show_small_counts() {
        assert_eq!(width_class(0, 10), "w-0");
        assert_eq!(width_class(1, 1000), "w-5");
        assert_eq!(width_class(1, 3), "w-35");
        assert_eq!(width_class(10, 10), "w-100");
        assert_eq!(width_class(3, 0), "w-0");
    }

    #[test]
    fn every_evidence_page_the_engine_names_is_mapped_or_explicitly_absent() {
        assert_eq!(evidence_href("org_detail", 7).unwrap(), "/orgs/7");
        assert_eq!(
            evidence_href("compliance", 7).unwrap(),
            "/life/compliance?org=7"
        );
        assert_eq!(evidence_href("members", 7).unwrap(), "/members?org=7");
        assert_eq!(
            evidence_href("village_affairs", 7).unwrap(),
            "/warnings/facts/7"
        );
        assert!(evidence_href("collective_economy", 7).is_none());
        assert!(evidence_href("discipline", 7).is_none());
    }

    #[test]
    fn the_chart_steps_between_levels() {
        let h = |run_id, level| HistoryPoint {
            run_id,
            as_of: format!("2026-11-{run_id:02}"),
            profile_version: 1,
            level,
            score: 0,
        };
        let c = chart(&[h(1, Level::Green), h(2, Level::Red)]).unwrap();
        assert_eq!(c.line, "50,110 90,110 90,20");
        assert_eq!(c.points.len(), 2);
        assert_eq!(
            (c.first.as_str(), c.last.as_str()),
            ("2026-11-01", "2026-11-02")
        );
        assert!(chart(&[]).is_none());
    }
}
