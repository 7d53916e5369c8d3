//! The records the obligations engine reads, packed one row per
//! organization. A county's two years are some 90,000 records; fetched as
//! rows through sqlx's `Any` driver each row costs more than the engine's
//! whole evaluation, so the database concatenates them instead: one row per
//! organization, each record as `type|YYYY-MM-DD|valid|marks`, records
//! separated by `;`. Codes (types, marks) are `[a-z0-9_]`, so neither
//! separator can occur inside a field. The aggregate is the one engine
//! difference (`group_concat` / `string_agg`).

use crate::{DbResult, Engine};
use sqlx::AnyConnection;

/// Every record of one organization in the window, packed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PackedFacts {
    pub org_id: i64,
    /// `type|YYYY-MM-DD|valid|marks` joined by `;` (marks comma-separated).
    pub packed: String,
}

/// Records of the subtree held in `from..=to`, one row per organization.
/// Grouped by path (unique per organization) so the scope index's order
/// serves the grouping.
pub async fn packed_facts(
    conn: &mut AnyConnection,
    engine: Engine,
    scope_path: &str,
    scope_upper: &str,
    from: &str,
    to: &str,
) -> DbResult<Vec<PackedFacts>> {
    let item = "record_type || '|' || held_on || '|' || CAST(valid AS TEXT) || '|' || marks";
    let agg = match engine {
        Engine::Sqlite => format!("group_concat({item}, ';')"),
        Engine::Postgres => format!("string_agg({item}, ';')"),
    };
    let sql = format!(
        "SELECT MIN(org_id) AS org_id, {agg} AS packed FROM records \
         WHERE org_path >= $1 AND org_path < $2 AND held_on >= $3 AND held_on <= $4 \
         GROUP BY org_path"
    );
    Ok(sqlx::query_as::<_, PackedFacts>(sqlx::AssertSqlSafe(sql))
        .bind(scope_path)
        .bind(scope_upper)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?)
}

/// One record of a packed row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackedRecord<'a> {
    pub record_type: &'a str,
    pub held_on: &'a str,
    pub valid: bool,
    /// Comma-separated mark codes, possibly empty.
    pub marks: &'a str,
}

/// The records of a packed row; malformed items are skipped.
pub fn unpack(packed: &str) -> impl Iterator<Item = PackedRecord<'_>> {
    packed.split(';').filter_map(|item| {
        let mut f = item.splitn(4, '|');
        Some(PackedRecord {
            record_type: f.next()?,
            held_on: f.next()?,
            valid: f.next()? != "0",
            marks: f.next()?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_rows_unpack_to_their_records() {
        let v: Vec<_> = unpack(
            "party_lecture|2026-05-28|1|by_secretary,x;branch_general_meeting|2026-07-01|0|",
        )
        .collect();
        assert_eq!(
            v,
            [
                PackedRecord {
                    record_type: "party_lecture",
                    held_on: "2026-05-28",
                    valid: true,
                    marks: "by_secretary,x",
                },
                PackedRecord {
                    record_type: "branch_general_meeting",
                    held_on: "2026-07-01",
                    valid: false,
                    marks: "",
                },
            ]
        );
        assert_eq!(unpack("broken").count(), 0);
    }
}
