//! Reading an uploaded file row by row, with memory bounded by the file
//! itself: xlsx through calamine's streaming cell reader (the worksheet XML
//! is never turned into a full in-memory range), CSV through the `csv`
//! crate after decoding (UTF-8, UTF-8 BOM, UTF-16, GBK/GB18030). Rows come
//! out as plain strings numbered as Excel shows them (first row = 1).

use super::{MAX_BYTES, MAX_ROWS};
use crate::error::{ServiceError, ServiceResult};
use calamine::{DataRef, Reader, Xlsx};
use dangjian_domain::sheet::date::from_excel_serial;
use dangjian_domain::sheet::decode::decode_text;
use std::io::Cursor;

/// At most this many columns are read; cells further right are ignored.
const MAX_COLUMNS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Xlsx,
    Csv,
}

fn file_error(message: impl Into<String>) -> ServiceError {
    ServiceError::field("file", message)
}

/// Checks the size and tells the format, before anything is parsed.
pub(crate) fn detect(file_name: &str, bytes: &[u8]) -> ServiceResult<Format> {
    if bytes.len() > MAX_BYTES {
        return Err(file_error(format!(
            "文件大小为{:.1} MB，超过{} MB的上限，请分成几个文件分别导入",
            bytes.len() as f64 / 1_048_576.0,
            MAX_BYTES / 1_048_576
        )));
    }
    if bytes.is_empty() {
        return Err(file_error("文件是空的"));
    }
    let ext = |e: &str| {
        std::path::Path::new(file_name)
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case(e))
    };
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(Format::Xlsx);
    }
    if bytes.starts_with(b"\xD0\xCF\x11\xE0") || ext("xls") {
        return Err(file_error(
            "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入",
        ));
    }
    if ext("xlsx") {
        return Err(file_error("文件不是有效的 .xlsx 文件，可能已损坏"));
    }
    if ext("csv") || ext("txt") {
        return Ok(Format::Csv);
    }
    Err(file_error("只能导入 .xlsx 或 .csv 文件"))
}

fn too_many_rows(n: u64) -> ServiceError {
    file_error(format!(
        "文件有{n}行数据，超过{MAX_ROWS}行的上限，请分成几个文件分别导入"
    ))
}

/// An open file: rows are read from it in one pass.
pub(crate) enum Sheet<'a> {
    Xlsx(Box<Xlsx<Cursor<&'a [u8]>>>, String),
    Csv(std::borrow::Cow<'a, str>),
}

impl<'a> Sheet<'a> {
    pub(crate) fn open(format: Format, bytes: &'a [u8]) -> ServiceResult<Self> {
        match format {
            Format::Xlsx => {
                let wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
                    .map_err(|_| file_error("无法读取该 .xlsx 文件，可能已损坏或加密"))?;
                let first = wb
                    .sheet_names()
                    .first()
                    .cloned()
                    .ok_or_else(|| file_error("工作簿中没有工作表"))?;
                Ok(Sheet::Xlsx(Box::new(wb), first))
            }
            Format::Csv => {
                let (text, _) = decode_text(bytes).map_err(file_error)?;
                Ok(Sheet::Csv(text))
            }
        }
    }

    /// Rows in the file (header included), counted without reading cells
    /// where possible; refuses a file over the row limit.
    pub(crate) fn count_rows(&mut self) -> ServiceResult<u64> {
        let n = match self {
            Sheet::Xlsx(wb, name) => {
                let reader = wb
                    .worksheet_cells_reader(name)
                    .map_err(|_| file_error("无法读取工作表，文件可能已损坏"))?;
                let d = reader.dimensions();
                u64::from(d.end.0.saturating_sub(d.start.0)) + 1
            }
            Sheet::Csv(text) => {
                let lines = memchr_count(text.as_bytes(), b'\n') + 1;
                if lines <= MAX_ROWS as u64 + 1 {
                    lines
                } else {
                    // Quoted cells may hold line breaks: count records.
                    let mut rdr = csv_reader(text);
                    let mut rec = csv::ByteRecord::new();
                    let mut n = 0u64;
                    while rdr.read_byte_record(&mut rec).unwrap_or(false) {
                        n += 1;
                    }
                    n
                }
            }
        };
        if n > MAX_ROWS as u64 + 1 {
            return Err(too_many_rows(n - 1));
        }
        Ok(n)
    }

    /// Calls `f(row number, cells)` for every row, the header included.
    /// Stops with a file error past the row limit (a file whose recorded
    /// dimensions understated its size).
    pub(crate) fn for_each_row(
        &mut self,
        mut f: impl FnMut(u32, &[String]) -> ServiceResult<()>,
    ) -> ServiceResult<()> {
        let limit = MAX_ROWS as u64 + 1;
        match self {
            Sheet::Xlsx(wb, name) => {
                let mut reader = wb
                    .worksheet_cells_reader(name)
                    .map_err(|_| file_error("无法读取工作表，文件可能已损坏"))?;
                let mut cells: Vec<String> = Vec::new();
                let mut current: Option<u32> = None;
                let mut seen = 0u64;
                loop {
                    let cell = reader
                        .next_cell()
                        .map_err(|_| file_error("读取工作表时出错，文件可能已损坏"))?;
                    let Some(cell) = cell else { break };
                    let (r, c) = cell.get_position();
                    if current != Some(r) {
                        if let Some(prev) = current {
                            f(prev + 1, &cells)?;
                        }
                        seen += 1;
                        if seen > limit {
                            return Err(too_many_rows(seen - 1));
                        }
                        cells.clear();
                        current = Some(r);
                    }
                    let c = c as usize;
                    if c < MAX_COLUMNS {
                        if cells.len() <= c {
                            cells.resize(c + 1, String::new());
                        }
                        cells[c] = cell_text(cell.get_value());
                    }
                }
                if let Some(prev) = current {
                    f(prev + 1, &cells)?;
                }
            }
            Sheet::Csv(text) => {
                let mut rdr = csv_reader(text);
                let mut rec = csv::StringRecord::new();
                let mut cells: Vec<String> = Vec::new();
                let mut row = 0u32;
                loop {
                    match rdr.read_record(&mut rec) {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(_) => {
                            return Err(file_error(format!(
                                "第{}行的格式有误（引号不配对？），无法读取",
                                row + 1
                            )));
                        }
                    }
                    row += 1;
                    if u64::from(row) > limit {
                        return Err(too_many_rows(u64::from(row) - 1));
                    }
                    cells.clear();
                    cells.extend(rec.iter().take(MAX_COLUMNS).map(str::to_owned));
                    f(row, &cells)?;
                }
            }
        }
        Ok(())
    }
}

fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

// One pass over at most 50 MB, before any parsing: not worth a crate.
#[allow(clippy::naive_bytecount)]
fn memchr_count(bytes: &[u8], needle: u8) -> u64 {
    bytes.iter().filter(|b| **b == needle).count() as u64
}

/// A cell as text. Date-formatted cells become `YYYY-MM-DD`; whole numbers
/// lose their ".0".
fn cell_text(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(d) => {
            if d.is_datetime() {
                from_excel_serial(d.as_f64())
                    .map_or_else(|| number_text(d.as_f64()), |d| d.to_string())
            } else {
                number_text(d.as_f64())
            }
        }
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}
