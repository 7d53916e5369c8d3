//! SQL behind backup and restore of a SQLite database: the online snapshot
//! (`VACUUM INTO`), the integrity and schema checks a backup must pass
//! before it replaces a live database, and the row counts a summary shows.
//! PostgreSQL is backed up with pg_dump/pg_restore (see the README), not here.

use crate::{DbError, DbResult, Store, dynamic};
use sqlx::AnyConnection;

/// Writes a consistent snapshot of the whole database to the new file
/// `dest` while other connections keep reading and writing. SQLite runs it
/// as one read transaction, so the copy holds every transaction committed
/// before it started and none after; the file has no -wal beside it.
pub async fn vacuum_into(conn: &mut AnyConnection, dest: &str) -> DbResult<()> {
    sqlx::query("VACUUM INTO $1")
        .bind(dest)
        .execute(&mut *conn)
        .await
        .map_err(DbError::from_sqlx)?;
    Ok(())
}

/// SQLite's full consistency check: `["ok"]` when the file is sound, else
/// one line per problem found (at most 100).
pub async fn integrity_check(conn: &mut AnyConnection) -> DbResult<Vec<String>> {
    Ok(sqlx::query_scalar("PRAGMA integrity_check(100)")
        .fetch_all(&mut *conn)
        .await?)
}

/// Moves everything in the write-ahead log into the database file and
/// empties the log, so the file alone holds every committed transaction.
pub async fn checkpoint(conn: &mut AnyConnection) -> DbResult<()> {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How a database's applied migrations compare with this binary's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    /// Every migration of this binary applied successfully, none other.
    Current { version: i64 },
    /// No migrations table: not a dangjian database.
    Missing,
    /// Migrations of this binary not applied (an older database).
    Behind { missing: Vec<i64> },
    /// Migrations this binary does not know (made by a newer version).
    Ahead { unknown: Vec<i64> },
    /// A migration failed half-way or its file differs from this binary's.
    Damaged { version: i64 },
}

/// Compares the `_sqlx_migrations` table with the migrations this binary
/// carries.
pub async fn schema_state(store: &Store) -> DbResult<SchemaState> {
    let mut conn = store.read().await?;
    let has_table: i64 = sqlx::query_scalar(match store.engine {
        crate::Engine::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
        crate::Engine::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '_sqlx_migrations'"
        }
    })
    .fetch_one(&mut *conn)
    .await?;
    if has_table == 0 {
        return Ok(SchemaState::Missing);
    }
    let applied: Vec<(i64, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT version, CAST(success AS INTEGER), checksum FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await?;
    let migrator = store.migrator();
    let known: Vec<_> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .collect();
    let unknown: Vec<i64> = applied
        .iter()
        .map(|a| a.0)
        .filter(|v| !known.iter().any(|m| m.version == *v))
        .collect();
    if !unknown.is_empty() {
        return Ok(SchemaState::Ahead { unknown });
    }
    for (version, success, checksum) in &applied {
        let m = known
            .iter()
            .find(|m| m.version == *version)
            .expect("unknown versions returned above");
        if *success == 0 || m.checksum.as_ref() != checksum.as_slice() {
            return Ok(SchemaState::Damaged { version: *version });
        }
    }
    let missing: Vec<i64> = known
        .iter()
        .map(|m| m.version)
        .filter(|v| !applied.iter().any(|a| a.0 == *v))
        .collect();
    if !missing.is_empty() {
        return Ok(SchemaState::Behind { missing });
    }
    Ok(SchemaState::Current {
        version: known.iter().map(|m| m.version).max().unwrap_or(0),
    })
}

/// The tables a backup summary counts, with their Chinese names.
pub const SUMMARY_TABLES: [(&str, &str); 4] = [
    ("orgs", "党组织"),
    ("members", "党员"),
    ("users", "账号"),
    ("audit_log", "审计记录"),
];

/// Row counts of [`SUMMARY_TABLES`], in that order.
pub async fn row_counts(conn: &mut AnyConnection) -> DbResult<Vec<i64>> {
    let mut counts = Vec::with_capacity(SUMMARY_TABLES.len());
    for (table, _) in SUMMARY_TABLES {
        // The table name comes from the constant list above, never from input.
        let n: i64 = sqlx::query_scalar(dynamic(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&mut *conn)
            .await?;
        counts.push(n);
    }
    Ok(counts)
}

/// One stored ID-card ciphertext, if any member exists: restore proves with
/// it that the instance's key opens the backup's sensitive fields.
pub async fn sample_ciphertext(conn: &mut AnyConnection) -> DbResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT id_card_enc FROM members ORDER BY id LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?,
    )
}
