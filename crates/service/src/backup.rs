//! Backup and restore of a SQLite instance. A backup is an online,
//! consistent snapshot (`VACUUM INTO`) taken while the server runs. A restore
//! replaces the database of a stopped instance, and only after the backup
//! passed every check (file integrity, schema version, audit hash chain,
//! the instance's key): the live file is never touched by a backup that
//! would not serve. The previous database is kept beside it.
//!
//! A running server holds an exclusive lock on `<database>.lock`
//! ([`lock_instance`]); restore takes the same lock, so it refuses while a
//! server runs and no server starts during a restore. PostgreSQL is backed
//! up with pg_dump/pg_restore (README), not here.

use crate::Crypto;
use crate::audit::{self, Verification};
use crate::error::ServiceError;
use dangjian_store::backup::{self as db, SUMMARY_TABLES, SchemaState};
use dangjian_store::{DbError, Store};
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

/// Why a backup or restore did not happen, in the words the CLI prints.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("数据库 {0} 正被运行中的 dangjian 服务使用，请先停止服务")]
    Busy(PathBuf),
    #[error("文件不存在：{0}")]
    NotFound(PathBuf),
    #[error("目标文件已存在：{0}（不会覆盖已有文件，请换一个文件名）")]
    Exists(PathBuf),
    #[error("备份文件与数据库是同一个文件：{0}")]
    SameFile(PathBuf),
    /// The backup failed a check; nothing was changed.
    #[error("备份校验未通过，未做任何改动：{0}")]
    Invalid(String),
    #[error("{what}：{source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("数据库错误：{0}")]
    Db(#[from] DbError),
    #[error("{0}")]
    Service(#[from] ServiceError),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

/// The file of a `sqlite://PATH[?options]` URL; `None` for other engines.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

fn url_of(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// `<file><suffix>` beside `file` (`d.db` + `-wal` → `d.db-wal`).
fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The exclusive lock of an instance, held while a server runs on the
/// database or a restore replaces it; released when dropped (or when the
/// process dies, however it dies).
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
}

/// Takes the instance lock on `<db>.lock`, or [`BackupError::Busy`] when
/// another process holds it.
pub fn lock_instance(db: &Path) -> Result<InstanceLock, BackupError> {
    let path = with_suffix(db, ".lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io(format!("无法打开锁文件 {}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(InstanceLock { _file: file }),
        Err(TryLockError::WouldBlock) => Err(BackupError::Busy(db.to_owned())),
        Err(TryLockError::Error(e)) => Err(io(format!("无法锁定 {}", path.display()))(e)),
    }
}

/// What a verified database holds.
#[derive(Debug, Clone)]
pub struct Summary {
    /// File size in bytes.
    pub bytes: u64,
    /// The latest migration applied.
    pub schema_version: i64,
    /// Rows of the audit log, all verified.
    pub audit_rows: u64,
    /// (Chinese table name, rows) of the main tables.
    pub counts: Vec<(&'static str, i64)>,
}

/// Takes a consistent online backup of the SQLite database `db` into the
/// new file `dest` (refused if it exists), verifies the copy and returns its
/// summary (the audit chain is verified under `crypto`'s key when given,
/// else only its links). The server may keep running and writing meanwhile.
/// The backup file is private (mode 0600).
pub async fn backup(
    db: &Path,
    dest: &Path,
    crypto: Option<&Crypto>,
) -> Result<Summary, BackupError> {
    if !db.is_file() {
        return Err(BackupError::NotFound(db.to_owned()));
    }
    if dest.exists() {
        return Err(BackupError::Exists(dest.to_owned()));
    }
    let partial = with_suffix(dest, ".partial");
    remove_if_exists(&partial)?;
    let result = async {
        let store = Store::connect_existing(&url_of(db)).await?;
        let snapshot = async {
            let mut conn = store.read().await?;
            db::vacuum_into(&mut conn, &partial.display().to_string()).await
        }
        .await;
        store.close().await;
        snapshot?;
        crate::files::restrict_sqlite(&partial)
            .map_err(io(format!("无法设置 {} 的权限", partial.display())))?;
        sync_file(&partial)?;
        let summary = verify_file(&partial, crypto).await?;
        // A hard link refuses to replace a file that appeared meanwhile.
        std::fs::hard_link(&partial, dest).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                BackupError::Exists(dest.to_owned())
            } else {
                io(format!("无法写入 {}", dest.display()))(e)
            }
        })?;
        sync_dir(dest)?;
        Ok(summary)
    }
    .await;
    remove_if_exists(&partial)?;
    result
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub summary: Summary,
    /// Where the database that was replaced now lies (none if there was none).
    pub previous: Option<PathBuf>,
}

/// Restores `backup` as the SQLite database `db` of a stopped instance.
/// The backup is copied next to the database and the copy verified
/// ([`verify_file`], with `crypto` when given) before anything else; then
/// the old database is moved to `<db>.before-restore-<UTC time>` and the
/// copy renamed into place.
pub async fn restore(
    db: &Path,
    backup: &Path,
    crypto: Option<&Crypto>,
) -> Result<Restored, BackupError> {
    if !backup.is_file() {
        return Err(BackupError::NotFound(backup.to_owned()));
    }
    if db.exists() && same_file(db, backup) {
        return Err(BackupError::SameFile(backup.to_owned()));
    }
    let _lock = lock_instance(db)?;
    let copy = with_suffix(db, ".restoring");
    remove_if_exists(&copy)?;
    let checked = async {
        std::fs::copy(backup, &copy).map_err(io(format!(
            "无法把 {} 复制到 {}",
            backup.display(),
            copy.display()
        )))?;
        crate::files::restrict(&copy).map_err(io(format!("无法设置 {} 的权限", copy.display())))?;
        sync_file(&copy)?;
        verify_file(&copy, crypto).await
    }
    .await;
    let summary = match checked {
        Ok(s) => s,
        Err(e) => {
            remove_if_exists(&copy)?;
            return Err(e);
        }
    };
    let previous = if db.exists() {
        // Fold a write-ahead log left by a killed server into the file, so
        // the kept database is whole on its own.
        let store = Store::connect_existing(&url_of(db)).await?;
        let folded = async { db::checkpoint(&mut *store.read().await?).await }.await;
        store.close().await;
        folded?;
        let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
        let kept = with_suffix(db, &format!(".before-restore-{stamp}"));
        std::fs::rename(db, &kept).map_err(io(format!("无法保留原数据库 {}", db.display())))?;
        for side in ["-wal", "-shm"] {
            let from = with_suffix(db, side);
            if from.exists() {
                std::fs::rename(&from, with_suffix(&kept, side))
                    .map_err(io(format!("无法移走 {}", from.display())))?;
            }
        }
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&copy, db).map_err(io(format!("无法把备份放到 {}", db.display())))?;
    sync_dir(db)?;
    Ok(Restored { summary, previous })
}

/// Checks a database file before it is trusted: SQLite's integrity check,
/// every migration of this binary applied and none newer, the audit hash
/// chain intact, and (with `crypto`) that the key opens its sensitive
/// fields. Opens the file for writing: call it on a copy.
pub async fn verify_file(path: &Path, crypto: Option<&Crypto>) -> Result<Summary, BackupError> {
    let bytes = std::fs::metadata(path)
        .map_err(io(format!("无法读取 {}", path.display())))?
        .len();
    let store = Store::connect_existing(&url_of(path))
        .await
        .map_err(|e| BackupError::Invalid(format!("无法作为 SQLite 数据库打开（{e}）")))?;
    let result = check(&store, crypto).await;
    store.close().await;
    let (schema_version, audit_rows, counts) = result?;
    Ok(Summary {
        bytes,
        schema_version,
        audit_rows,
        counts,
    })
}

async fn check(
    store: &Store,
    crypto: Option<&Crypto>,
) -> Result<(i64, u64, Vec<(&'static str, i64)>), BackupError> {
    let mut conn = store.read().await?;
    let problems = db::integrity_check(&mut conn)
        .await
        .map_err(|e| BackupError::Invalid(format!("文件已损坏（{e}）")))?;
    if problems != ["ok"] {
        return Err(BackupError::Invalid(format!(
            "文件已损坏：{}",
            problems.join("；")
        )));
    }
    let version = match db::schema_state(store).await? {
        SchemaState::Current { version } => version,
        SchemaState::Missing => {
            return Err(BackupError::Invalid(
                "不是 dangjian 数据库（没有迁移记录）".into(),
            ));
        }
        SchemaState::Behind { missing } => {
            return Err(BackupError::Invalid(format!(
                "备份的数据结构比本程序旧（未应用迁移 {missing:?}），请用生成该备份的版本恢复，再升级"
            )));
        }
        SchemaState::Ahead { unknown } => {
            return Err(BackupError::Invalid(format!(
                "备份由更新版本的 dangjian 生成（本程序不认识迁移 {unknown:?}），请用新版本恢复"
            )));
        }
        SchemaState::Damaged { version } => {
            return Err(BackupError::Invalid(format!(
                "迁移 {version} 未成功完成，或与本程序的迁移文件不一致"
            )));
        }
    };
    let key = crypto.map(Crypto::audit_key);
    let audit_rows = match audit::verify_store(store, key).await? {
        Verification::Ok { rows } => rows,
        Verification::Broken(b) => return Err(BackupError::Invalid(b.to_string())),
    };
    if let Some(crypto) = crypto
        && let Some(sample) = db::sample_ciphertext(&mut conn).await?
        && crypto.decrypt(&sample).is_none()
    {
        return Err(BackupError::Invalid(
            "本实例的密钥无法解密备份中的敏感字段，请使用与备份相同的密钥（--key-file 或 DANGJIAN_KEY）"
                .into(),
        ));
    }
    let counts = db::row_counts(&mut conn).await?;
    Ok((
        version,
        audit_rows,
        SUMMARY_TABLES.iter().map(|t| t.1).zip(counts).collect(),
    ))
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn remove_if_exists(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(io(format!("无法删除 {}", path.display()))(e))
        }
        _ => Ok(()),
    }
}

fn sync_file(path: &Path) -> Result<(), BackupError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(format!("无法写入磁盘 {}", path.display())))
}

/// Makes a rename in `file`'s directory durable.
fn sync_dir(file: &Path) -> Result<(), BackupError> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(format!("无法写入磁盘 {}", dir.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://data/dangjian.db"),
            Some(PathBuf::from("data/dangjian.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:///tmp/x.db?mode=rwc"),
            Some(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(sqlite_file("postgres://u@h/db"), None);
    }

    #[test]
    fn a_second_lock_on_the_same_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("d.db");
        let first = lock_instance(&db).unwrap();
        assert!(matches!(lock_instance(&db), Err(BackupError::Busy(_))));
        drop(first);
        lock_instance(&db).unwrap();
    }
}
