//! Compliance with the obligations (规定动作完成情况), read-only: the matrix
//! of organizations × periods with roll-ups ("18 of 21 branches met their
//! quarterly 党员大会"), a secretary's list of what is due soon, the
//! committees' 意识形态工作责任制 study record, and the members with no
//! organizational life in the last months.
//!
//! Facts are loaded with one query for the organizations of the scope and one
//! for the records in the window, packed one row per organization (see
//! `store::compliance`); the pure engine (`dangjian_domain::obligations`)
//! does the rest. Each period is judged by the profile version in force on
//! its first day (`judge`); every result names the versions it used, and
//! a "what if" view ([`for_scope_as`]) judges every period by one chosen
//! version, labelled as such. Nothing is written here.

mod inactive;
mod judge;

pub use inactive::{INACTIVE_PER_PAGE, InactivePage, members_without_life};

pub use judge::VersionUsed;

use crate::Services;
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::policy::{self, VersionSpan};
use dangjian_domain::obligations::{Cell, Compliance, Period, Status, Tally, Window};
use dangjian_domain::org::OrgKind;
use dangjian_domain::policy::Obligation;
use dangjian_domain::role::Permission;
use dangjian_store::Conn;
use dangjian_store::compliance::packed_facts;
use dangjian_store::org::{self as odb, OrgFactRow, OrgRow};
use dangjian_store::record::{self as db, BriefRow};
use jiff::civil::date;
use serde::Serialize;
use std::collections::HashMap;

/// An organization as the views name it.
#[derive(Debug, Clone, Serialize)]
pub struct OrgBrief {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub depth: i64,
}

impl OrgBrief {
    fn of(o: &OrgFactRow) -> Self {
        Self {
            id: o.id,
            name: o.name.clone(),
            kind: o.kind.clone(),
            depth: o.depth,
        }
    }
}

/// A period column.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodView {
    /// 2026年第3季度
    pub label: String,
    /// First and last day, `YYYY-MM-DD` (the drill-down's `from`/`to`).
    pub start: String,
    pub end: String,
    /// The database's number of the profile version that judged it.
    pub profile_version: i64,
}

impl PeriodView {
    fn of(p: Period, profile_version: i64) -> Self {
        Self {
            label: p.label(),
            start: p.start().to_string(),
            end: p.end().to_string(),
            profile_version,
        }
    }

    fn all(parts: &[judge::Part<'_>]) -> Vec<Self> {
        parts
            .iter()
            .flat_map(|p| {
                p.oc.periods
                    .iter()
                    .map(|&period| Self::of(period, p.version.version))
            })
            .collect()
    }
}

/// One row of an obligation's matrix: the scope organization itself or one
/// of its direct children.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    pub org: OrgBrief,
    /// The organization's own cells, one per period, when it is bound.
    pub own: Option<Vec<Cell>>,
    /// Tallies over it and everything below it, one per period.
    pub subtree: Vec<Tally>,
}

/// One obligation over the scope.
#[derive(Debug, Clone, Serialize)]
pub struct ObligationView {
    pub code: String,
    pub label: String,
    /// 每季度至少1次; when the versions in the window differ,
    /// 每月至少1次（第1版）；每月至少2次（第3版）.
    pub requirement: String,
    pub basis: String,
    /// The record type that fulfils it (the drill-down's `record_type`).
    pub record_type: String,
    pub periods: Vec<PeriodView>,
    /// Tallies over the whole scope, per period ("18/21 已完成").
    pub total: Vec<Tally>,
    /// The scope organization (first) and its direct children with a bound
    /// organization at or below them, in tree order.
    pub rows: Vec<MatrixRow>,
}

/// The compliance matrix of a scope.
#[derive(Debug, Clone, Serialize)]
pub struct ComplianceView {
    /// The database's number of the profile that judged the window's last
    /// periods (the only one unless `versions` holds more), and the version
    /// it declares.
    pub profile_version: i64,
    pub profile_label: String,
    pub profile_hash: String,
    /// Every version that judged a period of the window, in time order,
    /// with its days; each period names its own (`PeriodView`).
    pub versions: Vec<VersionUsed>,
    /// Set for a "what if" view: every period judged by this version
    /// instead of the one in force then. Not an official result (非正式结果).
    pub what_if: Option<i64>,
    pub org: OrgBrief,
    pub window: Window,
    pub today: String,
    /// Obligations binding at least one organization of the scope, in
    /// profile order.
    pub obligations: Vec<ObligationView>,
}

/// An evaluation of a scope with what the views need around it.
struct Evaluated {
    /// Each version that judged a period, with its results, in time order.
    judged: Vec<(VersionSpan, Compliance)>,
    root: OrgFactRow,
    orgs: Vec<OrgFactRow>,
}

/// Loads the scope's organizations and the records of the calendar years
/// the window touches (every period of every kind nests in a year), and
/// evaluates each period with the version in force on its first day, or
/// every period with version `what_if`: two queries for the facts,
/// whatever the size of the scope.
async fn evaluate_scope(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    window: Window,
    what_if: Option<i64>,
) -> ServiceResult<Evaluated> {
    actor.require(Permission::ReadBusiness)?;
    if window.to < window.from {
        return Err(ServiceError::field("to", "结束日期不能早于开始日期"));
    }
    if window.from < date(2000, 1, 1) || window.to > date(2100, 12, 31) {
        return Err(ServiceError::field(
            "from",
            "统计区间应在2000年至2100年之间",
        ));
    }
    let schedule = policy::schedule(svc).await?;
    let spans = match what_if {
        None => policy::spans_of(&schedule, judge::first_period_start(window), window.to),
        Some(v) => {
            let entry = schedule
                .entries()
                .iter()
                .find(|e| e.version == v)
                .ok_or_else(|| ServiceError::field("version", format!("没有第{v}版政策配置")))?;
            vec![judge::what_if_span(policy::ActiveProfile {
                version: entry.version,
                effective_from: entry.effective_from,
                profile: std::sync::Arc::clone(&entry.profile),
            })]
        }
    };
    let mut conn = svc.store.read().await?;
    let scope: OrgRow = odb::get_org(&mut conn, org_id).await?;
    actor.require_scope(&scope.path)?;
    let upper = odb::upper_of(&scope.path);
    let orgs = odb::facts(&mut conn, &scope.path, &upper).await?;
    let from = date(window.from.year(), 1, 1).to_string();
    let to = date(window.to.year(), 12, 31).to_string();
    let rows = packed_facts(&mut conn, svc.store.engine, &scope.path, &upper, &from, &to).await?;
    drop(conn);
    let judged = judge::run(spans, &orgs, &rows, window, svc.clock.today());
    let root = orgs
        .iter()
        .find(|o| o.id == scope.id)
        .cloned()
        .ok_or(ServiceError::NotFound)?;
    Ok(Evaluated { judged, root, orgs })
}

/// The compliance matrix of `org_id` (in the user's scope) over `window`:
/// per obligation, the organization itself and each direct child, per
/// period, with counts and subtree roll-ups; each period judged by the
/// profile version in force on its first day.
pub async fn for_scope(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    window: Window,
) -> ServiceResult<ComplianceView> {
    for_scope_as(svc, actor, org_id, window, None).await
}

/// Like [`for_scope`]; with `what_if`, every period is judged by that
/// stored version instead ("what if these rules had applied"), which the
/// view names in `what_if`. Nothing is stored either way.
pub async fn for_scope_as(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    window: Window,
    what_if: Option<i64>,
) -> ServiceResult<ComplianceView> {
    let ev = evaluate_scope(svc, actor, org_id, window, what_if).await?;
    let children: Vec<&OrgFactRow> = ev
        .orgs
        .iter()
        .filter(|o| o.parent_id == Some(ev.root.id))
        .collect();
    let mut obligations = Vec::new();
    for parts in judge::by_code(&ev.judged) {
        let Some(total) = judge::subtree(&parts, ev.root.id) else {
            continue;
        };
        let ob = parts.last().expect("a code has a part").ob;
        let mut rows = vec![MatrixRow {
            org: OrgBrief::of(&ev.root),
            own: judge::own_cells(&parts, ev.root.id),
            subtree: total.clone(),
        }];
        for c in &children {
            if let Some(t) = judge::subtree(&parts, c.id) {
                rows.push(MatrixRow {
                    org: OrgBrief::of(c),
                    own: judge::own_cells(&parts, c.id),
                    subtree: t,
                });
            }
        }
        obligations.push(ObligationView {
            code: ob.code.clone(),
            label: ob.label.clone(),
            requirement: judge::requirement(&parts),
            basis: ob.basis.clone(),
            record_type: ob.record_type.clone(),
            periods: PeriodView::all(&parts),
            total,
            rows,
        });
    }
    let versions: Vec<VersionUsed> = ev.judged.iter().map(|(s, _)| VersionUsed::of(s)).collect();
    let last = match ev.judged.last() {
        Some((s, _)) => s.active.clone(),
        None => policy::in_force_on(svc, window.to).await?,
    };
    Ok(ComplianceView {
        profile_version: last.version,
        profile_label: last.profile.version().to_owned(),
        profile_hash: last.profile.content_hash().to_owned(),
        versions,
        what_if,
        org: OrgBrief::of(&ev.root),
        window,
        today: svc.clock.today().to_string(),
        obligations,
    })
}

/// One obligation not yet met in the current period.
#[derive(Debug, Clone, Serialize)]
pub struct DueItem {
    pub org: OrgBrief,
    pub obligation: String,
    pub label: String,
    pub requirement: String,
    pub record_type: String,
    pub period: PeriodView,
    /// Days to the period's last day (0 on the last day).
    pub days_left: i32,
    pub count: u32,
    pub at_least: u32,
    pub status: Status,
    /// 即将到期 / 进行中
    pub status_label: &'static str,
}

/// A secretary's home list.
#[derive(Debug, Clone, Serialize)]
pub struct DueView {
    pub profile_version: i64,
    pub today: String,
    /// Due soon first, then by days left.
    pub items: Vec<DueItem>,
}

/// What `org_id` and its direct children (e.g. a branch's 党小组) still have
/// to do in the current period of each obligation: not yet met, due soon or
/// still open.
pub async fn due_soon(svc: &Services, actor: &Actor, org_id: i64) -> ServiceResult<DueView> {
    let today = svc.clock.today();
    let ev = evaluate_scope(
        svc,
        actor,
        org_id,
        Window {
            from: today,
            to: today,
        },
        None,
    )
    .await?;
    let near: HashMap<i64, &OrgFactRow> = ev
        .orgs
        .iter()
        .filter(|o| o.id == ev.root.id || o.parent_id == Some(ev.root.id))
        .map(|o| (o.id, o))
        .collect();
    let mut items = Vec::new();
    // A current period begun under an earlier version (this quarter, while
    // this month has a newer one) is still held to that version's rule.
    for (span, oc) in ev
        .judged
        .iter()
        .flat_map(|(s, c)| c.obligations.iter().map(move |oc| (s, oc)))
    {
        let ob = span
            .active
            .profile
            .obligation(&oc.obligation)
            .expect("results name the profile's obligations");
        let Some(&period) = oc.periods.first() else {
            continue;
        };
        for (org, cells) in oc.rows() {
            let Some(o) = near.get(&org.0) else { continue };
            let cell = cells[0];
            if !matches!(cell.status, Status::DueSoon | Status::Open) {
                continue;
            }
            items.push(DueItem {
                org: OrgBrief::of(o),
                obligation: ob.code.clone(),
                label: ob.label.clone(),
                requirement: ob.requirement_label(),
                record_type: ob.record_type.clone(),
                period: PeriodView::of(period, span.active.version),
                days_left: period.days_left(today),
                count: cell.count,
                at_least: ob.at_least,
                status: cell.status,
                status_label: cell.status.label(),
            });
        }
    }
    items.sort_by(|a, b| {
        (
            a.status != Status::DueSoon,
            a.days_left,
            a.org.depth,
            a.org.id,
        )
            .cmp(&(
                b.status != Status::DueSoon,
                b.days_left,
                b.org.depth,
                b.org.id,
            ))
    });
    Ok(DueView {
        profile_version: policy::active(svc).await?.version,
        today: today.to_string(),
        items,
    })
}

/// One committee's cell of the study record: its status per period and the
/// records that count.
#[derive(Debug, Clone, Serialize)]
pub struct StudyCell {
    pub cells: Vec<Cell>,
    pub records: Vec<BriefRow>,
}

/// One 党委/党组 of the study record.
#[derive(Debug, Clone, Serialize)]
pub struct StudyRow {
    pub org: OrgBrief,
    /// One per column; `None` where the obligation does not bind it.
    pub cells: Vec<Option<StudyCell>>,
}

/// A column: one obligation binding committees.
#[derive(Debug, Clone, Serialize)]
pub struct StudyColumn {
    pub obligation: String,
    pub label: String,
    pub requirement: String,
    pub record_type: String,
    pub periods: Vec<PeriodView>,
    /// Over every committee of the scope, per period.
    pub total: Vec<Tally>,
}

/// The 意识形态工作责任制 view: for each 党委/党组 of the scope, a year of the
/// obligations that bind committees (专题研究意识形态工作, 意识形态形势研判,
/// 专题研究党建工作, 理论学习中心组学习 in the default profile).
#[derive(Debug, Clone, Serialize)]
pub struct StudyRecordView {
    pub profile_version: i64,
    pub year: i16,
    pub org: OrgBrief,
    pub columns: Vec<StudyColumn>,
    pub rows: Vec<StudyRow>,
}

/// The study record of the committees in `org_id`'s subtree for `year`.
pub async fn study_record(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    year: i16,
) -> ServiceResult<StudyRecordView> {
    if !(2000..=2100).contains(&year) {
        return Err(ServiceError::field("year", "年份应在2000年至2100年之间"));
    }
    let window = Window {
        from: date(year, 1, 1),
        to: date(year, 12, 31),
    };
    let ev = evaluate_scope(svc, actor, org_id, window, None).await?;
    let committee = |k: &OrgKind| matches!(k, OrgKind::Committee | OrgKind::LeadingGroup);
    let obligations: Vec<(&Obligation, Vec<judge::Part<'_>>)> = judge::by_code(&ev.judged)
        .into_iter()
        .filter(|parts| parts.iter().any(|p| p.ob.kinds.iter().any(committee)))
        .map(|parts| (parts.last().expect("a code has a part").ob, parts))
        .collect();
    let types: Vec<&str> = obligations
        .iter()
        .map(|(ob, _)| ob.record_type.as_str())
        .collect();
    let records = {
        let mut conn = svc.store.read().await?;
        let scope = odb::get_org(&mut conn, org_id).await?;
        let upper = odb::upper_of(&scope.path);
        let (from, to) = (window.from.to_string(), window.to.to_string());
        db::brief_by_types(&mut conn, &scope.path, &upper, &from, &to, &types).await?
    };
    let mut by_org_type: HashMap<(i64, &str), Vec<&BriefRow>> = HashMap::new();
    for r in &records {
        by_org_type
            .entry((r.org_id, r.record_type.as_str()))
            .or_default()
            .push(r);
    }
    let columns = obligations
        .iter()
        .map(|(ob, parts)| StudyColumn {
            obligation: ob.code.clone(),
            label: ob.label.clone(),
            requirement: judge::requirement(parts),
            record_type: ob.record_type.clone(),
            periods: PeriodView::all(parts),
            total: judge::subtree(parts, ev.root.id).unwrap_or_else(|| {
                vec![Tally::default(); parts.iter().map(|p| p.oc.periods.len()).sum()]
            }),
        })
        .collect();
    let mut rows = Vec::new();
    for o in &ev.orgs {
        let cells: Vec<Option<StudyCell>> = obligations
            .iter()
            .map(|(ob, parts)| {
                judge::own_cells(parts, o.id).map(|cells| StudyCell {
                    cells,
                    records: by_org_type
                        .get(&(o.id, ob.record_type.as_str()))
                        .map(|v| v.iter().map(|r| (*r).clone()).collect())
                        .unwrap_or_default(),
                })
            })
            .collect();
        if cells.iter().all(Option::is_none) {
            continue;
        }
        rows.push(StudyRow {
            org: OrgBrief::of(o),
            cells,
        });
    }
    Ok(StudyRecordView {
        profile_version: ev.judged.last().map_or(0, |(s, _)| s.active.version),
        year,
        org: OrgBrief::of(&ev.root),
        columns,
        rows,
    })
}

/// Each bound organization's share of obligations met over `window`, in
/// permille, for the early warnings: met cells over met and missed ones.
/// Periods still open (open, due soon) and periods the organization was
/// not held to are left out; an organization with neither met nor missed
/// cells gets no rate ("no data"). Each period is judged by the version of
/// `schedule` in force on its first day, as on the compliance page. Runs
/// inside the caller's transaction.
pub(crate) async fn rates_in(
    conn: &mut Conn,
    svc: &Services,
    schedule: &policy::ProfileSchedule,
    scope_path: &str,
    window: Window,
) -> ServiceResult<HashMap<i64, u32>> {
    let upper = odb::upper_of(scope_path);
    let orgs = odb::facts(conn, scope_path, &upper).await?;
    let from = date(window.from.year(), 1, 1).to_string();
    let to = date(window.to.year(), 12, 31).to_string();
    let rows = packed_facts(conn, svc.store.engine, scope_path, &upper, &from, &to).await?;
    let spans = policy::spans_of(schedule, judge::first_period_start(window), window.to);
    let judged = judge::run(spans, &orgs, &rows, window, svc.clock.today());
    let mut tally: HashMap<i64, (u32, u32)> = HashMap::new();
    for oc in judged.iter().flat_map(|(_, c)| &c.obligations) {
        for (org, cells) in oc.rows() {
            let t = tally.entry(org.0).or_default();
            for c in cells {
                match c.status {
                    Status::Met => {
                        t.0 += 1;
                        t.1 += 1;
                    }
                    Status::Missed => t.1 += 1,
                    Status::DueSoon | Status::Open | Status::NotInForce => {}
                }
            }
        }
    }
    Ok(tally
        .into_iter()
        .filter(|(_, (_, total))| *total > 0)
        .map(|(org, (met, total))| (org, met * 1000 / total))
        .collect())
}
