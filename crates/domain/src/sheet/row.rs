//! One data row → canonical form values. Cells are normalized, required
//! cells checked, and the values clerks write in their own words (正式,
//! 男, 2019年7月1日, 党支部) turned into the codes the forms use, with a
//! message naming the column and quoting the value otherwise. The
//! cross-field rules (ID check digit, date order…) stay with the forms'
//! validation in the service crate, so forms and imports share one set of
//! rules. Also the in-file duplicate finder. Pure (a fuzz target can call
//! [`RowValues::from_cells`], [`member_values`] and [`org_values`]).

use super::columns::{ColumnKey, SheetKind};
use super::date::parse_sheet_date;
use super::header::HeaderMap;
use super::text::normalize_cell;
use crate::error::FieldError;
use crate::org::{OrgKind, Sector};
use std::collections::HashMap;
use std::hash::Hash;

/// The normalized cell values of one row, by column.
#[derive(Debug, Clone, Default)]
pub struct RowValues {
    values: HashMap<ColumnKey, String>,
}

impl RowValues {
    /// Picks each known column's cell (missing cells are empty).
    pub fn from_cells(map: &HeaderMap, cells: &[String]) -> Self {
        let mut values = HashMap::new();
        for (i, col) in map.positions.iter().enumerate() {
            if let Some(col) = col {
                let v = cells.get(i).map(|c| normalize_cell(c)).unwrap_or_default();
                values.insert(col.key, v);
            }
        }
        Self { values }
    }

    pub fn get(&self, key: ColumnKey) -> &str {
        self.values.get(&key).map_or("", String::as_str)
    }

    /// True when every known cell is empty (such rows are skipped).
    pub fn is_blank(&self) -> bool {
        self.values.values().all(String::is_empty)
    }
}

/// "请填写…" for each empty required cell.
fn required(kind: SheetKind, v: &RowValues, errors: &mut Vec<FieldError>) {
    for c in kind.columns().iter().filter(|c| c.required) {
        if v.get(c.key).is_empty() {
            errors.push(FieldError::new(c.field, format!("请填写{}", c.header)));
        }
    }
}

/// Date cells become `YYYY-MM-DD`; an unreadable one is reported and left empty.
fn dates(
    kind: SheetKind,
    v: &RowValues,
    errors: &mut Vec<FieldError>,
) -> HashMap<ColumnKey, String> {
    let mut out = HashMap::new();
    for c in kind.columns().iter().filter(|c| c.is_date) {
        let raw = v.get(c.key);
        if raw.is_empty() {
            continue;
        }
        match parse_sheet_date(raw) {
            Ok(d) => {
                out.insert(c.key, d.to_string());
            }
            Err(m) => errors.push(FieldError::new(c.field, format!("{}：{m}", c.header))),
        }
    }
    out
}

/// A member row's values, named like the member form's fields. `org` is the
/// organization as written (resolved to an id by the service).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberValues {
    pub org: String,
    pub name: String,
    pub id_card: String,
    pub gender: String,
    pub birth_date: String,
    pub ethnicity: String,
    pub education: String,
    pub category: String,
    pub joined_on: String,
    pub full_on: String,
    pub post: String,
    pub phone: String,
    pub address: String,
}

/// Reads a member row. Returns the values and the problems found in single
/// cells; fields with a problem are left empty.
pub fn member_values(v: &RowValues) -> (MemberValues, Vec<FieldError>) {
    use ColumnKey as K;
    let mut errors = Vec::new();
    required(SheetKind::Members, v, &mut errors);
    let mut dates = dates(SheetKind::Members, v, &mut errors);
    let gender = match v.get(K::Gender) {
        "" => String::new(),
        "男" | "男性" => "male".to_owned(),
        "女" | "女性" => "female".to_owned(),
        other => {
            errors.push(FieldError::new(
                "gender",
                format!("性别“{}”无效，应为男或女", shorten(other)),
            ));
            String::new()
        }
    };
    let category = match v.get(K::Category) {
        "" => String::new(),
        "正式党员" | "正式" => "full".to_owned(),
        "预备党员" | "预备" => "probationary".to_owned(),
        other => {
            errors.push(FieldError::new(
                "category",
                format!("人员类别“{}”无效，应为正式党员或预备党员", shorten(other)),
            ));
            String::new()
        }
    };
    // Excel's text marker and spaces inside the number are dropped.
    let id_card: String = v
        .get(K::IdCard)
        .trim_start_matches('\'')
        .chars()
        .filter(|c| *c != ' ')
        .collect();
    let mut take = |k: ColumnKey| dates.remove(&k).unwrap_or_default();
    let values = MemberValues {
        org: v.get(K::Org).to_owned(),
        name: v.get(K::Name).to_owned(),
        id_card,
        gender,
        birth_date: take(K::BirthDate),
        ethnicity: v.get(K::Ethnicity).to_owned(),
        education: v.get(K::Education).to_owned(),
        category,
        joined_on: take(K::JoinedOn),
        full_on: take(K::FullOn),
        post: v.get(K::Post).to_owned(),
        phone: v.get(K::Phone).trim_start_matches('\'').to_owned(),
        address: v.get(K::Address).to_owned(),
    };
    (values, errors)
}

/// An organization row's values, named like the organization form's
/// fields; `parent` as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgValues {
    pub parent: String,
    pub name: String,
    pub kind: String,
    pub sector: String,
    pub secretary_name: String,
    pub secretary_vacant_since: String,
    pub unit_name: String,
    pub population: String,
}

/// Reads an organization row (see [`member_values`]).
pub fn org_values(v: &RowValues) -> (OrgValues, Vec<FieldError>) {
    use ColumnKey as K;
    let mut errors = Vec::new();
    required(SheetKind::Orgs, v, &mut errors);
    let mut dates = dates(SheetKind::Orgs, v, &mut errors);
    let kind = coded(
        v.get(K::Kind),
        &OrgKind::ALL.map(|k| (k.code(), k.label())),
        "kind",
        "组织类别",
        &mut errors,
    );
    let sector = coded(
        v.get(K::Sector),
        &Sector::ALL.map(|s| (s.code(), s.label())),
        "sector",
        "所属领域",
        &mut errors,
    );
    let values = OrgValues {
        parent: v.get(K::Parent).to_owned(),
        name: v.get(K::Name).to_owned(),
        kind,
        sector,
        secretary_name: v.get(K::SecretaryName).to_owned(),
        secretary_vacant_since: dates.remove(&K::SecretaryVacantSince).unwrap_or_default(),
        unit_name: v.get(K::UnitName).to_owned(),
        population: v.get(K::Population).replace(',', ""),
    };
    (values, errors)
}

/// A value written as its Chinese label (or code) → its code; empty stays empty.
fn coded(
    raw: &str,
    allowed: &[(&str, &str)],
    field: &'static str,
    header: &str,
    errors: &mut Vec<FieldError>,
) -> String {
    if raw.is_empty() {
        return String::new();
    }
    if let Some((code, _)) = allowed.iter().find(|(c, l)| *l == raw || *c == raw) {
        return (*code).to_owned();
    }
    let labels: Vec<&str> = allowed.iter().map(|(_, l)| *l).collect();
    errors.push(FieldError::new(
        field,
        format!(
            "{header}“{}”无效，应为{}之一",
            shorten(raw),
            labels.join("、")
        ),
    ));
    String::new()
}

/// Quoted values are cut to 30 characters so a pasted paragraph does not
/// flood the report.
fn shorten(v: &str) -> String {
    if v.chars().count() > 30 {
        let mut s: String = v.chars().take(30).collect();
        s.push('…');
        s
    } else {
        v.to_owned()
    }
}

/// Remembers the first row each key appeared on.
#[derive(Debug)]
pub struct DuplicateFinder<K> {
    first: HashMap<K, u32>,
}

impl<K: Eq + Hash> Default for DuplicateFinder<K> {
    fn default() -> Self {
        Self {
            first: HashMap::new(),
        }
    }
}

impl<K: Eq + Hash> DuplicateFinder<K> {
    /// Records `key` on `row`; returns the earlier row that had it.
    pub fn see(&mut self, key: K, row: u32) -> Option<u32> {
        match self.first.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(row);
                None
            }
        }
    }
}

/// The message for a value that repeats an earlier row's.
pub fn duplicate_message(first_row: u32, header: &str) -> String {
    format!("与第{first_row}行的{header}重复")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::header::map_headers;

    fn values(headers: &[&str], cells: &[&str]) -> RowValues {
        let h: Vec<String> = headers.iter().map(|s| (*s).to_owned()).collect();
        let map = map_headers(SheetKind::Members, &h).unwrap();
        let c: Vec<String> = cells.iter().map(|s| (*s).to_owned()).collect();
        RowValues::from_cells(&map, &c)
    }

    const H: [&str; 7] = [
        "姓名",
        "公民身份号码",
        "性别",
        "人员类别",
        "入党日期",
        "转正日期",
        "所在党组织",
    ];

    #[test]
    fn clerk_words_become_form_codes() {
        let v = values(
            &H,
            &[
                " 张三 ",
                "'11010519491231002x",
                "女",
                "正式",
                "1970年7月1日",
                "19710701",
                "甲村支部",
            ],
        );
        let (m, errs) = member_values(&v);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(m.name, "张三");
        assert_eq!(m.id_card, "11010519491231002x");
        assert_eq!(m.gender, "female");
        assert_eq!(m.category, "full");
        assert_eq!(m.joined_on, "1970-07-01");
        assert_eq!(m.full_on, "1971-07-01");
        assert_eq!(m.org, "甲村支部");
    }

    #[test]
    fn bad_cells_name_their_column_and_quote_the_value() {
        let v = values(
            &H,
            &["", "x", "未知", "积极分子", "2019-13-01", "", "甲村支部"],
        );
        let (_, errs) = member_values(&v);
        let msgs: Vec<(&str, &str)> = errs.iter().map(|e| (e.field, e.message.as_str())).collect();
        assert_eq!(
            msgs,
            vec![
                ("name", "请填写姓名"),
                (
                    "joined_on",
                    "入党日期：无法识别的日期“2019-13-01”，请写成 2019-07-01 的形式"
                ),
                ("gender", "性别“未知”无效，应为男或女"),
                ("category", "人员类别“积极分子”无效，应为正式党员或预备党员"),
            ]
        );
    }

    #[test]
    fn blank_rows_are_blank_and_missing_cells_are_empty() {
        assert!(values(&H, &["", " ", "\u{3000}"]).is_blank());
        assert_eq!(values(&H, &["张三"]).get(ColumnKey::Org), "");
    }

    #[test]
    fn duplicates_point_at_the_first_row() {
        let mut d = DuplicateFinder::default();
        assert_eq!(d.see("a", 2), None);
        assert_eq!(d.see("b", 3), None);
        assert_eq!(d.see("a", 4), Some(2));
        assert_eq!(d.see("a", 5), Some(2));
        assert_eq!(
            duplicate_message(2, "公民身份号码"),
            "与第2行的公民身份号码重复"
        );
    }
}
