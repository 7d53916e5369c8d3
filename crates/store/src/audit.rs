//! The audit log table: append (the service computes the hash), browse
//! with filters, and read in id order for verification.

use crate::{DbError, DbResult, dynamic};
use dangjian_domain::audit::{AuditEntry, GENESIS, StoredAudit};
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub org_path: String,
    pub summary: String,
    /// Client IP, `console` or `system`; empty before 0012.
    pub source_addr: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    pub fn into_stored(self) -> StoredAudit {
        StoredAudit {
            entry: AuditEntry {
                id: self.id,
                at: self.at,
                actor: self.actor,
                action: self.action,
                target: self.target,
                org_path: self.org_path,
                summary: self.summary,
                source_addr: self.source_addr,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

const COLS: &str = "id, at, actor, action, target, org_path, summary, source_addr, prev_hash, hash";

/// The id and hash of the last row, or (0, GENESIS) for an empty log.
/// Call inside the write transaction that appends.
pub async fn last(conn: &mut AnyConnection) -> DbResult<(i64, String)> {
    Ok(sqlx::query_as::<_, (i64, String)>(
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or((0, GENESIS.to_owned())))
}

/// Inserts a row with an explicit id (the hash covers the id).
pub async fn insert(conn: &mut AnyConnection, row: &StoredAudit) -> DbResult<()> {
    let e = &row.entry;
    sqlx::query(
        "INSERT INTO audit_log \
         (id, at, actor, action, target, org_path, summary, source_addr, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(e.id)
    .bind(&e.at)
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.target)
    .bind(&e.org_path)
    .bind(&e.summary)
    .bind(&e.source_addr)
    .bind(&row.prev_hash)
    .bind(&row.hash)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(())
}

/// Rewrites a row's summary and hashes (re-chaining under a new scheme,
/// inside one write transaction).
pub async fn rechain(conn: &mut AnyConnection, row: &StoredAudit) -> DbResult<()> {
    sqlx::query("UPDATE audit_log SET summary = $1, prev_hash = $2, hash = $3 WHERE id = $4")
        .bind(&row.entry.summary)
        .bind(&row.prev_hash)
        .bind(&row.hash)
        .bind(row.entry.id)
        .execute(&mut *conn)
        .await
        .map_err(DbError::from_sqlx)?;
    Ok(())
}

/// The first row (the lowest id), if any.
pub async fn first(conn: &mut AnyConnection) -> DbResult<Option<AuditRow>> {
    Ok(sqlx::query_as::<_, AuditRow>(dynamic(format!(
        "SELECT {COLS} FROM audit_log ORDER BY id LIMIT 1"
    )))
    .fetch_optional(&mut *conn)
    .await?)
}

/// The stored hash of row `id`.
pub async fn hash_of(conn: &mut AnyConnection, id: i64) -> DbResult<Option<String>> {
    Ok(
        sqlx::query_scalar::<_, String>("SELECT hash FROM audit_log WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Rows with id greater than `after`, in id order, at most `limit`.
pub async fn batch_after(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> DbResult<Vec<AuditRow>> {
    Ok(sqlx::query_as::<_, AuditRow>(dynamic(format!(
        "SELECT {COLS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2"
    )))
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// Prefix of the action, e.g. `member.` or `login.`.
    pub action_prefix: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl AuditFilter {
    fn where_clause(&self) -> (String, Vec<String>) {
        let mut sql = String::from("1 = 1");
        let mut binds: Vec<String> = Vec::new();
        let mut add = |cond: &str, v: String| {
            binds.push(v);
            sql.push_str(&cond.replace('?', &format!("${}", binds.len())));
        };
        if let Some(v) = &self.actor {
            add(" AND actor = ?", v.clone());
        }
        if let Some(v) = &self.action_prefix {
            add(" AND action >= ?", v.clone());
            add(" AND action < ?", format!("{v}\u{10FFFF}"));
        }
        if let Some(v) = &self.from {
            add(" AND at >= ?", v.clone());
        }
        if let Some(v) = &self.to {
            add(" AND at < ?", v.clone());
        }
        (sql, binds)
    }
}

pub async fn list(
    conn: &mut AnyConnection,
    f: &AuditFilter,
    limit: i64,
    offset: i64,
) -> DbResult<Vec<AuditRow>> {
    let (cond, binds) = f.where_clause();
    let sql = format!(
        "SELECT {COLS} FROM audit_log WHERE {cond} ORDER BY id DESC LIMIT ${} OFFSET ${}",
        binds.len() + 1,
        binds.len() + 2
    );
    let mut q = sqlx::query_as::<_, AuditRow>(dynamic(sql));
    for b in binds {
        q = q.bind(b);
    }
    Ok(q.bind(limit).bind(offset).fetch_all(&mut *conn).await?)
}

pub async fn count(conn: &mut AnyConnection, f: &AuditFilter) -> DbResult<i64> {
    let (cond, binds) = f.where_clause();
    let sql = format!("SELECT COUNT(*) FROM audit_log WHERE {cond}");
    let mut q = sqlx::query_scalar::<_, i64>(dynamic(sql));
    for b in binds {
        q = q.bind(b);
    }
    Ok(q.fetch_one(&mut *conn).await?)
}
