//! The audit log's chain: each row's hash covers its own fields and the
//! previous row's hash, so altering or removing a row breaks every later
//! link. Since 0012 the hash is an HMAC-SHA-256 under a key kept outside the
//! database ([`Hashing::Keyed`]): whoever can write the database but does not
//! hold the key cannot recompute the chain after an edit. Ids must run 1, 2,
//! 3 … without gaps. Removing rows from the end leaves a valid shorter chain;
//! that is caught against a checkpoint kept outside the database
//! ([`checkpoint`]). Appending and storing are the service's job; this module
//! only computes and checks.

pub mod checkpoint;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The hash of the (virtual) row before the first one.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one audit row that the chain covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339 UTC timestamp.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub org_path: String,
    pub summary: String,
    /// Where the request came from: the client's IP address for web
    /// requests, `console` for the command line, `system` for background
    /// jobs; empty for rows written before 0012. Covered by the keyed hash
    /// only (the plain hash predates it).
    pub source_addr: String,
}

/// How a row's hash is computed.
#[derive(Clone, Copy)]
pub enum Hashing<'a> {
    /// The chain before 0012: SHA-256, no key, no source address. Only read,
    /// to verify an old log before it is re-chained under the key.
    Plain,
    /// HMAC-SHA-256 under the instance's audit key.
    Keyed(&'a [u8; 32]),
    /// Links and id continuity only, hashes not recomputed (no key at hand).
    LinksOnly,
}

impl std::fmt::Debug for Hashing<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Hashing::Plain => "Plain",
            Hashing::Keyed(_) => "Keyed(..)",
            Hashing::LinksOnly => "LinksOnly",
        })
    }
}

/// Feeds length-prefixed fields (length prefixes make the encoding
/// unambiguous whatever the fields contain).
fn feed<'f>(mut update: impl FnMut(&[u8]), fields: impl IntoIterator<Item = &'f str>) {
    for field in fields {
        update(&(field.len() as u64).to_be_bytes());
        update(field.as_bytes());
    }
}

/// The pre-0012 hash: SHA-256 over the previous hash and the fields.
pub fn plain_hash(prev: &str, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let id = e.id.to_string();
    feed(
        |b| h.update(b),
        [
            prev,
            id.as_str(),
            e.at.as_str(),
            e.actor.as_str(),
            e.action.as_str(),
            e.target.as_str(),
            e.org_path.as_str(),
            e.summary.as_str(),
        ],
    );
    hex::encode(h.finalize())
}

/// HMAC-SHA-256 under `key` over a version tag, the previous hash and every
/// field including the source address.
pub fn keyed_hash(key: &[u8; 32], prev: &str, e: &AuditEntry) -> String {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    let id = e.id.to_string();
    feed(
        |b| m.update(b),
        [
            "dangjian-audit-v2",
            prev,
            id.as_str(),
            e.at.as_str(),
            e.actor.as_str(),
            e.action.as_str(),
            e.target.as_str(),
            e.org_path.as_str(),
            e.summary.as_str(),
            e.source_addr.as_str(),
        ],
    );
    hex::encode(m.finalize().into_bytes())
}

/// A keyed MAC over arbitrary length-prefixed fields (checkpoints).
pub(crate) fn keyed_mac(key: &[u8; 32], fields: &[&str]) -> String {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    feed(|b| m.update(b), fields.iter().copied());
    hex::encode(m.finalize().into_bytes())
}

impl Hashing<'_> {
    /// The row's hash under this scheme (`None` for [`Hashing::LinksOnly`]).
    pub fn hash(&self, prev: &str, e: &AuditEntry) -> Option<String> {
        match self {
            Hashing::Plain => Some(plain_hash(prev, e)),
            Hashing::Keyed(key) => Some(keyed_hash(key, prev, e)),
            Hashing::LinksOnly => None,
        }
    }
}

/// A stored row: its fields, and the hashes stored with it.
#[derive(Debug, Clone)]
pub struct StoredAudit {
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The row's `prev_hash` is not the previous row's hash: a row before it
    /// was removed or altered.
    BadLink { id: i64 },
    /// The row's own fields do not give its stored hash: the row was altered
    /// (or the chain was recomputed without the key).
    BadHash { id: i64 },
    /// Ids do not run on without a gap: rows before `id` were removed.
    Gap { id: i64, expected: i64 },
    /// The log is still the pre-0012 plain chain (the instance has not yet
    /// started with this version, which re-chains it under the key).
    Unkeyed,
    /// The log ends before the checkpoint's row, or that row's hash differs
    /// from the checkpoint's: rows were removed from the end (or replaced).
    Truncated { checkpoint_id: i64, last_id: i64 },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::BadLink { id } => write!(
                f,
                "审计日志哈希链在第 {id} 行断开（之前的记录被删除或篡改）"
            ),
            ChainBreak::BadHash { id } => write!(
                f,
                "审计日志第 {id} 行的内容与其密钥哈希不符（记录被篡改，或链被无密钥地重算）"
            ),
            ChainBreak::Gap { id, expected } => write!(
                f,
                "审计日志编号不连续：应为第 {expected} 行，实为第 {id} 行（有记录被删除）"
            ),
            ChainBreak::Unkeyed => f.write_str(
                "审计日志仍是旧格式（无密钥）哈希链：请用本版本启动一次（serve），以密钥重建哈希链",
            ),
            ChainBreak::Truncated {
                checkpoint_id,
                last_id,
            } => write!(
                f,
                "审计日志与检查点不符：检查点记录到第 {checkpoint_id} 行，日志现止于第 {last_id} 行或该行已被替换（末尾记录被删除）"
            ),
        }
    }
}

/// The end of a verified stretch of the chain: the last row's id and hash
/// ((0, [`GENESIS`]) before the first row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub id: i64,
    pub hash: String,
}

impl Head {
    pub fn genesis() -> Self {
        Head {
            id: 0,
            hash: GENESIS.to_owned(),
        }
    }
}

/// Checks rows in id order, continuing from `head` (the row before the
/// first one given; [`Head::genesis`] at the start): ids without gaps,
/// links, and hashes under `hashing`. Returns the new head, to check the
/// next batch with, or the first break.
pub fn verify_chain<'a>(
    hashing: Hashing<'_>,
    head: Head,
    rows: impl IntoIterator<Item = &'a StoredAudit>,
) -> Result<Head, ChainBreak> {
    let mut head = head;
    for row in rows {
        let id = row.entry.id;
        if id != head.id + 1 {
            return Err(ChainBreak::Gap {
                id,
                expected: head.id + 1,
            });
        }
        if row.prev_hash != head.hash {
            return Err(ChainBreak::BadLink { id });
        }
        if let Some(h) = hashing.hash(&head.hash, &row.entry)
            && h != row.hash
        {
            return Err(ChainBreak::BadHash { id });
        }
        head = Head {
            id,
            hash: row.hash.clone(),
        };
    }
    Ok(head)
}

#[cfg(test)]
mod tests;
