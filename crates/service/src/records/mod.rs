//! Organizational-life records (组织生活记录: 三会一课, 主题党日, 组织生活会,
//! 党委理论学习中心组学习 …): the entry form's options, create, edit, delete,
//! confirmation by the parent organization, lists, details and attachments.
//! Every write is checked against the active policy profile, scoped to the
//! user's subtree, done in one transaction and audited.
//!
//! Compliance with the obligations is computed elsewhere (`compliance`),
//! never when a record is saved.

mod form;
mod search;

// The attachment types and limits, as records have always named them (they
// live in `crate::attachments`, shared with every owner of files).
pub use crate::attachments::{
    Download, FileKind, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, Upload, clean_name,
    content_disposition,
};
pub use form::{AttendanceForm, RecordForm, quorum_notice};
pub(crate) use search::labels_differ;
pub use search::{
    SEARCH_PER_PAGE, SearchHit, SearchResults, index_is_stale, rebuild_index, reindex_org,
    reindex_subtree, relabel_in_background, search,
};

use crate::actor::Actor;
use crate::attachments::{self as att, AttachmentMeta, Owner, OwnerKind};
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, Change, ChangeKind};
use crate::{Services, audit, policy};
use dangjian_domain::FieldError;
use dangjian_domain::org::OrgKind;
use dangjian_domain::role::Permission;
use dangjian_store::Conn;
use dangjian_store::org::{self as odb, OrgRow};
use dangjian_store::record::{
    self as db, AttendanceRow, ExpectedMember, RecordFilter, RecordListRow, RecordRow,
};
use serde::Serialize;
use serde_json::json;

pub const PER_PAGE: i64 = 30;

/// A record type the organization may hold, for the form's select.
#[derive(Debug, Clone, Serialize)]
pub struct TypeOption {
    pub code: String,
    pub label: String,
    pub minutes_required: bool,
    pub members_meeting: bool,
    /// (code, label) of the marks it may carry.
    pub marks: Vec<(String, String)>,
}

/// What the entry form needs: the organization, the record types it may
/// hold, and its members for the sign-in list (empty: typed-in counts).
#[derive(Debug, Clone, Serialize)]
pub struct FormOptions {
    pub org: OrgRow,
    pub profile_version: i64,
    pub record_types: Vec<TypeOption>,
    pub members: Vec<ExpectedMember>,
    /// The latest date the form accepts (today).
    pub max_date: String,
}

/// The result of a save.
#[derive(Debug, Clone, Serialize)]
pub struct RecordSaved {
    pub id: i64,
    /// False for a members' meeting without a quorum (saved, flagged).
    pub valid: bool,
    /// A message to show when the record was saved but flagged.
    pub notice: Option<String>,
}

/// A record with everything its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct RecordDetail {
    pub record: RecordRow,
    pub org_name: String,
    /// The record type's label in the active profile (the code when the
    /// active profile no longer has it).
    pub type_label: String,
    /// (code, label) of the marks carried.
    pub marks: Vec<(String, String)>,
    pub attendance: Vec<AttendanceRow>,
    pub attachments: Vec<AttachmentMeta>,
    /// Whether the acting user may edit or delete it.
    pub can_edit: bool,
    /// Whether the acting user may confirm it (a parent organization, and
    /// the record is not yet confirmed).
    pub can_confirm: bool,
}

/// A page of records.
#[derive(Debug, Clone, Serialize)]
pub struct RecordPage {
    pub rows: Vec<RecordListRow>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Filters of the record list, as the page's query string gives them.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RecordQuery {
    /// The organization (the user's own when `None`).
    pub org_id: Option<i64>,
    /// Only the organization's own records, not its subtree's (the
    /// drill-down from a compliance cell).
    pub own_only: bool,
    pub record_type: Option<String>,
    /// Inclusive `YYYY-MM-DD` bounds.
    pub from: Option<String>,
    pub to: Option<String>,
    /// `submitted` or `confirmed`.
    pub status: Option<String>,
    pub page: i64,
}

async fn org_in_scope(conn: &mut Conn, actor: &Actor, id: i64) -> ServiceResult<OrgRow> {
    let org = odb::get_org(conn, id).await?;
    actor.require_scope(&org.path)?;
    Ok(org)
}

async fn record_in_scope(conn: &mut Conn, actor: &Actor, id: i64) -> ServiceResult<RecordRow> {
    let r = db::get_record(conn, id).await?;
    actor.require_scope(&r.org_path)?;
    Ok(r)
}

fn kind_of(org: &OrgRow) -> ServiceResult<OrgKind> {
    OrgKind::from_code(&org.kind).ok_or(ServiceError::NotFound)
}

/// The entry form's options for `org_id`.
pub async fn form_options(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
) -> ServiceResult<FormOptions> {
    actor.require(Permission::EditOrg)?;
    let active = policy::active(svc).await?;
    let mut conn = svc.store.read().await?;
    let org = org_in_scope(&mut conn, actor, org_id).await?;
    let kind = kind_of(&org)?;
    let members = db::expected_members(&mut conn, org.id).await?;
    let record_types = active
        .profile
        .record_types()
        .iter()
        .filter(|t| t.may_be_held_by(kind))
        .map(|t| TypeOption {
            code: t.code.clone(),
            label: t.label.clone(),
            minutes_required: t.minutes_required,
            members_meeting: t.members_meeting,
            marks: t
                .marks
                .iter()
                .map(|m| (m.code.clone(), m.label.clone()))
                .collect(),
        })
        .collect();
    Ok(FormOptions {
        org,
        profile_version: active.version,
        record_types,
        members,
        max_date: svc.clock.today().to_string(),
    })
}

fn saved(id: i64, f: &db::RecordFields) -> RecordSaved {
    RecordSaved {
        id,
        valid: f.valid,
        notice: (!f.valid).then(|| quorum_notice(f)),
    }
}

fn summary(f: &db::RecordFields) -> serde_json::Value {
    json!({"type": f.record_type, "held_on": f.held_on, "topics": f.topics, "expected": f.expected_count,
           "present": f.present_count, "valid": f.valid, "marks": f.marks, "profile_version": f.profile_version})
}

/// Records organizational life for `org_id`, with its attachments, in one
/// transaction. A members' meeting without a quorum is saved, flagged.
pub async fn create(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    form: &RecordForm,
    uploads: &[Upload],
) -> ServiceResult<RecordSaved> {
    actor.require(Permission::EditOrg)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    // Scope first: someone outside it learns nothing from validation messages.
    let org = org_in_scope(tx.conn(), actor, org_id).await?;
    let active = policy::active_in(tx.conn(), svc).await?;
    let members = db::expected_members(tx.conn(), org.id).await?;
    let ctx = form::OrgContext {
        kind: kind_of(&org)?,
        members: &members,
    };
    let parsed = form::parse(
        form,
        &active.profile,
        active.version,
        &ctx,
        svc.clock.today(),
    );
    let checked = check_uploads(uploads, 0);
    let parsed = match (parsed, checked) {
        (Ok(p), Ok(c)) => {
            form::require_active_org(&org.status)?;
            (p, c)
        }
        (Err(ServiceError::Invalid(mut a)), Err(b)) => {
            a.extend(b);
            return Err(ServiceError::Invalid(a));
        }
        (Err(e), _) => return Err(e),
        (Ok(_), Err(b)) => return Err(ServiceError::Invalid(b)),
    };
    let (p, checked) = parsed;
    let id = db::insert_record(
        tx.conn(),
        org.id,
        &org.path,
        &p.fields,
        &actor.username,
        &now,
    )
    .await?;
    db::set_attendance(tx.conn(), id, &p.lines).await?;
    att::store_all(tx.conn(), &owner(id), &checked, &actor.username, &now).await?;
    let names: Vec<_> = checked.iter().map(|f| f.file_name.clone()).collect();
    let mut s = summary(&p.fields);
    s["attachments"] = json!(names);
    audit::by(
        tx.conn(),
        svc,
        actor,
        "record.create",
        &format!("record:{id}"),
        &org.path,
        &json!({"after": s}),
    )
    .await?;
    events::commit(svc, tx, [Change::new(ChangeKind::Records, &org.path)]).await?;
    search::sync_record(svc, id).await;
    Ok(saved(id, &p.fields))
}

/// Replaces a record's fields and sign-in list. A confirmed record goes back
/// to submitted: the parent organization confirms the changed record again.
pub async fn update(
    svc: &Services,
    actor: &Actor,
    id: i64,
    form: &RecordForm,
) -> ServiceResult<RecordSaved> {
    actor.require(Permission::EditOrg)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let before = record_in_scope(tx.conn(), actor, id).await?;
    let org = odb::get_org(tx.conn(), before.org_id).await?;
    let active = policy::active_in(tx.conn(), svc).await?;
    let members = db::expected_members(tx.conn(), org.id).await?;
    let ctx = form::OrgContext {
        kind: kind_of(&org)?,
        members: &members,
    };
    let p = form::parse(
        form,
        &active.profile,
        active.version,
        &ctx,
        svc.clock.today(),
    )?;
    db::update_record(tx.conn(), id, &p.fields, &now).await?;
    db::set_attendance(tx.conn(), id, &p.lines).await?;
    audit::by(tx.conn(), svc, actor, "record.update", &format!("record:{id}"), &before.org_path, &json!({
        "before": {"type": before.record_type, "held_on": before.held_on, "topics": before.topics, "expected": before.expected_count,
                   "present": before.present_count, "valid": before.valid != 0, "marks": before.marks, "status": before.status},
        "after": summary(&p.fields),
    })).await?;
    events::commit(
        svc,
        tx,
        [Change::new(ChangeKind::Records, &before.org_path)],
    )
    .await?;
    search::sync_record(svc, id).await;
    Ok(saved(id, &p.fields))
}

/// Confirms a record (审核确认): only a user of a parent organization.
pub async fn confirm(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<()> {
    actor.require(Permission::EditOrg)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let r = record_in_scope(tx.conn(), actor, id).await?;
    actor.require_below(&r.org_path).map_err(|_| {
        ServiceError::forbidden("组织生活记录须由上级党组织审核确认，不能由本级确认")
    })?;
    if r.status == "confirmed" {
        return Err(ServiceError::field("status", "该记录已经审核确认"));
    }
    db::confirm(tx.conn(), id, &actor.username, &now).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "record.confirm",
        &format!("record:{id}"),
        &r.org_path,
        &json!({"before": {"status": r.status}, "after": {"status": "confirmed"}}),
    )
    .await?;
    events::commit(svc, tx, [Change::new(ChangeKind::Records, &r.org_path)]).await?;
    Ok(())
}

/// Deletes a record with its sign-in list and attachments. A confirmed
/// record may be deleted only by a parent organization.
pub async fn delete(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<()> {
    actor.require(Permission::EditOrg)?;
    let mut tx = svc.store.begin_write().await?;
    let r = record_in_scope(tx.conn(), actor, id).await?;
    if r.status == "confirmed" && actor.require_below(&r.org_path).is_err() {
        return Err(ServiceError::forbidden(
            "已审核确认的记录不能由本级删除，请联系上级党组织",
        ));
    }
    db::delete_record(tx.conn(), id).await?;
    audit::by(tx.conn(), svc, actor, "record.delete", &format!("record:{id}"), &r.org_path, &json!({
        "before": {"org": r.org_id, "type": r.record_type, "held_on": r.held_on, "topics": r.topics, "status": r.status}
    })).await?;
    events::commit(svc, tx, [Change::new(ChangeKind::Records, &r.org_path)]).await?;
    search::sync_record(svc, id).await;
    Ok(())
}

/// One record with its sign-in list and attachments.
pub async fn get(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<RecordDetail> {
    actor.require(Permission::ReadBusiness)?;
    let active = policy::active(svc).await?;
    let mut conn = svc.store.read().await?;
    let record = record_in_scope(&mut conn, actor, id).await?;
    let org = odb::get_org(&mut conn, record.org_id).await?;
    let attendance = db::attendance(&mut conn, id).await?;
    let attachments = att::list(&mut conn, OwnerKind::Record, id).await?;
    let rtype = active.profile.record_type(&record.record_type);
    let marks = record
        .marks
        .split(',')
        .filter(|m| !m.is_empty())
        .map(|m| {
            let label = rtype
                .and_then(|t| t.mark(m))
                .map_or_else(|| m.to_owned(), |k| k.label.clone());
            (m.to_owned(), label)
        })
        .collect();
    let can_edit = actor.role.can(Permission::EditOrg)
        && (record.status != "confirmed" || actor.require_below(&record.org_path).is_ok());
    let can_confirm = actor.role.can(Permission::EditOrg)
        && record.status != "confirmed"
        && actor.require_below(&record.org_path).is_ok();
    Ok(RecordDetail {
        type_label: rtype.map_or_else(|| record.record_type.clone(), |t| t.label.clone()),
        org_name: org.name,
        marks,
        attendance,
        attachments,
        can_edit,
        can_confirm,
        record,
    })
}

/// A page of records in the user's scope, newest first.
pub async fn list(svc: &Services, actor: &Actor, q: &RecordQuery) -> ServiceResult<RecordPage> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    let org = org_in_scope(&mut conn, actor, q.org_id.unwrap_or(actor.org_id.0)).await?;
    let date =
        |field: &'static str, label: &str, v: &Option<String>| -> ServiceResult<Option<String>> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => Ok(Some(
                    dangjian_domain::error::date_field(field, label, s)?.to_string(),
                )),
            }
        };
    let status = match q.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s @ ("submitted" | "confirmed")) => Some(s.to_owned()),
        Some(_) => return Err(ServiceError::field("status", "审核状态应为待确认或已确认")),
    };
    let filter = RecordFilter {
        scope_upper: odb::upper_of(&org.path),
        scope_path: org.path.clone(),
        org_id: q.own_only.then_some(org.id),
        record_type: q.record_type.clone().filter(|t| !t.trim().is_empty()),
        from: date("from", "开始日期", &q.from)?,
        to: date("to", "结束日期", &q.to)?,
        status,
    };
    let total = db::count_records(&mut conn, &filter).await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let page = q.page.clamp(1, pages);
    let rows = db::list_records(&mut conn, &filter, PER_PAGE, (page - 1) * PER_PAGE).await?;
    Ok(RecordPage {
        rows,
        total,
        page,
        per_page: PER_PAGE,
    })
}

fn check_uploads(
    uploads: &[Upload],
    already: usize,
) -> Result<Vec<att::Checked<'_>>, Vec<FieldError>> {
    att::check_all(uploads, already, "每条记录")
}

fn owner(record_id: i64) -> Owner {
    Owner {
        kind: OwnerKind::Record,
        id: record_id,
        part: None,
    }
}

/// Adds attachments to an existing record.
pub async fn add_attachments(
    svc: &Services,
    actor: &Actor,
    record_id: i64,
    uploads: &[Upload],
) -> ServiceResult<Vec<AttachmentMeta>> {
    actor.require(Permission::EditOrg)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let r = record_in_scope(tx.conn(), actor, record_id).await?;
    // What the parent confirmed is what stays: a confirmed record takes no
    // new evidence (editing the record returns it to 待审核 first).
    if r.status == "confirmed" {
        return Err(ServiceError::field(
            "attachments",
            "该记录已审核确认，不能再添加附件；如需补充，请先修改记录，修改后将重新提交审核",
        ));
    }
    let existing = att::count(tx.conn(), OwnerKind::Record, record_id).await?;
    if uploads.is_empty() {
        return Err(ServiceError::field("attachments", "请选择要上传的文件"));
    }
    let checked = check_uploads(uploads, existing).map_err(ServiceError::Invalid)?;
    let ids = att::store_all(
        tx.conn(),
        &owner(record_id),
        &checked,
        &actor.username,
        &now,
    )
    .await?;
    let mut out = Vec::new();
    for id in ids {
        out.push(att::meta(tx.conn(), OwnerKind::Record, id).await?);
    }
    audit::by(tx.conn(), svc, actor, "record.attach", &format!("record:{record_id}"), &r.org_path, &json!({
        "after": out.iter().map(|a| json!({"id": a.id, "name": a.file_name, "type": a.content_type, "size": a.size, "sha256": a.sha256})).collect::<Vec<_>>()
    })).await?;
    tx.commit().await?;
    Ok(out)
}

/// An attachment's bytes, for a user who may read its record.
pub async fn attachment(
    svc: &Services,
    actor: &Actor,
    attachment_id: i64,
) -> ServiceResult<Download> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    let meta = att::meta(&mut conn, OwnerKind::Record, attachment_id).await?;
    record_in_scope(&mut conn, actor, meta.owner_id).await?;
    att::download(&mut conn, OwnerKind::Record, meta).await
}

/// Removes an attachment.
pub async fn delete_attachment(
    svc: &Services,
    actor: &Actor,
    attachment_id: i64,
) -> ServiceResult<()> {
    actor.require(Permission::EditOrg)?;
    let mut tx = svc.store.begin_write().await?;
    let meta = att::meta(tx.conn(), OwnerKind::Record, attachment_id).await?;
    let r = record_in_scope(tx.conn(), actor, meta.owner_id).await?;
    if r.status == "confirmed" && actor.require_below(&r.org_path).is_err() {
        return Err(ServiceError::forbidden(
            "已审核确认的记录不能由本级删除附件，请联系上级党组织",
        ));
    }
    att::delete(tx.conn(), OwnerKind::Record, attachment_id).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "record.detach",
        &format!("record:{}", r.id),
        &r.org_path,
        &json!({"before": {"id": meta.id, "name": meta.file_name, "sha256": meta.sha256}}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
