//! Reads behind the spreadsheet exports: the member list and the
//! organization subtree in key order, one chunk at a time (keyset paging,
//! so a chunk deep into a county costs the same as the first), and the name
//! counts that decide whether an organization is named alone or with its
//! parent.

use crate::member::MemberFilter;
use crate::org::{COLS as ORG_COLS, OrgRow, like_contains};
use crate::{DbResult, dynamic, placeholders};
use sqlx::AnyConnection;

/// A member as an export writes it: every sheet column, with the identity
/// fields both encrypted (for an unmasked export) and masked.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberExportRow {
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
    pub post: String,
    pub address: String,
    pub id_card_enc: String,
    pub id_card_masked: String,
    pub phone_enc: Option<String>,
    pub phone_masked: String,
}

/// The next `limit` members of the filtered list after the key
/// `(org_path, id)` (start with `("", 0)`), in the list's order.
pub async fn members_after(
    conn: &mut AnyConnection,
    filter: &MemberFilter,
    after: (&str, i64),
    limit: i64,
) -> DbResult<Vec<MemberExportRow>> {
    let (cond, binds) = filter.where_clause();
    let n = binds.len();
    let sql = format!(
        "SELECT m.id, m.org_id, m.org_path, m.name, m.gender, m.birth_month, m.ethnicity, m.education, \
         m.category, m.joined_on, m.full_on, m.post, m.address, m.id_card_enc, m.id_card_masked, \
         m.phone_enc, m.phone_masked \
         FROM members m JOIN orgs o ON o.id = m.org_id WHERE {cond} \
         AND (m.org_path > ${a} OR (m.org_path = ${a} AND m.id > ${b})) \
         ORDER BY m.org_path, m.id LIMIT ${l}",
        a = n + 1,
        b = n + 2,
        l = n + 3
    );
    let mut q = sqlx::query_as::<_, MemberExportRow>(dynamic(sql));
    for b in binds {
        q = q.bind(b);
    }
    Ok(q.bind(after.0.to_owned())
        .bind(after.1)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?)
}

/// The next `limit` active organizations strictly below the subtree root
/// whose range is `[after, upper)` (start with the root's own path), in path
/// order — parents before their children — optionally only those whose
/// name contains `needle`.
pub async fn orgs_after(
    conn: &mut AnyConnection,
    after: &str,
    upper: &str,
    needle: Option<&str>,
    limit: i64,
) -> DbResult<Vec<OrgRow>> {
    let name = if needle.is_some() {
        " AND name LIKE $4 ESCAPE '\\'"
    } else {
        ""
    };
    let q = sqlx::query_as::<_, OrgRow>(dynamic(format!(
        "SELECT {ORG_COLS} FROM orgs WHERE path > $1 AND path < $2 AND status = 'active'{name} \
         ORDER BY path LIMIT $3"
    )))
    .bind(after.to_owned())
    .bind(upper.to_owned())
    .bind(limit);
    let q = match needle {
        Some(n) => q.bind(like_contains(n)),
        None => q,
    };
    Ok(q.fetch_all(&mut *conn).await?)
}

/// How many organizations (active or dissolved) bear each of `names`.
pub async fn name_counts(
    conn: &mut AnyConnection,
    names: &[String],
) -> DbResult<Vec<(String, i64)>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT name, COUNT(*) FROM orgs WHERE name IN ({}) GROUP BY name",
        placeholders(1, names.len())
    );
    let mut q = sqlx::query_as::<_, (String, i64)>(dynamic(sql));
    for n in names {
        q = q.bind(n.clone());
    }
    Ok(q.fetch_all(&mut *conn).await?)
}
