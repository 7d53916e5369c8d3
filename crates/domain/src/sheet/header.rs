//! The header row → which column of the sheet each position holds. Headers
//! match a column's canonical name or an alias after normalization, in any
//! order. Missing required columns and two headers naming the same column
//! are file errors; headers that match nothing are listed so the clerk sees
//! what was not imported.

use super::columns::{Column, SheetKind, column_for_header};
use super::text::normalize_header;

/// What each position of the header row holds.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    /// One entry per position of the header row: the column it fills, or
    /// `None` for an unknown or empty header.
    pub positions: Vec<Option<&'static Column>>,
    /// The header text as written in the file, per position (trimmed).
    pub written: Vec<String>,
    /// Headers that name no column, as written.
    pub unknown: Vec<String>,
}

impl HeaderMap {
    /// The position holding `column`, if present.
    pub fn position_of(&self, column: &Column) -> Option<usize> {
        self.positions
            .iter()
            .position(|c| c.is_some_and(|c| c.key == column.key))
    }

    /// The header as written in the file for the column whose form field is
    /// `field` (falls back to the canonical header).
    pub fn written_for_field(&self, kind: SheetKind, field: &str) -> String {
        let Some(col) = kind.columns().iter().find(|c| c.field == field) else {
            return String::new();
        };
        match self.position_of(col) {
            Some(i) => self.written[i].clone(),
            None => col.header.to_owned(),
        }
    }
}

/// Maps a header row. Errors are Chinese messages about the whole file.
pub fn map_headers(kind: SheetKind, headers: &[String]) -> Result<HeaderMap, Vec<String>> {
    let mut positions: Vec<Option<&'static Column>> = Vec::with_capacity(headers.len());
    let mut written = Vec::with_capacity(headers.len());
    let mut unknown = Vec::new();
    let mut errors = Vec::new();
    for raw in headers {
        let shown = super::text::normalize_cell(raw);
        let norm = normalize_header(raw);
        let col = if norm.is_empty() {
            None
        } else {
            let c = column_for_header(kind, &norm);
            if c.is_none() {
                unknown.push(shown.clone());
            }
            c
        };
        if let Some(c) = col
            && let Some(first) = positions
                .iter()
                .position(|p| p.is_some_and(|p| p.key == c.key))
        {
            errors.push(format!(
                "“{}”与“{}”都表示{}，请只保留一列",
                written[first], shown, c.header
            ));
        }
        positions.push(col);
        written.push(shown);
    }
    for c in kind.columns().iter().filter(|c| c.required) {
        if !positions.iter().any(|p| p.is_some_and(|p| p.key == c.key)) {
            let aliases = if c.aliases.is_empty() {
                String::new()
            } else {
                format!("（也可写作{}）", c.aliases.join("、"))
            };
            errors.push(format!("缺少必填列“{}”{aliases}", c.header));
        }
    }
    if errors.is_empty() {
        Ok(HeaderMap {
            positions,
            written,
            unknown,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::ColumnKey;

    fn row(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn headers_in_any_order_with_aliases() {
        let m = map_headers(
            SheetKind::Members,
            &row(&[
                "所在支部",
                " 姓 名",
                "身份证号码",
                "人员类别",
                "入党时间",
                "籍贯",
                "",
            ]),
        )
        .unwrap();
        assert_eq!(m.positions[0].unwrap().key, ColumnKey::Org);
        assert_eq!(m.positions[1].unwrap().key, ColumnKey::Name);
        assert_eq!(m.positions[2].unwrap().key, ColumnKey::IdCard);
        assert!(m.positions[5].is_none() && m.positions[6].is_none());
        assert_eq!(m.unknown, vec!["籍贯".to_owned()]);
        assert_eq!(
            m.written_for_field(SheetKind::Members, "id_card"),
            "身份证号码"
        );
        assert_eq!(m.written_for_field(SheetKind::Members, "phone"), "联系电话");
    }

    #[test]
    fn missing_and_doubled_columns_are_file_errors() {
        let errs = map_headers(
            SheetKind::Members,
            &row(&["姓名", "身份证号", "公民身份号码", "人员类别", "入党日期"]),
        )
        .unwrap_err();
        assert_eq!(
            errs,
            vec![
                "“身份证号”与“公民身份号码”都表示公民身份号码，请只保留一列".to_owned(),
                "缺少必填列“所在党组织”（也可写作所在支部、所在党支部、党组织、所在组织）"
                    .to_owned(),
            ]
        );
    }
}
