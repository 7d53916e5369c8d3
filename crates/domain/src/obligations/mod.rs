//! The obligations engine (规定动作完成情况): given a profile's obligations,
//! the organizations, their organizational-life records, a date window and
//! `today`, it says for every organization, obligation and period whether the
//! obligation is met, missed, due soon or still open, and rolls the results
//! up the tree ("18 of 21 branches met their quarterly 党员大会").
//!
//! Pure: plain values in, plain values out; no clock, no storage. It runs in
//! O(records + organizations × obligations × periods): records are bucketed
//! by type once, dates become array positions by arithmetic, and roll-ups are
//! summed bottom-up once per obligation and period — no step compares every
//! organization with every other.

mod in_force;
mod period;

pub use in_force::{InForce, evaluate_in_force};
pub use period::{Period, PeriodKind};

use crate::ids::OrgId;
use crate::org::{OrgKind, Sector};
use crate::policy::{Obligation, Profile};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::HashMap;

/// What the engine needs to know about one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFacts {
    pub id: OrgId,
    /// `None` for a root; a parent missing from the input also makes a root.
    pub parent: Option<OrgId>,
    pub kind: OrgKind,
    pub sector: Sector,
    /// Whether it has a committee (支部委员会) rather than a lone secretary.
    pub has_committee: bool,
    /// First day it existed (`None`: before any period of interest).
    pub active_from: Option<Date>,
    /// Last day it existed (`None`: still exists).
    pub active_to: Option<Date>,
}

impl OrgFacts {
    /// Whether it existed on every day of `period`; only then is it held to
    /// the period's obligations.
    fn in_force(&self, period: Period) -> bool {
        self.active_from.is_none_or(|d| d <= period.start())
            && self.active_to.is_none_or(|d| d >= period.end())
    }

    fn overlaps(&self, window: Window) -> bool {
        self.active_from.is_none_or(|d| d <= window.to)
            && self.active_to.is_none_or(|d| d >= window.from)
    }
}

/// What the engine needs to know about one organizational-life record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordFact<'a> {
    pub org: OrgId,
    /// Code of the record type (see the profile's record types).
    pub record_type: &'a str,
    pub date: Date,
    /// False for a record that does not count, e.g. a 党员大会 without a
    /// quorum (see [`crate::policy::quorum_met`]).
    pub counts: bool,
    /// Codes of the marks the record carries (e.g. `by_secretary`).
    pub marks: &'a [String],
}

/// Dates of interest, both ends included. Each obligation is evaluated for
/// every period of its kind that shares a day with the window: a window of
/// 2026年第3季度 gives monthly obligations three periods and yearly ones 2026.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    #[serde(serialize_with = "iso_date")]
    pub from: Date,
    #[serde(serialize_with = "iso_date")]
    pub to: Date,
}

/// Dates serialize as `YYYY-MM-DD` (jiff's serde feature is not enabled).
// serde's `serialize_with` hands over a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn iso_date<S: serde::Serializer>(day: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(day)
}

impl Window {
    /// The days of one period.
    pub fn of(period: Period) -> Self {
        Self {
            from: period.start(),
            to: period.end(),
        }
    }
}

/// Where one organization stands on one obligation in one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Enough counting records (possibly before the period is over).
    Met,
    /// The period is over without enough records.
    Missed,
    /// Not met, and the period ends within the obligation's due-soon margin.
    DueSoon,
    /// Not met, but not yet close to the period's end (or not yet begun).
    Open,
    /// The organization did not exist for the whole period, so it is not
    /// held to it; its records are still counted.
    NotInForce,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "已完成",
            Status::Missed => "未完成",
            Status::DueSoon => "即将到期",
            Status::Open => "进行中",
            Status::NotInForce => "不考核",
        }
    }

    /// Decides the status of `count` records against `at_least`.
    pub fn of(
        count: u32,
        at_least: u32,
        due_soon_days: u32,
        period: Period,
        today: Date,
    ) -> Status {
        if count >= at_least {
            return Status::Met;
        }
        let days_left = period.days_left(today);
        if days_left < 0 {
            Status::Missed
        } else if today >= period.start() && days_left.unsigned_abs() <= due_soon_days {
            Status::DueSoon
        } else {
            Status::Open
        }
    }
}

/// One organization × obligation × period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// Counting records in the period.
    pub count: u32,
    pub status: Status,
}

/// Counts over an organization and everything below it, for one obligation
/// and period. Each organization counts for itself and every ancestor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Organizations held to the obligation in the period (not `NotInForce`).
    pub applicable: u32,
    pub met: u32,
    pub missed: u32,
    pub due_soon: u32,
    pub open: u32,
}

impl Tally {
    fn add_status(&mut self, status: Status) {
        match status {
            Status::Met => self.met += 1,
            Status::Missed => self.missed += 1,
            Status::DueSoon => self.due_soon += 1,
            Status::Open => self.open += 1,
            Status::NotInForce => return,
        }
        self.applicable += 1;
    }

    fn add(&mut self, other: &Tally) {
        self.applicable += other.applicable;
        self.met += other.met;
        self.missed += other.missed;
        self.due_soon += other.due_soon;
        self.open += other.open;
    }
}

/// The result of one evaluation, with the profile it used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compliance {
    /// The version the profile declares.
    pub profile_version: String,
    /// The profile's content hash (what the store versions profiles by).
    pub profile_hash: String,
    #[serde(serialize_with = "iso_date")]
    pub today: Date,
    pub window: Window,
    /// One entry per obligation of the profile, in profile order.
    pub obligations: Vec<ObligationCompliance>,
}

impl Compliance {
    pub fn obligation(&self, code: &str) -> Option<&ObligationCompliance> {
        self.obligations.iter().find(|o| o.obligation == code)
    }
}

/// The results of one obligation: a grid of organizations × periods, and
/// the roll-ups of every organization with at least one bound organization
/// at or below it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObligationCompliance {
    /// The obligation's code.
    pub obligation: String,
    /// The periods evaluated, in order.
    pub periods: Vec<Period>,
    /// Organizations bound by the obligation, sorted by id.
    orgs: Vec<OrgId>,
    /// Row-major: `orgs.len()` rows of `periods.len()` cells.
    cells: Vec<Cell>,
    /// Organizations with a roll-up, sorted by id.
    rollup_orgs: Vec<OrgId>,
    /// Row-major: `rollup_orgs.len()` rows of `periods.len()` tallies.
    tallies: Vec<Tally>,
}

impl ObligationCompliance {
    /// The organizations bound by the obligation, sorted by id.
    pub fn orgs(&self) -> &[OrgId] {
        &self.orgs
    }

    /// One cell per period for `org`, or `None` when it is not bound.
    pub fn row(&self, org: OrgId) -> Option<&[Cell]> {
        let i = self.orgs.binary_search(&org).ok()?;
        let n = self.periods.len();
        Some(&self.cells[i * n..(i + 1) * n])
    }

    /// Every bound organization with its cells.
    pub fn rows(&self) -> impl Iterator<Item = (OrgId, &[Cell])> {
        let n = self.periods.len();
        self.orgs
            .iter()
            .enumerate()
            .map(move |(i, &org)| (org, &self.cells[i * n..(i + 1) * n]))
    }

    /// One tally per period over `org` and its subtree, or `None` when no
    /// organization there is bound.
    pub fn rollup(&self, org: OrgId) -> Option<&[Tally]> {
        let i = self.rollup_orgs.binary_search(&org).ok()?;
        let n = self.periods.len();
        Some(&self.tallies[i * n..(i + 1) * n])
    }

    /// Every organization with a roll-up, and its tallies.
    pub fn rollups(&self) -> impl Iterator<Item = (OrgId, &[Tally])> {
        let n = self.periods.len();
        self.rollup_orgs
            .iter()
            .enumerate()
            .map(move |(i, &org)| (org, &self.tallies[i * n..(i + 1) * n]))
    }
}

/// The organization tree in index form: each organization's parent and an
/// order in which every child comes before its parent.
struct Tree {
    parent: Vec<Option<usize>>,
    bottom_up: Vec<usize>,
}

impl Tree {
    fn new(orgs: &[OrgFacts], index: &HashMap<OrgId, usize>, keep: &[bool]) -> Self {
        let n = orgs.len();
        let parent: Vec<Option<usize>> = orgs
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let p = o.parent.and_then(|p| index.get(&p).copied())?;
                (keep[i] && p != i).then_some(p)
            })
            .collect();
        // Children lists in one flat array (compressed rows).
        let mut start = vec![0usize; n + 1];
        for p in parent.iter().flatten() {
            start[p + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut children = vec![0usize; start[n]];
        for (c, p) in parent.iter().enumerate() {
            if let Some(p) = *p {
                children[fill[p]] = c;
                fill[p] += 1;
            }
        }
        // Breadth-first from the roots; reversed, children precede parents.
        // Organizations on a parent cycle are never reached: they keep their
        // own results and pass nothing up.
        let mut order: Vec<usize> = (0..n).filter(|&i| keep[i] && parent[i].is_none()).collect();
        let mut head = 0;
        while head < order.len() {
            let p = order[head];
            head += 1;
            order.extend_from_slice(&children[start[p]..start[p + 1]]);
        }
        order.reverse();
        Self {
            parent,
            bottom_up: order,
        }
    }
}

/// Evaluates every obligation of `profile` for every period that shares a day
/// with `window`, as of `today`.
///
/// Organizations with a duplicate id (after the first) are ignored; so are
/// records of unknown organizations or record types, and records that do not
/// count.
pub fn evaluate(
    profile: &Profile,
    orgs: &[OrgFacts],
    records: &[RecordFact<'_>],
    window: Window,
    today: Date,
) -> Compliance {
    evaluate_periods(profile, orgs, records, window, today, &|_| true)
}

/// Like [`evaluate`], for only the periods `keep` accepts (they must be
/// consecutive for each obligation, as the periods starting in one span of
/// days are).
fn evaluate_periods(
    profile: &Profile,
    orgs: &[OrgFacts],
    records: &[RecordFact<'_>],
    window: Window,
    today: Date,
    keep_period: &dyn Fn(Period) -> bool,
) -> Compliance {
    let mut index: HashMap<OrgId, usize> = HashMap::with_capacity(orgs.len());
    let mut keep = vec![false; orgs.len()];
    for (i, o) in orgs.iter().enumerate() {
        if let std::collections::hash_map::Entry::Vacant(e) = index.entry(o.id) {
            e.insert(i);
            keep[i] = true;
        }
    }
    let tree = Tree::new(orgs, &index, &keep);

    // Records bucketed by record type: (organization index, record index).
    let type_index: HashMap<&str, usize> = profile
        .record_types()
        .iter()
        .enumerate()
        .map(|(i, t)| (t.code.as_str(), i))
        .collect();
    // Positions as u32 halve the memory of the buckets at province scale.
    let mut buckets: Vec<Vec<(u32, u32)>> = vec![Vec::new(); type_index.len()];
    for (r, rec) in records.iter().enumerate() {
        if !rec.counts {
            continue;
        }
        if let (Some(&t), Some(&o)) = (type_index.get(rec.record_type), index.get(&rec.org)) {
            buckets[t].push((o as u32, r as u32));
        }
    }

    let inputs = Inputs {
        orgs,
        keep: &keep,
        tree: &tree,
        records,
        window,
        today,
    };
    let obligations = profile
        .obligations()
        .iter()
        .map(|ob| {
            let mut periods = Period::overlapping(ob.period, window.from, window.to);
            periods.retain(|&p| keep_period(p));
            evaluate_one(
                ob,
                &buckets[type_index[ob.record_type.as_str()]],
                &inputs,
                periods,
            )
        })
        .collect();
    Compliance {
        profile_version: profile.version().to_owned(),
        profile_hash: profile.content_hash().to_owned(),
        today,
        window,
        obligations,
    }
}

/// Marks "no row" in the row-position arrays.
const NONE: u32 = u32::MAX;

/// What every obligation's evaluation shares.
struct Inputs<'a, 'r> {
    orgs: &'a [OrgFacts],
    /// False for organizations ignored as duplicates.
    keep: &'a [bool],
    tree: &'a Tree,
    records: &'a [RecordFact<'r>],
    window: Window,
    today: Date,
}

/// One obligation: `bucket` holds the (organization, record) positions of
/// the counting records of its record type.
fn evaluate_one(
    ob: &Obligation,
    bucket: &[(u32, u32)],
    inputs: &Inputs<'_, '_>,
    periods: Vec<Period>,
) -> ObligationCompliance {
    let Inputs {
        orgs,
        keep,
        tree,
        records,
        window,
        today,
    } = *inputs;
    let np = periods.len();
    let first = periods.first().map_or(0, |p| p.ordinal());

    // Bound organizations, sorted by id, and each one's row.
    let mut bound: Vec<usize> = (0..orgs.len())
        .filter(|&i| {
            let o = &orgs[i];
            keep[i] && o.overlaps(window) && ob.applies_to(o.kind, o.sector, o.has_committee)
        })
        .collect();
    bound.sort_unstable_by_key(|&i| orgs[i].id);
    let mut row_of = vec![NONE; orgs.len()];
    for (row, &i) in bound.iter().enumerate() {
        row_of[i] = row as u32;
    }

    let mut counts = vec![0u32; bound.len() * np];
    for &(o, r) in bucket {
        let row = row_of[o as usize];
        if row == NONE {
            continue;
        }
        let rec = &records[r as usize];
        if let Some(mark) = &ob.mark
            && !rec.marks.contains(mark)
        {
            continue;
        }
        if !(1..=9998).contains(&rec.date.year()) {
            continue;
        }
        let p = Period::containing(ob.period, rec.date).ordinal() - first;
        if let Ok(p) = usize::try_from(p)
            && p < np
        {
            let c = &mut counts[row as usize * np + p];
            *c = c.saturating_add(1);
        }
    }

    let mut cells = Vec::with_capacity(counts.len());
    for (row, &i) in bound.iter().enumerate() {
        for (p, &period) in periods.iter().enumerate() {
            let count = counts[row * np + p];
            let status = if orgs[i].in_force(period) {
                Status::of(count, ob.at_least, ob.due_soon_days, period, today)
            } else {
                Status::NotInForce
            };
            cells.push(Cell { count, status });
        }
    }

    // Organizations with a roll-up: the bound ones and all their ancestors.
    let mut relevant = vec![false; orgs.len()];
    for &i in &bound {
        relevant[i] = true;
    }
    for &i in &tree.bottom_up {
        if relevant[i]
            && let Some(p) = tree.parent[i]
        {
            relevant[p] = true;
        }
    }
    let mut rollup: Vec<usize> = (0..orgs.len()).filter(|&i| relevant[i]).collect();
    rollup.sort_unstable_by_key(|&i| orgs[i].id);
    let mut rrow_of = vec![NONE; orgs.len()];
    for (row, &i) in rollup.iter().enumerate() {
        rrow_of[i] = row as u32;
    }
    let mut tallies = vec![Tally::default(); rollup.len() * np];
    for (row, &i) in bound.iter().enumerate() {
        let r = rrow_of[i] as usize;
        for p in 0..np {
            tallies[r * np + p].add_status(cells[row * np + p].status);
        }
    }
    for &i in &tree.bottom_up {
        let (Some(p), r) = (tree.parent[i], rrow_of[i]) else {
            continue;
        };
        if r == NONE {
            continue;
        }
        let (r, pr) = (r as usize, rrow_of[p] as usize);
        for k in 0..np {
            let child = tallies[r * np + k];
            tallies[pr * np + k].add(&child);
        }
    }

    ObligationCompliance {
        obligation: ob.code.clone(),
        periods,
        orgs: bound.iter().map(|&i| orgs[i].id).collect(),
        cells,
        rollup_orgs: rollup.iter().map(|&i| orgs[i].id).collect(),
        tallies,
    }
}

#[cfg(test)]
mod tests;
