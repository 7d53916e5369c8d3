//! Attachments (附件): files kept as evidence of something, such as a
//! record's photos and sign-in sheets or the materials of a work item's
//! progress note. One query set serves every owner: [`OwnerKind`] is a
//! closed list whose kinds name their table and columns in code, so no SQL
//! is ever built from input (ids are always bound). A capability with
//! evidence files of its own (assessments, inspection findings, reports)
//! adds a kind here and its table in a migration pair. No checks here: the
//! service sniffs the type, limits sizes and counts, and authorizes.

use crate::{DbError, DbResult, dynamic};
use sqlx::AnyConnection;

/// What an attachment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OwnerKind {
    /// An organizational-life record (`attachments.record_id`).
    Record,
    /// A work item, with the timeline event (progress note) it came with
    /// (`work_attachments.item_id`, `event_id`).
    WorkItem,
}

impl OwnerKind {
    pub const ALL: [OwnerKind; 2] = [OwnerKind::Record, OwnerKind::WorkItem];

    /// The table holding this kind's attachments.
    fn table(self) -> &'static str {
        match self {
            OwnerKind::Record => "attachments",
            OwnerKind::WorkItem => "work_attachments",
        }
    }

    /// The column naming the owner's id.
    fn owner_column(self) -> &'static str {
        match self {
            OwnerKind::Record => "record_id",
            OwnerKind::WorkItem => "item_id",
        }
    }

    /// The column naming the part of the owner an attachment came with, for
    /// kinds that have parts.
    fn part_column(self) -> Option<&'static str> {
        match self {
            OwnerKind::Record => None,
            OwnerKind::WorkItem => Some("event_id"),
        }
    }

    /// The columns of [`AttachmentMeta`], in its field names.
    fn meta_cols(self) -> String {
        let part = self
            .part_column()
            .map_or_else(|| "CAST(NULL AS BIGINT)".to_owned(), str::to_owned);
        format!(
            "id, {} AS owner_id, {part} AS part_id, file_name, content_type, size, sha256, \
             created_by, created_at",
            self.owner_column()
        )
    }
}

/// Where a new attachment goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub kind: OwnerKind,
    pub id: i64,
    /// The part it comes with (a work item's event); required by the kinds
    /// that have parts, ignored by the others.
    pub part: Option<i64>,
}

/// An attachment without its bytes.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AttachmentMeta {
    pub id: i64,
    /// The record or work item it belongs to.
    pub owner_id: i64,
    /// The part of the owner it came with (a work item's timeline event);
    /// `None` for kinds without parts.
    pub part_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_by: String,
    pub created_at: String,
}

/// An attachment to store (already checked: sniffed type, hash).
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub data: &'a [u8],
}

/// Stores an attachment of `owner`; returns its id.
pub async fn insert(
    conn: &mut AnyConnection,
    owner: &Owner,
    a: &NewAttachment<'_>,
    by: &str,
    now: &str,
) -> DbResult<i64> {
    let kind = owner.kind;
    let (part_col, part_ph) = match kind.part_column() {
        Some(c) => (format!(", {c}"), ", $9"),
        None => (String::new(), ""),
    };
    let sql = format!(
        "INSERT INTO {} ({}{part_col}, file_name, content_type, size, sha256, data, created_by, created_at) \
         VALUES ($1{part_ph}, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        kind.table(),
        kind.owner_column(),
    );
    let q = sqlx::query_scalar(dynamic(sql))
        .bind(owner.id)
        .bind(a.file_name)
        .bind(a.content_type)
        .bind(a.data.len() as i64)
        .bind(a.sha256)
        .bind(a.data.to_vec())
        .bind(by)
        .bind(now);
    let q = if kind.part_column().is_some() {
        q.bind(owner.part)
    } else {
        q
    };
    q.fetch_one(&mut *conn).await.map_err(DbError::from_sqlx)
}

/// The attachments of one owner, in upload order.
pub async fn list(
    conn: &mut AnyConnection,
    kind: OwnerKind,
    owner_id: i64,
) -> DbResult<Vec<AttachmentMeta>> {
    Ok(sqlx::query_as::<_, AttachmentMeta>(dynamic(format!(
        "SELECT {} FROM {} WHERE {} = $1 ORDER BY id",
        kind.meta_cols(),
        kind.table(),
        kind.owner_column()
    )))
    .bind(owner_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// How many attachments an owner carries.
pub async fn count(conn: &mut AnyConnection, kind: OwnerKind, owner_id: i64) -> DbResult<i64> {
    Ok(sqlx::query_scalar(dynamic(format!(
        "SELECT COUNT(*) FROM {} WHERE {} = $1",
        kind.table(),
        kind.owner_column()
    )))
    .bind(owner_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// One attachment of this kind, by id (`NotFound` when the id is another
/// kind's or none).
pub async fn meta(conn: &mut AnyConnection, kind: OwnerKind, id: i64) -> DbResult<AttachmentMeta> {
    sqlx::query_as::<_, AttachmentMeta>(dynamic(format!(
        "SELECT {} FROM {} WHERE id = $1",
        kind.meta_cols(),
        kind.table()
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(DbError::NotFound)
}

/// The stored bytes of an attachment of this kind.
pub async fn data(conn: &mut AnyConnection, kind: OwnerKind, id: i64) -> DbResult<Vec<u8>> {
    sqlx::query_scalar(dynamic(format!(
        "SELECT data FROM {} WHERE id = $1",
        kind.table()
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(DbError::NotFound)
}

/// Deletes one attachment of this kind.
pub async fn delete(conn: &mut AnyConnection, kind: OwnerKind, id: i64) -> DbResult<()> {
    sqlx::query(dynamic(format!(
        "DELETE FROM {} WHERE id = $1",
        kind.table()
    )))
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(())
}

/// Deletes every attachment of an owner (the owner is being deleted).
pub async fn delete_all(conn: &mut AnyConnection, kind: OwnerKind, owner_id: i64) -> DbResult<()> {
    sqlx::query(dynamic(format!(
        "DELETE FROM {} WHERE {} = $1",
        kind.table(),
        kind.owner_column()
    )))
    .bind(owner_id)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(())
}
