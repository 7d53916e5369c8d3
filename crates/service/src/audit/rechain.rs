//! Moving the audit log under the key. A database written before 0012 has a
//! plain SHA-256 chain that anyone able to write the database can recompute;
//! on the first start of this version [`upgrade_plain_chain`] verifies that
//! plain chain and re-chains every row under the audit key in one write
//! transaction, then records the re-keying as an `audit.rechain` row.
//! [`rechain_under_key`] does the work and also serves later upgrades that
//! must rewrite old rows' details (e.g. redact them): its hook sees each
//! row's summary before the row is re-chained.

use super::{append, checkpoint, walk_conn};
use crate::Services;
use crate::error::ServiceError;
use dangjian_domain::audit::{ChainBreak, Hashing, Head, keyed_hash, plain_hash};
use dangjian_store::audit::{self as db, AuditRow};

/// A rewrite of one row's details (its summary JSON), applied to every row
/// before it is re-chained. A plain `fn(&mut serde_json::Value)` coerces.
pub type DetailRewrite<'a> = &'a (dyn Fn(&mut serde_json::Value) + Send + Sync);

/// What a re-chaining did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rechained {
    /// Rows re-chained (before the `audit.rechain` row).
    pub rows: u64,
    /// Rows whose summary the rewrite changed.
    pub rewritten: u64,
    /// `plain` or `keyed`: the chain the rows were verified under.
    pub from: &'static str,
    /// The head after the `audit.rechain` row.
    pub head: Head,
}

#[derive(Debug, thiserror::Error)]
pub enum RechainError {
    /// The current chain does not verify: nothing was changed.
    #[error("审计日志校验失败，未重建哈希链：{0}")]
    Broken(ChainBreak),
    /// A plain chain, but keyed checkpoints exist: the log was replaced by
    /// an unkeyed one, which must not be blessed with the key.
    #[error(
        "审计日志为旧格式（无密钥）哈希链，但检查点文件 {0} 已有记录：日志可能被整体替换，已拒绝自动重建，请核查"
    )]
    CheckpointsExist(String),
    #[error(transparent)]
    Checkpoint(#[from] checkpoint::CheckpointError),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<dangjian_store::DbError> for RechainError {
    fn from(e: dangjian_store::DbError) -> Self {
        RechainError::Service(e.into())
    }
}

/// On start: when the log is still the plain pre-0012 chain, verify it and
/// re-chain it under the key ([`rechain_under_key`] with `rewrite`), then
/// write a checkpoint (when a checkpoint file is configured). Returns what
/// was done, or `None` for an empty or already keyed log. A log whose first
/// row matches neither scheme is left alone (`audit verify` reports it).
pub async fn upgrade_plain_chain(
    svc: &Services,
    rewrite: Option<DetailRewrite<'_>>,
) -> Result<Option<Rechained>, RechainError> {
    let first = {
        let mut conn = svc.store.read().await?;
        db::first(&mut conn).await?
    };
    let Some(first) = first.map(AuditRow::into_stored) else {
        return Ok(None);
    };
    if first.entry.id != 1
        || first.hash == keyed_hash(svc.crypto.audit_key(), &first.prev_hash, &first.entry)
        || first.hash != plain_hash(&first.prev_hash, &first.entry)
    {
        return Ok(None);
    }
    if let Some(path) = &svc.audit_checkpoints
        && !checkpoint::read(svc, path)?.is_empty()
    {
        return Err(RechainError::CheckpointsExist(path.display().to_string()));
    }
    let done = rechain_under_key(svc, rewrite).await?;
    tracing::warn!(
        rows = done.rows,
        "audit log re-chained under the instance key (plain chain of an older version)"
    );
    if svc.audit_checkpoints.is_some() {
        checkpoint::write(svc, "rechain").await?;
    }
    Ok(Some(done))
}

/// Re-chains every row of the audit log under the instance's audit key, in
/// one write transaction: the current chain is verified first (keyed, or
/// else plain; a broken chain changes nothing), `rewrite` is applied to each
/// row's summary, every hash is recomputed under the key, and an
/// `audit.rechain` row records it. Existing checkpoints no longer match the
/// new hashes; [`upgrade_plain_chain`] writes a fresh one.
pub async fn rechain_under_key(
    svc: &Services,
    rewrite: Option<DetailRewrite<'_>>,
) -> Result<Rechained, RechainError> {
    let key = svc.crypto.audit_key();
    let mut tx = svc.store.begin_write().await?;
    let from = match walk_conn(tx.conn(), Hashing::Keyed(key), Head::genesis()).await? {
        Ok(_) => ("keyed", Hashing::Keyed(key)),
        Err(ChainBreak::Unkeyed) => {
            match walk_conn(tx.conn(), Hashing::Plain, Head::genesis()).await? {
                Ok(_) => ("plain", Hashing::Plain),
                Err(b) => return Err(RechainError::Broken(b)),
            }
        }
        Err(b) => return Err(RechainError::Broken(b)),
    };
    let mut old = Head::genesis();
    let mut new_prev = dangjian_domain::audit::GENESIS.to_owned();
    let (mut rows, mut rewritten) = (0u64, 0u64);
    loop {
        let batch = db::batch_after(tx.conn(), old.id, 2_000).await?;
        if batch.is_empty() {
            break;
        }
        for row in batch {
            let mut stored = row.into_stored();
            // Checked once more inside the transaction, row by row.
            old = dangjian_domain::audit::verify_chain(from.1, old, std::slice::from_ref(&stored))
                .map_err(RechainError::Broken)?;
            if let Some(f) = rewrite {
                let mut value = serde_json::from_str(&stored.entry.summary)
                    .unwrap_or_else(|_| serde_json::Value::String(stored.entry.summary.clone()));
                let before = value.clone();
                f(&mut value);
                if value != before {
                    stored.entry.summary = value.to_string();
                    rewritten += 1;
                }
            }
            stored.prev_hash.clone_from(&new_prev);
            stored.hash = keyed_hash(key, &new_prev, &stored.entry);
            db::rechain(tx.conn(), &stored).await?;
            new_prev = stored.hash;
            rows += 1;
        }
    }
    append(
        tx.conn(),
        svc,
        "system",
        "audit.rechain",
        "audit_log",
        "",
        &serde_json::json!({"rows": rows, "from": from.0, "rewritten": rewritten}),
    )
    .await?;
    let (id, hash) = db::last(tx.conn()).await?;
    tx.commit().await.map_err(ServiceError::from)?;
    Ok(Rechained {
        rows,
        rewritten,
        from: from.0,
        head: Head { id, hash },
    })
}
