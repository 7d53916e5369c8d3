//! Bulk loading for the demo county, benchmarks and imports: multi-row INSERTs with
//! explicit ids (the caller computed the paths and roll-ups), then the
//! PostgreSQL identity sequences are moved past the loaded ids.

use crate::org::OrgRow;
use crate::{DbError, DbResult, Engine, dynamic};
use sqlx::AnyConnection;

/// Rows per statement. sqlx binds SQLite parameters by name and SQLite finds
/// each name by a linear scan, so a statement's cost grows with the square
/// of its parameters: small batches there (measured: 20 µs a member at 10
/// rows, 600 µs at 500); PostgreSQL prefers few large statements.
fn batch(engine: Engine) -> usize {
    match engine {
        Engine::Sqlite => 16,
        Engine::Postgres => 500,
    }
}

/// `($1, $2, …), (…)` for `rows` rows of `cols` columns.
pub(crate) fn values(cols: usize, rows: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

/// Inserts organization rows as given: ids, paths, roll-ups, status and
/// timestamps were all computed by the caller.
pub async fn insert_orgs(
    conn: &mut AnyConnection,
    engine: Engine,
    rows: &[OrgRow],
) -> DbResult<()> {
    for chunk in rows.chunks(batch(engine)) {
        let sql = format!(
            "INSERT INTO orgs (id, parent_id, path, depth, name, kind, sector, secretary_name, secretary_vacant_since, \
             unit_name, population, sub_orgs, sub_members, sub_full, sub_probationary, status, created_at, updated_at) VALUES {}",
            values(18, chunk.len())
        );
        let mut q = sqlx::query(dynamic(sql));
        for o in chunk {
            q = q
                .bind(o.id)
                .bind(o.parent_id)
                .bind(&o.path)
                .bind(o.depth)
                .bind(&o.name)
                .bind(&o.kind)
                .bind(&o.sector)
                .bind(&o.secretary_name)
                .bind(o.secretary_vacant_since.clone())
                .bind(&o.unit_name)
                .bind(o.population)
                .bind(o.sub_orgs)
                .bind(o.sub_members)
                .bind(o.sub_full)
                .bind(o.sub_probationary)
                .bind(&o.status)
                .bind(&o.created_at)
                .bind(&o.updated_at);
        }
        q.execute(&mut *conn).await.map_err(DbError::from_sqlx)?;
    }
    Ok(())
}

/// A member row ready to insert (identity already encrypted).
#[derive(Debug, Clone)]
pub struct BulkMember {
    pub org_id: i64,
    pub org_path: String,
    pub fields: crate::member::MemberFields,
}

pub async fn insert_members(
    conn: &mut AnyConnection,
    engine: Engine,
    rows: &[BulkMember],
    now: &str,
) -> DbResult<()> {
    for chunk in rows.chunks(batch(engine)) {
        let sql = format!(
            "INSERT INTO members (org_id, org_path, name, gender, birth_month, ethnicity, education, category, joined_on, \
             full_on, probation_extended, post, address, id_card_enc, id_card_hmac, id_card_masked, phone_enc, \
             phone_masked, status, created_at, updated_at) VALUES {}",
            values(21, chunk.len())
        );
        let mut q = sqlx::query(dynamic(sql));
        for m in chunk {
            q = q.bind(m.org_id).bind(&m.org_path);
            q = crate::member::bind_member_fields!(q, &m.fields)
                .bind("active")
                .bind(now)
                .bind(now);
        }
        q.execute(&mut *conn).await.map_err(DbError::from_sqlx)?;
    }
    Ok(())
}

/// (org id, start, due)
pub async fn insert_terms(
    conn: &mut AnyConnection,
    engine: Engine,
    rows: &[(i64, String, String)],
    now: &str,
) -> DbResult<()> {
    for chunk in rows.chunks(batch(engine)) {
        let sql = format!(
            "INSERT INTO org_terms (org_id, start_date, due_date, created_at) VALUES {}",
            values(4, chunk.len())
        );
        let mut q = sqlx::query(dynamic(sql));
        for (org, start, due) in chunk {
            q = q.bind(*org).bind(start).bind(due).bind(now);
        }
        q.execute(&mut *conn).await.map_err(DbError::from_sqlx)?;
    }
    Ok(())
}

/// After a bulk load: PostgreSQL's identity sequences move past the loaded
/// ids (SQLite's rowid needs nothing), and both engines gather planner
/// statistics, without which PostgreSQL plans a filtered county-wide member
/// list as a full scan (measured: 4 s instead of milliseconds).
pub async fn after_load(conn: &mut AnyConnection, engine: Engine) -> DbResult<()> {
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    if engine == Engine::Postgres {
        for table in ["orgs", "members", "org_terms", "records"] {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            );
            sqlx::query(dynamic(sql)).execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// After a bulk load has committed: on PostgreSQL, `VACUUM (ANALYZE)`
/// sets the visibility map, without which the planner will not use
/// index-only scans (the county-wide compliance query read 8.9 million
/// records in 10.4 s with a seq scan and a hash aggregate spilling to disk,
/// 2.8 s from the covering index after the vacuum). Autovacuum would do it
/// eventually; a fresh load should not wait for it. Must run outside a
/// transaction. SQLite needs nothing here.
pub async fn vacuum_after_load(conn: &mut AnyConnection, engine: Engine) -> DbResult<()> {
    if engine == Engine::Postgres {
        sqlx::query("VACUUM (ANALYZE)").execute(&mut *conn).await?;
    }
    Ok(())
}

/// A record row with an explicit id (so the caller can number its sign-in
/// lines), as the demo generator produces them.
#[derive(Debug, Clone)]
pub struct BulkRecord {
    pub id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub fields: crate::record::RecordFields,
    pub status: &'static str,
    pub reviewed_by: Option<String>,
}

pub async fn insert_records(
    conn: &mut AnyConnection,
    engine: Engine,
    rows: &[BulkRecord],
    created_by: &str,
    now: &str,
) -> DbResult<()> {
    for chunk in rows.chunks(batch(engine)) {
        let sql = format!(
            "INSERT INTO records (id, org_id, org_path, record_type, held_on, place, host, topics, minutes, \
             expected_count, present_count, voting_count, voting_present, valid, marks, status, reviewed_by, \
             reviewed_at, profile_version, created_by, created_at, updated_at) VALUES {}",
            values(22, chunk.len())
        );
        let mut q = sqlx::query(dynamic(sql));
        for r in chunk {
            let f = &r.fields;
            q = crate::record::bind_record_fields!(
                q.bind(r.id).bind(r.org_id).bind(&r.org_path),
                f
            )
            .bind(r.status)
            .bind(r.reviewed_by.clone())
            .bind(r.reviewed_by.as_ref().map(|_| now.to_owned()))
            .bind(f.profile_version)
            .bind(created_by)
            .bind(now)
            .bind(now);
        }
        q.execute(&mut *conn).await.map_err(DbError::from_sqlx)?;
    }
    Ok(())
}

/// Sign-in lines: (record id, member id, present).
pub async fn insert_attendance(
    conn: &mut AnyConnection,
    engine: Engine,
    rows: &[(i64, i64, bool)],
) -> DbResult<()> {
    // Three small columns a row: larger batches than the wide tables.
    let size = match engine {
        Engine::Sqlite => 64,
        Engine::Postgres => 2000,
    };
    for chunk in rows.chunks(size) {
        let sql = format!(
            "INSERT INTO record_attendance (record_id, member_id, present) VALUES {}",
            values(3, chunk.len())
        );
        let mut q = sqlx::query(dynamic(sql));
        for (r, m, p) in chunk {
            q = q.bind(*r).bind(*m).bind(i64::from(*p));
        }
        q.execute(&mut *conn).await.map_err(DbError::from_sqlx)?;
    }
    Ok(())
}

/// The smallest member id (0 when there is none).
pub async fn min_member_id(conn: &mut AnyConnection) -> DbResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT CAST(COALESCE(MIN(id), 0) AS BIGINT) FROM members")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Number of organizations (to tell an empty database).
pub async fn org_count(conn: &mut AnyConnection) -> DbResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM orgs")
        .fetch_one(&mut *conn)
        .await?)
}

/// The largest organization id in use (0 when none): imports number their
/// new organizations after it inside the write transaction, where writers
/// are serialized.
pub async fn max_org_id(conn: &mut AnyConnection) -> DbResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM orgs")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// After inserting organizations with explicit ids: PostgreSQL's identity
/// sequence moves past them (SQLite's rowid needs nothing).
pub async fn sync_org_sequence(conn: &mut AnyConnection, engine: Engine) -> DbResult<()> {
    if engine == Engine::Postgres {
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('orgs', 'id'), COALESCE((SELECT MAX(id) FROM orgs), 0) + 1, false)",
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
