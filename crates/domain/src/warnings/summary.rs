//! Views over a run: the ranking (worst first) and counts per level, per
//! township or any other grouping the caller chooses.

use super::{Level, OrgWarning};
use crate::ids::OrgId;
use serde::Serialize;
use std::collections::BTreeMap;

/// Results ordered worst first: by level, then score, then organization id
/// (so equal results keep a stable order).
pub fn ranked(results: &[OrgWarning]) -> Vec<&OrgWarning> {
    let mut out: Vec<&OrgWarning> = results.iter().collect();
    out.sort_by(|a, b| {
        b.level
            .cmp(&a.level)
            .then(b.score.cmp(&a.score))
            .then(a.org.cmp(&b.org))
    });
    out
}

/// How many organizations are at each level, and how many lack some data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LevelCounts {
    pub green: u32,
    pub yellow: u32,
    pub orange: u32,
    pub red: u32,
    /// Organizations with at least one indicator reported as "no data".
    pub incomplete: u32,
}

impl LevelCounts {
    pub fn add(&mut self, w: &OrgWarning) {
        *self.at_mut(w.level) += 1;
        if !w.no_data.is_empty() {
            self.incomplete += 1;
        }
    }

    pub fn at(&self, level: Level) -> u32 {
        match level {
            Level::Green => self.green,
            Level::Yellow => self.yellow,
            Level::Orange => self.orange,
            Level::Red => self.red,
        }
    }

    fn at_mut(&mut self, level: Level) -> &mut u32 {
        match level {
            Level::Green => &mut self.green,
            Level::Yellow => &mut self.yellow,
            Level::Orange => &mut self.orange,
            Level::Red => &mut self.red,
        }
    }

    pub fn total(&self) -> u32 {
        self.green + self.yellow + self.orange + self.red
    }

    /// Organizations with any warning (yellow or worse).
    pub fn warned(&self) -> u32 {
        self.yellow + self.orange + self.red
    }
}

/// Counts per group, e.g. per township: `group_of` maps an organization to
/// its group, or `None` to leave it out.
pub fn summary_by<K: Ord>(
    results: &[OrgWarning],
    group_of: impl Fn(OrgId) -> Option<K>,
) -> BTreeMap<K, LevelCounts> {
    let mut out: BTreeMap<K, LevelCounts> = BTreeMap::new();
    for w in results {
        if let Some(k) = group_of(w.org) {
            out.entry(k).or_default().add(w);
        }
    }
    out
}

/// How one organization's level moved between two runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LevelChange {
    pub org: OrgId,
    /// `None`: the organization was not in the earlier run.
    pub before: Option<Level>,
    pub after: Level,
}

impl LevelChange {
    /// 预警升级 (worse), 预警降级 (better) or 新增 (not in the earlier run).
    pub fn label(&self) -> &'static str {
        match self.before {
            None => "新增",
            Some(b) if self.after > b => "预警升级",
            Some(_) => "预警降级",
        }
    }
}

/// The organizations of `current` whose level differs from `previous` (or
/// that `previous` did not have), in `current`'s order: the trend between two
/// snapshots. Linear in the two runs.
pub fn changes(previous: &[OrgWarning], current: &[OrgWarning]) -> Vec<LevelChange> {
    let before: std::collections::HashMap<OrgId, Level> =
        previous.iter().map(|w| (w.org, w.level)).collect();
    current
        .iter()
        .filter_map(|w| {
            let b = before.get(&w.org).copied();
            (b != Some(w.level)).then_some(LevelChange {
                org: w.org,
                before: b,
                after: w.level,
            })
        })
        .collect()
}
