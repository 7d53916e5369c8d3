//! The spreadsheet vocabulary shared by imports and exports: which columns a
//! member or organization sheet has, under which Chinese header names (with
//! the aliases clerks and the national member system use), and how cell
//! text is normalized and dates are read. Pure: no file formats here, only
//! header names and cell strings.

pub mod columns;

pub use columns::{Column, ColumnKey, SheetKind};
