//! When each stored profile version is in force (生效日期). Every version
//! takes effect on a day and stays in force until the next version's day;
//! a period is judged by the version in force on its first day. Pure: the
//! caller passes the versions (numbers, effective days, profiles); the store
//! keeps them and the service loads them.
//!
//! The version in force on a day is the one with the latest effective day
//! not after it; of two versions with the same effective day the later
//! upload (higher number) wins, so uploading again for the same day
//! replaces the earlier one, which is then never in force.

use jiff::civil::{Date, date};

/// The effective day of the built-in default profile: the founding of the
/// Party, earlier than any period the platform judges, so the default
/// covers every day before the first uploaded version.
pub const BEGINNING: Date = date(1921, 7, 1);

/// The default effective day of a version uploaded on `today`: the start of
/// the next period, i.e. the first day of the next month (the shortest
/// obligation period), so no month already begun changes its rules.
pub fn next_period_start(today: Date) -> Date {
    if today.month() == 12 {
        if today.year() >= 9998 {
            return today;
        }
        date(today.year() + 1, 1, 1)
    } else {
        date(today.year(), today.month() + 1, 1)
    }
}

/// One stored version and the day it takes effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dated<P> {
    /// The database's number of the version.
    pub version: i64,
    pub effective_from: Date,
    pub profile: P,
}

/// The days one version is in force, both ends included; `to` is `None`
/// while no later version follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span<'a, P> {
    pub entry: &'a Dated<P>,
    pub from: Date,
    pub to: Option<Date>,
}

impl<P> Span<'_, P> {
    pub fn contains(&self, day: Date) -> bool {
        self.from <= day && self.to.is_none_or(|t| day <= t)
    }

    /// Whether it shares a day with `from..=to`.
    pub fn overlaps(&self, from: Date, to: Date) -> bool {
        self.from <= to && self.to.is_none_or(|t| t >= from)
    }
}

/// Every stored version in the order they take effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule<P> {
    /// Sorted by (effective day, version).
    entries: Vec<Dated<P>>,
}

impl<P> Schedule<P> {
    pub fn new(mut entries: Vec<Dated<P>>) -> Self {
        entries.sort_by_key(|e| (e.effective_from, e.version));
        Self { entries }
    }

    /// Every version, in the order they take effect.
    pub fn entries(&self) -> &[Dated<P>] {
        &self.entries
    }

    /// The version in force on `day`, if any takes effect on or before it.
    pub fn in_force_on(&self, day: Date) -> Option<&Dated<P>> {
        self.entries.iter().rev().find(|e| e.effective_from <= day)
    }

    /// Every version that is ever in force, with its days, in order.
    /// A version replaced by a later upload for the same day is left out.
    pub fn spans(&self) -> Vec<Span<'_, P>> {
        let mut out = Vec::with_capacity(self.entries.len());
        for (i, e) in self.entries.iter().enumerate() {
            match self.entries.get(i + 1) {
                Some(next) if next.effective_from == e.effective_from => {}
                Some(next) => out.push(Span {
                    entry: e,
                    from: e.effective_from,
                    to: next.effective_from.yesterday().ok(),
                }),
                None => out.push(Span {
                    entry: e,
                    from: e.effective_from,
                    to: None,
                }),
            }
        }
        out
    }

    /// The spans that share a day with `from..=to`, in order.
    pub fn spans_overlapping(&self, from: Date, to: Date) -> Vec<Span<'_, P>> {
        self.spans()
            .into_iter()
            .filter(|s| s.overlaps(from, to))
            .collect()
    }

    /// The span of `version`, or `None` when it is never in force (replaced
    /// by a later upload for the same day) or not in the schedule.
    pub fn span_of(&self, version: i64) -> Option<Span<'_, P>> {
        self.spans()
            .into_iter()
            .find(|s| s.entry.version == version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sched(v: &[(i64, Date)]) -> Schedule<()> {
        Schedule::new(
            v.iter()
                .map(|&(version, effective_from)| Dated {
                    version,
                    effective_from,
                    profile: (),
                })
                .collect(),
        )
    }

    #[test]
    fn the_next_period_starts_on_the_first_of_next_month() {
        assert_eq!(next_period_start(date(2026, 12, 5)), date(2027, 1, 1));
        assert_eq!(next_period_start(date(2026, 1, 31)), date(2026, 2, 1));
        assert_eq!(next_period_start(date(2026, 3, 1)), date(2026, 4, 1));
    }

    #[test]
    fn each_day_has_the_latest_version_that_took_effect_by_then() {
        let s = sched(&[
            (1, BEGINNING),
            (2, date(2027, 1, 1)),
            (3, date(2028, 1, 1)),
            (4, date(2027, 1, 1)),
        ]);
        let on = |d| s.in_force_on(d).map(|e| e.version);
        assert_eq!(on(date(1900, 1, 1)), None);
        assert_eq!(on(date(2025, 6, 30)), Some(1));
        assert_eq!(on(date(2026, 12, 31)), Some(1));
        // 4 replaces 2 for the same day.
        assert_eq!(on(date(2027, 1, 1)), Some(4));
        assert_eq!(on(date(2028, 1, 1)), Some(3));
        let spans: Vec<_> = s
            .spans()
            .iter()
            .map(|sp| (sp.entry.version, sp.from, sp.to))
            .collect();
        assert_eq!(
            spans,
            [
                (1, BEGINNING, Some(date(2026, 12, 31))),
                (4, date(2027, 1, 1), Some(date(2027, 12, 31))),
                (3, date(2028, 1, 1), None),
            ]
        );
        assert!(s.span_of(2).is_none());
        let over: Vec<_> = s
            .spans_overlapping(date(2026, 7, 1), date(2027, 6, 30))
            .iter()
            .map(|sp| sp.entry.version)
            .collect();
        assert_eq!(over, [1, 4]);
    }
}
