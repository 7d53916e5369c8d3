//! Appending to and checking the keyed, hash-chained audit log. Every write
//! use case calls [`append`] inside its own transaction, so the change and
//! its audit row commit together or not at all. Each row's hash is an
//! HMAC-SHA-256 under the instance's audit key (derived from the key file,
//! never stored in the database), covers the source address of the request
//! ([`source`]), and ids run without gaps. Checkpoints of the head are
//! written to a file outside the database ([`checkpoint`]) so that a log cut
//! short is noticed; [`rechain`] moves a pre-0012 plain chain under the key.

pub mod checkpoint;
pub mod rechain;
pub mod source;

pub use rechain::{DetailRewrite, rechain_under_key, upgrade_plain_chain};
pub use source::{CONSOLE, SYSTEM, current_source, with_source};

use crate::Services;
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use dangjian_domain::audit::{AuditEntry, ChainBreak, Hashing, Head, StoredAudit, verify_chain};
use dangjian_domain::role::Permission;
use dangjian_store::Conn;
use dangjian_store::audit::{self as db, AuditFilter, AuditRow};

/// Appends one row, keyed with the instance's audit key and stamped with
/// the current request's source address; `summary` is a short JSON object
/// (before/after).
pub async fn append(
    conn: &mut Conn,
    svc: &Services,
    actor: &str,
    action: &str,
    target: &str,
    org_path: &str,
    summary: &serde_json::Value,
) -> ServiceResult<()> {
    let (last_id, prev) = db::last(conn).await?;
    let entry = AuditEntry {
        id: last_id + 1,
        at: svc.clock.now_text(),
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        org_path: org_path.to_owned(),
        summary: summary.to_string(),
        source_addr: current_source(),
    };
    let hash = dangjian_domain::audit::keyed_hash(svc.crypto.audit_key(), &prev, &entry);
    db::insert(
        conn,
        &StoredAudit {
            entry,
            prev_hash: prev,
            hash,
        },
    )
    .await?;
    Ok(())
}

/// Result of a full verification.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Ok { rows: u64 },
    Broken(ChainBreak),
}

/// Verification requested from the UI: only the audit administrator.
pub async fn verify_as(svc: &Services, actor: &Actor) -> ServiceResult<Verification> {
    actor.require(Permission::ViewAudit)?;
    verify(svc).await
}

/// Walks the whole log in id order, in batches (the CLI's `audit verify`,
/// run by whoever holds the database and the key).
pub async fn verify(svc: &Services) -> ServiceResult<Verification> {
    verify_store(&svc.store, Some(svc.crypto.audit_key())).await
}

/// [`verify`] on any store (restore checks a backup before it is
/// installed). Without a key only the links and the id continuity can be
/// checked.
pub async fn verify_store(
    store: &dangjian_store::Store,
    key: Option<&[u8; 32]>,
) -> ServiceResult<Verification> {
    Ok(match walk(store, key).await? {
        Ok(head) => Verification::Ok {
            rows: head.id as u64,
        },
        Err(b) => Verification::Broken(b),
    })
}

/// Verifies the whole chain and returns its head (the last row's id and
/// hash). A log still on the plain pre-0012 chain is [`ChainBreak::Unkeyed`].
pub async fn walk(
    store: &dangjian_store::Store,
    key: Option<&[u8; 32]>,
) -> ServiceResult<Result<Head, ChainBreak>> {
    let hashing = key.map_or(Hashing::LinksOnly, Hashing::Keyed);
    let mut conn = store.read().await?;
    walk_conn(&mut conn, hashing, Head::genesis()).await
}

/// Verifies the rows after `start` (whose id and hash the caller vouches
/// for) and returns the new head.
pub(crate) async fn walk_conn(
    conn: &mut Conn,
    hashing: Hashing<'_>,
    start: Head,
) -> ServiceResult<Result<Head, ChainBreak>> {
    let from_genesis = start.id == 0;
    let mut head = start;
    loop {
        let batch = db::batch_after(conn, head.id, 5_000).await?;
        if batch.is_empty() {
            return Ok(Ok(head));
        }
        let stored: Vec<StoredAudit> = batch.into_iter().map(AuditRow::into_stored).collect();
        match verify_chain(hashing, head, &stored) {
            Ok(h) => head = h,
            Err(b) => {
                if from_genesis
                    && b == (ChainBreak::BadHash { id: 1 })
                    && matches!(hashing, Hashing::Keyed(_))
                    && verify_chain(Hashing::Plain, Head::genesis(), &stored[..1]).is_ok()
                {
                    return Ok(Err(ChainBreak::Unkeyed));
                }
                return Ok(Err(b));
            }
        }
    }
}

/// A page of the log, newest first, for the audit administrator.
pub async fn browse(
    svc: &Services,
    actor: &Actor,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> ServiceResult<(Vec<AuditRow>, i64)> {
    actor.require(Permission::ViewAudit)?;
    let mut conn = svc.store.read().await?;
    let rows = db::list(&mut conn, filter, limit, offset).await?;
    let total = db::count(&mut conn, filter).await?;
    Ok((rows, total))
}

/// Appends a row in its own transaction (login events, reveals).
pub async fn record(
    svc: &Services,
    actor: &str,
    action: &str,
    target: &str,
    org_path: &str,
    summary: &serde_json::Value,
) -> ServiceResult<()> {
    let mut tx = svc.store.begin_write().await?;
    append(tx.conn(), svc, actor, action, target, org_path, summary).await?;
    tx.commit().await.map_err(ServiceError::from)
}

/// Audits a write by an actor; when the action changes data the warnings
/// read, also wakes the background re-evaluation (`reeval`).
pub async fn by(
    conn: &mut Conn,
    svc: &Services,
    actor: &Actor,
    action: &str,
    target: &str,
    org_path: &str,
    summary: &serde_json::Value,
) -> ServiceResult<()> {
    append(
        conn,
        svc,
        &actor.username,
        action,
        target,
        org_path,
        summary,
    )
    .await
}
