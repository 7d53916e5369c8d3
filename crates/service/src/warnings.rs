//! Early warning of weak and lax organizations (软弱涣散预警): gathers the
//! facts the platform records for a scope, runs the pure engine
//! (`dangjian_domain::warnings`) and stores the outcome as a snapshot that
//! names the profile version and hash it used; reads the latest snapshot
//! covering an organization and an organization's history.
//!
//! Facts come from three grouped queries whatever the size of the scope
//! (see `store::warnings`), and organizational-life compliance over the
//! last twelve months from the compliance engine (two more queries), and
//! the current year's manual facts (村情登记: petitions, satisfaction,
//! disclosure, supervision committee; one query, `org_facts`). What the
//! platform does not record yet — collective income, assessments,
//! discipline cases, development candidates — and manual facts nobody
//! recorded stay `None`, so those indicators read "no data", never a pass.

use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::compliance;
use crate::error::{ServiceError, ServiceResult};
use crate::org_facts::Facts;
use crate::policy;
use dangjian_domain::ids::OrgId;
use dangjian_domain::obligations::Window;
use dangjian_domain::org::{OrgKind, Sector};
use dangjian_domain::policy::IndicatorKind;
use dangjian_domain::role::{Permission, Role};
use dangjian_domain::warnings::{
    Last, Level, LevelCounts, OrgWarningFacts, TermFact, evaluate, ranked,
};
use dangjian_store::org::{self as odb, OrgRow};
use dangjian_store::warnings::{
    self as db, MemberStatRow, NewResult, NewRollup, NewRun, ResultRow, RollupRow, TermFactRow,
    WarnOrgRow,
};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// One triggered indicator, as stored in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonView {
    /// Indicator code, e.g. `secretary_vacant`.
    pub indicator: String,
    pub label: String,
    pub criterion: u8,
    pub weight: u32,
    /// What was found, e.g. 书记空缺已100天（超过90天）.
    pub detail: String,
    /// The page the evidence is on (`org_detail`, `members`, …).
    pub evidence: String,
}

/// An indicator without data, as stored in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoDataView {
    pub indicator: String,
    pub label: String,
}

/// One organization's result.
#[derive(Debug, Clone, Serialize)]
pub struct OrgWarningView {
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub level: Level,
    pub score: i64,
    pub reasons: Vec<ReasonView>,
    pub no_data: Vec<NoDataView>,
}

/// A stored run, limited to the organizations the reader may see.
#[derive(Debug, Clone, Serialize)]
pub struct WarningRunView {
    pub run_id: i64,
    /// The database's number of the profile used, and its content hash.
    pub profile_version: i64,
    pub profile_hash: String,
    pub as_of: String,
    /// The organization the run was made for.
    pub scope_org_id: i64,
    pub created_by: String,
    pub created_at: String,
    /// Counts over `results`.
    pub counts: LevelCounts,
    /// Worst first: level, then score, then tree order.
    pub results: Vec<OrgWarningView>,
}

/// One organization's level in one stored run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryPoint {
    pub run_id: i64,
    pub as_of: String,
    /// The database's number of the profile the run used.
    pub profile_version: i64,
    pub level: Level,
    pub score: i64,
}

/// Running an evaluation writes a snapshot that the county and township
/// committees act on, so it takes the organization-management permission
/// (county and unit administrators, each within its own subtree): a branch
/// secretary does not file warnings about its own branch, and the
/// read-only roles only read snapshots.
fn require_run(actor: &Actor) -> ServiceResult<()> {
    if actor.role == Role::CountyAdmin {
        return Ok(());
    }
    actor.require(Permission::ManageOrgs)
}

fn parse_day(raw: Option<&str>) -> Option<Date> {
    raw.and_then(|d| d.parse().ok())
}

/// Months from year 0 to `day`'s month.
fn months(day: Date) -> i64 {
    i64::from(day.year()) * 12 + i64::from(day.month())
}

/// Builds the engine's facts from the loaded rows.
fn build_facts(
    orgs: &[WarnOrgRow],
    terms: &[TermFactRow],
    stats: &[MemberStatRow],
    rates: &HashMap<i64, u32>,
    manual: &HashMap<i64, Facts>,
    today: Date,
) -> Vec<OrgWarningFacts> {
    // Rows are ordered latest start first per organization: keep the first.
    let mut term_of: HashMap<i64, &TermFactRow> = HashMap::new();
    for t in terms {
        term_of.entry(t.org_id).or_insert(t);
    }
    let stat_of: HashMap<i64, &MemberStatRow> = stats.iter().map(|s| (s.org_id, s)).collect();
    orgs.iter()
        .filter_map(|o| {
            let kind = OrgKind::from_code(&o.kind)?;
            let sector = Sector::from_code(&o.sector)?;
            let mut f = OrgWarningFacts::unknown(OrgId(o.id), kind, sector);
            f.secretary_vacant_since = parse_day(o.secretary_vacant_since.as_deref());
            f.term = term_of.get(&o.id).and_then(|t| {
                Some(TermFact {
                    due: t.due_date.parse().ok()?,
                    completed: t.actual_date.is_some(),
                })
            });
            if let Some(s) = stat_of.get(&o.id).filter(|s| s.members > 0) {
                f.member_count = u32::try_from(s.members).unwrap_or(u32::MAX);
                // Average age to the month, in tenths of a year.
                let age_months = months(today) - s.birth_months / s.members;
                f.average_age_tenths = u32::try_from(age_months * 10 / 12).ok();
                f.last_new_member =
                    Some(parse_day(s.last_joined.as_deref()).map_or(Last::Never, Last::On));
            }
            f.compliance_permille = rates.get(&o.id).copied();
            if let Some(m) = manual.get(&o.id) {
                f.petitions = m.petitions;
                f.satisfaction_permille = m.satisfaction_permille;
                f.disclosure_ok = m.disclosure_ok;
                f.supervision_committee = m.supervision_committee;
            }
            Some(f)
        })
        .collect()
}

fn view_of(row: &ResultRow) -> OrgWarningView {
    OrgWarningView {
        org_id: row.org_id,
        org_name: row.org_name.clone(),
        org_path: row.org_path.clone(),
        level: Level::parse(&row.level).unwrap_or(Level::Green),
        score: row.score,
        reasons: serde_json::from_str(&row.reasons).unwrap_or_default(),
        no_data: serde_json::from_str(&row.no_data).unwrap_or_default(),
    }
}

/// Worst first, then tree order.
fn rank(results: &mut [OrgWarningView]) {
    results.sort_by(|a, b| {
        b.level
            .cmp(&a.level)
            .then(b.score.cmp(&a.score))
            .then(a.org_path.cmp(&b.org_path))
    });
}

fn counts_of(results: &[OrgWarningView]) -> LevelCounts {
    let mut c = LevelCounts::default();
    for r in results {
        match r.level {
            Level::Green => c.green += 1,
            Level::Yellow => c.yellow += 1,
            Level::Orange => c.orange += 1,
            Level::Red => c.red += 1,
        }
        if !r.no_data.is_empty() {
            c.incomplete += 1;
        }
    }
    c
}

/// The level as stored in `warning_results.level_rank`: green 0 … red 3.
fn rank_of(level: Level) -> i64 {
    match level {
        Level::Green => 0,
        Level::Yellow => 1,
        Level::Orange => 2,
        Level::Red => 3,
    }
}

/// The subtree counts of every organization of a run (its own result and
/// every result below it), from the results' paths: each result is added
/// to every prefix of its path at or below the scope's path. Linear in the
/// results times the depth.
fn rollups_of(views: &[OrgWarningView], scope_path: &str) -> Vec<NewRollup> {
    let mut out: Vec<NewRollup> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for v in views {
        let level = usize::try_from(rank_of(v.level)).unwrap_or(0);
        let incomplete = i64::from(!v.no_data.is_empty());
        let mut prefix = String::from("/");
        let mut parent: Option<i64> = None;
        for seg in v.org_path.split('/').filter(|s| !s.is_empty()) {
            prefix.push_str(seg);
            prefix.push('/');
            let Ok(id) = seg.parse::<i64>() else {
                break;
            };
            if prefix.len() >= scope_path.len() && prefix.starts_with(scope_path) {
                let i = *index.entry(id).or_insert_with(|| {
                    out.push(NewRollup {
                        org_id: id,
                        org_path: prefix.clone(),
                        parent_id: if prefix == scope_path { None } else { parent },
                        counts: [0; 4],
                        incomplete: 0,
                    });
                    out.len() - 1
                });
                out[i].counts[level] += 1;
                out[i].incomplete += incomplete;
            }
            parent = Some(id);
        }
    }
    out
}

fn code_of<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Evaluates `org_id` and everything below it against the profile in force
/// on the run date (a run judges "now"; the twelve months of compliance it
/// reads judge each period by the version in force then) and stores the outcome as a snapshot, in one transaction with its audit
/// row (`warning.run`).
pub async fn evaluate_scope(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
) -> ServiceResult<WarningRunView> {
    evaluate_as(svc, actor, org_id, "warning.run").await
}

/// May this actor run an evaluation (for showing the button)?
pub fn may_run(actor: &Actor) -> bool {
    require_run(actor).is_ok()
}

/// [`evaluate_scope`] audited under `action` (the background worker's
/// runs are `warning.run.auto`).
pub(crate) async fn evaluate_as(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    action: &str,
) -> ServiceResult<WarningRunView> {
    require_run(actor)?;
    let today = svc.clock.today();
    let engine = svc.store.engine;
    // The facts are read from one snapshot, outside the writer lock: a
    // county's evaluation takes a tenth of a second at scale 1 and seconds
    // at scale 100, and other writes must not wait for it (the background
    // worker runs it after every burst of changes). Only the snapshot's
    // insert takes the lock.
    let schedule = policy::schedule(svc).await?;
    let active = policy::in_force_of(&schedule, today).ok_or(ServiceError::NotFound)?;
    let (scope, orgs, facts) = {
        let mut snap = svc.store.read_snapshot().await?;
        let scope: OrgRow = odb::get_org(&mut snap, org_id).await?;
        actor.require_scope(&scope.path)?;
        let upper = odb::upper_of(&scope.path);
        let orgs = db::orgs(&mut snap, &scope.path, &upper).await?;
        let terms = db::terms(&mut snap, &scope.path, &upper).await?;
        let stats = db::member_stats(&mut snap, &scope.path, &upper).await?;
        // Organizational-life compliance over the last twelve months, by the
        // compliance engine on the same snapshot.
        let window = Window {
            from: today
                .checked_sub(jiff::Span::new().years(1))
                .map_err(|_| ServiceError::NotFound)?
                .tomorrow()
                .map_err(|_| ServiceError::NotFound)?,
            to: today,
        };
        let rates = compliance::rates_in(&mut snap, svc, &schedule, &scope.path, window).await?;
        let manual =
            crate::org_facts::for_engine(&mut snap, today.year(), &scope.path, &upper).await?;
        let facts = build_facts(&orgs, &terms, &stats, &rates, &manual, today);
        (scope, orgs, facts)
    };
    let run = evaluate(&active.profile, &facts, today);
    let by_id: HashMap<i64, &WarnOrgRow> = orgs.iter().map(|o| (o.id, o)).collect();
    let mut counts = [0i64; 4];
    let mut views = Vec::with_capacity(run.results.len());
    for w in ranked(&run.results) {
        let Some(o) = by_id.get(&w.org.0) else {
            continue;
        };
        counts[Level::ALL.iter().position(|l| *l == w.level).unwrap_or(0)] += 1;
        views.push(OrgWarningView {
            org_id: o.id,
            org_name: o.name.clone(),
            org_path: o.path.clone(),
            level: w.level,
            score: i64::from(w.score),
            reasons: w
                .reasons
                .iter()
                .map(|r| ReasonView {
                    indicator: r.indicator.code().to_owned(),
                    label: r.label.clone(),
                    criterion: r.criterion,
                    weight: r.weight,
                    detail: r.detail.clone(),
                    evidence: code_of(&r.evidence),
                })
                .collect(),
            no_data: w
                .no_data
                .iter()
                .map(|k| NoDataView {
                    indicator: k.code().to_owned(),
                    label: label_of(&active.profile, *k),
                })
                .collect(),
        });
    }
    rank(&mut views);
    let as_of = today.to_string();
    let results: Vec<NewResult<'_>> = views
        .iter()
        .map(|v| NewResult {
            org_id: v.org_id,
            org_path: &v.org_path,
            level: v.level.code(),
            level_rank: rank_of(v.level),
            score: v.score,
            reasons: serde_json::to_string(&v.reasons).unwrap_or_else(|_| "[]".into()),
            no_data: serde_json::to_string(&v.no_data).unwrap_or_else(|_| "[]".into()),
        })
        .collect();
    let rollups = rollups_of(&views, &scope.path);
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let run_id = db::insert_run(
        tx.conn(),
        engine,
        &NewRun {
            profile_version: active.version,
            profile_hash: active.profile.content_hash(),
            as_of: &as_of,
            scope_org_id: scope.id,
            scope_path: &scope.path,
            created_by: &actor.username,
            created_at: &now,
            counts,
        },
        &results,
        &rollups,
    )
    .await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        action,
        &format!("warning_run:{run_id}"),
        &scope.path,
        &json!({"after": {
            "org": scope.id,
            "as_of": as_of,
            "profile_version": active.version,
            "orgs": views.len(),
            "green": counts[0], "yellow": counts[1], "orange": counts[2], "red": counts[3],
        }}),
    )
    .await?;
    tx.commit().await?;
    Ok(WarningRunView {
        run_id,
        profile_version: active.version,
        profile_hash: active.profile.content_hash().to_owned(),
        as_of,
        scope_org_id: scope.id,
        created_by: actor.username.clone(),
        created_at: now,
        counts: counts_of(&views),
        results: views,
    })
}

fn label_of(profile: &dangjian_domain::policy::Profile, kind: IndicatorKind) -> String {
    profile
        .indicator(kind)
        .map_or_else(|| kind.code().to_owned(), |i| i.label.clone())
}

/// The paths of `path`'s organization and of its ancestors
/// (`/1/7/42/` → `/1/`, `/1/7/`, `/1/7/42/`).
fn covering_paths(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut acc = String::from("/");
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        acc.push_str(seg);
        acc.push('/');
        out.push(acc.clone());
    }
    out
}

/// The latest snapshot covering `org_id` (made for it or an ancestor), with
/// the results of `org_id`'s subtree only.
pub async fn latest(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
) -> ServiceResult<Option<WarningRunView>> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    let org: OrgRow = odb::get_org(&mut conn, org_id).await?;
    actor.require_scope(&org.path)?;
    let Some(run) = db::latest_run(&mut conn, &covering_paths(&org.path)).await? else {
        return Ok(None);
    };
    let upper = odb::upper_of(&org.path);
    let rows = db::results(&mut conn, run.id, &org.path, &upper).await?;
    let mut results: Vec<OrgWarningView> = rows.iter().map(view_of).collect();
    rank(&mut results);
    Ok(Some(WarningRunView {
        run_id: run.id,
        profile_version: run.profile_version,
        profile_hash: run.profile_hash,
        as_of: run.as_of,
        scope_org_id: run.scope_org_id,
        created_by: run.created_by,
        created_at: run.created_at,
        counts: counts_of(&results),
        results,
    }))
}

/// Every stored level of `org_id`, oldest run first.
pub async fn history(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
) -> ServiceResult<Vec<HistoryPoint>> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    let org: OrgRow = odb::get_org(&mut conn, org_id).await?;
    actor.require_scope(&org.path)?;
    let rows = db::history(&mut conn, org_id).await?;
    rows.into_iter()
        .map(|r| {
            Ok(HistoryPoint {
                run_id: r.run_id,
                level: Level::parse(&r.level).ok_or(ServiceError::NotFound)?,
                as_of: r.as_of,
                profile_version: r.profile_version,
                score: r.score,
            })
        })
        .collect()
}

/// The levels below one direct child of the viewed organization.
#[derive(Debug, Clone, Serialize)]
pub struct ChildCounts {
    pub org_id: i64,
    pub org_name: String,
    /// The child and everything below it.
    pub counts: LevelCounts,
}

/// Counts per direct child of the organization at `parent_path` (for a
/// county: per township), in tree order; the parent's own result is left
/// out. Linear in the results.
pub fn by_child(run: &WarningRunView, parent_path: &str) -> Vec<ChildCounts> {
    let mut out = tally_children(
        run.results
            .iter()
            .map(|r| (r.org_path.as_str(), r.level, !r.no_data.is_empty())),
        parent_path,
    );
    let names: HashMap<i64, &str> = run
        .results
        .iter()
        .map(|r| (r.org_id, r.org_name.as_str()))
        .collect();
    for c in &mut out {
        if let Some(n) = names.get(&c.org_id) {
            (*n).clone_into(&mut c.org_name);
        }
    }
    out
}

/// [`by_child`] over (path, level, lacks data) triples, without names.
fn tally_children<'a>(
    rows: impl Iterator<Item = (&'a str, Level, bool)>,
    parent_path: &str,
) -> Vec<ChildCounts> {
    let mut out: Vec<ChildCounts> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for (path, level, incomplete) in rows {
        let Some(rest) = path.strip_prefix(parent_path) else {
            continue;
        };
        let Some(child) = rest.split('/').next().and_then(|s| s.parse::<i64>().ok()) else {
            continue;
        };
        let i = *index.entry(child).or_insert_with(|| {
            out.push(ChildCounts {
                org_id: child,
                org_name: String::new(),
                counts: LevelCounts::default(),
            });
            out.len() - 1
        });
        let c = &mut out[i].counts;
        match level {
            Level::Green => c.green += 1,
            Level::Yellow => c.yellow += 1,
            Level::Orange => c.orange += 1,
            Level::Red => c.red += 1,
        }
        if incomplete {
            c.incomplete += 1;
        }
    }
    // Tree order: by the child's path, i.e. by its id's text in the path.
    out.sort_by_cached_key(|c| format!("{parent_path}{}/", c.org_id));
    out
}

/// What the 预警 page and the API list show of the latest snapshot covering
/// an organization: the run, counts over the subtree, counts per direct
/// child, and one page of the ranked results (with reasons). Only that
/// page's results are read in full; the rest is counted from brief rows, so
/// a county of 200,000 organizations does not parse 200,000 reason lists.
#[derive(Debug, Clone, Serialize)]
pub struct WarningPage {
    pub run_id: i64,
    pub profile_version: i64,
    pub profile_hash: String,
    pub as_of: String,
    pub scope_org_id: i64,
    pub created_by: String,
    pub created_at: String,
    /// Over the whole subtree, every level.
    pub counts: LevelCounts,
    /// Per direct child of the organization: all of them in tree order,
    /// or, when there are more than [`CHILD_ROWS`], the [`CHILD_ROWS`] with
    /// the most warnings (red, then orange, then yellow, then tree order).
    pub children: Vec<ChildCounts>,
    /// Direct children in the run.
    pub children_total: usize,
    /// The page, worst first.
    pub items: Vec<OrgWarningView>,
    /// Results of the chosen level (all levels when none).
    pub total: usize,
}

/// Up to this many results in the viewed subtree, [`page`] ranks brief
/// rows read by path in memory (a township at scale 100: a few dozen rows from one
/// index range); above it the database walks the ranking index and returns
/// one page (a county: 200,000 results).
pub const MEMORY_RANKING: usize = 500;

/// Children listed by [`page`]: a county of a few dozen townships shows
/// them all; a larger scope (5,300 townships at scale 100) those with the
/// most warnings.
pub const CHILD_ROWS: usize = 50;

/// How [`page_with`] reads: see [`MEMORY_RANKING`] and [`CHILD_ROWS`]
/// (the defaults).
#[derive(Debug, Clone, Copy)]
pub struct PageTuning {
    pub memory_ranking: usize,
    pub child_rows: usize,
}

impl Default for PageTuning {
    fn default() -> Self {
        PageTuning {
            memory_ranking: MEMORY_RANKING,
            child_rows: CHILD_ROWS,
        }
    }
}

/// The `limit` children with the most warnings (red, then orange, then
/// yellow; ties in the given order) when there are more, else all.
fn most_warned(mut children: Vec<ChildCounts>, limit: usize) -> Vec<ChildCounts> {
    if children.len() > limit {
        children
            .sort_by_key(|c| std::cmp::Reverse((c.counts.red, c.counts.orange, c.counts.yellow)));
        children.truncate(limit);
    }
    children
}

/// One page of the latest snapshot covering `org_id` (see [`WarningPage`]);
/// `None` when no run covers it yet. The counts come from the run's
/// roll-ups (one row for the organization, one per direct child), so their
/// cost does not grow with the subtree.
pub async fn page(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    level: Option<Level>,
    page: usize,
    per_page: usize,
) -> ServiceResult<Option<WarningPage>> {
    page_with(
        svc,
        actor,
        org_id,
        level,
        page,
        per_page,
        PageTuning::default(),
    )
    .await
}

fn u32_of(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn counts_of_rollup(r: &RollupRow) -> LevelCounts {
    LevelCounts {
        green: u32_of(r.green),
        yellow: u32_of(r.yellow),
        orange: u32_of(r.orange),
        red: u32_of(r.red),
        incomplete: u32_of(r.incomplete),
    }
}

/// [`page`] with its tuning: tests pass `memory_ranking` 0 and
/// `usize::MAX` to compare the two ways of ranking, and a small
/// `child_rows` to compare the two ways of choosing children.
pub async fn page_with(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    level: Option<Level>,
    page: usize,
    per_page: usize,
    tuning: PageTuning,
) -> ServiceResult<Option<WarningPage>> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    let org: OrgRow = odb::get_org(&mut conn, org_id).await?;
    actor.require_scope(&org.path)?;
    let Some(run) = db::latest_run(&mut conn, &covering_paths(&org.path)).await? else {
        return Ok(None);
    };
    let upper = odb::upper_of(&org.path);
    let start = page.saturating_sub(1).saturating_mul(per_page);
    let own = db::rollup(&mut conn, run.id, org.id).await?;
    let (counts, children, children_total, total, rows) = if let Some(own) = own {
        let counts = counts_of_rollup(&own);
        let children_total =
            usize::try_from(db::child_count(&mut conn, run.id, org.id).await?).unwrap_or(0);
        let limit = (children_total > tuning.child_rows)
            .then(|| i64::try_from(tuning.child_rows).unwrap_or(i64::MAX));
        let children = db::child_rollups(&mut conn, run.id, org.id, limit)
            .await?
            .iter()
            .map(|c| ChildCounts {
                org_id: c.org_id,
                org_name: c.org_name.clone(),
                counts: counts_of_rollup(c),
            })
            .collect();
        let total =
            usize::try_from(level.map_or(counts.total(), |l| counts.at(l))).unwrap_or(usize::MAX);
        // The subtree's size decides, not the level's: the brief rows are
        // read for the whole subtree.
        let rows = if usize::try_from(counts.total()).unwrap_or(usize::MAX) <= tuning.memory_ranking
        {
            let briefs = db::briefs(&mut conn, run.id, &org.path, &upper).await?;
            let ids = ranked_ids(briefs, level, start, per_page).1;
            db::results_of(&mut conn, run.id, &ids).await?
        } else {
            db::ranked_page(
                &mut conn,
                run.id,
                &org.path,
                &upper,
                level.map(rank_of),
                i64::try_from(per_page).unwrap_or(i64::MAX),
                i64::try_from(start).unwrap_or(i64::MAX),
            )
            .await?
        };
        (counts, children, children_total, total, rows)
    } else {
        // No roll-up: the organization was not in the run (added or moved
        // in since) — count its current subtree's brief rows instead.
        let briefs = db::briefs(&mut conn, run.id, &org.path, &upper).await?;
        let (counts, mut children) = tally_briefs(&briefs, &org.path);
        let child_ids: Vec<i64> = children.iter().map(|c| c.org_id).collect();
        let names: HashMap<i64, String> = odb::get_orgs(&mut conn, &child_ids)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        for c in &mut children {
            if let Some(n) = names.get(&c.org_id) {
                c.org_name.clone_from(n);
            }
        }
        let (total, ids) = ranked_ids(briefs, level, start, per_page);
        let rows = db::results_of(&mut conn, run.id, &ids).await?;
        let children_total = children.len();
        (
            counts,
            most_warned(children, tuning.child_rows),
            children_total,
            total,
            rows,
        )
    };
    let mut items: Vec<OrgWarningView> = rows.iter().map(view_of).collect();
    rank(&mut items);
    Ok(Some(WarningPage {
        run_id: run.id,
        profile_version: run.profile_version,
        profile_hash: run.profile_hash,
        as_of: run.as_of,
        scope_org_id: run.scope_org_id,
        created_by: run.created_by,
        created_at: run.created_at,
        counts,
        children,
        children_total,
        items,
        total,
    }))
}

/// Counts over brief rows, and per direct child of `parent_path`.
fn tally_briefs(briefs: &[db::BriefRow], parent_path: &str) -> (LevelCounts, Vec<ChildCounts>) {
    let rows: Vec<(&str, Level, bool)> = briefs
        .iter()
        .map(|b| {
            (
                b.org_path.as_str(),
                Level::parse(&b.level).unwrap_or(Level::Green),
                b.incomplete != 0,
            )
        })
        .collect();
    let mut counts = LevelCounts::default();
    for (_, l, incomplete) in &rows {
        match l {
            Level::Green => counts.green += 1,
            Level::Yellow => counts.yellow += 1,
            Level::Orange => counts.orange += 1,
            Level::Red => counts.red += 1,
        }
        if *incomplete {
            counts.incomplete += 1;
        }
    }
    (counts, tally_children(rows.into_iter(), parent_path))
}

/// How many brief rows have `level` (all when none), and the ids of the
/// `per_page` from `start` in the order of [`rank`]: level, then score,
/// then tree order.
fn ranked_ids(
    briefs: Vec<db::BriefRow>,
    level: Option<Level>,
    start: usize,
    per_page: usize,
) -> (usize, Vec<i64>) {
    let mut briefs: Vec<(db::BriefRow, Level)> = briefs
        .into_iter()
        .map(|b| {
            let l = Level::parse(&b.level).unwrap_or(Level::Green);
            (b, l)
        })
        .filter(|(_, l)| level.is_none_or(|x| *l == x))
        .collect();
    briefs.sort_by(|(a, la), (b, lb)| {
        lb.cmp(la)
            .then(b.score.cmp(&a.score))
            .then(a.org_path.cmp(&b.org_path))
    });
    let ids = briefs
        .iter()
        .skip(start)
        .take(per_page)
        .map(|(b, _)| b.org_id)
        .collect();
    (briefs.len(), ids)
}

/// One page of a run's ranked results, optionally of one level only;
/// returns the page and how many results match.
pub fn page_of(
    run: &WarningRunView,
    level: Option<Level>,
    page: usize,
    per_page: usize,
) -> (Vec<&OrgWarningView>, usize) {
    let matching: Vec<&OrgWarningView> = run
        .results
        .iter()
        .filter(|r| level.is_none_or(|l| r.level == l))
        .collect();
    let total = matching.len();
    let start = page.saturating_sub(1).saturating_mul(per_page);
    (
        matching.into_iter().skip(start).take(per_page).collect(),
        total,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(id: i64, path: &str, level: Level, no_data: bool) -> OrgWarningView {
        OrgWarningView {
            org_id: id,
            org_name: format!("组织{id}"),
            org_path: path.to_owned(),
            level,
            score: 0,
            reasons: Vec::new(),
            no_data: if no_data {
                vec![NoDataView {
                    indicator: "satisfaction".into(),
                    label: "群众满意度低于60%".into(),
                }]
            } else {
                Vec::new()
            },
        }
    }

    fn run_of(results: Vec<OrgWarningView>) -> WarningRunView {
        WarningRunView {
            run_id: 1,
            profile_version: 1,
            profile_hash: String::new(),
            as_of: "2026-11-29".into(),
            scope_org_id: 1,
            created_by: "t".into(),
            created_at: String::new(),
            counts: counts_of(&results),
            results,
        }
    }

    #[test]
    fn children_count_everything_below_them_and_not_the_parent() {
        let run = run_of(vec![
            view(1, "/1/", Level::Red, false),
            view(2, "/1/2/", Level::Green, false),
            view(3, "/1/2/3/", Level::Red, true),
            view(4, "/1/2/4/", Level::Yellow, false),
            view(5, "/1/5/", Level::Orange, true),
        ]);
        let c = by_child(&run, "/1/");
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].org_id, c[0].org_name.as_str()), (2, "组织2"));
        assert_eq!(
            (
                c[0].counts.green,
                c[0].counts.yellow,
                c[0].counts.red,
                c[0].counts.incomplete
            ),
            (1, 1, 1, 1)
        );
        assert_eq!(
            (c[1].org_id, c[1].counts.orange, c[1].counts.total()),
            (5, 1, 1)
        );
        assert!(by_child(&run, "/1/5/").is_empty());
    }

    #[test]
    fn pages_filter_by_level_and_count_the_matches() {
        let run = run_of(
            (1..=45)
                .map(|i| {
                    view(
                        i,
                        &format!("/{i}/"),
                        if i % 3 == 0 { Level::Red } else { Level::Green },
                        false,
                    )
                })
                .collect(),
        );
        let (page, total) = page_of(&run, None, 3, 20);
        assert_eq!((page.len(), total), (5, 45));
        let (page, total) = page_of(&run, Some(Level::Red), 1, 20);
        assert_eq!((page.len(), total), (15, 15));
        assert!(page.iter().all(|r| r.level == Level::Red));
        let (page, _) = page_of(&run, Some(Level::Red), 2, 20);
        assert!(page.is_empty());
    }

    type RollupTuple<'a> = (i64, &'a str, Option<i64>, [i64; 4], i64);

    #[test]
    fn rollups_count_each_result_in_every_ancestor_within_the_scope() {
        let results = vec![
            view(2, "/1/2/", Level::Green, false),
            view(3, "/1/2/3/", Level::Red, true),
            view(4, "/1/2/3/4/", Level::Yellow, false),
            view(5, "/1/2/5/", Level::Orange, true),
        ];
        let mut r = rollups_of(&results, "/1/2/");
        r.sort_by_key(|x| x.org_id);
        let got: Vec<RollupTuple<'_>> = r
            .iter()
            .map(|x| {
                (
                    x.org_id,
                    x.org_path.as_str(),
                    x.parent_id,
                    x.counts,
                    x.incomplete,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (2, "/1/2/", None, [1, 1, 1, 1], 2),
                (3, "/1/2/3/", Some(2), [0, 1, 0, 1], 1),
                (4, "/1/2/3/4/", Some(3), [0, 1, 0, 0], 0),
                (5, "/1/2/5/", Some(2), [0, 0, 1, 0], 1),
            ]
        );
    }

    #[test]
    fn covering_paths_are_the_org_and_its_ancestors() {
        assert_eq!(covering_paths("/1/7/42/"), ["/1/", "/1/7/", "/1/7/42/"]);
    }
}
