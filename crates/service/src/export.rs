//! Spreadsheet exports of the list pages: the member list with the filters
//! in force, and the organizations below one organization. Exports write the
//! canonical import headers (`domain::sheet::columns`) in their order, codes
//! as their Chinese labels and dates as `YYYY-MM-DD` text, so that a file
//! exported here imports again unchanged.
//!
//! Scope and permission are checked like the pages'. ID-card and phone
//! numbers are masked unless the caller asks for them and the role may
//! reveal them; a masked sheet shows the birth year, not the date. Every
//! member export is audited with the ids of the members it holds. Cells starting with a character
//! that a spreadsheet would read as the start of a formula are written with
//! Excel's quote prefix: they keep their text and never run as formulas.
//! Rows are read in chunks inside one read snapshot and streamed to a
//! constant-memory worksheet, so a county-wide list is never held whole.

use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::error::{ServiceError, ServiceResult};
use crate::members::{MemberQuery, parse_query};
use dangjian_domain::error::text_field;
use dangjian_domain::member::{Gender, IdCardNo, MemberCategory};
use dangjian_domain::org::{OrgKind, Sector};
use dangjian_domain::role::Permission;
use dangjian_domain::sheet::columns::{Column, ColumnKey, MEMBER_COLUMNS, ORG_COLUMNS};
use dangjian_store::export::{self as db, MemberExportRow};
use dangjian_store::member::count_members;
use dangjian_store::org::{self as odb, OrgRow};
use dangjian_store::{Conn, DbError, DbResult};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// A finished spreadsheet.
#[derive(Debug, Clone)]
pub struct Export {
    /// Suggested file name, e.g. `党员名单-中共某镇委员会-2026-11-29.xlsx`.
    pub file_name: String,
    /// Data rows (the header row not counted).
    pub rows: usize,
    pub bytes: Vec<u8>,
}

/// Sheet names.
pub const MEMBER_SHEET: &str = "党员名单";
pub const ORG_SHEET: &str = "党组织";
/// Data rows one worksheet holds (Excel's 1,048,576 rows less the header).
pub const MAX_ROWS: usize = 1_048_575;
/// Rows read per query.
const CHUNK: i64 = 1_000;

/// Called after each chunk with (rows written, rows expected).
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// The member list with the filters of `q` (all pages), as the list page
/// shows it. `unmasked` needs [`Permission::RevealSensitive`] and is audited.
pub async fn members_xlsx(
    svc: &Services,
    actor: &Actor,
    q: &MemberQuery,
    unmasked: bool,
) -> ServiceResult<Export> {
    members_xlsx_with_progress(svc, actor, q, unmasked, &|_, _| {}).await
}

/// [`members_xlsx`], reporting progress (the CLI draws a bar).
pub async fn members_xlsx_with_progress(
    svc: &Services,
    actor: &Actor,
    q: &MemberQuery,
    unmasked: bool,
    progress: Progress<'_>,
) -> ServiceResult<Export> {
    actor.require(Permission::ReadBusiness)?;
    if unmasked {
        actor.require(Permission::RevealSensitive)?;
    }
    let (org_id, mut filter, _page) = parse_query(svc, actor, q)?;
    let mut tx = svc.store.read_snapshot().await?;
    let scope = odb::get_org(&mut tx, org_id).await?;
    actor.require_scope(&scope.path)?;
    filter.scope_path.clone_from(&scope.path);
    filter.scope_upper = odb::upper_of(&scope.path);
    let total = if filter.is_scope_only() {
        scope.sub_members as usize
    } else {
        count_members(&mut tx, &filter, MAX_ROWS as i64 + 1).await? as usize
    };
    check_size(total)?;

    let mut sheet = Sheet::new(MEMBER_SHEET, MEMBER_COLUMNS, member_width)?;
    let mut labels = OrgLabels::default();
    let mut after = (String::new(), 0);
    let mut exported = Vec::with_capacity(total);
    loop {
        let chunk = db::members_after(&mut tx, &filter, (&after.0, after.1), CHUNK).await?;
        let Some(last) = chunk.last() else { break };
        after = (last.org_path.clone(), last.id);
        labels.load(&mut tx, chunk.iter().map(|m| m.org_id)).await?;
        for m in &chunk {
            exported.push(m.id);
            let cells = MEMBER_COLUMNS
                .iter()
                .map(|c| member_cell(svc, c.key, m, &labels, unmasked))
                .collect::<ServiceResult<Vec<_>>>()?;
            sheet.write_row(&cells)?;
        }
        check_size(sheet.rows)?;
        progress(sheet.rows, total.max(sheet.rows));
    }
    drop(tx);
    let rows = sheet.rows;
    let bytes = sheet.finish()?;
    // Every member export is audited, masked or not: who took which
    // members' records out of the platform (the ids as ranges).
    {
        let mut tx = svc.store.begin_write().await?;
        audit::by(
            tx.conn(),
            svc,
            actor,
            if unmasked {
                "export.members.unmasked"
            } else {
                "export.members"
            },
            &format!("org:{}", scope.id),
            &scope.path,
            &json!({
                "filters": {
                    "org": scope.id,
                    "category": q.category,
                    "sector": q.sector,
                    "age": q.age,
                    "joined_year": q.joined_year,
                    "q": q.q,
                },
                "rows": rows,
                "members": id_ranges(exported),
                "fields": if unmasked { json!(["id_card", "phone"]) } else { json!([]) },
            }),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(Export {
        file_name: file_name(MEMBER_SHEET, &scope.name, svc),
        rows,
        bytes,
    })
}

/// The active organizations below `org_id` (not the organization itself),
/// parents before their children, optionally only those whose name contains
/// `search` (the tree page's search).
pub async fn orgs_xlsx(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    search: &str,
) -> ServiceResult<Export> {
    orgs_xlsx_with_progress(svc, actor, org_id, search, &|_, _| {}).await
}

/// [`orgs_xlsx`], reporting progress.
pub async fn orgs_xlsx_with_progress(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    search: &str,
    progress: Progress<'_>,
) -> ServiceResult<Export> {
    actor.require(Permission::ReadBusiness)?;
    let mut tx = svc.store.read_snapshot().await?;
    let root = odb::get_org(&mut tx, org_id).await?;
    actor.require_scope(&root.path)?;
    let needle = text_field("q", "搜索词", search, false, 50)?;
    let needle = (!needle.is_empty()).then_some(needle);
    let total = root.sub_orgs as usize;
    check_size(total)?;

    let mut sheet = Sheet::new(ORG_SHEET, ORG_COLUMNS, org_width)?;
    let mut labels = OrgLabels::default();
    let upper = odb::upper_of(&root.path);
    let mut after = root.path.clone();
    loop {
        let chunk = db::orgs_after(&mut tx, &after, &upper, needle.as_deref(), CHUNK).await?;
        let Some(last) = chunk.last() else { break };
        after.clone_from(&last.path);
        for o in &chunk {
            labels.remember(o);
        }
        labels
            .load(&mut tx, chunk.iter().filter_map(|o| o.parent_id))
            .await?;
        for o in &chunk {
            let cells: Vec<Cell> = ORG_COLUMNS
                .iter()
                .map(|c| org_cell(c.key, o, &labels))
                .collect();
            sheet.write_row(&cells)?;
        }
        check_size(sheet.rows)?;
        progress(sheet.rows, total.max(sheet.rows));
    }
    drop(tx);
    let rows = sheet.rows;
    Ok(Export {
        file_name: file_name(ORG_SHEET, &root.name, svc),
        rows,
        bytes: sheet.finish()?,
    })
}

fn check_size(rows: usize) -> ServiceResult<()> {
    if rows > MAX_ROWS {
        Err(ServiceError::field(
            "org",
            format!("导出超过 Excel 单表上限（{MAX_ROWS} 行），请缩小范围或增加筛选条件"),
        ))
    } else {
        Ok(())
    }
}

/// `党员名单-<organization>-<date>.xlsx`, with characters that file systems
/// refuse replaced.
fn file_name(sheet: &str, org: &str, svc: &Services) -> String {
    let org: String = org
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    format!("{sheet}-{org}-{}.xlsx", svc.clock.today())
}

/// Ids as sorted, comma-separated ranges (`3-7,9,12-40`): a subtree's
/// members are mostly consecutive, so a county's export stays short.
fn id_ranges(mut ids: Vec<i64>) -> String {
    ids.sort_unstable();
    ids.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < ids.len() {
        let start = ids[i];
        while i + 1 < ids.len() && ids[i + 1] == ids[i] + 1 {
            i += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&start.to_string());
        if ids[i] != start {
            out.push('-');
            out.push_str(&ids[i].to_string());
        }
        i += 1;
    }
    out
}

/// One cell's value.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

fn text(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_owned())
    }
}

fn birth_year(birth_month: &str) -> &str {
    birth_month.get(..4).unwrap_or_default()
}

fn member_cell(
    svc: &Services,
    key: ColumnKey,
    m: &MemberExportRow,
    labels: &OrgLabels,
    unmasked: bool,
) -> ServiceResult<Cell> {
    let undecryptable = || ServiceError::forbidden("无法解密：密钥与数据库不匹配");
    Ok(match key {
        ColumnKey::Name => text(&m.name),
        ColumnKey::Gender => {
            text(Gender::from_code(&m.gender).map_or(m.gender.as_str(), |g| g.label()))
        }
        ColumnKey::IdCard if unmasked => Cell::Text(
            svc.crypto
                .decrypt(&m.id_card_enc)
                .ok_or_else(undecryptable)?,
        ),
        ColumnKey::IdCard => text(&m.id_card_masked),
        ColumnKey::Ethnicity => text(&m.ethnicity),
        // The full date only where the number is shown whole; a masked
        // sheet shows the year, so that nothing in it rebuilds a number.
        ColumnKey::BirthDate if unmasked => {
            let raw = svc
                .crypto
                .decrypt(&m.id_card_enc)
                .ok_or_else(undecryptable)?;
            match IdCardNo::parse(&raw) {
                Ok(id) => Cell::Text(id.birth_date().to_string()),
                Err(_) => text(birth_year(&m.birth_month)),
            }
        }
        ColumnKey::BirthDate => text(birth_year(&m.birth_month)),
        ColumnKey::Education => text(&m.education),
        ColumnKey::Category => {
            text(MemberCategory::from_code(&m.category).map_or(m.category.as_str(), |c| c.label()))
        }
        ColumnKey::JoinedOn => text(&m.joined_on),
        ColumnKey::FullOn => text(m.full_on.as_deref().unwrap_or_default()),
        ColumnKey::Org => Cell::Text(labels.label(m.org_id)),
        ColumnKey::Post => text(&m.post),
        ColumnKey::Phone if unmasked => match &m.phone_enc {
            Some(enc) => Cell::Text(svc.crypto.decrypt(enc).ok_or_else(undecryptable)?),
            None => Cell::Empty,
        },
        ColumnKey::Phone => text(&m.phone_masked),
        ColumnKey::Address => text(&m.address),
        _ => Cell::Empty,
    })
}

fn org_cell(key: ColumnKey, o: &OrgRow, labels: &OrgLabels) -> Cell {
    match key {
        ColumnKey::Name => text(&o.name),
        ColumnKey::Parent => o
            .parent_id
            .map_or(Cell::Empty, |p| Cell::Text(labels.label(p))),
        ColumnKey::Kind => text(OrgKind::from_code(&o.kind).map_or(o.kind.as_str(), |k| k.label())),
        ColumnKey::Sector => {
            text(Sector::from_code(&o.sector).map_or(o.sector.as_str(), |s| s.label()))
        }
        ColumnKey::SecretaryName => text(&o.secretary_name),
        ColumnKey::SecretaryVacantSince => {
            text(o.secretary_vacant_since.as_deref().unwrap_or_default())
        }
        ColumnKey::UnitName => text(&o.unit_name),
        ColumnKey::Population => o.population.map_or(Cell::Empty, |p| Cell::Number(p as f64)),
        _ => Cell::Empty,
    }
}

fn member_width(key: ColumnKey) -> f64 {
    match key {
        ColumnKey::Name | ColumnKey::Ethnicity => 10.0,
        ColumnKey::Gender => 6.0,
        ColumnKey::IdCard => 22.0,
        ColumnKey::Org => 36.0,
        ColumnKey::Post => 18.0,
        ColumnKey::Phone => 14.0,
        ColumnKey::Address => 30.0,
        _ => 12.0,
    }
}

fn org_width(key: ColumnKey) -> f64 {
    match key {
        ColumnKey::Name | ColumnKey::Parent => 36.0,
        ColumnKey::SecretaryVacantSince => 18.0,
        ColumnKey::UnitName => 26.0,
        _ => 10.0,
    }
}

/// True when a spreadsheet would take the text for the start of a formula
/// (or of a DDE payload): = + - @, and tab or carriage return before them.
pub fn looks_like_formula(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A one-worksheet workbook in constant-memory mode, written row by row.
struct Sheet {
    workbook: Workbook,
    quoted: Format,
    rows: usize,
}

fn xlsx_error(e: XlsxError) -> ServiceError {
    ServiceError::Db(DbError::io(std::io::Error::other(e)))
}

impl Sheet {
    fn new(name: &str, columns: &[Column], width: fn(ColumnKey) -> f64) -> ServiceResult<Self> {
        let mut workbook = Workbook::new();
        let ws = workbook
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_error)?;
        ws.set_name(name).map_err(xlsx_error)?;
        let bold = Format::new().set_bold();
        for (i, c) in columns.iter().enumerate() {
            let col = i as u16;
            ws.set_column_width(col, width(c.key)).map_err(xlsx_error)?;
            ws.write_string_with_format(0, col, c.header, &bold)
                .map_err(xlsx_error)?;
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        Ok(Self {
            workbook,
            quoted: Format::new().set_quote_prefix(),
            rows: 0,
        })
    }

    fn write_row(&mut self, cells: &[Cell]) -> ServiceResult<()> {
        let row = u32::try_from(self.rows + 1).map_err(|_| check_size(usize::MAX).unwrap_err())?;
        let ws = self.workbook.worksheet_from_index(0).map_err(xlsx_error)?;
        for (i, cell) in cells.iter().enumerate() {
            let col = i as u16;
            match cell {
                Cell::Text(s) if looks_like_formula(s) => {
                    ws.write_string_with_format(row, col, s, &self.quoted)
                }
                Cell::Text(s) => ws.write_string(row, col, s),
                Cell::Number(n) => ws.write_number(row, col, *n),
                Cell::Empty => continue,
            }
            .map_err(xlsx_error)?;
        }
        self.rows += 1;
        Ok(())
    }

    fn finish(mut self) -> ServiceResult<Vec<u8>> {
        self.workbook.save_to_buffer().map_err(xlsx_error)
    }
}

/// How an export names an organization so the importer finds it again:
/// the full name, or `上级全称/名称` when several organizations share the name.
#[derive(Default)]
struct OrgLabels {
    /// id → (name, parent id)
    orgs: HashMap<i64, (String, Option<i64>)>,
    /// name → organizations bearing it
    counts: HashMap<String, i64>,
}

impl OrgLabels {
    fn remember(&mut self, o: &OrgRow) {
        self.orgs
            .entry(o.id)
            .or_insert_with(|| (o.name.clone(), o.parent_id));
    }

    /// Loads what [`Self::label`] needs for `ids`: each organization, its
    /// parent, and how many organizations share its name.
    async fn load(&mut self, conn: &mut Conn, ids: impl Iterator<Item = i64>) -> DbResult<()> {
        let ids: HashSet<i64> = ids.collect();
        self.fetch(conn, ids.iter().copied()).await?;
        let parents: Vec<i64> = ids
            .iter()
            .filter_map(|id| self.orgs.get(id).and_then(|o| o.1))
            .collect();
        self.fetch(conn, parents.into_iter()).await?;
        let names: Vec<String> = ids
            .iter()
            .filter_map(|id| self.orgs.get(id).map(|o| o.0.clone()))
            .filter(|n| !self.counts.contains_key(n))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for (name, n) in db::name_counts(conn, &names).await? {
            self.counts.insert(name, n);
        }
        Ok(())
    }

    async fn fetch(&mut self, conn: &mut Conn, ids: impl Iterator<Item = i64>) -> DbResult<()> {
        let missing: Vec<i64> = ids.filter(|id| !self.orgs.contains_key(id)).collect();
        for o in odb::get_orgs(conn, &missing).await? {
            self.remember(&o);
        }
        Ok(())
    }

    fn label(&self, id: i64) -> String {
        let Some((name, parent)) = self.orgs.get(&id) else {
            return String::new();
        };
        match parent.and_then(|p| self.orgs.get(&p)) {
            Some((parent_name, _)) if self.counts.get(name).copied().unwrap_or(0) > 1 => {
                format!("{parent_name}/{name}")
            }
            _ => name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_recognised() {
        for s in ["=1+1", "+86", "-3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert!(looks_like_formula(s), "{s:?}");
        }
        for s in ["张三", "1=1", "", " =1", "２０"] {
            assert!(!looks_like_formula(s), "{s:?}");
        }
    }
}

#[cfg(test)]
mod id_range_tests {
    use super::id_ranges;

    #[test]
    fn ids_are_written_as_ranges() {
        assert_eq!(id_ranges(vec![]), "");
        assert_eq!(id_ranges(vec![5]), "5");
        assert_eq!(id_ranges(vec![9, 3, 4, 5, 7, 12, 13, 3]), "3-5,7,9,12-13");
    }
}
