//! Organization import: each row checked by the organization form's parser
//! (`OrgForm::parse`); 上级党组织 is an active organization of the subtree
//! or an earlier row of the same file; a name may not repeat under one
//! parent. A clean file is inserted in one transaction with ids, paths,
//! depths and roll-ups computed here (as `orgs::create` would, one by one),
//! each new organization starting its first committee term today.

use super::read::Sheet;
use super::resolve::OrgIndex;
use super::{Context, ImportReport, RowError, push_field_errors, scan};
use crate::audit;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, Change, ChangeKind};
use crate::orgs::OrgForm;
use dangjian_domain::FieldError;
use dangjian_domain::org::{OrgKind, Sector, default_term_years, term_due_date};
use dangjian_domain::sheet::SheetKind;
use dangjian_domain::sheet::row::{DuplicateFinder, RowValues, org_values};
use dangjian_store::bulk;
use dangjian_store::org::{self as odb, Delta, OrgDetails, OrgRow};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};

const KIND: SheetKind = SheetKind::Orgs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ParentRef {
    /// Index into the loaded organizations.
    Db(usize),
    /// Index into the file's new organizations.
    File(usize),
}

struct NewOrg {
    name: String,
    parent: Option<ParentRef>,
    details: Option<OrgDetails>,
}

pub(crate) async fn run(ctx: &Context<'_>, sheet: &mut Sheet<'_>) -> ServiceResult<ImportReport> {
    let index = {
        let mut conn = ctx.svc.store.read().await?;
        OrgIndex::load(&mut conn, &ctx.scope).await?
    };
    let today = ctx.svc.clock.today();
    let taken: HashSet<(i64, &str)> = index
        .orgs
        .iter()
        .filter_map(|o| o.parent_id.map(|p| (p, o.name.as_str())))
        .collect();
    let mut rows = 0usize;
    let mut errors: Vec<RowError> = Vec::new();
    let mut new: Vec<NewOrg> = Vec::new();
    let mut dups: DuplicateFinder<(ParentRef, String)> = DuplicateFinder::default();
    let header = scan(KIND, sheet, |header, n, cells| {
        let v = RowValues::from_cells(header, cells);
        if v.is_blank() {
            return Ok(());
        }
        rows += 1;
        ctx.checked(rows as u64);
        let (vals, field_errors) = org_values(&v);
        let mut blamed: Vec<&'static str> = Vec::new();
        let mut row_errors = Vec::new();
        push_field_errors(KIND, header, n, field_errors, &mut blamed, &mut row_errors);
        let mut fe = Vec::new();
        let parent = if vals.parent.is_empty() {
            None
        } else {
            match find_parent(&index, &new, &vals.parent) {
                Ok(p) => Some(p),
                Err(m) => {
                    fe.push(FieldError::new("parent_id", m));
                    None
                }
            }
        };
        if let Some(p) = parent
            && !vals.name.is_empty()
        {
            let parent_name = parent_name(&index, &new, p);
            if let Some(first) = dups.see((p, vals.name.clone()), n) {
                fe.push(FieldError::new(
                    "name",
                    format!("与第{first}行的党组织名称重复（上级党组织都是“{parent_name}”）"),
                ));
            } else if let ParentRef::Db(i) = p
                && taken.contains(&(index.orgs[i].id, vals.name.as_str()))
            {
                fe.push(FieldError::new(
                    "name",
                    format!("“{parent_name}”下已有名为“{}”的党组织", vals.name),
                ));
            }
        }
        push_field_errors(KIND, header, n, fe, &mut blamed, &mut row_errors);
        let form = OrgForm {
            name: vals.name.clone(),
            kind: vals.kind,
            sector: vals.sector,
            secretary_name: vals.secretary_name,
            secretary_vacant_since: vals.secretary_vacant_since,
            unit_name: vals.unit_name,
            population: vals.population,
        };
        let details = match form.parse(today) {
            Ok(d) => Some(d),
            Err(ServiceError::Invalid(fes)) => {
                push_field_errors(KIND, header, n, fes, &mut blamed, &mut row_errors);
                None
            }
            Err(other) => return Err(other),
        };
        // Later rows may name this one as their parent even when it is bad.
        new.push(NewOrg {
            name: vals.name,
            parent,
            details: details.filter(|_| row_errors.is_empty()),
        });
        errors.extend(row_errors);
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
    // Parents were resolved before the write lock: they must be unchanged.
    let db_parents: Vec<i64> = new
        .iter()
        .filter_map(|o| match o.parent {
            Some(ParentRef::Db(i)) => Some(index.orgs[i].id),
            _ => None,
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let current = odb::get_orgs(tx.conn(), &db_parents).await?;
    let unchanged = current.len() == db_parents.len()
        && current.iter().all(|c| {
            c.status == "active" && index.orgs.iter().any(|o| o.id == c.id && o.path == c.path)
        });
    if !unchanged {
        return Err(ServiceError::field(
            "file",
            "导入过程中上级党组织发生了变化（撤销或调整），请重新导入",
        ));
    }
    let base = bulk::max_org_id(tx.conn()).await?;
    let mut out: Vec<OrgRow> = Vec::with_capacity(new.len());
    for (i, o) in new.iter().enumerate() {
        let (Some(d), Some(p)) = (&o.details, o.parent) else {
            unreachable!("a clean file has details and a parent on every row")
        };
        let (parent_id, parent_path, parent_depth) = match p {
            ParentRef::Db(j) => (
                index.orgs[j].id,
                index.orgs[j].path.clone(),
                index.orgs[j].depth,
            ),
            ParentRef::File(j) => (out[j].id, out[j].path.clone(), out[j].depth),
        };
        let id = base + 1 + i as i64;
        out.push(OrgRow {
            id,
            parent_id: Some(parent_id),
            path: format!("{parent_path}{id}/"),
            depth: parent_depth + 1,
            name: d.name.clone(),
            kind: d.kind.clone(),
            sector: d.sector.clone(),
            secretary_name: d.secretary_name.clone(),
            secretary_vacant_since: d.secretary_vacant_since.clone(),
            unit_name: d.unit_name.clone(),
            population: d.population,
            status: "active".to_owned(),
            dissolved_on: None,
            sub_orgs: 0,
            sub_members: 0,
            sub_full: 0,
            sub_probationary: 0,
            created_at: now.clone(),
            updated_at: now.clone(),
        });
    }
    // Children come after their parents: sum sub-organizations bottom-up.
    let mut existing: BTreeMap<String, i64> = BTreeMap::new();
    for i in (0..new.len()).rev() {
        let below = out[i].sub_orgs + 1;
        match new[i].parent {
            Some(ParentRef::File(j)) => out[j].sub_orgs += below,
            Some(ParentRef::Db(j)) => {
                *existing.entry(index.orgs[j].path.clone()).or_default() += below;
            }
            None => {}
        }
    }
    let engine = svc.store.engine;
    bulk::insert_orgs(tx.conn(), engine, &out).await?;
    bulk::sync_org_sequence(tx.conn(), engine).await?;
    ctx.written(out.len() as u64 / 2);
    for (path, n) in existing {
        odb::adjust_ancestors(
            tx.conn(),
            &path,
            Delta {
                orgs: n,
                ..Delta::default()
            },
        )
        .await?;
    }
    let terms: Vec<(i64, String, String)> = out
        .iter()
        .map(|o| {
            let kind = OrgKind::from_code(&o.kind).unwrap_or(OrgKind::Branch);
            let sector = Sector::from_code(&o.sector).unwrap_or(Sector::Rural);
            let due = term_due_date(today, default_term_years(kind, sector));
            (o.id, today.to_string(), due.to_string())
        })
        .collect();
    bulk::insert_terms(tx.conn(), engine, &terms, &now).await?;
    audit::by(
        tx.conn(),
        svc,
        ctx.actor,
        "import.orgs",
        &format!("org:{}", ctx.scope.id),
        &ctx.scope.path,
        &json!({"file": ctx.opts.file_name, "rows": out.len(), "sha256": ctx.sha256}),
    )
    .await?;
    events::commit(
        ctx.svc,
        tx,
        [Change::new(ChangeKind::Orgs, &ctx.scope.path)],
    )
    .await?;
    ctx.finished();
    let mut report = ctx.report(rows, Vec::new(), &header);
    report.imported = out.len();
    Ok(report)
}

fn parent_name<'a>(index: &'a OrgIndex, new: &'a [NewOrg], p: ParentRef) -> &'a str {
    match p {
        ParentRef::Db(i) => &index.orgs[i].name,
        ParentRef::File(i) => &new[i].name,
    }
}

/// 上级党组织: an earlier row of the file or an organization of the subtree.
fn find_parent(index: &OrgIndex, new: &[NewOrg], text: &str) -> Result<ParentRef, String> {
    let segments: Vec<&str> = text.split('/').map(str::trim).collect();
    let (name, uppers) = segments.split_last().unwrap_or((&"", &[]));
    let mut found: Vec<ParentRef> = new
        .iter()
        .enumerate()
        .filter(|(_, o)| {
            if o.name == text {
                return true;
            }
            !uppers.is_empty()
                && o.name == *name
                && o.parent
                    .is_some_and(|p| Some(&parent_name(index, new, p)) == uppers.last())
        })
        .map(|(i, _)| ParentRef::File(i))
        .collect();
    let db = index.candidate_indices(text);
    found.extend(db.iter().map(|i| ParentRef::Db(*i)));
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(index.not_found(text)),
        _ => Err(match db.first() {
            Some(example) => index.ambiguous(text, found.len(), &index.orgs[*example]),
            None => format!(
                "有{}个党组织名为“{text}”，请写成“上级全称/名称”的形式",
                found.len()
            ),
        }),
    }
}
