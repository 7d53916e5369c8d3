//! Dates as clerks write them in spreadsheets: Excel serial numbers (1900
//! date system), 2019-07-01, 2019/7/1, 2019.07.01, 2019.7, 2019年7月1日,
//! 2019年7月, 201907 and 20190701. A month without a day means its first
//! day. Anything else gets a Chinese message quoting the value. Pure and
//! total: no input panics (a fuzz target calls [`parse_sheet_date`]).

use super::text::normalize_cell;
use jiff::civil::Date;

/// Earliest and latest years accepted (ID numbers use the same range).
const MIN_YEAR: i16 = 1900;
const MAX_YEAR: i16 = 2100;

/// Reads a date cell. The caller handles empty cells (optional columns).
pub fn parse_sheet_date(raw: &str) -> Result<Date, String> {
    let v = normalize_cell(raw);
    parse_normalized(&v).ok_or_else(|| unrecognized(&v))
}

fn unrecognized(v: &str) -> String {
    let shown: String = v.chars().take(40).collect();
    format!("无法识别的日期“{shown}”，请写成 2019-07-01 的形式")
}

fn parse_normalized(v: &str) -> Option<Date> {
    if v.is_empty() {
        return None;
    }
    if v.contains('年') {
        return parse_chinese(v);
    }
    if v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && let Some(d) = parse_compact_or_serial(v)
    {
        return Some(d);
    }
    parse_separated(strip_time(v))
}

/// "2019-07-01 00:00:00", "2019-07-01T00:00:00": the time of day is dropped.
fn strip_time(v: &str) -> &str {
    let cut = v.find(['T', ' ']).unwrap_or(v.len());
    let (date, time) = v.split_at(cut);
    let time = time.trim_start_matches(['T', ' ']);
    if time.is_empty()
        || time
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b':' || b == b'.')
    {
        date
    } else {
        v
    }
}

/// 20190701, 201907, or a serial number such as 43647 or 43647.5.
fn parse_compact_or_serial(v: &str) -> Option<Date> {
    let int_part = v.split('.').next().unwrap_or("");
    let dots = v.bytes().filter(|b| *b == b'.').count();
    if dots == 0 && v.len() == 8 {
        return ymd(&v[..4], &v[4..6], &v[6..]);
    }
    if dots == 0 && v.len() == 6 {
        return ymd(&v[..4], &v[4..], "1");
    }
    if dots <= 1 && (1..=5).contains(&int_part.len()) && !v.ends_with('.') {
        // "2019.7" has a dot too: a four-digit integer part followed by a
        // one- or two-digit month is a year and month, not a serial.
        if dots == 1 && int_part.len() == 4 {
            return None;
        }
        let serial: f64 = v.parse().ok()?;
        return from_excel_serial(serial);
    }
    None
}

/// 2019-07-01, 2019/7/1, 2019.07.01, 2019-7, 2019.7.
fn parse_separated(v: &str) -> Option<Date> {
    let sep = v.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
    let parts: Vec<&str> = v.split(sep).collect();
    match parts.as_slice() {
        [y, m] => ymd(y, m, "1"),
        [y, m, d] => ymd(y, m, d),
        _ => None,
    }
}

/// 2019年7月1日, 2019年7月1号, 2019年7月, 2019年07月01日.
fn parse_chinese(v: &str) -> Option<Date> {
    let v: String = v.chars().filter(|c| *c != ' ').collect();
    let (y, rest) = v.split_once('年')?;
    let (m, rest) = rest.split_once('月')?;
    let d = rest
        .strip_suffix('日')
        .or_else(|| rest.strip_suffix('号'))
        .unwrap_or(rest);
    if d.is_empty() {
        if rest.is_empty() {
            return ymd(y, m, "1");
        }
        return None;
    }
    ymd(y, m, d)
}

fn ymd(y: &str, m: &str, d: &str) -> Option<Date> {
    let digits = |s: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(y, 4, 4) || !digits(m, 1, 2) || !digits(d, 1, 2) {
        return None;
    }
    let y: i16 = y.parse().ok()?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&y) {
        return None;
    }
    Date::new(y, m.parse().ok()?, d.parse().ok()?).ok()
}

/// The date of an Excel serial number in the 1900 date system. Excel counts
/// 1900-02-29, which never existed (Lotus 1-2-3's leap-year bug): serial 60
/// is refused and later serials are shifted back one day. The time of day
/// (the fraction) is dropped.
pub fn from_excel_serial(serial: f64) -> Option<Date> {
    if !serial.is_finite() || !(1.0..100_000.0).contains(&serial) {
        return None;
    }
    let n = serial.floor() as i64;
    let base = match n {
        60 => return None,
        ..60 => jiff::civil::date(1899, 12, 31),
        _ => jiff::civil::date(1899, 12, 30),
    };
    let d = base.checked_add(jiff::Span::new().days(n)).ok()?;
    (d.year() <= MAX_YEAR).then_some(d)
}

/// The Excel serial number of a date (inverse of [`from_excel_serial`]).
pub fn to_excel_serial(d: Date) -> i64 {
    let days = i64::from((d - jiff::civil::date(1899, 12, 30)).get_days());
    if d < jiff::civil::date(1900, 3, 1) {
        days - 1
    } else {
        days
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn every_form_clerks_write_is_read() {
        let d = date(2019, 7, 1);
        for raw in [
            "2019-07-01",
            "2019/7/1",
            "2019.07.01",
            "2019.7.1",
            "2019.7",
            "2019-7",
            "2019/07",
            "2019年7月1日",
            "2019年07月01日",
            "2019年7月1号",
            "2019年7月",
            "20190701",
            "201907",
            "43647",
            "43647.75",
            "２０１９－０７－０１",
            " 2019 年 7 月 1 日 ",
            "2019-07-01 00:00:00",
            "2019-07-01T08:30:00",
        ] {
            assert_eq!(parse_sheet_date(raw), Ok(d), "{raw}");
        }
    }

    #[test]
    fn excel_serials_follow_the_1900_system() {
        assert_eq!(from_excel_serial(1.0), Some(date(1900, 1, 1)));
        assert_eq!(from_excel_serial(59.0), Some(date(1900, 2, 28)));
        assert_eq!(from_excel_serial(60.0), None, "1900-02-29 never existed");
        assert_eq!(from_excel_serial(61.0), Some(date(1900, 3, 1)));
        assert_eq!(from_excel_serial(36526.0), Some(date(2000, 1, 1)));
        assert_eq!(from_excel_serial(0.0), None);
        assert_eq!(from_excel_serial(f64::NAN), None);
        assert_eq!(to_excel_serial(date(1900, 2, 28)), 59);
        assert_eq!(to_excel_serial(date(1900, 3, 1)), 61);
    }

    #[test]
    fn bad_dates_are_refused_with_the_value_quoted() {
        for raw in [
            "2019-13-01",
            "2019-02-30",
            "2019年13月",
            "19-07-01",
            "2019-07-01-02",
            "明年",
            "0",
            "60",
            "1800-01-01",
            "2019.",
            "2019-07-01 下午",
        ] {
            let err = parse_sheet_date(raw).unwrap_err();
            assert!(err.starts_with("无法识别的日期“"), "{raw}: {err}");
        }
        assert_eq!(
            parse_sheet_date("2019-13-01").unwrap_err(),
            "无法识别的日期“2019-13-01”，请写成 2019-07-01 的形式"
        );
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (0i32..73_000).prop_map(|n| {
            date(1900, 3, 1)
                .checked_add(jiff::Span::new().days(n))
                .unwrap()
        })
    }

    proptest! {
        #[test]
        fn every_valid_date_in_every_form_parses_back(d in any_date()) {
            let (y, m, dd) = (d.year(), d.month(), d.day());
            let forms = [
                format!("{y:04}-{m:02}-{dd:02}"),
                format!("{y}/{m}/{dd}"),
                format!("{y:04}.{m:02}.{dd:02}"),
                format!("{y}.{m}.{dd}"),
                format!("{y}年{m}月{dd}日"),
                format!("{y:04}{m:02}{dd:02}"),
                to_excel_serial(d).to_string(),
            ];
            for f in &forms {
                prop_assert_eq!(parse_sheet_date(f), Ok(d), "{}", f);
            }
            let first = d.first_of_month();
            prop_assert_eq!(parse_sheet_date(&format!("{y}.{m}")), Ok(first));
            prop_assert_eq!(parse_sheet_date(&format!("{y}年{m}月")), Ok(first));
        }

        #[test]
        fn arbitrary_strings_never_panic(s in "\\PC{0,30}") {
            let _ = parse_sheet_date(&s);
        }

        #[test]
        fn date_like_strings_never_panic(s in "[0-9年月日号./ :T-]{0,24}") {
            if let Err(msg) = parse_sheet_date(&s) {
                prop_assert!(msg.starts_with("无法识别的日期"));
            }
        }

        #[test]
        fn any_serial_never_panics(x in proptest::num::f64::ANY) {
            let _ = from_excel_serial(x);
        }
    }
}
