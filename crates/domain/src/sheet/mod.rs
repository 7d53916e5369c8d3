//! The spreadsheet vocabulary shared by imports and exports: which columns a
//! member or organization sheet has, under which Chinese header names (with
//! the aliases clerks and the national member system use), how cell text is
//! normalized, dates are read, CSV bytes are decoded, header rows are mapped
//! and rows become form values. Pure: no file formats or I/O here, only
//! bytes, header names and cell strings.

pub mod columns;
pub mod date;
pub mod decode;
pub mod header;
pub mod row;
pub mod text;

pub use columns::{Column, ColumnKey, SheetKind};
