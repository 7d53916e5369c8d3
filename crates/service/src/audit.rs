//! Appending to and checking the hash-chained audit log. Every write use
//! case calls [`append`] inside its own transaction, so the change and its
//! audit row commit together or not at all.

use crate::Services;
use crate::actor::Actor;
use crate::clock::Clock;
use crate::error::{ServiceError, ServiceResult};
use dangjian_domain::audit::{
    AuditEntry, ChainBreak, GENESIS, StoredAudit, chain_hash, verify_chain,
};
use dangjian_domain::role::Permission;
use dangjian_store::Conn;
use dangjian_store::audit::{self as db, AuditFilter, AuditRow};

/// Appends one row; `summary` is a short JSON object (before/after).
pub async fn append(
    conn: &mut Conn,
    clock: &Clock,
    actor: &str,
    action: &str,
    target: &str,
    org_path: &str,
    summary: &serde_json::Value,
) -> ServiceResult<()> {
    let (last_id, prev) = db::last(conn).await?;
    let entry = AuditEntry {
        id: last_id + 1,
        at: clock.now_text(),
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        org_path: org_path.to_owned(),
        summary: summary.to_string(),
    };
    let hash = chain_hash(&prev, &entry);
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
/// run by whoever holds the database).
pub async fn verify(svc: &Services) -> ServiceResult<Verification> {
    verify_store(&svc.store).await
}

/// [`verify`] on any store (restore checks a backup before it is installed).
pub async fn verify_store(store: &dangjian_store::Store) -> ServiceResult<Verification> {
    let mut conn = store.read().await?;
    let mut prev = GENESIS.to_owned();
    let mut after = 0;
    let mut rows = 0u64;
    loop {
        let batch = db::batch_after(&mut conn, after, 5_000).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        rows += batch.len() as u64;
        let stored: Vec<StoredAudit> = batch.into_iter().map(AuditRow::into_stored).collect();
        match verify_chain(&prev, &stored) {
            Ok(h) => prev = h,
            Err(b) => return Ok(Verification::Broken(b)),
        }
    }
    Ok(Verification::Ok { rows })
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
    append(
        tx.conn(),
        &svc.clock,
        actor,
        action,
        target,
        org_path,
        summary,
    )
    .await?;
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
    if crate::reeval::feeds_warnings(action) {
        svc.reeval.changed();
    }
    append(
        conn,
        &svc.clock,
        &actor.username,
        action,
        target,
        org_path,
        summary,
    )
    .await
}
