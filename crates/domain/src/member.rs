//! Party members (党员): the ID-card number (GB 11643) parsed once into a
//! type, phone numbers, masking for display, member categories and the
//! probation rules (预备期 one year, extendable once by at most one year),
//! and the member form parsed into a [`MemberInput`].

use crate::error::{FieldError, text_field};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

mod input;
pub use input::{MemberInput, RawMember, StoredIdentity};

/// Gender as recorded on the ID card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "male" | "男" => Some(Gender::Male),
            "female" | "女" => Some(Gender::Female),
            _ => None,
        }
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// The GB 11643 check character for the first 17 digits.
pub fn id_check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

/// A citizen ID number (公民身份号码) that passed every check: 18 characters,
/// a real birth date, and the GB 11643 check digit.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdCardNo(String);

impl std::fmt::Debug for IdCardNo {
    // Never print the full number in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdCardNo({})", self.masked())
    }
}

impl IdCardNo {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        const F: &str = "id_card";
        let v: String = raw.trim().to_uppercase();
        if v.is_empty() {
            return Err(FieldError::new(F, "请填写公民身份号码"));
        }
        let b = v.as_bytes();
        if b.len() != 18 || !v.is_ascii() {
            return Err(FieldError::new(F, "公民身份号码应为18位"));
        }
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(FieldError::new(
                F,
                "公民身份号码前17位应为数字，最后一位为数字或X",
            ));
        }
        if birth_date_of(b).is_none() {
            return Err(FieldError::new(F, "公民身份号码中的出生日期无效"));
        }
        if id_check_char(&b[..17]) != b[17] {
            return Err(FieldError::new(F, "公民身份号码校验位不正确，请核对"));
        }
        Ok(Self(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Date {
        birth_date_of(self.0.as_bytes()).expect("checked in parse")
    }

    /// The 17th digit is odd for men and even for women.
    pub fn gender(&self) -> Gender {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// Only the region code visible: `360102************` (see [`mask_id_card`]).
    pub fn masked(&self) -> String {
        mask_id_card(&self.0)
    }

    /// The birth month, `YYYY-MM`: all of the birth date that is kept in
    /// clear (lists, age bands, average age).
    pub fn birth_month(&self) -> String {
        self.0[6..10].to_owned() + "-" + &self.0[10..12]
    }

    /// Checks that the birth date and gender given on a form agree with the number.
    pub fn check_consistent(
        &self,
        birth: Option<Date>,
        gender: Option<Gender>,
    ) -> Result<(), FieldError> {
        if birth.is_some_and(|b| b != self.birth_date()) {
            return Err(FieldError::new(
                "birth_date",
                "出生日期与公民身份号码不一致",
            ));
        }
        if gender.is_some_and(|g| g != self.gender()) {
            return Err(FieldError::new("gender", "性别与公民身份号码不一致"));
        }
        Ok(())
    }
}

fn birth_date_of(b: &[u8]) -> Option<Date> {
    let num = |r: std::ops::Range<usize>| -> Option<i16> {
        std::str::from_utf8(&b[r]).ok()?.parse().ok()
    };
    let y = num(6..10)?;
    let m = num(10..12)?;
    let d = num(12..14)?;
    if !(1900..=2100).contains(&y) {
        return None;
    }
    Date::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

/// Masks an ID number for display and storage in clear: only the six-digit
/// region code stays visible. The birth date, the sequence digits and the
/// check digit are all hidden, so that the mask together with what else is
/// shown or stored in clear (birth year or month, gender) leaves thousands
/// of candidate numbers: the old mask (first six and last four) plus a birth
/// date shown beside it was the whole number.
pub fn mask_id_card(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    format!("{head}{}", "*".repeat(chars.len() - 6))
}

/// The mask written before migration 0010 (`360102********1234`: region
/// and last four) rewritten to today's (`360102************`); `None` for
/// any other text. Old audit rows hold the old form, which together with a
/// birth date gave the whole number.
pub fn redact_old_mask(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let old = b.len() == 18
        && b[..6].iter().all(u8::is_ascii_digit)
        && b[6..14].iter().all(|c| *c == b'*')
        && b[14..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X');
    old.then(|| mask_id_card(s))
}

/// Rewrites every old-style mask inside a JSON value (an audit row's
/// summary), in place; returns whether anything changed.
pub fn redact_old_masks(v: &mut serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => match redact_old_mask(s) {
            Some(new) => {
                *s = new;
                true
            }
            None => false,
        },
        serde_json::Value::Array(items) => {
            let mut changed = false;
            for x in items {
                changed |= redact_old_masks(x);
            }
            changed
        }
        serde_json::Value::Object(map) => {
            let mut changed = false;
            for x in map.values_mut() {
                changed |= redact_old_masks(x);
            }
            changed
        }
        _ => false,
    }
}

/// How a stored birth month (`YYYY-MM`) is shown to everyone who has not
/// revealed the number: the year alone, e.g. `1975年`.
pub fn birth_year_label(birth_month: &str) -> String {
    match birth_month.get(..4) {
        Some(y) if y.bytes().all(|b| b.is_ascii_digit()) => format!("{y}年"),
        _ => String::new(),
    }
}

/// The inclusive range of birth months (`YYYY-MM`) of an age band `[lo, hi]`
/// on `today`. Ages count in whole months: whoever was born in this calendar
/// month of a year has had that birthday (the day is not kept in clear), so
/// every member falls in exactly one band.
pub fn age_band_months(lo: i16, hi: i16, today: Date) -> (String, String) {
    let month = |y: i32, m: i32| format!("{y:04}-{m:02}");
    let (y, m) = (i32::from(today.year()), i32::from(today.month()));
    // Youngest: born this month `lo` years ago. Oldest: the month after
    // this month `hi + 1` years ago (born in this month then, one is hi + 1).
    let to = month(y - i32::from(lo), m);
    let from = if m == 12 {
        month(y - i32::from(hi), 1)
    } else {
        month(y - i32::from(hi) - 1, m + 1)
    };
    (from.max("0000-01".to_owned()), to)
}

/// A mainland mobile number: 11 digits starting with 1.
#[derive(Clone, PartialEq, Eq)]
pub struct PhoneNo(String);

impl std::fmt::Debug for PhoneNo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PhoneNo({})", self.masked())
    }
}

impl PhoneNo {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if v.len() != 11 || !v.bytes().all(|b| b.is_ascii_digit()) || !v.starts_with('1') {
            return Err(FieldError::new(
                "phone",
                "联系电话应为以1开头的11位手机号码",
            ));
        }
        Ok(Self(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****1234`
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

pub fn mask_phone(raw: &str) -> String {
    if raw.len() == 11 && raw.is_ascii() {
        format!("{}****{}", &raw[..3], &raw[7..])
    } else {
        "*".repeat(raw.chars().count())
    }
}

/// A person's name: 2 to 30 characters (Chinese names, or minority names
/// with the middle dot).
pub fn person_name(raw: &str) -> Result<String, FieldError> {
    let v = text_field("name", "姓名", raw, true, 30)?;
    if v.chars().count() < 2 {
        return Err(FieldError::new("name", "姓名至少2个字"));
    }
    if v.chars()
        .any(|c| matches!(c, '<' | '>' | '"' | '\'' | '&' | ';' | '='))
    {
        return Err(FieldError::new("name", "姓名不能含有符号"));
    }
    Ok(v)
}

/// Member category (人员类别).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberCategory {
    /// 正式党员
    Full,
    /// 预备党员
    Probationary,
}

impl MemberCategory {
    pub fn code(self) -> &'static str {
        match self {
            MemberCategory::Full => "full",
            MemberCategory::Probationary => "probationary",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            MemberCategory::Full => "正式党员",
            MemberCategory::Probationary => "预备党员",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "full" | "正式党员" => Some(MemberCategory::Full),
            "probationary" | "预备党员" => Some(MemberCategory::Probationary),
            _ => None,
        }
    }
}

/// Minimum age at joining the Party.
pub const MIN_JOIN_AGE: i16 = 18;

/// Checks the dates of a member against each other and against `today`:
/// joined at 18 or older, not in the future, full-member date after one year
/// of probation (at most two with the one extension) for full members.
pub fn check_member_dates(
    birth: Date,
    joined: Date,
    category: MemberCategory,
    full_on: Option<Date>,
    today: Date,
) -> Result<(), FieldError> {
    if joined > today {
        return Err(FieldError::new("joined_on", "入党日期不能晚于今天"));
    }
    let adult = birth
        .checked_add(jiff::Span::new().years(MIN_JOIN_AGE))
        .unwrap_or(birth);
    if joined < adult {
        return Err(FieldError::new("joined_on", "入党时应年满18周岁"));
    }
    match (category, full_on) {
        (MemberCategory::Probationary, Some(_)) => {
            Err(FieldError::new("full_on", "预备党员不应填写转正日期"))
        }
        (MemberCategory::Full, None) => {
            // Members who joined before the national system recorded 转正日期
            // may have none; require it only for recent joiners.
            if joined >= add_years(today, -5) {
                Err(FieldError::new("full_on", "正式党员请填写转正日期"))
            } else {
                Ok(())
            }
        }
        (MemberCategory::Full, Some(full)) => check_full_date(joined, full, today),
        (MemberCategory::Probationary, None) => {
            if today > add_years(joined, 2) {
                Err(FieldError::new(
                    "category",
                    "预备期已超过两年（延长后最长两年），请核实转正情况",
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// A full-member date must come one year after joining (two with the one
/// permitted extension) and not lie in the future.
pub fn check_full_date(joined: Date, full: Date, today: Date) -> Result<(), FieldError> {
    if full > today {
        return Err(FieldError::new("full_on", "转正日期不能晚于今天"));
    }
    if full < add_years(joined, 1) {
        return Err(FieldError::new("full_on", "转正日期应在入党满一年之后"));
    }
    if full > add_years(joined, 2) {
        return Err(FieldError::new(
            "full_on",
            "预备期最多延长一次且不超过一年，转正日期不能晚于入党后两年",
        ));
    }
    Ok(())
}

fn add_years(d: Date, years: i16) -> Date {
    d.checked_add(jiff::Span::new().years(years)).unwrap_or(d)
}

/// Age in whole years on `today`.
pub fn age_on(birth: Date, today: Date) -> i16 {
    let mut age = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Age bands used for filtering member lists.
pub const AGE_BANDS: [(&str, &str, i16, i16); 5] = [
    ("lt35", "35岁以下", 0, 34),
    ("35_45", "35至45岁", 35, 45),
    ("46_60", "46至60岁", 46, 60),
    ("61_70", "61至70岁", 61, 70),
    ("gt70", "70岁以上", 71, 200),
];

#[cfg(test)]
mod tests;
