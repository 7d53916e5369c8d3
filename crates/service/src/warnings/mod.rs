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
//!
//! `run` evaluates a scope and stores the snapshot; `page` reads one page
//! of the latest snapshot for the 预警 page and the API; the views, the
//! latest snapshot and an organization's history are here.

use crate::Services;
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use dangjian_domain::role::Permission;
use dangjian_domain::warnings::{Level, LevelCounts};
use dangjian_store::org::{self as odb, OrgRow};
use dangjian_store::warnings::{self as db, ResultRow};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

mod page;
mod run;

pub use page::{CHILD_ROWS, MEMORY_RANKING, PageTuning, WarningPage, page, page_of, page_with};
pub(crate) use run::evaluate_as;
pub use run::{evaluate_scope, may_run};

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

#[cfg(test)]
mod tests;
