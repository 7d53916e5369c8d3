//! Importing members, organizations and organizations' manual facts
//! (村情) from .xlsx and .csv files: file
//! checks before parsing (size, format, row count), header matching by
//! Chinese name or alias, every row checked with the same rules as the
//! forms, and all-or-nothing writes. A file with any bad row writes nothing
//! and comes back as a report (and, via [`annotated_xlsx`], as the same
//! rows with a 错误说明 column); a clean file is written in one
//! transaction with bulk inserts and one roll-up adjustment per affected
//! organization, audited as one import. Adapters (upload page, CLI with
//! progress bar) call [`import`], [`annotated_xlsx`] and [`template_xlsx`].
//!
//! Nothing here does per-row SQL: organizations are loaded once, existing
//! ID-card hashes are looked up in batches.

mod facts;
mod members;
mod orgs;
mod read;
mod report;
mod resolve;
mod template;

use crate::Services;
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use dangjian_domain::FieldError;
use dangjian_domain::role::Permission;
pub use dangjian_domain::sheet::SheetKind;
use dangjian_domain::sheet::header::{HeaderMap, map_headers};
use dangjian_store::org as odb;
use sha2::Digest;

pub use report::annotated_xlsx;
pub use template::template_xlsx;

/// Largest accepted upload (50 MB).
pub const MAX_BYTES: usize = 50 * 1024 * 1024;
/// Most data rows accepted in one file.
pub const MAX_ROWS: usize = 200_000;

/// What to import and where.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub kind: SheetKind,
    /// The uploaded file's name (its extension helps tell the format; it is
    /// recorded in the audit log).
    pub file_name: String,
    /// Organization names in the file are looked up in this organization's
    /// subtree; it must lie in the actor's scope.
    pub within_org: i64,
    /// Check everything, write nothing.
    pub dry_run: bool,
}

/// One problem in one row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// The row number as the clerk sees it in Excel: the header is row 1.
    pub row: u32,
    /// The header as written in the file; empty for whole-row problems.
    pub column: String,
    pub message: String,
}

/// The outcome of an import that got past the file checks.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub kind: SheetKind,
    pub file_name: String,
    /// Data rows read (blank rows are skipped and not counted).
    pub rows: usize,
    /// Rows written: `rows` after a clean import, 0 on errors or a dry run.
    pub imported: usize,
    pub dry_run: bool,
    /// Every problem, in row order. Non-empty means nothing was written.
    pub errors: Vec<RowError>,
    /// Headers that match no column, as written; their cells were not imported.
    pub unknown_columns: Vec<String>,
}

impl ImportReport {
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// Rows with at least one problem.
    pub fn bad_rows(&self) -> usize {
        let mut rows: Vec<u32> = self.errors.iter().map(|e| e.row).collect();
        rows.dedup();
        rows.len()
    }
}

/// Progress callback: `(done, total)` in work units. Checking a row is one
/// unit and writing it another, so `total` is twice the data rows; a file
/// with errors or a dry run jumps to `total` when checking ends.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Imports `bytes` as described by `opts`.
///
/// File-level problems (no permission, organization out of scope, too
/// large, not xlsx/csv, unreadable, empty, too many rows, missing or
/// doubled columns) are errors; row problems are in the returned report.
pub async fn import(
    svc: &Services,
    actor: &Actor,
    opts: &ImportOptions,
    bytes: &[u8],
    progress: Progress<'_>,
) -> ServiceResult<ImportReport> {
    actor.require(match opts.kind {
        SheetKind::Members => Permission::EditMembers,
        SheetKind::Orgs | SheetKind::OrgFacts => Permission::ManageOrgs,
    })?;
    // Scope first: someone outside it learns nothing about the file.
    let scope = {
        let mut conn = svc.store.read().await?;
        let org = odb::get_org(&mut conn, opts.within_org).await?;
        actor.require_scope(&org.path)?;
        org
    };
    if scope.status != "active" {
        return Err(ServiceError::field("file", "所选党组织已撤销，不能导入"));
    }
    let format = read::detect(&opts.file_name, bytes)?;
    let mut sheet = read::Sheet::open(format, bytes)?;
    let total_rows = sheet.count_rows()?.saturating_sub(1);
    let ctx = Context {
        svc,
        actor,
        opts,
        scope,
        sha256: hex::encode(sha2::Sha256::digest(bytes)),
        progress,
        total: total_rows * 2,
    };
    match opts.kind {
        SheetKind::Members => members::run(&ctx, &mut sheet).await,
        SheetKind::Orgs => orgs::run(&ctx, &mut sheet).await,
        SheetKind::OrgFacts => facts::run(&ctx, &mut sheet).await,
    }
}

/// What every step of one import needs.
pub(crate) struct Context<'a> {
    pub svc: &'a Services,
    pub actor: &'a Actor,
    pub opts: &'a ImportOptions,
    pub scope: odb::OrgRow,
    pub sha256: String,
    pub progress: Progress<'a>,
    /// Work units: twice the data rows counted before parsing.
    pub total: u64,
}

impl Context<'_> {
    pub fn report(
        &self,
        rows: usize,
        mut errors: Vec<RowError>,
        header: &HeaderMap,
    ) -> ImportReport {
        errors.sort_by_key(|e| e.row);
        ImportReport {
            kind: self.opts.kind,
            file_name: self.opts.file_name.clone(),
            rows,
            imported: 0,
            dry_run: self.opts.dry_run,
            errors,
            unknown_columns: header.unknown.clone(),
        }
    }

    /// Progress while checking (`done` rows checked), capped below the
    /// writing half.
    pub fn checked(&self, done: u64) {
        if done.is_multiple_of(256) {
            (self.progress)(done.min(self.total / 2), self.total);
        }
    }

    pub fn written(&self, done: u64) {
        (self.progress)((self.total / 2 + done).min(self.total), self.total);
    }

    pub fn finished(&self) {
        (self.progress)(self.total, self.total);
    }
}

/// Reads the header row (the first non-empty row) and hands every later
/// non-empty row to `row`. Returns the header map.
/// Excel's limit on the characters of one cell.
pub const MAX_CELL_CHARS: usize = 32_767;

pub(crate) fn scan(
    kind: SheetKind,
    sheet: &mut read::Sheet<'_>,
    mut row: impl FnMut(&HeaderMap, u32, &[String]) -> ServiceResult<()>,
) -> ServiceResult<HeaderMap> {
    let mut header: Option<HeaderMap> = None;
    sheet.for_each_row(|n, cells| {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        match &header {
            None => {
                header = Some(map_headers(kind, cells).map_err(|errs| {
                    ServiceError::Invalid(
                        errs.into_iter()
                            .map(|m| FieldError::new("file", m))
                            .collect(),
                    )
                })?);
                Ok(())
            }
            Some(h) => {
                // Excel holds at most 32,767 characters in a cell; a longer
                // one (a CSV can carry it) is refused here, on its row and
                // column, before the spreadsheet writer of the error report
                // would fail on it with an English message.
                if let Some((c, _)) = cells
                    .iter()
                    .enumerate()
                    .find(|(_, t)| t.chars().count() > MAX_CELL_CHARS)
                {
                    let name = h.written.get(c).map_or("", String::as_str);
                    return Err(ServiceError::field(
                        "file",
                        format!(
                            "第{n}行第{}列（{name}）的内容过长：一个单元格最多{MAX_CELL_CHARS}个字符，请检查该单元格",
                            c + 1
                        ),
                    ));
                }
                row(h, n, cells)
            }
        }
    })?;
    header.ok_or_else(|| ServiceError::field("file", "文件中没有表头和数据"))
}

/// Turns field errors of one row into row errors, skipping fields that
/// already have one (a cell that failed to parse is not blamed twice).
pub(crate) fn push_field_errors(
    kind: SheetKind,
    header: &HeaderMap,
    row: u32,
    field_errors: impl IntoIterator<Item = FieldError>,
    blamed: &mut Vec<&'static str>,
    out: &mut Vec<RowError>,
) {
    for fe in field_errors {
        if blamed.contains(&fe.field) {
            continue;
        }
        blamed.push(fe.field);
        out.push(RowError {
            row,
            column: header.written_for_field(kind, fe.field),
            message: fe.message,
        });
    }
}
