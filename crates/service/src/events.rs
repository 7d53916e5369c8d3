//! Change events, published after the transaction that made the change has
//! committed. A use case that changes data says what changed ([`Change`]:
//! which kind of data, under which organization) by committing through
//! [`commit`]; whoever needs to react subscribes to the kinds it reads. The
//! background re-evaluation of the warnings subscribes to the kinds the
//! capability registry lists as its triggers (`capability::triggers_of`),
//! so a new capability whose data feeds the warnings publishes its kind and
//! declares it, without touching the re-evaluation.

use crate::Services;
use crate::error::ServiceResult;
use dangjian_store::WriteTx;
use std::sync::{Arc, RwLock};

/// The kinds of data a change touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// Organizations: created, edited, moved, dissolved, terms, committees.
    Orgs,
    /// Members: created, edited, transferred, full membership, probation.
    Members,
    /// Organizational-life records: created, edited, confirmed, deleted.
    Records,
    /// The manual facts per organization and year (村情).
    OrgFacts,
}

/// One committed change: its kind and the organization under which it
/// happened (the subtree that may read differently now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub org_path: String,
}

impl Change {
    pub fn new(kind: ChangeKind, org_path: &str) -> Self {
        Self {
            kind,
            org_path: org_path.to_owned(),
        }
    }
}

type Handler = Arc<dyn Fn(&Change) + Send + Sync>;
/// A subscriber: the kinds it hears and what it does.
type Subscriber = (Vec<ChangeKind>, Handler);

/// The subscribers of a `Services`; cheap to clone, shared.
#[derive(Clone, Default)]
pub struct Events {
    subscribers: Arc<RwLock<Vec<Subscriber>>>,
}

impl Events {
    /// Calls `handler` for every later change of one of `kinds`. Handlers
    /// run on the publishing task: keep them short (signal a worker).
    pub fn subscribe(
        &self,
        kinds: &[ChangeKind],
        handler: impl Fn(&Change) + Send + Sync + 'static,
    ) {
        self.subscribers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((kinds.to_vec(), Arc::new(handler)));
    }

    /// Tells the subscribers of `change.kind`. Call only after the change
    /// has committed (see [`commit`]).
    pub fn publish(&self, change: &Change) {
        let subs = self
            .subscribers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        for (kinds, handler) in subs {
            if kinds.contains(&change.kind) {
                handler(change);
            }
        }
    }
}

/// Commits `tx`, then publishes `changes`: nothing is announced that did
/// not commit.
pub async fn commit(
    svc: &Services,
    tx: WriteTx,
    changes: impl IntoIterator<Item = Change>,
) -> ServiceResult<()> {
    tx.commit().await?;
    for c in changes {
        svc.events.publish(&c);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn subscribers_hear_only_their_kinds() {
        let events = Events::default();
        let heard = Arc::new(AtomicUsize::new(0));
        let h = heard.clone();
        events.subscribe(&[ChangeKind::Records, ChangeKind::Members], move |c| {
            assert!(matches!(c.kind, ChangeKind::Records | ChangeKind::Members));
            h.fetch_add(1, Ordering::SeqCst);
        });
        events.publish(&Change::new(ChangeKind::Records, "/1/"));
        events.publish(&Change::new(ChangeKind::OrgFacts, "/1/"));
        events.publish(&Change::new(ChangeKind::Members, "/1/2/"));
        assert_eq!(heard.load(Ordering::SeqCst), 2);
    }
}
