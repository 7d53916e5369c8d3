//! The error report as a spreadsheet: the uploaded rows written back in
//! their original row positions (so row numbers match the report), a
//! 错误说明 column added after the last column, and each cell named by an
//! error highlighted. The clerk corrects this file and uploads it again;
//! the added column is unknown to the importer and is listed, not imported.

use super::ImportReport;
use super::read::{Sheet, detect};
use crate::error::{ServiceError, ServiceResult};
use dangjian_domain::sheet::text::normalize_cell;
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, XlsxError};
use std::collections::BTreeMap;

/// The added column's header.
pub const ERROR_COLUMN: &str = "错误说明";

pub(crate) fn xlsx_error(e: &XlsxError) -> ServiceError {
    ServiceError::field("file", format!("无法生成 Excel 文件：{e}"))
}

/// The uploaded file back as .xlsx with a 错误说明 column and the bad cells
/// highlighted. `bytes` is the file the report was made from.
pub fn annotated_xlsx(report: &ImportReport, bytes: &[u8]) -> ServiceResult<Vec<u8>> {
    let format = detect(&report.file_name, bytes)?;
    let mut sheet = Sheet::open(format, bytes)?;
    let mut by_row: BTreeMap<u32, Vec<&super::RowError>> = BTreeMap::new();
    for e in &report.errors {
        by_row.entry(e.row).or_default().push(e);
    }
    let bad = Format::new()
        .set_background_color(Color::RGB(0x00FF_C7CE))
        .set_font_color(Color::RGB(0x009C_0006))
        .set_border(FormatBorder::Thin);
    let note = Format::new()
        .set_font_color(Color::RGB(0x009C_0006))
        .set_text_wrap();
    let head = Format::new().set_bold();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("导入结果").map_err(|e| xlsx_error(&e))?;
    let mut header: Option<Vec<String>> = None;
    let mut width = 0usize;
    sheet.for_each_row(|n, cells| {
        let r = n - 1;
        if header.is_none() {
            if cells.iter().all(|c| c.trim().is_empty()) {
                return Ok(());
            }
            let h: Vec<String> = cells.iter().map(|c| normalize_cell(c)).collect();
            width = h.len();
            for (c, text) in h.iter().enumerate() {
                ws.write_string_with_format(r, c as u16, text, &head)
                    .map_err(|e| xlsx_error(&e))?;
            }
            ws.write_string_with_format(r, width as u16, ERROR_COLUMN, &head)
                .map_err(|e| xlsx_error(&e))?;
            ws.set_column_width(width as u16, 60)
                .map_err(|e| xlsx_error(&e))?;
            ws.set_freeze_panes(r + 1, 0).map_err(|e| xlsx_error(&e))?;
            header = Some(h);
            return Ok(());
        }
        let errs = by_row.get(&n);
        let h = header.as_deref().unwrap_or_default();
        for (c, text) in cells.iter().enumerate().take(width.max(cells.len())) {
            let blamed = errs.is_some_and(|es| {
                es.iter()
                    .any(|e| !e.column.is_empty() && h.get(c).is_some_and(|x| *x == e.column))
            });
            let w = if blamed {
                ws.write_string_with_format(r, c as u16, text, &bad)
            } else if text.is_empty() {
                continue;
            } else {
                ws.write_string(r, c as u16, text)
            };
            w.map_err(|e| xlsx_error(&e))?;
        }
        // A required cell left empty is blamed even though the row is shorter.
        if let Some(es) = errs {
            for e in es.iter().filter(|e| !e.column.is_empty()) {
                if let Some(c) = h.iter().position(|x| *x == e.column)
                    && cells.get(c).is_none_or(String::is_empty)
                {
                    ws.write_string_with_format(r, c as u16, "", &bad)
                        .map_err(|e| xlsx_error(&e))?;
                }
            }
            let text: Vec<String> = es
                .iter()
                .map(|e| {
                    if e.column.is_empty() {
                        e.message.clone()
                    } else {
                        format!("{}：{}", e.column, e.message)
                    }
                })
                .collect();
            ws.write_string_with_format(r, width as u16, text.join("；"), &note)
                .map_err(|e| xlsx_error(&e))?;
        }
        Ok(())
    })?;
    wb.save_to_buffer().map_err(|e| xlsx_error(&e))
}
