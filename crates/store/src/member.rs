//! Members (党员): rows with encrypted identity fields, filtered and paged
//! subtree lists, transfers kept as history, and the roll-up bookkeeping
//! each change implies.

use crate::org::{Delta, adjust_ancestors, like_contains};
use crate::{DbError, DbResult, dynamic};
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct MemberRow {
    pub id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub name: String,
    pub gender: String,
    pub birth_month: String,
    pub ethnicity: String,
    pub education: String,
    pub category: String,
    pub joined_on: String,
    pub full_on: Option<String>,
    pub probation_extended: i64,
    pub post: String,
    pub address: String,
    #[serde(skip)]
    pub id_card_enc: String,
    #[serde(skip)]
    pub id_card_hmac: String,
    pub id_card_masked: String,
    #[serde(skip)]
    pub phone_enc: Option<String>,
    pub phone_masked: String,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

const COLS: &str = "id, org_id, org_path, name, gender, birth_month, ethnicity, education, category, \
    joined_on, full_on, probation_extended, post, address, id_card_enc, id_card_hmac, id_card_masked, \
    phone_enc, phone_masked, status, created_at, updated_at";

/// Everything stored for a member apart from ids, status and timestamps.
#[derive(Debug, Clone)]
pub struct MemberFields {
    pub name: String,
    pub gender: String,
    pub birth_month: String,
    pub ethnicity: String,
    pub education: String,
    pub category: String,
    pub joined_on: String,
    pub full_on: Option<String>,
    pub probation_extended: bool,
    pub post: String,
    pub address: String,
    pub id_card_enc: String,
    pub id_card_hmac: String,
    pub id_card_masked: String,
    pub phone_enc: Option<String>,
    pub phone_masked: String,
}

/// Binds the sixteen [`MemberFields`] columns in their schema order (name …
/// phone_masked); every statement that writes them lists them in that order.
macro_rules! bind_member_fields {
    ($q:expr, $f:expr) => {{
        let f: &$crate::member::MemberFields = $f;
        $q.bind(&f.name)
            .bind(&f.gender)
            .bind(&f.birth_month)
            .bind(&f.ethnicity)
            .bind(&f.education)
            .bind(&f.category)
            .bind(&f.joined_on)
            .bind(f.full_on.clone())
            .bind(i64::from(f.probation_extended))
            .bind(&f.post)
            .bind(&f.address)
            .bind(&f.id_card_enc)
            .bind(&f.id_card_hmac)
            .bind(&f.id_card_masked)
            .bind(f.phone_enc.clone())
            .bind(&f.phone_masked)
    }};
}
pub(crate) use bind_member_fields;

fn category_delta(category: &str, sign: i64) -> Delta {
    Delta {
        orgs: 0,
        members: sign,
        full: if category == "full" { sign } else { 0 },
        probationary: if category == "full" { 0 } else { sign },
    }
}

pub async fn insert_member(
    conn: &mut AnyConnection,
    org_id: i64,
    org_path: &str,
    f: &MemberFields,
    now: &str,
) -> DbResult<i64> {
    let q = sqlx::query_scalar(
        "INSERT INTO members (org_id, org_path, name, gender, birth_month, ethnicity, education, category, \
         joined_on, full_on, probation_extended, post, address, id_card_enc, id_card_hmac, id_card_masked, \
         phone_enc, phone_masked, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 'active', $19, $19) \
         RETURNING id",
    )
    .bind(org_id)
    .bind(org_path);
    let id: i64 = bind_member_fields!(q, f)
        .bind(now)
        .fetch_one(&mut *conn)
        .await
        .map_err(DbError::from_sqlx)?;
    adjust_ancestors(conn, org_path, category_delta(&f.category, 1)).await?;
    Ok(id)
}

/// Rewrites a member's fields (not the organization: see [`transfer`]).
pub async fn update_member(
    conn: &mut AnyConnection,
    old: &MemberRow,
    f: &MemberFields,
    now: &str,
) -> DbResult<()> {
    let q = sqlx::query(
        "UPDATE members SET name = $1, gender = $2, birth_month = $3, ethnicity = $4, education = $5, \
         category = $6, joined_on = $7, full_on = $8, probation_extended = $9, post = $10, address = $11, \
         id_card_enc = $12, id_card_hmac = $13, id_card_masked = $14, phone_enc = $15, phone_masked = $16, \
         updated_at = $17 WHERE id = $18",
    );
    bind_member_fields!(q, f)
        .bind(now)
        .bind(old.id)
        .execute(&mut *conn)
        .await
        .map_err(DbError::from_sqlx)?;
    if old.status == "active" && old.category != f.category {
        adjust_ancestors(conn, &old.org_path, category_delta(&old.category, -1)).await?;
        adjust_ancestors(conn, &old.org_path, category_delta(&f.category, 1)).await?;
    }
    Ok(())
}

pub async fn get_member(conn: &mut AnyConnection, id: i64) -> DbResult<MemberRow> {
    sqlx::query_as::<_, MemberRow>(dynamic(format!("SELECT {COLS} FROM members WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(DbError::NotFound)
}

pub async fn find_by_id_card_hmac(
    conn: &mut AnyConnection,
    hmac: &str,
) -> DbResult<Option<MemberRow>> {
    Ok(sqlx::query_as::<_, MemberRow>(dynamic(format!(
        "SELECT {COLS} FROM members WHERE id_card_hmac = $1"
    )))
    .bind(hmac)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Moves a member to another organization and records the transfer.
pub async fn transfer(
    conn: &mut AnyConnection,
    m: &MemberRow,
    to_org_id: i64,
    to_path: &str,
    on: &str,
    reason: &str,
    now: &str,
) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO member_transfers (member_id, from_org_id, to_org_id, on_date, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(m.id)
    .bind(m.org_id)
    .bind(to_org_id)
    .bind(on)
    .bind(reason)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    sqlx::query("UPDATE members SET org_id = $1, org_path = $2, updated_at = $3 WHERE id = $4")
        .bind(to_org_id)
        .bind(to_path)
        .bind(now)
        .bind(m.id)
        .execute(&mut *conn)
        .await
        .map_err(DbError::from_sqlx)?;
    if m.status == "active" {
        adjust_ancestors(conn, &m.org_path, category_delta(&m.category, -1)).await?;
        adjust_ancestors(conn, to_path, category_delta(&m.category, 1)).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct TransferRow {
    pub id: i64,
    pub from_org_id: i64,
    pub from_org_name: String,
    pub to_org_id: i64,
    pub to_org_name: String,
    pub on_date: String,
    pub reason: String,
}

pub async fn transfers(conn: &mut AnyConnection, member_id: i64) -> DbResult<Vec<TransferRow>> {
    Ok(sqlx::query_as::<_, TransferRow>(
        "SELECT t.id, t.from_org_id, f.name AS from_org_name, t.to_org_id, o.name AS to_org_name, \
         t.on_date, t.reason FROM member_transfers t \
         JOIN orgs f ON f.id = t.from_org_id JOIN orgs o ON o.id = t.to_org_id \
         WHERE t.member_id = $1 ORDER BY t.on_date DESC, t.id DESC",
    )
    .bind(member_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Active members directly in an organization (for the dissolve check).
pub async fn active_count_in_org(conn: &mut AnyConnection, org_id: i64) -> DbResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE org_id = $1 AND status = 'active'")
            .bind(org_id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Filters of the member list. Every value is bound, never formatted into
/// the SQL; the column set is fixed here.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub scope_path: String,
    pub scope_upper: String,
    pub category: Option<String>,
    pub sector: Option<String>,
    /// Inclusive birth-month range, `YYYY-MM` (from an age band).
    pub born_from: Option<String>,
    pub born_to: Option<String>,
    /// Inclusive join-date range (from a year).
    pub joined_from: Option<String>,
    pub joined_to: Option<String>,
    pub name_contains: Option<String>,
    /// Exact ID-card lookup by keyed hash.
    pub id_card_hmac: Option<String>,
}

impl MemberFilter {
    /// True when only the scope restricts the list (the roll-up counters
    /// then give the total without counting).
    pub fn is_scope_only(&self) -> bool {
        self.category.is_none()
            && self.sector.is_none()
            && self.born_from.is_none()
            && self.born_to.is_none()
            && self.joined_from.is_none()
            && self.joined_to.is_none()
            && self.name_contains.is_none()
            && self.id_card_hmac.is_none()
    }

    pub(crate) fn where_clause(&self) -> (String, Vec<String>) {
        let mut sql = String::from("m.status = 'active' AND m.org_path >= $1 AND m.org_path < $2");
        let mut binds = vec![self.scope_path.clone(), self.scope_upper.clone()];
        let mut add = |cond: &str, v: String| {
            binds.push(v);
            sql.push_str(&cond.replace('?', &format!("${}", binds.len())));
        };
        if let Some(v) = &self.category {
            add(" AND m.category = ?", v.clone());
        }
        if let Some(v) = &self.sector {
            add(" AND o.sector = ?", v.clone());
        }
        if let Some(v) = &self.born_from {
            add(" AND m.birth_month >= ?", v.clone());
        }
        if let Some(v) = &self.born_to {
            add(" AND m.birth_month <= ?", v.clone());
        }
        if let Some(v) = &self.joined_from {
            add(" AND m.joined_on >= ?", v.clone());
        }
        if let Some(v) = &self.joined_to {
            add(" AND m.joined_on <= ?", v.clone());
        }
        if let Some(v) = &self.name_contains {
            add(" AND m.name LIKE ? ESCAPE '\\'", like_contains(v));
        }
        if let Some(v) = &self.id_card_hmac {
            add(" AND m.id_card_hmac = ?", v.clone());
        }
        (sql, binds)
    }
}

/// A member list row with the organization's name.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct MemberListRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub name: String,
    pub gender: String,
    pub birth_month: String,
    pub category: String,
    pub joined_on: String,
    pub post: String,
    pub id_card_masked: String,
    pub phone_masked: String,
}

pub async fn list_members(
    conn: &mut AnyConnection,
    filter: &MemberFilter,
    limit: i64,
    offset: i64,
) -> DbResult<Vec<MemberListRow>> {
    let (cond, binds) = filter.where_clause();
    let n = binds.len();
    let sql = format!(
        "SELECT m.id, m.org_id, o.name AS org_name, m.name, m.gender, m.birth_month, m.category, \
         m.joined_on, m.post, m.id_card_masked, m.phone_masked \
         FROM members m JOIN orgs o ON o.id = m.org_id WHERE {cond} \
         ORDER BY m.org_path, m.id LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query_as::<_, MemberListRow>(dynamic(sql));
    for b in binds {
        q = q.bind(b);
    }
    Ok(q.bind(limit).bind(offset).fetch_all(&mut *conn).await?)
}

/// Counts the filtered list, stopping at `cap` (a county-wide filtered count
/// need not be exact past a point; the page says "more than").
pub async fn count_members(
    conn: &mut AnyConnection,
    filter: &MemberFilter,
    cap: i64,
) -> DbResult<i64> {
    let (cond, binds) = filter.where_clause();
    // The organization is joined only when its sector is filtered on.
    let join = if filter.sector.is_some() {
        "JOIN orgs o ON o.id = m.org_id "
    } else {
        ""
    };
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM members m {join}WHERE {cond} LIMIT ${}) t",
        binds.len() + 1
    );
    let mut q = sqlx::query_scalar::<_, i64>(dynamic(sql));
    for b in binds {
        q = q.bind(b);
    }
    Ok(q.bind(cap).fetch_one(&mut *conn).await?)
}

/// A member already registered under an ID-card hash (for import checks).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegisteredIdCard {
    pub id_card_hmac: String,
    pub name: String,
    pub org_path: String,
    pub org_name: String,
}

/// The members (any status) whose ID-card hash is among `hmacs`, looked up
/// in batches: one round trip per batch, not per row. SQLite binds
/// parameters by name with a linear search, so its batches stay small.
pub async fn registered_id_cards(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    hmacs: &[&str],
) -> DbResult<Vec<RegisteredIdCard>> {
    let size = match engine {
        crate::Engine::Sqlite => 100,
        crate::Engine::Postgres => 1000,
    };
    let mut found = Vec::new();
    for chunk in hmacs.chunks(size) {
        let sql = format!(
            "SELECT m.id_card_hmac, m.name, m.org_path, o.name AS org_name FROM members m \
             JOIN orgs o ON o.id = m.org_id WHERE m.id_card_hmac IN ({})",
            crate::placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_as::<_, RegisteredIdCard>(dynamic(sql));
        for h in chunk {
            q = q.bind(*h);
        }
        found.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(found)
}
