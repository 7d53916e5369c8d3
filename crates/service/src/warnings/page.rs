//! One page of the latest snapshot covering an organization: counts from
//! the run's roll-ups, the ranked page read in memory or by the database.

use super::{
    ChildCounts, OrgWarningView, WarningRunView, covering_paths, rank, rank_of, tally_children,
    view_of,
};
use crate::Services;
use crate::actor::Actor;
use crate::error::ServiceResult;
use dangjian_domain::role::Permission;
use dangjian_domain::warnings::{Level, LevelCounts};
use dangjian_store::org::{self as odb, OrgRow};
use dangjian_store::warnings::{self as db, RollupRow};
use serde::Serialize;
use std::collections::HashMap;

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
