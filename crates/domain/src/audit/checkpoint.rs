//! Checkpoints of the audit chain's head, kept outside the database (an
//! append-only file): one line per checkpoint, with a keyed MAC so that
//! nobody without the key can write a believable one. A log that no longer
//! reaches the last checkpoint's row with the same hash lost its tail.
//!
//! A line: `v1 <at> <id> <hash> <reason> <mac>`, the MAC being
//! HMAC-SHA-256 under the audit key over the other fields.

use super::{ChainBreak, Head, keyed_mac};

/// One anchored head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// RFC 3339 UTC time of writing.
    pub at: String,
    pub id: i64,
    pub hash: String,
    /// Why it was written: `rows`, `daily`, `manual`, `start`, `stop`,
    /// `rechain`, `restore`.
    pub reason: String,
}

/// Why a checkpoint line was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadCheckpoint {
    #[error("检查点文件第 {line} 行格式不对")]
    Format { line: usize },
    #[error("检查点文件第 {line} 行的校验码不符（被篡改，或不是用本实例的密钥写的）")]
    Mac { line: usize },
}

fn mac(key: &[u8; 32], at: &str, id: &str, hash: &str, reason: &str) -> String {
    keyed_mac(key, &["dangjian-audit-checkpoint-v1", at, id, hash, reason])
}

impl Checkpoint {
    /// The file line (without newline).
    pub fn line(&self, key: &[u8; 32]) -> String {
        let id = self.id.to_string();
        format!(
            "v1 {} {id} {} {} {}",
            self.at,
            self.hash,
            self.reason,
            mac(key, &self.at, &id, &self.hash, &self.reason)
        )
    }

    /// Parses and authenticates one line (`line_no` counts from 1, for
    /// messages).
    pub fn parse(key: &[u8; 32], line_no: usize, line: &str) -> Result<Self, BadCheckpoint> {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let format = BadCheckpoint::Format { line: line_no };
        let ["v1", at, id, hash, reason, m] = parts.as_slice() else {
            return Err(format);
        };
        let num: i64 = id.parse().map_err(|_| format.clone())?;
        if mac(key, at, id, hash, reason) != *m {
            return Err(BadCheckpoint::Mac { line: line_no });
        }
        Ok(Checkpoint {
            at: (*at).to_owned(),
            id: num,
            hash: (*hash).to_owned(),
            reason: (*reason).to_owned(),
        })
    }

    /// Parses a whole file's text; the first bad line is an error. Blank
    /// lines are skipped.
    pub fn parse_all(key: &[u8; 32], text: &str) -> Result<Vec<Self>, BadCheckpoint> {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| Self::parse(key, i + 1, l))
            .collect()
    }

    /// Whether the chain, verified up to `head`, still holds this
    /// checkpoint: it must reach the checkpoint's row, and that row's hash
    /// must be the checkpoint's (`hash_at` looks it up).
    pub fn check(
        &self,
        head: &Head,
        hash_at: impl FnOnce(i64) -> Option<String>,
    ) -> Result<(), ChainBreak> {
        let truncated = ChainBreak::Truncated {
            checkpoint_id: self.id,
            last_id: head.id,
        };
        if self.id > head.id {
            return Err(truncated);
        }
        let stored = if self.id == head.id {
            Some(head.hash.clone())
        } else {
            hash_at(self.id)
        };
        if stored.as_deref() == Some(self.hash.as_str()) {
            Ok(())
        } else {
            Err(truncated)
        }
    }
}
