//! Member import: each row read into the member form and checked by the
//! form's own parser (`members::parse_form`), organizations resolved in
//! the subtree, duplicates found inside the file and, in batches, against
//! the database; a clean file is bulk-inserted in one transaction with one
//! roll-up adjustment per organization and one audit entry.

use super::read::Sheet;
use super::resolve::OrgIndex;
use super::{Context, ImportReport, RowError, push_field_errors, scan};
use crate::audit;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, Change, ChangeKind};
use crate::members::{MemberForm, parse_form};
use crate::security::{self, Hits};
use dangjian_domain::member::IdCardNo;
use dangjian_domain::sheet::SheetKind;
use dangjian_domain::sheet::row::{DuplicateFinder, RowValues, duplicate_message, member_values};
use dangjian_store::Conn;
use dangjian_store::bulk::{self, BulkMember};
use dangjian_store::member as mdb;
use dangjian_store::org::{self as odb, Delta};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

const KIND: SheetKind = SheetKind::Members;
/// Rows per bulk-insert call between progress reports.
const WRITE_CHUNK: usize = 2_000;

pub(crate) async fn run(ctx: &Context<'_>, sheet: &mut Sheet<'_>) -> ServiceResult<ImportReport> {
    let index = {
        let mut conn = ctx.svc.store.read().await?;
        OrgIndex::load(&mut conn, &ctx.scope).await?
    };
    let svc = ctx.svc;
    let mut rows = 0usize;
    let mut errors: Vec<RowError> = Vec::new();
    let mut members: Vec<BulkMember> = Vec::new();
    // (row, ID hash) of every row whose number parsed, for the database check.
    let mut hashes: Vec<(u32, String)> = Vec::new();
    let mut dups = DuplicateFinder::default();
    let header = scan(KIND, sheet, |header, n, cells| {
        let v = RowValues::from_cells(header, cells);
        if v.is_blank() {
            return Ok(());
        }
        rows += 1;
        ctx.checked(rows as u64);
        let (vals, field_errors) = member_values(&v);
        let before = errors.len();
        let mut blamed: Vec<&'static str> = Vec::new();
        push_field_errors(KIND, header, n, field_errors, &mut blamed, &mut errors);
        let org = if vals.org.is_empty() {
            None
        } else {
            match index.resolve(&vals.org) {
                Ok(o) => Some(o),
                Err(m) => {
                    push_field_errors(
                        KIND,
                        header,
                        n,
                        [dangjian_domain::FieldError::new("org_id", m)],
                        &mut blamed,
                        &mut errors,
                    );
                    None
                }
            }
        };
        if let Ok(id) = IdCardNo::parse(&vals.id_card) {
            if let Some(first) = dups.see(id.as_str().to_owned(), n) {
                let column = header.written_for_field(KIND, "id_card");
                let message = duplicate_message(first, &column);
                push_field_errors(
                    KIND,
                    header,
                    n,
                    [dangjian_domain::FieldError::new("id_card", message)],
                    &mut blamed,
                    &mut errors,
                );
            } else {
                hashes.push((n, svc.crypto.mac("id_card", id.as_str())));
            }
        }
        let form = MemberForm {
            org_id: org.map(|o| o.id.to_string()).unwrap_or_default(),
            name: vals.name,
            id_card: vals.id_card,
            gender: vals.gender,
            birth_date: vals.birth_date,
            ethnicity: vals.ethnicity,
            education: vals.education,
            category: vals.category,
            joined_on: vals.joined_on,
            full_on: vals.full_on,
            post: vals.post,
            phone: vals.phone,
            address: vals.address,
        };
        match parse_form(svc, &form, None) {
            Ok(p) if errors.len() == before => {
                if let Some(o) = org
                    && errors.is_empty()
                {
                    members.push(BulkMember {
                        org_id: o.id,
                        org_path: o.path.clone(),
                        fields: p.fields,
                    });
                }
            }
            Ok(_) => {}
            Err(ServiceError::Invalid(fes)) => {
                push_field_errors(KIND, header, n, fes, &mut blamed, &mut errors);
            }
            Err(other) => return Err(other),
        }
        if !errors.is_empty() {
            // Nothing will be written: stop holding parsed rows.
            members = Vec::new();
        }
        Ok(())
    })?;
    if rows == 0 {
        return Err(ServiceError::field("file", "文件中没有数据行"));
    }
    let id_column = header.written_for_field(KIND, "id_card");
    if ctx.opts.dry_run || !errors.is_empty() {
        let hits = {
            let mut conn = ctx.svc.store.read().await?;
            registered(ctx, &mut conn, &hashes, &id_column, &mut errors).await?
        };
        record_hits(ctx, hits).await?;
        ctx.finished();
        return Ok(ctx.report(rows, errors, &header));
    }
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let hits = registered(ctx, tx.conn(), &hashes, &id_column, &mut errors).await?;
    if !errors.is_empty() {
        drop(tx);
        record_hits(ctx, hits).await?;
        ctx.finished();
        return Ok(ctx.report(rows, errors, &header));
    }
    recheck_orgs(tx.conn(), &members).await?;
    let engine = svc.store.engine;
    let mut done = 0;
    for chunk in members.chunks(WRITE_CHUNK) {
        bulk::insert_members(tx.conn(), engine, chunk, &now).await?;
        done += chunk.len();
        ctx.written(done as u64);
    }
    // One roll-up adjustment per organization that received members.
    let mut deltas: BTreeMap<&str, Delta> = BTreeMap::new();
    for m in &members {
        let d = deltas.entry(m.org_path.as_str()).or_default();
        d.members += 1;
        if m.fields.category == "full" {
            d.full += 1;
        } else {
            d.probationary += 1;
        }
    }
    for (path, d) in deltas {
        odb::adjust_ancestors(tx.conn(), path, d).await?;
    }
    audit::by(
        tx.conn(),
        svc,
        ctx.actor,
        "import.members",
        &format!("org:{}", ctx.scope.id),
        &ctx.scope.path,
        &json!({"file": ctx.opts.file_name, "rows": members.len(), "sha256": ctx.sha256}),
    )
    .await?;
    events::commit(
        ctx.svc,
        tx,
        [Change::new(ChangeKind::Members, &ctx.scope.path)],
    )
    .await?;
    ctx.finished();
    let mut report = ctx.report(rows, Vec::new(), &header);
    report.imported = members.len();
    Ok(report)
}

/// Audits and counts the file's duplicate hits in a write transaction of
/// their own (the import itself writes nothing); past the daily limit the
/// whole file is refused, without its per-row answers.
async fn record_hits(ctx: &Context<'_>, hits: Hits) -> ServiceResult<()> {
    if hits.total() == 0 {
        return Ok(());
    }
    let mut tx = ctx.svc.store.begin_write().await?;
    let via = if ctx.opts.dry_run {
        "import.members.dry_run"
    } else {
        "import.members"
    };
    let limited = security::record_hits(tx.conn(), ctx.svc, ctx.actor, via, "file", hits).await;
    tx.commit().await?;
    limited
}

/// Rows whose ID number is already registered, found in batched lookups,
/// and how many were found in and outside the actor's scope.
async fn registered(
    ctx: &Context<'_>,
    conn: &mut Conn,
    hashes: &[(u32, String)],
    column: &str,
    errors: &mut Vec<RowError>,
) -> ServiceResult<Hits> {
    let keys: Vec<&str> = hashes.iter().map(|(_, h)| h.as_str()).collect();
    let found = mdb::registered_id_cards(conn, ctx.svc.store.engine, &keys).await?;
    let mut hits = Hits::default();
    if found.is_empty() {
        return Ok(hits);
    }
    let by_hash: HashMap<&str, &mdb::RegisteredIdCard> =
        found.iter().map(|r| (r.id_card_hmac.as_str(), r)).collect();
    for (row, h) in hashes {
        if let Some(m) = by_hash.get(h.as_str()) {
            // Like the member form: details only when the holder is in
            // scope; outside it, nothing about where.
            let message = if ctx.actor.require_scope(&m.org_path).is_ok() {
                hits.in_scope += 1;
                format!("该公民身份号码已登记为党员{}（{}）", m.name, m.org_name)
            } else {
                hits.out_of_scope += 1;
                security::HIDDEN_DUPLICATE.to_owned()
            };
            errors.push(RowError {
                row: *row,
                column: column.to_owned(),
                message,
            });
        }
    }
    errors.sort_by_key(|e| e.row);
    Ok(hits)
}

/// The organizations were resolved before the write lock was taken: make
/// sure none was dissolved or moved meanwhile.
async fn recheck_orgs(conn: &mut Conn, members: &[BulkMember]) -> ServiceResult<()> {
    let mut used: HashMap<i64, &str> = HashMap::new();
    for m in members {
        used.insert(m.org_id, &m.org_path);
    }
    let ids: Vec<i64> = used.keys().copied().collect();
    let now = odb::get_orgs(conn, &ids).await?;
    let unchanged = now.len() == ids.len()
        && now
            .iter()
            .all(|o| o.status == "active" && used.get(&o.id) == Some(&o.path.as_str()));
    if unchanged {
        Ok(())
    } else {
        Err(ServiceError::field(
            "file",
            "导入过程中党组织发生了变化（撤销或调整），请重新导入",
        ))
    }
}
