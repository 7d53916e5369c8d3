//! The only place with SQL. One query set serves SQLite and PostgreSQL
//! through sqlx's `Any` driver (see DEPENDENCIES.md for the portable subset
//! the queries keep to); the few engine differences live in this file.
//!
//! Functions take `&mut AnyConnection`, so the service decides whether they
//! run inside a write transaction ([`Store::begin_write`]) or on a pooled
//! connection for reading. Nothing here checks permissions: that is the
//! service layer's job.

pub mod attachments;
pub mod audit;
pub mod backup;
pub mod bulk;
pub mod codes;
pub mod compliance;
pub mod conflict;
pub mod export;
pub mod member;
pub mod org;
pub mod org_facts;
pub mod profile;
pub mod record;
pub mod rectify;
pub mod security;
pub mod testdb;
pub mod user;
pub mod user_security;
pub mod warnings;
pub mod work;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};
use std::str::FromStr;
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use sqlx::AnyConnection as Conn;
pub use sqlx::Error as SqlxError;

/// Store errors: the three cases callers act on.
///
/// Every `sqlx::Error` is classified on its way in ([`DbError::from_sqlx`],
/// which the `From` conversion behind `?` calls too), so a constraint
/// violation is a [`DbError::Conflict`] whichever path it took, never an
/// unclassified [`DbError::Other`].
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    /// A unique, foreign-key or check constraint refused the write; the
    /// conflict carries the Chinese message and the constraint, which lets
    /// the service name the field.
    #[error("{0}")]
    Conflict(Conflict),
    #[error(transparent)]
    Other(sqlx::Error),
}

pub use conflict::{Conflict, ConflictKind};

impl DbError {
    /// Maps `RowNotFound` to [`DbError::NotFound`] and constraint
    /// violations to [`DbError::Conflict`].
    pub fn from_sqlx(e: sqlx::Error) -> Self {
        if let sqlx::Error::RowNotFound = e {
            return DbError::NotFound;
        }
        if let Some(c) = e.as_database_error().and_then(Conflict::classify) {
            return DbError::Conflict(c);
        }
        DbError::Other(e)
    }
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        DbError::from_sqlx(e)
    }
}

impl DbError {
    /// A failure outside the database on the way to or from it (writing a
    /// spreadsheet, a file): reported and logged like a database failure.
    pub fn io(e: std::io::Error) -> Self {
        DbError::Other(sqlx::Error::Io(e))
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// Which engine a URL chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The connection pools, plus the lock that serializes writers.
///
/// Writers are serialized in-process because every write appends to the
/// hash-chained audit log, whose next row depends on the last; SQLite has
/// one writer anyway. On PostgreSQL a transaction-scoped advisory lock
/// extends the guarantee across processes.
///
/// Every write goes through [`Store::begin_write`] (or, for the few
/// statements that cannot run in a transaction, [`Store::exclusive`]): on
/// SQLite a write outside the writer lock makes a transaction that has
/// already read fail with "database is locked" (a deferred transaction
/// cannot wait to upgrade its snapshot), so there must be none. Writes use
/// a pool of their own, one connection, so that a writer never waits for a
/// connection held by readers (who may themselves wait for the lock), and
/// begin `IMMEDIATE` on SQLite: the write lock is taken at `BEGIN`, where
/// the busy timeout applies, never half-way through.
#[derive(Clone)]
pub struct Store {
    /// Connections for reading (tests also write through it directly).
    pub pool: AnyPool,
    pub engine: Engine,
    writer: AnyPool,
    write_lock: Arc<Mutex<()>>,
}

/// A write transaction holding the writer lock until commit or drop.
pub struct WriteTx {
    pub tx: sqlx::Transaction<'static, sqlx::Any>,
    _guard: OwnedMutexGuard<()>,
}

impl WriteTx {
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    pub async fn commit(self) -> DbResult<()> {
        self.tx.commit().await.map_err(DbError::from_sqlx)
    }
}

/// The writer connection outside a transaction, holding the writer lock:
/// for statements no transaction may hold (PostgreSQL's `VACUUM`).
pub struct ExclusiveConn {
    conn: sqlx::pool::PoolConnection<sqlx::Any>,
    _guard: OwnedMutexGuard<()>,
}

impl ExclusiveConn {
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

const PG_WRITE_LOCK_KEY: i64 = 0x6461_6e67_6a69_616e; // "dangjian"

impl Store {
    /// Connects to `url` (`sqlite://path` or `postgres://…`), creating the
    /// SQLite file if missing, and runs the migrations.
    pub async fn connect(url: &str) -> DbResult<Self> {
        let store = Self::open(url, true).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects to an existing database without creating it and without
    /// running migrations: backup and restore inspect a database whose
    /// schema may be older or newer than this binary's, and must not change it.
    pub async fn connect_existing(url: &str) -> DbResult<Self> {
        Self::open(url, false).await
    }

    async fn open(url: &str, create: bool) -> DbResult<Self> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Engine::Postgres
        } else if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else {
            return Err(DbError::Other(sqlx::Error::Configuration(
                format!("数据库地址应以 sqlite:// 或 postgres:// 开头：{url}").into(),
            )));
        };
        let url = match engine {
            Engine::Sqlite if !url.contains('?') => {
                format!("{url}?mode={}", if create { "rwc" } else { "rw" })
            }
            _ => url.to_owned(),
        };
        let opts = AnyConnectOptions::from_str(&url)?;
        let readers = match engine {
            Engine::Sqlite => 8,
            Engine::Postgres => 16,
        };
        let pool = Self::pool(engine, readers)
            .connect_with(opts.clone())
            .await?;
        // Writes are serialized by the lock: one connection serves them.
        let writer = Self::pool(engine, 1).connect_with(opts).await?;
        Ok(Self {
            pool,
            engine,
            writer,
            write_lock: Arc::new(Mutex::new(())),
        })
    }

    fn pool(engine: Engine, size: u32) -> AnyPoolOptions {
        let opts = AnyPoolOptions::new().max_connections(size);
        if engine == Engine::Postgres {
            return opts;
        }
        opts.after_connect(|conn, _meta| {
            Box::pin(async move {
                // WAL: readers never block the writer. FULL: a
                // commit is on disk before it is acknowledged, so a
                // kill loses nothing committed.
                conn.execute("PRAGMA journal_mode=WAL").await?;
                conn.execute("PRAGMA synchronous=FULL").await?;
                conn.execute("PRAGMA foreign_keys=ON").await?;
                // Deleted and rewritten content is overwritten with
                // zeros, so personal data that was removed or
                // replaced does not linger in free pages of the
                // file (or of a backup taken from it).
                conn.execute("PRAGMA secure_delete=ON").await?;
                conn.execute("PRAGMA busy_timeout=10000").await?;
                // 32 MiB of page cache per connection instead of 2:
                // index pages of a county-sized table stay in memory
                // (bulk loads with a random-order unique index, the
                // HMAC, thrash the default cache).
                conn.execute("PRAGMA cache_size=-32768").await?;
                Ok(())
            })
        })
    }

    /// The migrations this binary carries for the store's engine.
    pub fn migrator(&self) -> sqlx::migrate::Migrator {
        match self.engine {
            Engine::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Engine::Postgres => sqlx::migrate!("./migrations/postgres"),
        }
    }

    async fn migrate(&self) -> DbResult<()> {
        self.migrator()
            .run(&self.pool)
            .await
            .map_err(|e| DbError::Other(e.into()))
    }

    /// A pooled connection for reads.
    pub async fn read(&self) -> DbResult<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Begins a read-only transaction that sees one snapshot of the data
    /// across many queries (exports read a large list in chunks). SQLite's
    /// deferred transaction takes its snapshot at the first read; PostgreSQL
    /// needs REPEATABLE READ for the same.
    pub async fn read_snapshot(&self) -> DbResult<sqlx::Transaction<'static, sqlx::Any>> {
        let mut tx = self.pool.begin().await?;
        if self.engine == Engine::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// Begins a write transaction, holding the writer lock: `BEGIN
    /// IMMEDIATE` on SQLite (the write lock is taken now, waiting out
    /// another process's writer under the busy timeout), the advisory lock
    /// on PostgreSQL.
    pub async fn begin_write(&self) -> DbResult<WriteTx> {
        let guard = self.write_lock.clone().lock_owned().await;
        let tx = match self.engine {
            Engine::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Engine::Postgres => {
                let mut tx = self.writer.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(PG_WRITE_LOCK_KEY)
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        };
        Ok(WriteTx { tx, _guard: guard })
    }

    /// The writer connection without a transaction, holding the writer
    /// lock (in-process only: statements run here must not need the
    /// cross-process advisory lock).
    pub async fn exclusive(&self) -> DbResult<ExclusiveConn> {
        let guard = self.write_lock.clone().lock_owned().await;
        Ok(ExclusiveConn {
            conn: self.writer.acquire().await?,
            _guard: guard,
        })
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        match self.pool.acquire().await {
            Ok(mut c) => c.ping().await.is_ok(),
            Err(_) => false,
        }
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// Numbered placeholders `$from, $from+1, …` for an `IN (…)` list; the
/// values are bound by the caller (never formatted into the SQL).
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Marks a query string built in this crate as safe: the dynamic parts are
/// fixed column lists and numbered placeholders, never input values (those
/// are always bound).
pub(crate) fn dynamic(sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql)
}
