//! The audit log's hash chain: each row's hash covers its own fields and the
//! previous row's hash, so altering or removing a row breaks every later
//! link. Appending and storing are the service's job; this module only
//! computes and checks.

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
}

/// SHA-256 over the previous hash and the length-prefixed fields (length
/// prefixes make the encoding unambiguous whatever the fields contain).
pub fn chain_hash(prev: &str, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let id = e.id.to_string();
    for field in [
        prev,
        id.as_str(),
        e.at.as_str(),
        e.actor.as_str(),
        e.action.as_str(),
        e.target.as_str(),
        e.org_path.as_str(),
        e.summary.as_str(),
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
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
    /// The row's own fields do not give its stored hash: the row was altered.
    BadHash { id: i64 },
}

/// Checks rows in id order, continuing from `prev` (the hash of the row
/// before the first one given; [`GENESIS`] at the start). Returns the last
/// hash, to check the next batch with, or the first break.
pub fn verify_chain<'a>(
    prev: &str,
    rows: impl IntoIterator<Item = &'a StoredAudit>,
) -> Result<String, ChainBreak> {
    let mut prev = prev.to_owned();
    for row in rows {
        if row.prev_hash != prev {
            return Err(ChainBreak::BadLink { id: row.entry.id });
        }
        if chain_hash(&prev, &row.entry) != row.hash {
            return Err(ChainBreak::BadHash { id: row.entry.id });
        }
        prev.clone_from(&row.hash);
    }
    Ok(prev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredAudit> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|id| {
                let entry = AuditEntry {
                    id,
                    at: format!("2026-11-29T10:00:{id:02}Z"),
                    actor: "admin".into(),
                    action: "member.create".into(),
                    target: format!("member:{id}"),
                    org_path: "/1/".into(),
                    summary: "{}".into(),
                };
                let hash = chain_hash(&prev, &entry);
                let row = StoredAudit {
                    entry,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                row
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let rows = chain(5);
        assert_eq!(verify_chain(GENESIS, &rows).unwrap(), rows[4].hash);
    }

    #[test]
    fn an_altered_row_is_found() {
        let mut rows = chain(5);
        rows[2].entry.summary = "changed".into();
        assert_eq!(
            verify_chain(GENESIS, &rows),
            Err(ChainBreak::BadHash { id: 3 })
        );
    }

    #[test]
    fn a_removed_row_is_found() {
        let mut rows = chain(5);
        rows.remove(1);
        assert_eq!(
            verify_chain(GENESIS, &rows),
            Err(ChainBreak::BadLink { id: 3 })
        );
    }

    #[test]
    fn field_boundaries_matter() {
        let a = AuditEntry {
            id: 1,
            at: "t".into(),
            actor: "ab".into(),
            action: "c".into(),
            target: String::new(),
            org_path: String::new(),
            summary: String::new(),
        };
        let mut b = a.clone();
        b.actor = "a".into();
        b.action = "bc".into();
        assert_ne!(chain_hash(GENESIS, &a), chain_hash(GENESIS, &b));
    }
}
