//! The compliance matrix as a spreadsheet: one sheet per obligation,
//! organizations down, periods across, each cell the status word (or the
//! roll-up "18/21 已完成" for an organization not bound itself), a 合计 row,
//! and the profile version the figures were computed with. Pure: it writes
//! a view already computed (and scoped) by `compliance::for_scope`.

use crate::compliance::{ComplianceView, ObligationView};
use crate::error::{ServiceError, ServiceResult};
use crate::export::looks_like_formula;
use dangjian_domain::obligations::Tally;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

fn xlsx_error(e: XlsxError) -> ServiceError {
    ServiceError::Db(dangjian_store::DbError::io(std::io::Error::other(e)))
}

fn tally_text(t: &Tally) -> String {
    if t.applicable == 0 {
        "不考核".to_owned()
    } else {
        format!("{}/{} 已完成", t.met, t.applicable)
    }
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`,
/// unique within the workbook.
fn sheet_name(label: &str, i: usize, taken: &mut Vec<String>) -> String {
    let clean: String = label
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\' | '\''))
        .take(26)
        .collect();
    let mut name = if clean.is_empty() {
        format!("规定动作{}", i + 1)
    } else {
        clean
    };
    if taken.contains(&name) {
        name = format!("{name}{}", i + 1);
    }
    taken.push(name.clone());
    name
}

fn write_text(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
    quoted: &Format,
) -> ServiceResult<()> {
    if looks_like_formula(s) {
        ws.write_string_with_format(row, col, s, quoted)
    } else {
        ws.write_string(row, col, s)
    }
    .map(|_| ())
    .map_err(xlsx_error)
}

fn write_sheet(
    ws: &mut Worksheet,
    view: &ComplianceView,
    ob: &ObligationView,
    bold: &Format,
    quoted: &Format,
) -> ServiceResult<()> {
    let title = format!("{}（{}）", ob.label, ob.requirement);
    ws.write_string_with_format(0, 0, &title, bold)
        .map_err(xlsx_error)?;
    ws.write_string_with_format(2, 0, "组织", bold)
        .map_err(xlsx_error)?;
    ws.set_column_width(0, 28).map_err(xlsx_error)?;
    write_text(ws, 1, 0, &view.basis_text(), quoted)?;
    // Over several versions each column names the one that judged it.
    let several = view.versions.len() > 1;
    for (j, p) in ob.periods.iter().enumerate() {
        let col = u16::try_from(j + 1).unwrap_or(u16::MAX);
        let label = if several {
            format!("{}（第{}版）", p.label, p.profile_version)
        } else {
            p.label.clone()
        };
        ws.write_string_with_format(2, col, &label, bold)
            .map_err(xlsx_error)?;
        ws.set_column_width(col, 16).map_err(xlsx_error)?;
    }
    let mut row = 3u32;
    for r in &ob.rows {
        write_text(ws, row, 0, &r.org.name, quoted)?;
        for j in 0..ob.periods.len() {
            let col = u16::try_from(j + 1).unwrap_or(u16::MAX);
            let text = match &r.own {
                Some(cells) => format!("{}（{}次）", cells[j].status.label(), cells[j].count),
                None => tally_text(&r.subtree[j]),
            };
            ws.write_string(row, col, &text).map_err(xlsx_error)?;
        }
        row += 1;
    }
    ws.write_string_with_format(row, 0, "合计", bold)
        .map_err(xlsx_error)?;
    for (j, t) in ob.total.iter().enumerate() {
        let col = u16::try_from(j + 1).unwrap_or(u16::MAX);
        ws.write_string_with_format(row, col, tally_text(t), bold)
            .map_err(xlsx_error)?;
    }
    let note = format!(
        "{}；{}，统计至{}",
        view.org.name,
        view.basis_text(),
        view.today
    );
    write_text(ws, row + 2, 0, &note, quoted)?;
    Ok(())
}

/// The matrix of `view` as .xlsx bytes: one sheet per obligation.
pub fn matrix_xlsx(view: &ComplianceView) -> ServiceResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let quoted = Format::new().set_quote_prefix();
    let mut taken = Vec::new();
    if view.obligations.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name("完成情况").map_err(xlsx_error)?;
        ws.write_string(0, 0, "所选区间没有需要考核的规定动作")
            .map_err(xlsx_error)?;
    }
    for (i, ob) in view.obligations.iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&ob.label, i, &mut taken))
            .map_err(xlsx_error)?;
        write_sheet(ws, view, ob, &bold, &quoted)?;
    }
    wb.save_to_buffer().map_err(xlsx_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_legal_and_unique() {
        let mut taken = Vec::new();
        assert_eq!(sheet_name("党课", 0, &mut taken), "党课");
        assert_eq!(sheet_name("党课", 1, &mut taken), "党课2");
        assert_eq!(sheet_name("a/b:c", 2, &mut taken), "abc");
        assert_eq!(sheet_name("[]", 3, &mut taken), "规定动作4");
        let long = "党委（党组）专题研究意识形态工作党委（党组）专题研究";
        assert!(sheet_name(long, 4, &mut taken).chars().count() <= 31);
    }
}
