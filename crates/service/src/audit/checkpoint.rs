//! Checkpoints of the audit chain's head in a file outside the database
//! (default `<data dir>/audit-checkpoints.log`): append-only lines, each
//! MACed with the audit key (`dangjian_domain::audit::checkpoint`). The
//! server writes one at start and stop, after every [`EVERY_ROWS`] new rows
//! and at least daily; `dangjian audit checkpoint` writes one on demand.
//! `dangjian audit verify --checkpoint FILE` then notices a log whose tail
//! was removed: the chain must reach the last checkpoint's row with the
//! same hash.

use super::walk_conn;
use crate::Services;
use crate::error::ServiceError;
use dangjian_domain::audit::checkpoint::{BadCheckpoint, Checkpoint};
use dangjian_domain::audit::{ChainBreak, Hashing, Head};
use dangjian_store::audit as db;
use std::path::Path;

/// A checkpoint after this many new rows.
pub const EVERY_ROWS: i64 = 1_000;
/// And at least once a day.
pub const EVERY_HOURS: i64 = 24;

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("无法读写审计检查点文件 {0}：{1}")]
    Io(String, std::io::Error),
    #[error(transparent)]
    Bad(#[from] BadCheckpoint),
    /// The chain does not verify: no checkpoint is written for it.
    #[error("{0}")]
    Broken(ChainBreak),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<dangjian_store::DbError> for CheckpointError {
    fn from(e: dangjian_store::DbError) -> Self {
        CheckpointError::Service(e.into())
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CheckpointError + '_ {
    move |e| CheckpointError::Io(path.display().to_string(), e)
}

/// Every checkpoint in `path` (none if the file does not exist); a line
/// that is malformed or not MACed with this instance's key is an error.
pub fn read(svc: &Services, path: &Path) -> Result<Vec<Checkpoint>, CheckpointError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(path)(e)),
    };
    Ok(Checkpoint::parse_all(svc.crypto.audit_key(), &text)?)
}

/// Verifies the chain (from the last checkpoint on, when that checkpoint
/// still holds) and appends a checkpoint of its head to the configured
/// file; `reason` says why. Without a configured file nothing is written.
pub async fn write(svc: &Services, reason: &str) -> Result<Option<Checkpoint>, CheckpointError> {
    let Some(path) = svc.audit_checkpoints.clone() else {
        return Ok(None);
    };
    let last = read(svc, &path)?.pop();
    let head = verified_head(svc, last.as_ref()).await?;
    let cp = Checkpoint {
        at: svc.clock.now_text(),
        id: head.id,
        hash: head.hash,
        reason: reason.to_owned(),
    };
    append_line(&path, &cp.line(svc.crypto.audit_key()))?;
    Ok(Some(cp))
}

/// Writes a checkpoint when one is due: none yet (and the log has rows),
/// [`EVERY_ROWS`] rows since the last one, or the last one is older than
/// [`EVERY_HOURS`].
pub async fn write_if_due(svc: &Services) -> Result<Option<Checkpoint>, CheckpointError> {
    let Some(path) = svc.audit_checkpoints.clone() else {
        return Ok(None);
    };
    let last = read(svc, &path)?.pop();
    let (head_id, _) = db::last(&mut *svc.store.read().await?).await?;
    let due = match &last {
        None => head_id > 0,
        Some(cp) => {
            let stale = cp.at.parse::<jiff::Timestamp>().map_or(true, |at| {
                svc.clock.now().duration_since(at).as_hours() >= EVERY_HOURS
            });
            head_id >= cp.id + EVERY_ROWS || stale
        }
    };
    if !due {
        return Ok(None);
    }
    let reason = if last.as_ref().is_some_and(|cp| head_id < cp.id + EVERY_ROWS) {
        "daily"
    } else {
        "rows"
    };
    write(svc, reason).await
}

/// The verified head of the chain. With a previous checkpoint that still
/// holds, only the rows after it are walked; otherwise the whole chain.
async fn verified_head(svc: &Services, last: Option<&Checkpoint>) -> Result<Head, CheckpointError> {
    let hashing = Hashing::Keyed(svc.crypto.audit_key());
    let mut conn = svc.store.read().await?;
    let start = match last {
        Some(cp)
            if cp.id > 0 && db::hash_of(&mut conn, cp.id).await?.as_deref() == Some(&cp.hash) =>
        {
            Head {
                id: cp.id,
                hash: cp.hash.clone(),
            }
        }
        _ => Head::genesis(),
    };
    walk_conn(&mut conn, hashing, start)
        .await?
        .map_err(CheckpointError::Broken)
}

/// Verifies the whole chain, then that it still holds the last checkpoint
/// in `file`: returns the head and that checkpoint (`None` for an empty or
/// missing file).
pub async fn verify_with(
    svc: &Services,
    file: &Path,
) -> Result<(Head, Option<Checkpoint>), CheckpointError> {
    let last = read(svc, file)?.pop();
    let head = verified_head(svc, None).await?;
    if let Some(cp) = &last {
        let stored = if cp.id > 0 && cp.id < head.id {
            db::hash_of(&mut *svc.store.read().await?, cp.id).await?
        } else {
            None
        };
        cp.check(&head, |_| stored)
            .map_err(CheckpointError::Broken)?;
    }
    Ok((head, last))
}

/// Appends one line (creating the file with mode 0600 and its folder with
/// 0700) and syncs it.
fn append_line(path: &Path, line: &str) -> Result<(), CheckpointError> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::files::create_private_dir(dir).map_err(io(path))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io(path))?;
    f.write_all(format!("{line}\n").as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(io(path))
}
