//! 村情 import: many organizations' manual facts at once. Each row names
//! its organization by full name (组织名称, resolved in the subtree like the
//! member import) or by number (组织编号), and is checked by the facts
//! form's own parser (`org_facts::parse_form`), so form and file share one
//! set of rules and messages. One organization and year may appear once
//! per file. A clean file replaces those rows in one transaction with one
//! audit entry (`import.org_facts`); any bad row writes nothing.

use super::read::Sheet;
use super::resolve::OrgIndex;
use super::{Context, ImportReport, RowError, push_field_errors, scan};
use crate::audit;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, Change, ChangeKind};
use crate::org_facts::{self, Facts, FactsForm};
use dangjian_domain::FieldError;
use dangjian_domain::sheet::row::{DuplicateFinder, RowValues, duplicate_message};
use dangjian_domain::sheet::{ColumnKey, SheetKind};
use dangjian_store::org::OrgRow;
use dangjian_store::org_facts as db;
use serde_json::json;
use std::collections::HashMap;

const KIND: SheetKind = SheetKind::OrgFacts;

pub(crate) async fn run(ctx: &Context<'_>, sheet: &mut Sheet<'_>) -> ServiceResult<ImportReport> {
    let index = {
        let mut conn = ctx.svc.store.read().await?;
        OrgIndex::load(&mut conn, &ctx.scope).await?
    };
    let by_id: HashMap<i64, &OrgRow> = index.orgs.iter().map(|o| (o.id, o)).collect();
    let this_year = org_facts::this_year(ctx.svc);
    let mut rows = 0usize;
    let mut errors: Vec<RowError> = Vec::new();
    let mut parsed: Vec<(&OrgRow, Facts)> = Vec::new();
    let mut dups: DuplicateFinder<(i64, i16)> = DuplicateFinder::default();
    let header = scan(KIND, sheet, |header, n, cells| {
        let has = |k: ColumnKey| {
            header
                .positions
                .iter()
                .any(|c| c.is_some_and(|c| c.key == k))
        };
        if !has(ColumnKey::Org) && !has(ColumnKey::OrgCode) {
            return Err(ServiceError::field(
                "file",
                "缺少列“组织名称”或“组织编号”，至少需要其中一列",
            ));
        }
        let v = RowValues::from_cells(header, cells);
        if v.is_blank() {
            return Ok(());
        }
        rows += 1;
        ctx.checked(rows as u64);
        let mut blamed: Vec<&'static str> = Vec::new();
        let mut fe: Vec<FieldError> = Vec::new();
        let name = v.get(ColumnKey::Org);
        let code = v.get(ColumnKey::OrgCode);
        let org = match (name, code) {
            ("", "") => {
                fe.push(FieldError::new("org", "请填写组织名称或组织编号"));
                None
            }
            (_, code) if !code.is_empty() => {
                let found = code
                    .parse::<i64>()
                    .ok()
                    .and_then(|id| by_id.get(&id).copied());
                match found {
                    Some(o) if name.is_empty() || name == o.name => Some(o),
                    Some(o) => {
                        fe.push(FieldError::new(
                            "org",
                            format!("组织编号{code}是“{}”，与组织名称“{name}”不符", o.name),
                        ));
                        None
                    }
                    None => {
                        fe.push(FieldError::new(
                            "org_code",
                            format!("在“{}”范围内找不到编号为“{code}”的党组织", ctx.scope.name),
                        ));
                        None
                    }
                }
            }
            (name, _) => match index.resolve(name) {
                Ok(o) => Some(o),
                Err(m) => {
                    fe.push(FieldError::new("org", m));
                    None
                }
            },
        };
        let form = FactsForm {
            year: v.get(ColumnKey::Year).to_owned(),
            petitions: v.get(ColumnKey::Petitions).replace(',', ""),
            satisfaction: v.get(ColumnKey::Satisfaction).to_owned(),
            disclosure: v.get(ColumnKey::Disclosure).to_owned(),
            supervision: v.get(ColumnKey::Supervision).to_owned(),
        };
        let facts = match org_facts::parse_form(&form, this_year) {
            Ok(f) => Some(f),
            Err(errs) => {
                fe.extend(errs);
                None
            }
        };
        if let (Some(o), Some(f)) = (org, facts)
            && let Some(first) = dups.see((o.id, f.year), n)
        {
            fe.push(FieldError::new(
                "org",
                format!(
                    "{}（同一组织同一年度只能有一行）",
                    duplicate_message(first, "组织和年度")
                ),
            ));
        }
        // A message about the organization goes to whichever column the
        // row used to name it.
        let fe = fe.into_iter().map(|mut e| {
            if e.field == "org" && name.is_empty() && !code.is_empty() {
                e.field = "org_code";
            }
            e
        });
        let before = errors.len();
        push_field_errors(KIND, header, n, fe, &mut blamed, &mut errors);
        if errors.len() == before
            && let (Some(o), Some(f)) = (org, facts)
        {
            parsed.push((o, f));
        }
        Ok(())
    })?;
    if rows == 0 {
        return Err(ServiceError::field("file", "文件中没有数据行"));
    }
    if ctx.opts.dry_run || !errors.is_empty() {
        ctx.finished();
        return Ok(ctx.report(rows, errors, &header));
    }
    let svc = ctx.svc;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let mut years: Vec<i16> = Vec::new();
    for (i, (o, f)) in parsed.iter().enumerate() {
        let row = org_facts::row_of(o, f, &ctx.actor.username, &now);
        db::upsert(tx.conn(), &row).await?;
        if !years.contains(&f.year) {
            years.push(f.year);
        }
        ctx.written(i as u64 + 1);
    }
    years.sort_unstable();
    audit::by(
        tx.conn(),
        svc,
        ctx.actor,
        "import.org_facts",
        &format!("org:{}", ctx.scope.id),
        &ctx.scope.path,
        &json!({"file": ctx.opts.file_name, "rows": parsed.len(), "years": years, "sha256": ctx.sha256}),
    )
    .await?;
    events::commit(
        ctx.svc,
        tx,
        [Change::new(ChangeKind::OrgFacts, &ctx.scope.path)],
    )
    .await?;
    ctx.finished();
    let mut report = ctx.report(rows, Vec::new(), &header);
    report.imported = parsed.len();
    Ok(report)
}
