//! The records' text for the full-text index, with the organization's
//! current name (the index also finds records by it).

use crate::DbResult;
use sqlx::AnyConnection;

/// What the full-text index needs of a record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecordTextRow {
    pub id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub record_type: String,
    pub held_on: String,
    pub topics: String,
    pub minutes: String,
    /// The organization's current name.
    pub org_name: String,
}

/// The rows' query with `$tail` (a `'static` text, as sqlx wants).
macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT r.id, r.org_id, r.org_path, r.record_type, r.held_on, r.topics, ",
            "r.minutes, o.name AS org_name FROM records r JOIN orgs o ON o.id = r.org_id ",
            $tail
        )
    };
}

/// Up to `limit` records with an id above `after_id`, in id order: the
/// full-text index is rebuilt page by page, never holding every record.
pub async fn texts_after(
    conn: &mut AnyConnection,
    after_id: i64,
    limit: i64,
) -> DbResult<Vec<RecordTextRow>> {
    Ok(
        sqlx::query_as::<_, RecordTextRow>(select!("WHERE r.id > $1 ORDER BY r.id LIMIT $2"))
            .bind(after_id)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// One record's text, if it exists.
pub async fn text_of(conn: &mut AnyConnection, id: i64) -> DbResult<Option<RecordTextRow>> {
    Ok(
        sqlx::query_as::<_, RecordTextRow>(select!("WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Every record in the database (to compare with the index).
pub async fn count_all(conn: &mut AnyConnection) -> DbResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM records")
        .fetch_one(&mut *conn)
        .await?)
}

/// Up to `limit` records of a subtree (`path` up to `upper`, see
/// `org::upper_of`) with an id above `after_id`, in id order.
pub async fn subtree_texts_after(
    conn: &mut AnyConnection,
    path: &str,
    upper: &str,
    after_id: i64,
    limit: i64,
) -> DbResult<Vec<RecordTextRow>> {
    Ok(sqlx::query_as::<_, RecordTextRow>(select!(
        "WHERE r.org_path >= $1 AND r.org_path < $2 AND r.id > $3 ORDER BY r.id LIMIT $4"
    ))
    .bind(path)
    .bind(upper)
    .bind(after_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// Up to `limit` records of one organization (not its subtree) with an id
/// above `after_id`, in id order: re-indexed when it is renamed.
pub async fn org_texts_after(
    conn: &mut AnyConnection,
    org_id: i64,
    after_id: i64,
    limit: i64,
) -> DbResult<Vec<RecordTextRow>> {
    Ok(sqlx::query_as::<_, RecordTextRow>(select!(
        "WHERE r.org_id = $1 AND r.id > $2 ORDER BY r.id LIMIT $3"
    ))
    .bind(org_id)
    .bind(after_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}
