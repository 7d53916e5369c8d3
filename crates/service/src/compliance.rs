//! Compliance with the obligations (规定动作完成情况), read-only: the matrix
//! of organizations × periods with roll-ups ("18 of 21 branches met their
//! quarterly 党员大会"), a secretary's list of what is due soon, the
//! committees' 意识形态工作责任制 study record, and the members with no
//! organizational life in the last months.
//!
//! Facts are loaded with one query for the organizations of the scope and one
//! for the records in the window, packed one row per organization (see
//! `store::compliance`); the pure engine (`dangjian_domain::obligations`)
//! does the rest. Every result
//! names the profile version it used. Nothing is written here.

use crate::Services;
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::policy::{self, ActiveProfile};
use dangjian_domain::ids::OrgId;
use dangjian_domain::obligations::{
    Cell, Compliance, OrgFacts, Period, RecordFact, Status, Tally, Window, evaluate,
};
use dangjian_domain::org::{OrgKind, Sector};
use dangjian_domain::role::Permission;
use dangjian_store::Conn;
use dangjian_store::compliance::{PackedFacts, PackedRecord, packed_facts, unpack};
use dangjian_store::org::{self as odb, OrgFactRow, OrgRow};
use dangjian_store::record::{self as db, BriefRow, InactiveMemberRow};
use jiff::ToSpan;
use jiff::civil::{Date, date};
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
}

impl PeriodView {
    fn of(p: Period) -> Self {
        Self {
            label: p.label(),
            start: p.start().to_string(),
            end: p.end().to_string(),
        }
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
    /// 每季度至少1次
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
    /// The database's number of the profile used, and the version it declares.
    pub profile_version: i64,
    pub profile_label: String,
    pub profile_hash: String,
    pub org: OrgBrief,
    pub window: Window,
    pub today: String,
    /// Obligations binding at least one organization of the scope, in
    /// profile order.
    pub obligations: Vec<ObligationView>,
}

/// An evaluation of a scope with what the views need around it.
struct Evaluated {
    active: ActiveProfile,
    root: OrgFactRow,
    orgs: Vec<OrgFactRow>,
    compliance: Compliance,
}

fn parse_kind(o: &OrgFactRow) -> Option<(OrgKind, Sector)> {
    Some((OrgKind::from_code(&o.kind)?, Sector::from_code(&o.sector)?))
}

/// Loads the scope's organizations and the records of the calendar years
/// the window touches (every period of every kind nests in a year), and
/// evaluates: two queries, whatever the size of the scope.
async fn evaluate_scope(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    window: Window,
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
    let active = policy::active(svc).await?;
    let mut conn = svc.store.read().await?;
    let scope: OrgRow = odb::get_org(&mut conn, org_id).await?;
    actor.require_scope(&scope.path)?;
    let upper = odb::upper_of(&scope.path);
    let orgs = odb::facts(&mut conn, &scope.path, &upper).await?;
    let from = date(window.from.year(), 1, 1).to_string();
    let to = date(window.to.year(), 12, 31).to_string();
    let rows = packed_facts(&mut conn, svc.store.engine, &scope.path, &upper, &from, &to).await?;
    drop(conn);
    let compliance = run(&active, &orgs, &rows, window, svc.clock.today());
    let root = orgs
        .iter()
        .find(|o| o.id == scope.id)
        .cloned()
        .ok_or(ServiceError::NotFound)?;
    Ok(Evaluated {
        active,
        root,
        orgs,
        compliance,
    })
}

fn run(
    active: &ActiveProfile,
    orgs: &[OrgFactRow],
    rows: &[PackedFacts],
    window: Window,
    today: Date,
) -> Compliance {
    let facts: Vec<OrgFacts> = orgs
        .iter()
        .filter_map(|o| {
            let (kind, sector) = parse_kind(o)?;
            Some(OrgFacts {
                id: OrgId(o.id),
                parent: o.parent_id.map(OrgId),
                kind,
                sector,
                has_committee: o.has_committee != 0,
                // No founding date is kept: an organization is held to
                // every period until it is dissolved.
                active_from: None,
                active_to: o.dissolved_on.as_deref().and_then(|d| d.parse().ok()),
            })
        })
        .collect();
    let unpacked: Vec<(i64, PackedRecord<'_>)> = rows
        .iter()
        .flat_map(|r| unpack(&r.packed).map(move |p| (r.org_id, p)))
        .collect();
    let marks: Vec<Vec<String>> = unpacked
        .iter()
        .map(|(_, r)| {
            if r.marks.is_empty() {
                Vec::new()
            } else {
                r.marks.split(',').map(str::to_owned).collect()
            }
        })
        .collect();
    let records: Vec<RecordFact<'_>> = unpacked
        .iter()
        .zip(&marks)
        .filter_map(|((org, r), m)| {
            Some(RecordFact {
                org: OrgId(*org),
                record_type: r.record_type,
                date: r.held_on.parse().ok()?,
                counts: r.valid,
                marks: m,
            })
        })
        .collect();
    evaluate(&active.profile, &facts, &records, window, today)
}

/// The compliance matrix of `org_id` (in the user's scope) over `window`:
/// per obligation, the organization itself and each direct child, per
/// period, with counts and subtree roll-ups.
pub async fn for_scope(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    window: Window,
) -> ServiceResult<ComplianceView> {
    let ev = evaluate_scope(svc, actor, org_id, window).await?;
    let children: Vec<&OrgFactRow> = ev
        .orgs
        .iter()
        .filter(|o| o.parent_id == Some(ev.root.id))
        .collect();
    let mut obligations = Vec::new();
    for oc in &ev.compliance.obligations {
        let Some(total) = oc.rollup(OrgId(ev.root.id)) else {
            continue;
        };
        let ob = ev
            .active
            .profile
            .obligation(&oc.obligation)
            .expect("results name the profile's obligations");
        let mut rows = vec![MatrixRow {
            org: OrgBrief::of(&ev.root),
            own: oc.row(OrgId(ev.root.id)).map(<[Cell]>::to_vec),
            subtree: total.to_vec(),
        }];
        for c in &children {
            if let Some(t) = oc.rollup(OrgId(c.id)) {
                rows.push(MatrixRow {
                    org: OrgBrief::of(c),
                    own: oc.row(OrgId(c.id)).map(<[Cell]>::to_vec),
                    subtree: t.to_vec(),
                });
            }
        }
        obligations.push(ObligationView {
            code: ob.code.clone(),
            label: ob.label.clone(),
            requirement: ob.requirement_label(),
            basis: ob.basis.clone(),
            record_type: ob.record_type.clone(),
            periods: oc.periods.iter().copied().map(PeriodView::of).collect(),
            total: total.to_vec(),
            rows,
        });
    }
    Ok(ComplianceView {
        profile_version: ev.active.version,
        profile_label: ev.active.profile.version().to_owned(),
        profile_hash: ev.active.profile.content_hash().to_owned(),
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
    )
    .await?;
    let near: HashMap<i64, &OrgFactRow> = ev
        .orgs
        .iter()
        .filter(|o| o.id == ev.root.id || o.parent_id == Some(ev.root.id))
        .map(|o| (o.id, o))
        .collect();
    let mut items = Vec::new();
    for oc in &ev.compliance.obligations {
        let ob = ev
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
                period: PeriodView::of(period),
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
        profile_version: ev.active.version,
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
    let ev = evaluate_scope(svc, actor, org_id, window).await?;
    let committee = |k: &OrgKind| matches!(k, OrgKind::Committee | OrgKind::LeadingGroup);
    let obligations: Vec<_> = ev
        .compliance
        .obligations
        .iter()
        .filter_map(|oc| {
            let ob = ev.active.profile.obligation(&oc.obligation)?;
            ob.kinds.iter().any(committee).then_some((ob, oc))
        })
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
        .map(|(ob, oc)| StudyColumn {
            obligation: ob.code.clone(),
            label: ob.label.clone(),
            requirement: ob.requirement_label(),
            record_type: ob.record_type.clone(),
            periods: oc.periods.iter().copied().map(PeriodView::of).collect(),
            total: oc.rollup(OrgId(ev.root.id)).map_or_else(
                || vec![Tally::default(); oc.periods.len()],
                <[Tally]>::to_vec,
            ),
        })
        .collect();
    let mut rows = Vec::new();
    for o in &ev.orgs {
        let bound = obligations
            .iter()
            .any(|(_, oc)| oc.row(OrgId(o.id)).is_some());
        if !bound {
            continue;
        }
        let cells = obligations
            .iter()
            .map(|(ob, oc)| {
                oc.row(OrgId(o.id)).map(|cells| StudyCell {
                    cells: cells.to_vec(),
                    records: by_org_type
                        .get(&(o.id, ob.record_type.as_str()))
                        .map(|v| v.iter().map(|r| (*r).clone()).collect())
                        .unwrap_or_default(),
                })
            })
            .collect();
        rows.push(StudyRow {
            org: OrgBrief::of(o),
            cells,
        });
    }
    Ok(StudyRecordView {
        profile_version: ev.active.version,
        year,
        org: OrgBrief::of(&ev.root),
        columns,
        rows,
    })
}

pub const INACTIVE_PER_PAGE: i64 = 50;

/// A page of members without organizational life.
#[derive(Debug, Clone, Serialize)]
pub struct InactivePage {
    /// Present at nothing held on or after this day.
    pub since: String,
    pub months: u32,
    pub rows: Vec<InactiveMemberRow>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Active members of `org_id`'s subtree who were present at no record in
/// the last `months` months (1–24; the rule's default is 6: 自行脱党 risk).
pub async fn members_without_life(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    months: u32,
    page: i64,
) -> ServiceResult<InactivePage> {
    actor.require(Permission::ReadBusiness)?;
    if !(1..=24).contains(&months) {
        return Err(ServiceError::field("months", "月数应在1到24之间"));
    }
    let since = svc
        .clock
        .today()
        .checked_sub(i64::from(months).months())
        .map_err(|_| ServiceError::field("months", "月数超出范围"))?
        .to_string();
    let mut conn = svc.store.read().await?;
    let scope = scoped(&mut conn, actor, org_id).await?;
    let upper = odb::upper_of(&scope.path);
    let total = db::count_without_life(&mut conn, &scope.path, &upper, &since).await?;
    let pages = ((total + INACTIVE_PER_PAGE - 1) / INACTIVE_PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let rows = db::without_life(
        &mut conn,
        &scope.path,
        &upper,
        &since,
        INACTIVE_PER_PAGE,
        (page - 1) * INACTIVE_PER_PAGE,
    )
    .await?;
    Ok(InactivePage {
        since,
        months,
        rows,
        total,
        page,
        per_page: INACTIVE_PER_PAGE,
    })
}

async fn scoped(conn: &mut Conn, actor: &Actor, org_id: i64) -> ServiceResult<OrgRow> {
    let org = odb::get_org(conn, org_id).await?;
    actor.require_scope(&org.path)?;
    Ok(org)
}

/// Each bound organization's share of obligations met over `window`, in
/// permille, for the early warnings: met cells over met and missed ones.
/// Periods still open (open, due soon) and periods the organization was
/// not held to are left out; an organization with neither met nor missed
/// cells gets no rate ("no data"). Runs inside the caller's transaction.
pub(crate) async fn rates_in(
    conn: &mut Conn,
    svc: &Services,
    active: &ActiveProfile,
    scope_path: &str,
    window: Window,
) -> ServiceResult<HashMap<i64, u32>> {
    let upper = odb::upper_of(scope_path);
    let orgs = odb::facts(conn, scope_path, &upper).await?;
    let from = date(window.from.year(), 1, 1).to_string();
    let to = date(window.to.year(), 12, 31).to_string();
    let rows = packed_facts(conn, svc.store.engine, scope_path, &upper, &from, &to).await?;
    let compliance = run(active, &orgs, &rows, window, svc.clock.today());
    let mut tally: HashMap<i64, (u32, u32)> = HashMap::new();
    for oc in &compliance.obligations {
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
