//! Reporting periods (考核周期) of the obligations engine: months, quarters,
//! half-years and years as calendar-date ranges, with their Chinese labels.
//! A period is a plain value; it knows nothing about records or the clock.

use jiff::civil::{Date, date};
use serde::Serialize;

/// How long a reporting period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// 月
    Month,
    /// 季度
    Quarter,
    /// 半年 (上半年 January–June, 下半年 July–December)
    HalfYear,
    /// 年 (calendar year)
    Year,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 4] = [
        PeriodKind::Month,
        PeriodKind::Quarter,
        PeriodKind::HalfYear,
        PeriodKind::Year,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::HalfYear => "half_year",
            PeriodKind::Year => "year",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PeriodKind::Month => "月",
            PeriodKind::Quarter => "季度",
            PeriodKind::HalfYear => "半年",
            PeriodKind::Year => "年",
        }
    }

    /// "每月", "每季度", "每半年", "每年": the frequency as written in rules.
    pub fn every_label(self) -> &'static str {
        match self {
            PeriodKind::Month => "每月",
            PeriodKind::Quarter => "每季度",
            PeriodKind::HalfYear => "每半年",
            PeriodKind::Year => "每年",
        }
    }

    /// Accepts the code, the label or the frequency label.
    pub fn parse(raw: &str) -> Option<Self> {
        let v = raw.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.code() == v || k.label() == v || k.every_label() == v)
    }

    /// Calendar months in one period.
    pub fn months(self) -> u8 {
        match self {
            PeriodKind::Month => 1,
            PeriodKind::Quarter => 3,
            PeriodKind::HalfYear => 6,
            PeriodKind::Year => 12,
        }
    }

    /// Periods of this kind in a calendar year.
    pub fn per_year(self) -> u8 {
        12 / self.months()
    }

    /// Length in days of the shortest period of this kind (February, the
    /// first quarter or half of a common year, a common year).
    pub fn min_days(self) -> u32 {
        match self {
            PeriodKind::Month => 28,
            PeriodKind::Quarter => 90,
            PeriodKind::HalfYear => 181,
            PeriodKind::Year => 365,
        }
    }
}

/// One reporting period: the `index`-th period of its kind in `year`
/// (month 1–12, quarter 1–4, half 1–2, year 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Period {
    kind: PeriodKind,
    year: i16,
    index: u8,
}

/// Years a period may fall in: the calendar range where every period and the
/// day after it are valid dates.
const MIN_YEAR: i16 = 1;
const MAX_YEAR: i16 = 9998;

impl Period {
    /// The period, when `index` is valid for `kind` and the year is in 1–9998.
    pub fn new(kind: PeriodKind, year: i16, index: u8) -> Option<Self> {
        ((MIN_YEAR..=MAX_YEAR).contains(&year) && (1..=kind.per_year()).contains(&index))
            .then_some(Self { kind, year, index })
    }

    /// The period of `kind` that contains `day`.
    ///
    /// # Panics
    /// When `day` is in the year 9999 (outside the supported range).
    pub fn containing(kind: PeriodKind, day: Date) -> Self {
        let index = (day.month() as u8 - 1) / kind.months() + 1;
        Self::new(kind, day.year(), index).expect("date within the supported years")
    }

    pub fn kind(self) -> PeriodKind {
        self.kind
    }

    pub fn year(self) -> i16 {
        self.year
    }

    pub fn index(self) -> u8 {
        self.index
    }

    /// The first day.
    pub fn start(self) -> Date {
        let month = (self.index - 1) * self.kind.months() + 1;
        date(self.year, month as i8, 1)
    }

    /// The last day (inclusive).
    pub fn end(self) -> Date {
        let month = self.index * self.kind.months();
        date(self.year, month as i8, 1).last_of_month()
    }

    pub fn contains(self, day: Date) -> bool {
        self.start() <= day && day <= self.end()
    }

    /// Days from `today` to the last day: 0 on the last day, negative after it.
    pub fn days_left(self, today: Date) -> i32 {
        (self.end() - today).get_days()
    }

    /// A number that grows by one from each period of this kind to the next;
    /// the engine turns dates into array positions with it.
    pub fn ordinal(self) -> i32 {
        i32::from(self.year) * i32::from(self.kind.per_year()) + i32::from(self.index) - 1
    }

    fn from_ordinal(kind: PeriodKind, ordinal: i32) -> Option<Self> {
        let per_year = i32::from(kind.per_year());
        let year = i16::try_from(ordinal.div_euclid(per_year)).ok()?;
        Self::new(kind, year, (ordinal.rem_euclid(per_year) + 1) as u8)
    }

    /// The following period of the same kind (`None` after 9998).
    pub fn next(self) -> Option<Self> {
        Self::from_ordinal(self.kind, self.ordinal() + 1)
    }

    /// The preceding period of the same kind (`None` before year 1).
    pub fn prev(self) -> Option<Self> {
        Self::from_ordinal(self.kind, self.ordinal() - 1)
    }

    /// Every period of `kind` that shares at least one day with `from..=to`,
    /// in order; empty when `to < from`.
    /// Dates outside the years 1–9998 are clamped into them.
    pub fn overlapping(kind: PeriodKind, from: Date, to: Date) -> Vec<Self> {
        let from = from.max(date(MIN_YEAR, 1, 1));
        let to = to.min(date(MAX_YEAR, 12, 31));
        if to < from {
            return Vec::new();
        }
        let first = Self::containing(kind, from).ordinal();
        let last = Self::containing(kind, to).ordinal();
        (first..=last)
            .filter_map(|o| Self::from_ordinal(kind, o))
            .collect()
    }

    /// 2026年3月, 2026年第3季度, 2026年上半年, 2026年.
    pub fn label(self) -> String {
        match self.kind {
            PeriodKind::Month => format!("{}年{}月", self.year, self.index),
            PeriodKind::Quarter => format!("{}年第{}季度", self.year, self.index),
            PeriodKind::HalfYear => {
                let half = if self.index == 1 { "上" } else { "下" };
                format!("{}年{half}半年", self.year)
            }
            PeriodKind::Year => format!("{}年", self.year),
        }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn months_have_their_lengths() {
        let cases = [
            (2026, 1, 31),
            (2026, 4, 30),
            (2026, 2, 28),
            (2024, 2, 29),
            (2000, 2, 29),
            (1900, 2, 28),
            (2026, 12, 31),
        ];
        for (y, m, last) in cases {
            let p = Period::new(PeriodKind::Month, y, m).unwrap();
            assert_eq!(p.start(), date(y, m as i8, 1));
            assert_eq!(p.end(), date(y, m as i8, last), "{y}-{m}");
        }
    }

    #[test]
    fn quarters_and_halves_at_the_year_boundary() {
        let q4 = Period::containing(PeriodKind::Quarter, date(2026, 12, 31));
        assert_eq!((q4.year(), q4.index()), (2026, 4));
        assert_eq!(q4.start(), date(2026, 10, 1));
        assert_eq!(q4.end(), date(2026, 12, 31));
        let q1 = Period::containing(PeriodKind::Quarter, date(2027, 1, 1));
        assert_eq!((q1.year(), q1.index()), (2027, 1));
        assert_eq!(q4.next(), Some(q1));
        assert_eq!(q1.prev(), Some(q4));
        assert_eq!(q1.end(), date(2027, 3, 31));

        let h2 = Period::containing(PeriodKind::HalfYear, date(2026, 7, 1));
        assert_eq!(h2.start(), date(2026, 7, 1));
        assert_eq!(h2.end(), date(2026, 12, 31));
        assert_eq!(h2.label(), "2026年下半年");
        let h1 = Period::containing(PeriodKind::HalfYear, date(2026, 6, 30));
        assert_eq!(h1.label(), "2026年上半年");
        assert_eq!(h1.end(), date(2026, 6, 30));
        assert_eq!(
            h2.next().map(Period::label).as_deref(),
            Some("2027年上半年")
        );
    }

    #[test]
    fn labels() {
        assert_eq!(
            Period::new(PeriodKind::Quarter, 2026, 3).unwrap().label(),
            "2026年第3季度"
        );
        assert_eq!(
            Period::new(PeriodKind::Month, 2026, 11)
                .unwrap()
                .to_string(),
            "2026年11月"
        );
        assert_eq!(
            Period::new(PeriodKind::Year, 2026, 1).unwrap().label(),
            "2026年"
        );
        assert_eq!(Period::new(PeriodKind::Quarter, 2026, 5), None);
        assert_eq!(Period::new(PeriodKind::Month, 2026, 0), None);
        assert_eq!(PeriodKind::parse("季度"), Some(PeriodKind::Quarter));
        assert_eq!(PeriodKind::parse("half_year"), Some(PeriodKind::HalfYear));
        assert_eq!(PeriodKind::parse("每月"), Some(PeriodKind::Month));
        assert_eq!(PeriodKind::parse("week"), None);
    }

    #[test]
    fn overlapping_periods_cover_the_range() {
        let qs = Period::overlapping(PeriodKind::Quarter, date(2025, 11, 15), date(2026, 4, 1));
        let labels: Vec<String> = qs.iter().map(|p| p.label()).collect();
        assert_eq!(labels, ["2025年第4季度", "2026年第1季度", "2026年第2季度"]);
        assert!(
            Period::overlapping(PeriodKind::Year, date(2026, 2, 1), date(2026, 1, 1)).is_empty()
        );
        assert_eq!(
            Period::overlapping(PeriodKind::Month, date(2025, 1, 1), date(2026, 12, 31)).len(),
            24
        );
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (1901i16..2200, 1i8..=12, 1i8..=31).prop_map(|(y, m, d)| {
            let first = date(y, m, 1);
            date(y, m, d.min(first.days_in_month()))
        })
    }

    fn any_kind() -> impl Strategy<Value = PeriodKind> {
        prop::sample::select(PeriodKind::ALL.to_vec())
    }

    proptest! {
        /// Every day lies in exactly one period of each kind, and consecutive
        /// periods tile the calendar with no gap and no overlap.
        #[test]
        fn periods_tile_the_calendar(day in any_date(), kind in any_kind()) {
            let p = Period::containing(kind, day);
            prop_assert!(p.contains(day));
            prop_assert!(p.start() <= p.end());
            let next = p.next().unwrap();
            prop_assert_eq!(next.start(), p.end().tomorrow().unwrap());
            prop_assert_eq!(next.prev(), Some(p));
            prop_assert_eq!(Period::containing(kind, p.start()), p);
            prop_assert_eq!(Period::containing(kind, p.end()), p);
            prop_assert!(u32::try_from((p.end() - p.start()).get_days() + 1).unwrap() >= kind.min_days());
        }
    }
}
