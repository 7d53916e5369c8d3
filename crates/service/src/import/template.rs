//! The downloadable import template: one sheet with the canonical headers
//! (required ones marked red), a note on each header with its hint, text
//! format on every column so Excel keeps 18-digit ID numbers and leading
//! zeros, and a second sheet 填写说明 listing each column: required or not,
//! accepted aliases and allowed values.

use super::report::xlsx_error;
use crate::error::ServiceResult;
use dangjian_domain::org::{OrgKind, Sector};
use dangjian_domain::sheet::{ColumnKey, SheetKind};
use rust_xlsxwriter::{Color, Format, Note, Workbook};

/// The allowed values of a column, when it has a fixed list.
fn allowed(key: ColumnKey) -> String {
    match key {
        ColumnKey::Gender => "男、女".to_owned(),
        ColumnKey::Category => "正式党员、预备党员（也可写正式、预备）".to_owned(),
        ColumnKey::Kind => OrgKind::ALL.map(OrgKind::label).join("、"),
        ColumnKey::Sector => Sector::ALL.map(Sector::label).join("、"),
        ColumnKey::BirthDate
        | ColumnKey::JoinedOn
        | ColumnKey::FullOn
        | ColumnKey::SecretaryVacantSince => {
            "日期，如 2019-07-01、2019/7/1、2019.07.01、2019年7月1日、20190701；只写年月（2019.7）视为当月1日".to_owned()
        }
        ColumnKey::Org | ColumnKey::Parent => {
            "党组织全称；有同名组织时写成“上级全称/名称”".to_owned()
        }
        ColumnKey::Population => "0 到 10000000 之间的整数".to_owned(),
        ColumnKey::Disclosure | ColumnKey::Supervision => "是、否".to_owned(),
        _ => String::new(),
    }
}

/// The template workbook for `kind`.
pub fn template_xlsx(kind: SheetKind) -> ServiceResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let text = Format::new().set_num_format("@");
    let head = Format::new().set_bold().set_num_format("@");
    let head_required = head.clone().set_font_color(Color::RGB(0x00C0_0000));
    let ws = wb.add_worksheet();
    ws.set_name(format!("{}信息", kind.label()))
        .map_err(|e| xlsx_error(&e))?;
    for (i, c) in kind.columns().iter().enumerate() {
        let col = i as u16;
        let f = if c.required { &head_required } else { &head };
        ws.write_string_with_format(0, col, c.header, f)
            .map_err(|e| xlsx_error(&e))?;
        ws.set_column_format(col, &text)
            .map_err(|e| xlsx_error(&e))?;
        ws.set_column_width(col, if c.key == ColumnKey::IdCard { 22 } else { 16 })
            .map_err(|e| xlsx_error(&e))?;
        let mut hint = c.hint.to_owned();
        let values = allowed(c.key);
        if !values.is_empty() {
            if !hint.is_empty() {
                hint.push('；');
            }
            hint.push_str(&values);
        }
        if !hint.is_empty() {
            ws.insert_note(0, col, &Note::new(hint).add_author_prefix(false))
                .map_err(|e| xlsx_error(&e))?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(|e| xlsx_error(&e))?;
    let guide = wb.add_worksheet();
    guide.set_name("填写说明").map_err(|e| xlsx_error(&e))?;
    let bold = Format::new().set_bold();
    for (i, h) in ["列名", "是否必填", "也可写作", "填写说明"]
        .iter()
        .enumerate()
    {
        guide
            .write_string_with_format(0, i as u16, *h, &bold)
            .map_err(|e| xlsx_error(&e))?;
    }
    for (i, c) in kind.columns().iter().enumerate() {
        let r = i as u32 + 1;
        let mut hint = c.hint.to_owned();
        let values = allowed(c.key);
        if !values.is_empty() {
            if !hint.is_empty() {
                hint.push('；');
            }
            hint.push_str(&values);
        }
        for (col, v) in [
            c.header.to_owned(),
            if c.required { "必填" } else { "选填" }.to_owned(),
            c.aliases.join("、"),
            hint,
        ]
        .into_iter()
        .enumerate()
        {
            guide
                .write_string(r, col as u16, v)
                .map_err(|e| xlsx_error(&e))?;
        }
    }
    let notes = kind.columns().len() as u32 + 2;
    for (i, line) in [
        "列的顺序不限，按表头名称识别；不认识的列会在导入结果中列出，不会导入。",
        "整个文件检查无误才会导入；有任何错误时一行也不导入，并给出每个错误的行号、列名和原因。",
        "文件不超过 50 MB、200000 行；CSV 文件可用 UTF-8 或 GBK 编码。",
    ]
    .iter()
    .enumerate()
    {
        guide
            .write_string(notes + i as u32, 0, *line)
            .map_err(|e| xlsx_error(&e))?;
    }
    guide.set_column_width(0, 18).map_err(|e| xlsx_error(&e))?;
    guide.set_column_width(2, 36).map_err(|e| xlsx_error(&e))?;
    guide.set_column_width(3, 70).map_err(|e| xlsx_error(&e))?;
    wb.save_to_buffer().map_err(|e| xlsx_error(&e))
}
