//! Full-text search over the records' topics and minutes, their type labels
//! and their organizations' names (`dangjian-search`), scoped to the user's
//! subtree, and the upkeep of the index: each record change is mirrored
//! after its transaction commits, a renamed organization's records are
//! re-indexed, and the whole index is rebuilt from the database when it is
//! new, disagrees with it, or was built with other type labels (the index is
//! stamped with a hash of the active profile's labels; a profile upload that
//! changes them rebuilds it in the background).
//!
//! The database is the truth. An index failure is logged and never undoes
//! or refuses a committed record; the next rebuild repairs the index. Hits
//! are checked against the database's organization paths before they are
//! shown, so a stale index entry never reveals a record outside the scope.

use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::{Services, policy};
use dangjian_domain::policy::Profile;
use dangjian_domain::role::Permission;
use dangjian_search::{RecordDoc, SearchError, SearchIndex};
use dangjian_store::DbError;
use dangjian_store::org as odb;
use dangjian_store::record::{self as db, RecordTextRow};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::time::Duration;

/// Hits on one page of search results.
pub const SEARCH_PER_PAGE: i64 = 20;

/// Records read from the database per batch while rebuilding.
const REBUILD_BATCH: i64 = 2_000;

/// How long a write waits for the index before answering anyway (the index
/// is busy only while it is rebuilt at start-up); the update still lands.
const INDEX_WAIT: Duration = Duration::from_secs(2);

/// One search result, ready to show.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub record_type: String,
    pub type_label: String,
    pub held_on: String,
    /// HTML-escaped topics with the matches in `<mark>`.
    pub topics_html: String,
    /// HTML-escaped excerpt of the minutes with the matches in `<mark>`.
    pub minutes_html: String,
}

/// One page of search results within an organization's subtree.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub org_id: i64,
    pub org_name: String,
    pub query: String,
    pub hits: Vec<SearchHit>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// No record contains every word; these contain some of them.
    pub relaxed: bool,
}

/// The record types' labels of the active profile, as the index holds them.
struct Labels {
    by_code: HashMap<String, String>,
    /// Names the labels: the index's stamp.
    stamp: String,
}

impl Labels {
    fn of(profile: &Profile) -> Self {
        let mut pairs: Vec<(&str, &str)> = profile
            .record_types()
            .iter()
            .map(|t| (t.code.as_str(), t.label.as_str()))
            .collect();
        pairs.sort_unstable();
        let mut hash = Sha256::new();
        for (code, label) in &pairs {
            hash.update(code.as_bytes());
            hash.update([0x1f]);
            hash.update(label.as_bytes());
            hash.update([0x1e]);
        }
        Labels {
            by_code: pairs
                .into_iter()
                .map(|(c, l)| (c.to_owned(), l.to_owned()))
                .collect(),
            stamp: format!("labels:{}", hex::encode(hash.finalize())),
        }
    }

    async fn active(svc: &Services) -> ServiceResult<Self> {
        Ok(Self::of(&policy::active(svc).await?.profile))
    }

    /// The record's text with its type's label (the code for a type the
    /// profile no longer has).
    fn doc_of(&self, r: RecordTextRow) -> RecordDoc {
        RecordDoc {
            type_label: self
                .by_code
                .get(&r.record_type)
                .cloned()
                .unwrap_or_else(|| r.record_type.clone()),
            id: r.id,
            org_id: r.org_id,
            org_path: r.org_path,
            record_type: r.record_type,
            org_name: r.org_name,
            held_on: r.held_on,
            title_or_topics: r.topics,
            minutes: r.minutes,
        }
    }
}

/// An index failure as a server error (logged by the adapters, 500).
fn index_failure(e: &SearchError) -> ServiceError {
    ServiceError::Db(DbError::Other(sqlx_io(e.to_string())))
}

fn sqlx_io(message: String) -> sqlx::Error {
    // The store's error type carries I/O failures; the index is storage too.
    sqlx::Error::Io(std::io::Error::other(message))
}

/// Mirrors record `id` into the index after its transaction committed:
/// upserted when it exists, removed when it does not. Never fails: a
/// problem is logged and left for the next rebuild.
pub(super) async fn sync_record(svc: &Services, id: i64) {
    let read = async {
        let labels = Labels::active(svc).await?;
        let mut conn = svc.store.read().await?;
        let row = db::text_of(&mut conn, id).await?;
        ServiceResult::Ok(row.map(|r| labels.doc_of(r)))
    };
    let doc = match read.await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(record = id, error = %e, "search index not updated: record unreadable");
            return;
        }
    };
    let index = svc.search.clone();
    let work = tokio::task::spawn_blocking(move || match doc {
        Some(d) => index.upsert(&[d]),
        None => index.delete(&[id]),
    });
    match tokio::time::timeout(INDEX_WAIT, work).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => {
            tracing::warn!(record = id, error = %e, "search index not updated; a rebuild repairs it");
        }
        Ok(Err(e)) => {
            tracing::warn!(record = id, error = %e, "search index update panicked");
        }
        Err(_) => {
            tracing::info!(
                record = id,
                "search index busy (rebuilding); the update follows"
            );
        }
    }
}

/// Which records to re-index.
enum Reindex<'a> {
    /// The subtree at this path.
    Subtree(&'a str),
    /// One organization's own records.
    Org(i64),
}

/// Re-indexes the records of the subtree at `path` after its organizations
/// moved (their paths changed in the database). Never fails: a problem is
/// logged and left for the next rebuild.
pub async fn reindex_subtree(svc: &Services, path: &str) {
    reindex(svc, Reindex::Subtree(path)).await;
}

/// Re-indexes organization `org_id`'s records after it was renamed (the
/// index finds records by their organization's name). Never fails: a
/// problem is logged and left for the next rebuild.
pub async fn reindex_org(svc: &Services, org_id: i64) {
    reindex(svc, Reindex::Org(org_id)).await;
}

async fn reindex(svc: &Services, which: Reindex<'_>) {
    let labels = match Labels::active(svc).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "search index not updated: no policy profile");
            return;
        }
    };
    let mut after = 0;
    loop {
        let rows = match svc.store.read().await {
            Ok(mut conn) => match which {
                Reindex::Subtree(path) => {
                    let upper = odb::upper_of(path);
                    db::subtree_texts_after(&mut conn, path, &upper, after, REBUILD_BATCH).await
                }
                Reindex::Org(id) => db::org_texts_after(&mut conn, id, after, REBUILD_BATCH).await,
            },
            Err(e) => Err(e),
        };
        let rows = match rows {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "search index not updated after an organization changed");
                return;
            }
        };
        let Some(last) = rows.last() else {
            return;
        };
        after = last.id;
        let index = svc.search.clone();
        let docs: Vec<RecordDoc> = rows.into_iter().map(|r| labels.doc_of(r)).collect();
        match tokio::task::spawn_blocking(move || index.upsert(&docs)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "search index not updated after an organization changed; a rebuild repairs it");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "search index update panicked");
                return;
            }
        }
    }
}

/// Whether two profiles label the record types differently (the index
/// then needs a rebuild).
pub(crate) fn labels_differ(a: &Profile, b: &Profile) -> bool {
    Labels::of(a).stamp != Labels::of(b).stamp
}

/// After a profile upload: when the index was built with other type labels,
/// rebuilds it in the background (pages are served meanwhile; searches see
/// the old labels until the rebuild commits). Never fails: a problem is
/// logged, and the stamp check at the next start rebuilds again.
pub fn relabel_in_background(svc: &Services) {
    let svc = svc.clone();
    tokio::spawn(async move {
        let due = async {
            let labels = Labels::active(&svc).await?;
            let stamp = svc.search.stamp().map_err(|e| index_failure(&e))?;
            ServiceResult::Ok(stamp.as_deref() != Some(labels.stamp.as_str()))
        };
        match due.await {
            Ok(false) => {}
            Ok(true) => match rebuild_index(&svc).await {
                Ok(n) => tracing::info!(
                    records = n,
                    "full-text index rebuilt with the new type labels"
                ),
                Err(e) => tracing::error!(error = %e, "full-text index rebuild failed"),
            },
            Err(e) => tracing::error!(error = %e, "cannot check the full-text index"),
        }
    });
}

/// Whether the index should be rebuilt: it was just created, it was built
/// with other type labels than the active profile's, or it does not hold as
/// many records as the database.
pub async fn index_is_stale(svc: &Services) -> ServiceResult<bool> {
    if svc.search.was_created() {
        return Ok(true);
    }
    let labels = Labels::active(svc).await?;
    if svc
        .search
        .stamp()
        .map_err(|e| index_failure(&e))?
        .as_deref()
        != Some(labels.stamp.as_str())
    {
        return Ok(true);
    }
    let mut conn = svc.store.read().await?;
    let in_db = db::count_all(&mut conn).await?;
    let indexed = svc.search.doc_count().map_err(|e| index_failure(&e))?;
    Ok(u64::try_from(in_db).ok() != Some(indexed))
}

/// Rebuilds the whole index from the database in one commit; returns the
/// number of records indexed. Records are read in batches while the index
/// is written on a blocking thread, so the runtime keeps serving pages
/// (searches see the old index until the commit). Writes made meanwhile
/// queue behind the rebuild and land after it.
pub async fn rebuild_index(svc: &Services) -> ServiceResult<u64> {
    let labels = Labels::active(svc).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<RecordDoc>>(4);
    let index: SearchIndex = svc.search.clone();
    let stamp = labels.stamp.clone();
    let writer = tokio::task::spawn_blocking(move || {
        let docs = std::iter::from_fn(move || rx.blocking_recv()).flatten();
        index.rebuild_stamped(docs, &stamp)
    });
    let mut after = 0;
    let read: ServiceResult<()> = async {
        let mut conn = svc.store.read().await?;
        loop {
            let rows = db::texts_after(&mut conn, after, REBUILD_BATCH).await?;
            let Some(last) = rows.last() else {
                return Ok(());
            };
            after = last.id;
            if tx
                .send(rows.into_iter().map(|r| labels.doc_of(r)).collect())
                .await
                .is_err()
            {
                // The writer stopped (an invalid record); its error follows.
                return Ok(());
            }
        }
    }
    .await;
    drop(tx);
    let written = writer
        .await
        .map_err(|e| index_failure(&SearchError::Io(std::io::Error::other(e.to_string()))))?;
    // A failed read leaves a partial index: report it (the count check at
    // the next start rebuilds again).
    read?;
    written.map_err(|e| index_failure(&e))
}

/// Searches the records of `org_id`'s subtree (the user's own organization
/// when `None`) for `query`, best matches first, `SEARCH_PER_PAGE` a page.
pub async fn search(
    svc: &Services,
    actor: &Actor,
    query: &str,
    org_id: Option<i64>,
    page: i64,
) -> ServiceResult<SearchResults> {
    actor.require(Permission::ReadBusiness)?;
    let active = policy::active(svc).await?;
    let mut conn = svc.store.read().await?;
    let org = odb::get_org(&mut conn, org_id.unwrap_or(actor.org_id.0)).await?;
    actor.require_scope(&org.path)?;
    let page = page.clamp(
        1,
        1 + i64::try_from(dangjian_search::MAX_OFFSET).unwrap_or(0) / SEARCH_PER_PAGE,
    );
    let offset = usize::try_from((page - 1) * SEARCH_PER_PAGE).unwrap_or(0);
    let (index, q, scope) = (svc.search.clone(), query.to_owned(), org.path.clone());
    let found = tokio::task::spawn_blocking(move || {
        index.search(&q, &scope, SEARCH_PER_PAGE as usize, offset)
    })
    .await
    .map_err(|e| index_failure(&SearchError::Io(std::io::Error::other(e.to_string()))))?;
    let found = match found {
        Ok(f) => f,
        Err(e @ (SearchError::EmptyQuery | SearchError::QueryTooLong)) => {
            return Err(ServiceError::field("q", e.to_string()));
        }
        Err(e) => return Err(index_failure(&e)),
    };
    // Names from the database, and a second scope check against the
    // organization's current path (the index may lag behind a move).
    let mut orgs: HashMap<i64, Option<String>> = HashMap::new();
    let mut hits = Vec::with_capacity(found.hits.len());
    for h in found.hits {
        if let Entry::Vacant(slot) = orgs.entry(h.org_id) {
            let name = match odb::get_org(&mut conn, h.org_id).await {
                Ok(o) if o.path.starts_with(&org.path) => Some(o.name),
                Ok(_) | Err(DbError::NotFound) => None,
                Err(e) => return Err(e.into()),
            };
            slot.insert(name);
        }
        let Some(Some(org_name)) = orgs.get(&h.org_id).cloned() else {
            continue;
        };
        let type_label = active
            .profile
            .record_type(&h.record_type)
            .map_or_else(|| h.record_type.clone(), |t| t.label.clone());
        hits.push(SearchHit {
            id: h.id,
            org_id: h.org_id,
            org_name,
            type_label,
            record_type: h.record_type,
            held_on: h.held_on,
            topics_html: h.topics_html,
            minutes_html: h.minutes_html,
        });
    }
    Ok(SearchResults {
        org_id: org.id,
        org_name: org.name,
        query: query.trim().to_owned(),
        hits,
        total: i64::try_from(found.total).unwrap_or(i64::MAX),
        page,
        per_page: SEARCH_PER_PAGE,
        relaxed: found.relaxed,
    })
}
