//! Organizations (党组织): the tree with its materialized paths, subtree
//! moves (which carry members' and records' path copies along), dissolution,
//! committee terms, the subtree roll-up counters, and the compact facts the
//! obligations engine reads.

use crate::{DbError, DbResult, dynamic, placeholders};
use sqlx::AnyConnection;

/// One row of `orgs`.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct OrgRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: String,
    pub depth: i64,
    pub name: String,
    pub kind: String,
    pub sector: String,
    pub secretary_name: String,
    pub secretary_vacant_since: Option<String>,
    pub unit_name: String,
    pub population: Option<i64>,
    pub status: String,
    pub dissolved_on: Option<String>,
    pub sub_orgs: i64,
    pub sub_members: i64,
    pub sub_full: i64,
    pub sub_probationary: i64,
    pub created_at: String,
    pub updated_at: String,
}

pub(crate) const COLS: &str = "id, parent_id, path, depth, name, kind, sector, secretary_name, \
    secretary_vacant_since, unit_name, population, status, dissolved_on, sub_orgs, \
    sub_members, sub_full, sub_probationary, created_at, updated_at";

/// The editable details of an organization.
#[derive(Debug, Clone)]
pub struct OrgDetails {
    pub name: String,
    pub kind: String,
    pub sector: String,
    pub secretary_name: String,
    pub secretary_vacant_since: Option<String>,
    pub unit_name: String,
    pub population: Option<i64>,
}

/// Inserts an organization under `parent` (or as a root) and returns it.
/// Ancestors' `sub_orgs` counters are bumped in the same transaction.
pub async fn insert_org(
    conn: &mut AnyConnection,
    parent: Option<&OrgRow>,
    d: &OrgDetails,
    now: &str,
) -> DbResult<OrgRow> {
    let depth = parent.map_or(0, |p| p.depth + 1);
    // The path needs the new id; a placeholder is unique because writers
    // are serialized and it is replaced before the transaction ends.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO orgs (parent_id, path, depth, name, kind, sector, secretary_name, \
         secretary_vacant_since, unit_name, population, status, created_at, updated_at) \
         VALUES ($1, '#pending', $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $10) RETURNING id",
    )
    .bind(parent.map(|p| p.id))
    .bind(depth)
    .bind(&d.name)
    .bind(&d.kind)
    .bind(&d.sector)
    .bind(&d.secretary_name)
    .bind(d.secretary_vacant_since.clone())
    .bind(&d.unit_name)
    .bind(d.population)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    let path = match parent {
        Some(p) => format!("{}{id}/", p.path),
        None => format!("/{id}/"),
    };
    sqlx::query("UPDATE orgs SET path = $1 WHERE id = $2")
        .bind(&path)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(DbError::from_sqlx)?;
    if let Some(p) = parent {
        adjust_ancestors(
            conn,
            &p.path,
            Delta {
                orgs: 1,
                ..Delta::default()
            },
        )
        .await?;
    }
    get_org(conn, id).await
}

pub async fn get_org(conn: &mut AnyConnection, id: i64) -> DbResult<OrgRow> {
    sqlx::query_as::<_, OrgRow>(dynamic(format!("SELECT {COLS} FROM orgs WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(DbError::NotFound)
}

/// Several organizations by id, in no particular order.
pub async fn get_orgs(conn: &mut AnyConnection, ids: &[i64]) -> DbResult<Vec<OrgRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLS} FROM orgs WHERE id IN ({})",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query_as::<_, OrgRow>(dynamic(sql));
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

/// A child in the tree page's table: only the columns the page and the
/// API's child list show. Loading whole rows cost a third of a tree page's
/// time (each value is copied twice on the way through sqlx's Any driver).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ChildRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub sector: String,
    pub secretary_name: String,
    pub status: String,
    pub sub_orgs: i64,
    pub sub_members: i64,
    pub sub_full: i64,
    pub sub_probationary: i64,
}

/// A page of direct children, active ones first, by kind and name.
pub async fn children(
    conn: &mut AnyConnection,
    parent_id: i64,
    include_dissolved: bool,
    limit: i64,
    offset: i64,
) -> DbResult<Vec<ChildRow>> {
    let status = if include_dissolved {
        ""
    } else {
        " AND status = 'active'"
    };
    Ok(sqlx::query_as::<_, ChildRow>(dynamic(format!(
        "SELECT id, name, kind, sector, secretary_name, status, sub_orgs, sub_members, sub_full, \
         sub_probationary FROM orgs WHERE parent_id = $1{status} ORDER BY status, kind, name, id LIMIT $2 OFFSET $3"
    )))
    .bind(parent_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?)
}

/// Number of direct children (active only unless `include_dissolved`).
pub async fn count_children(
    conn: &mut AnyConnection,
    parent_id: i64,
    include_dissolved: bool,
) -> DbResult<i64> {
    let status = if include_dissolved {
        ""
    } else {
        " AND status = 'active'"
    };
    Ok(sqlx::query_scalar(dynamic(format!(
        "SELECT COUNT(*) FROM orgs WHERE parent_id = $1{status}"
    )))
    .bind(parent_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_contains(needle: &str) -> String {
    let mut s = String::with_capacity(needle.len() + 2);
    s.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

/// Organizations in the subtree whose name contains `needle`.
pub async fn search_orgs(
    conn: &mut AnyConnection,
    scope_path: &str,
    scope_upper: &str,
    needle: &str,
    limit: i64,
) -> DbResult<Vec<OrgRow>> {
    Ok(sqlx::query_as::<_, OrgRow>(dynamic(format!(
        "SELECT {COLS} FROM orgs WHERE path >= $1 AND path < $2 AND name LIKE $3 ESCAPE '\\' \
         ORDER BY status, depth, name LIMIT $4"
    )))
    .bind(scope_path)
    .bind(scope_upper)
    .bind(like_contains(needle))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// Every organization in the subtree (active and dissolved), in path order.
pub async fn subtree(conn: &mut AnyConnection, path: &str, upper: &str) -> DbResult<Vec<OrgRow>> {
    Ok(sqlx::query_as::<_, OrgRow>(dynamic(format!(
        "SELECT {COLS} FROM orgs WHERE path >= $1 AND path < $2 ORDER BY path"
    )))
    .bind(path)
    .bind(upper)
    .fetch_all(&mut *conn)
    .await?)
}

pub async fn update_details(
    conn: &mut AnyConnection,
    id: i64,
    d: &OrgDetails,
    now: &str,
) -> DbResult<()> {
    let n = sqlx::query(
        "UPDATE orgs SET name = $1, kind = $2, sector = $3, secretary_name = $4, \
         secretary_vacant_since = $5, unit_name = $6, population = $7, updated_at = $8 WHERE id = $9",
    )
    .bind(&d.name)
    .bind(&d.kind)
    .bind(&d.sector)
    .bind(&d.secretary_name)
    .bind(d.secretary_vacant_since.clone())
    .bind(&d.unit_name)
    .bind(d.population)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?
    .rows_affected();
    if n == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}

/// Moves `org` and its whole subtree under `new_parent`: every path and
/// depth below it, its members' path copies and both ancestor chains'
/// counters change in the caller's transaction, so the move is atomic.
pub async fn move_subtree(
    conn: &mut AnyConnection,
    org: &OrgRow,
    new_parent: &OrgRow,
    now: &str,
) -> DbResult<()> {
    let old_path = org.path.as_str();
    let old_upper = upper_of(old_path);
    let new_path = format!("{}{}/", new_parent.path, org.id);
    let depth_delta = new_parent.depth + 1 - org.depth;
    // substr is 1-based on both engines: keep what follows the old prefix.
    let tail_from = old_path.len() as i64 + 1;
    sqlx::query(
        "UPDATE orgs SET path = $1 || substr(path, CAST($2 AS INTEGER)), depth = depth + $3, updated_at = $4 \
         WHERE path >= $5 AND path < $6",
    )
    .bind(&new_path)
    .bind(tail_from)
    .bind(depth_delta)
    .bind(now)
    .bind(old_path)
    .bind(&old_upper)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    sqlx::query("UPDATE members SET org_path = $1 || substr(org_path, CAST($2 AS INTEGER)) WHERE org_path >= $3 AND org_path < $4")
        .bind(&new_path)
        .bind(tail_from)
        .bind(old_path)
        .bind(&old_upper)
        .execute(&mut *conn)
        .await
        .map_err(DbError::from_sqlx)?;
    // Records carry the same path copy (their scope ranges depend on it).
    sqlx::query("UPDATE records SET org_path = $1 || substr(org_path, CAST($2 AS INTEGER)) WHERE org_path >= $3 AND org_path < $4")
        .bind(&new_path)
        .bind(tail_from)
        .bind(old_path)
        .bind(&old_upper)
        .execute(&mut *conn)
        .await
        .map_err(DbError::from_sqlx)?;
    crate::work::move_paths(conn, &new_path, tail_from, old_path, &old_upper).await?;
    sqlx::query("UPDATE orgs SET parent_id = $1 WHERE id = $2")
        .bind(new_parent.id)
        .bind(org.id)
        .execute(&mut *conn)
        .await
        .map_err(DbError::from_sqlx)?;
    if org.status == "active" {
        let d = Delta {
            orgs: org.sub_orgs + 1,
            members: org.sub_members,
            full: org.sub_full,
            probationary: org.sub_probationary,
        };
        adjust_ancestors(conn, &parent_path(old_path), d.negate()).await?;
        adjust_ancestors(conn, &new_parent.path, d).await?;
    }
    Ok(())
}

/// Marks an organization dissolved (history is kept). The caller checks
/// that it has no active members or children.
pub async fn dissolve(conn: &mut AnyConnection, org: &OrgRow, on: &str, now: &str) -> DbResult<()> {
    sqlx::query(
        "UPDATE orgs SET status = 'dissolved', dissolved_on = $1, updated_at = $2 WHERE id = $3",
    )
    .bind(on)
    .bind(now)
    .bind(org.id)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    adjust_ancestors(
        conn,
        &parent_path(&org.path),
        Delta {
            orgs: -1,
            ..Delta::default()
        },
    )
    .await
}

/// Changes to the roll-up counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delta {
    pub orgs: i64,
    pub members: i64,
    pub full: i64,
    pub probationary: i64,
}

impl Delta {
    pub fn negate(self) -> Self {
        Self {
            orgs: -self.orgs,
            members: -self.members,
            full: -self.full,
            probationary: -self.probationary,
        }
    }
}

/// Adds `d` to the counters of the organization at `path` and of all its
/// ancestors (the ids listed in the path).
pub async fn adjust_ancestors(conn: &mut AnyConnection, path: &str, d: Delta) -> DbResult<()> {
    let ids: Vec<i64> = path.split('/').filter_map(|s| s.parse().ok()).collect();
    if ids.is_empty() || d == Delta::default() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE orgs SET sub_orgs = sub_orgs + $1, sub_members = sub_members + $2, \
         sub_full = sub_full + $3, sub_probationary = sub_probationary + $4 WHERE id IN ({})",
        placeholders(5, ids.len())
    );
    let mut q = sqlx::query(dynamic(sql))
        .bind(d.orgs)
        .bind(d.members)
        .bind(d.full)
        .bind(d.probationary);
    for id in ids {
        q = q.bind(id);
    }
    q.execute(&mut *conn).await.map_err(DbError::from_sqlx)?;
    Ok(())
}

/// Recomputes every roll-up counter from the rows (after bulk loads, and in
/// tests to prove the incremental counters right). Returns how many
/// organizations changed.
pub async fn recompute_rollups(conn: &mut AnyConnection) -> DbResult<u64> {
    use std::collections::HashMap;
    let orgs: Vec<(i64, String, String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT id, path, status, sub_orgs, sub_members, sub_full, sub_probationary FROM orgs",
    )
    .fetch_all(&mut *conn)
    .await?;
    let counts: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT org_id, category, COUNT(*) FROM members WHERE status = 'active' GROUP BY org_id, category",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut totals: HashMap<i64, Delta> = HashMap::new();
    let path_of: HashMap<i64, &str> = orgs.iter().map(|o| (o.0, o.1.as_str())).collect();
    for (id, path, status, ..) in &orgs {
        if status == "active" {
            // An active organization counts for each of its strict ancestors.
            for anc in path
                .split('/')
                .filter_map(|s| s.parse::<i64>().ok())
                .filter(|a| a != id)
            {
                totals.entry(anc).or_default().orgs += 1;
            }
        }
    }
    for (org_id, category, n) in counts {
        let Some(path) = path_of.get(&org_id) else {
            continue;
        };
        for anc in path.split('/').filter_map(|s| s.parse::<i64>().ok()) {
            let t = totals.entry(anc).or_default();
            t.members += n;
            if category == "full" {
                t.full += n;
            } else {
                t.probationary += n;
            }
        }
    }
    let mut changed = 0;
    for (id, _, _, so, sm, sf, sp) in &orgs {
        let t = totals.get(id).copied().unwrap_or_default();
        if (t.orgs, t.members, t.full, t.probationary) != (*so, *sm, *sf, *sp) {
            sqlx::query(
                "UPDATE orgs SET sub_orgs = $1, sub_members = $2, sub_full = $3, sub_probationary = $4 WHERE id = $5",
            )
            .bind(t.orgs)
            .bind(t.members)
            .bind(t.full)
            .bind(t.probationary)
            .bind(*id)
            .execute(&mut *conn)
            .await?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// A committee term (届次).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct TermRow {
    pub id: i64,
    pub org_id: i64,
    pub start_date: String,
    pub due_date: String,
    pub actual_date: Option<String>,
}

/// Starts a new term; an open previous term is closed on `start`.
pub async fn start_term(
    conn: &mut AnyConnection,
    org_id: i64,
    start: &str,
    due: &str,
    now: &str,
) -> DbResult<()> {
    sqlx::query("UPDATE org_terms SET actual_date = $1 WHERE org_id = $2 AND actual_date IS NULL")
        .bind(start)
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO org_terms (org_id, start_date, due_date, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(org_id)
    .bind(start)
    .bind(due)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(())
}

pub async fn terms(conn: &mut AnyConnection, org_id: i64) -> DbResult<Vec<TermRow>> {
    Ok(sqlx::query_as::<_, TermRow>(
        "SELECT id, org_id, start_date, due_date, actual_date FROM org_terms WHERE org_id = $1 ORDER BY start_date DESC",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The path of the parent, from a child's path (`/1/7/42/` → `/1/7/`).
pub fn parent_path(path: &str) -> String {
    let trimmed = &path[..path.len() - 1];
    match trimmed.rfind('/') {
        Some(i) => path[..=i].to_owned(),
        None => String::new(),
    }
}

/// Exclusive upper bound of a subtree range (see `domain::org::OrgPath::subtree_upper`).
pub fn upper_of(path: &str) -> String {
    let mut s = path.to_owned();
    s.pop();
    s.push('0');
    s
}

/// What the obligations engine needs of an organization, plus its name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgFactRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub depth: i64,
    pub kind: String,
    pub sector: String,
    pub has_committee: i64,
    pub status: String,
    pub dissolved_on: Option<String>,
}

/// Every organization of the subtree (dissolved ones too: they were bound
/// until they were dissolved), in one query.
pub async fn facts(conn: &mut AnyConnection, path: &str, upper: &str) -> DbResult<Vec<OrgFactRow>> {
    Ok(sqlx::query_as::<_, OrgFactRow>(
        "SELECT id, parent_id, name, depth, kind, sector, has_committee, status, dissolved_on \
         FROM orgs WHERE path >= $1 AND path < $2 ORDER BY path",
    )
    .bind(path)
    .bind(upper)
    .fetch_all(&mut *conn)
    .await?)
}

pub async fn has_committee(conn: &mut AnyConnection, id: i64) -> DbResult<bool> {
    let v: Option<i64> = sqlx::query_scalar("SELECT has_committee FROM orgs WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    v.map(|v| v != 0).ok_or(DbError::NotFound)
}

/// Records whether organizations have a committee (支部委员会).
pub async fn set_has_committee(
    conn: &mut AnyConnection,
    ids: &[i64],
    has: bool,
    now: &str,
) -> DbResult<()> {
    for chunk in ids.chunks(500) {
        let sql = format!(
            "UPDATE orgs SET has_committee = $1, updated_at = $2 WHERE id IN ({})",
            placeholders(3, chunk.len())
        );
        let mut q = sqlx::query(dynamic(sql)).bind(i64::from(has)).bind(now);
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut *conn).await.map_err(DbError::from_sqlx)?;
    }
    Ok(())
}
