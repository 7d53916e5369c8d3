//! Use cases of dangjian, shared by the web pages, the JSON API and the CLI.
//! Every function here takes the acting user, checks the permission and the
//! organization scope, parses raw input into domain types, runs one
//! transaction and appends to the audit log. Adapters stay thin.

pub mod account;
pub mod actor;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod capability;
pub mod clock;
pub mod compliance;
pub mod compliance_xlsx;
pub mod crypto;
pub mod demo;
pub mod error;
pub mod events;
pub mod export;
pub mod files;
pub mod fixture;
pub mod grants;
pub mod import;
pub mod members;
pub mod org_facts;
pub mod orgs;
pub mod policy;
pub mod records;
pub mod rectify;
pub mod reeval;
pub mod security;
pub mod tokens;
pub mod users;
pub mod warnings;
pub mod work;

pub use actor::Actor;
pub use clock::Clock;
pub use crypto::Crypto;
pub use dangjian_store::{self as store, Engine, Store};
pub use error::{ServiceError, ServiceResult};

/// Everything a use case needs: the store, the keys, the clock and the
/// full-text index of the records.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub crypto: Crypto,
    pub clock: Clock,
    /// Chinese full-text search over the records' topics and minutes. In
    /// memory unless the binary opens one on disk (`serve`, `demo`); kept in
    /// step by the record use cases, rebuilt by `records::rebuild_index`.
    pub search: dangjian_search::SearchIndex,
    /// Change events, published after commit (`events::commit`).
    pub events: events::Events,
    /// Wakes the background re-evaluation of the warnings after a change
    /// (inert unless `reeval::start` was called, which subscribes it to the
    /// events the capability registry names as its triggers).
    pub reeval: reeval::Reevaluator,
    /// The file of audit checkpoints (outside the database), when the
    /// binary keeps one (`audit::checkpoint`).
    pub audit_checkpoints: Option<std::path::PathBuf>,
}

impl Services {
    /// Services with an empty in-memory search index.
    pub fn new(store: Store, crypto: Crypto) -> Self {
        Self {
            store,
            crypto,
            clock: Clock::System,
            search: dangjian_search::SearchIndex::in_memory()
                .expect("an in-memory index needs no I/O"),
            events: events::Events::default(),
            reeval: reeval::Reevaluator::default(),
            audit_checkpoints: None,
        }
    }
}
