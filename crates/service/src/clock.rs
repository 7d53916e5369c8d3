//! The clock, passed in rather than read globally, so tests can fix "today".
//! Timestamps are stored as UTC RFC 3339 text with fixed microsecond
//! precision (so they sort as text); "today" is the date in Asia/Shanghai.

use jiff::{SignedDuration, Timestamp, civil::Date, tz::TimeZone};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Debug, Clone)]
pub enum Clock {
    System,
    Fixed(Timestamp),
    /// The system time plus an offset in seconds that a test can advance
    /// through the shared handle, while the application keeps running.
    Shifted(Arc<AtomicI64>),
}

impl Clock {
    /// A clock running with the system time, offset by zero seconds, and
    /// the handle that moves it forward.
    pub fn shifted() -> (Clock, Arc<AtomicI64>) {
        let offset = Arc::new(AtomicI64::new(0));
        (Clock::Shifted(Arc::clone(&offset)), offset)
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Fixed(t) => *t,
            Clock::Shifted(offset) => {
                Timestamp::now() + SignedDuration::from_secs(offset.load(Ordering::SeqCst))
            }
        }
    }

    /// The current time as stored text.
    pub fn now_text(&self) -> String {
        format_ts(self.now())
    }

    /// Today's date in China Standard Time.
    pub fn today(&self) -> Date {
        self.now().to_zoned_datetime(shanghai()).date()
    }
}

pub fn shanghai() -> TimeZone {
    TimeZone::get("Asia/Shanghai").unwrap_or(TimeZone::fixed(jiff::tz::offset(8)))
}

pub fn format_ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// A stored timestamp shown in Asia/Shanghai: `2026-11-29 18:05`.
pub fn display_ts(stored: &str) -> String {
    stored.parse::<Timestamp>().map_or_else(
        |_| stored.to_owned(),
        |t| {
            t.to_zoned_datetime(shanghai())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_timestamps_have_fixed_width_and_sort() {
        let a = format_ts("2026-11-29T10:00:00Z".parse().unwrap());
        let b = format_ts("2026-11-29T10:00:00.5Z".parse().unwrap());
        assert_eq!(a, "2026-11-29T10:00:00.000000Z");
        assert_eq!(a.len(), b.len());
        assert!(a < b);
        assert_eq!(display_ts(&a), "2026-11-29 18:00");
    }

    #[test]
    fn today_is_in_shanghai() {
        let c = Clock::Fixed("2026-11-29T17:00:00Z".parse().unwrap());
        assert_eq!(c.today(), jiff::civil::date(2026, 11, 30));
    }

    #[test]
    fn a_shifted_clock_moves_when_its_offset_is_advanced() {
        let (c, offset) = Clock::shifted();
        let before = Timestamp::now();
        let start = c.now();
        assert!(start >= before);
        assert!(start.duration_since(before) < SignedDuration::from_secs(60));
        offset.fetch_add(31 * 60, Ordering::SeqCst);
        let later = c.clone().now();
        let moved = later.duration_since(start);
        assert!(moved >= SignedDuration::from_mins(31), "{moved:?}");
        assert!(moved < SignedDuration::from_mins(32), "{moved:?}");
    }
}
