//! Chinese full-text search over organizational-life records (三会一课 and
//! other meetings): their topics and minutes, and the words users type to
//! find them besides: the record type's label (党课, 主题党日, 屋场贴心会 …)
//! and the organization's name (a village, a branch).
//!
//! One tantivy index beside the database serves both SQLite and PostgreSQL
//! deployments: neither engine's built-in full-text search handles two-character
//! Chinese words (SQLite FTS5 trigram needs three characters; PostgreSQL's
//! `simple` configuration takes a whole sentence as one token).
//!
//! The crate knows nothing of SQL: callers hand in [`RecordDoc`] values and get
//! [`Hit`] values back, and keep the index in step with the records table
//! ([`SearchIndex::upsert`] / [`SearchIndex::delete`] after each change,
//! [`SearchIndex::rebuild`] at start-up when [`SearchIndex::was_created`] says
//! the index is new or [`SearchIndex::doc_count`] disagrees with the table).
//! Labels and names live outside the records table (the policy profile, the
//! organizations): the caller re-indexes the records of a renamed
//! organization, and stamps a rebuild with what its labels came from
//! ([`SearchIndex::rebuild_stamped`], [`SearchIndex::stamp`]) so that it can
//! tell when they changed.
//!
//! # Matching
//! Each text field is indexed twice: with jieba in search mode (words, and the
//! dictionary words nested in longer words) and as overlapping Han bigrams. A
//! query is cut at spaces and punctuation into segments; every segment must
//! match, either as a substring (phrase of bigrams) or with all of its jieba
//! words present. So 党课, 整改 and 谈心 are found inside "…上党课…",
//! "…问题整改落实…", "…开展谈心谈话…" whatever jieba makes of the sentence
//! around them. When no record matches every word of a query of several words,
//! records matching any of them are returned with [`SearchPage::relaxed`] set.
//!
//! # Ranking
//! Topics weigh twice the minutes (BM25 in both). A match in the type label
//! or the organization's name counts a small constant: it finds the record
//! and lifts it slightly above an otherwise equal one, but a record matching
//! only there never outranks one whose topics or minutes match (every 党课
//! record is a match for 党课, and would otherwise drown the meetings whose
//! topics name one).
//!
//! A one-character query matches only where the character stands as a word of
//! its own (jieba's segmentation, or a lone character between punctuation), not
//! every record containing it: 党 alone would otherwise match nearly every
//! record of a Party-building platform.
//!
//! # Scope
//! Each record is indexed under every prefix of its organization's materialized
//! path ("/", "/1/", "/1/7/", "/1/7/42/"); a search within "/1/7/" is a term
//! filter on that prefix: exact and cheap.

mod query;
mod schema;
mod snippet;
mod tokenize;

use std::fs;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::collector::{Count, TopDocs};
use tantivy::query::Query;
use tantivy::schema::{Field, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::schema::{Fields, path_prefixes, schema};
use crate::snippet::snippet_html;
use crate::tokenize::{BigramTokenizer, JiebaTokenizer};

/// Bump when the schema or an analyzer changes: [`SearchIndex::open`] then
/// starts a new, empty index and the caller rebuilds it from the database.
/// Version 2 added the type label and the organization's name.
pub const SCHEMA_VERSION: u32 = 2;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// The most hits returned by one [`SearchIndex::search`] call.
pub const MAX_LIMIT: usize = 100;

/// The deepest page reachable with `offset` (deeper pages are not useful and
/// would make the collector large).
pub const MAX_OFFSET: usize = 10_000;

const VERSION_FILE: &str = "dangjian-search.version";
const JIEBA: &str = "dangjian_jieba";
const BIGRAM: &str = "dangjian_bigram";
/// Memory budget of the index writer, shared by its threads.
const WRITER_MEMORY_BYTES: usize = 50_000_000;
/// Snippet lengths, in bytes of UTF-8 (a Han character is three bytes).
const TOPICS_SNIPPET_BYTES: usize = 600;
const MINUTES_SNIPPET_BYTES: usize = 300;

/// What the index needs of an organizational-life record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordDoc {
    pub id: i64,
    pub org_id: i64,
    /// Materialized path of the organization, like "/1/7/42/".
    pub org_path: String,
    /// The record type's code (stored, returned with each hit).
    pub record_type: String,
    /// The record type's label, as users name it (党课, 支部党员大会); searched.
    pub type_label: String,
    /// The organization's name (中共甲村支部委员会); searched.
    pub org_name: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    pub title_or_topics: String,
    pub minutes: String,
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: i64,
    pub org_id: i64,
    pub held_on: String,
    pub record_type: String,
    pub score: f32,
    /// The topics, HTML-escaped, matches wrapped in `<mark>…</mark>`.
    pub topics_html: String,
    /// An excerpt of the minutes around the best matches, HTML-escaped, matches
    /// wrapped in `<mark>…</mark>`, "…" where text was cut; the opening of the
    /// minutes when only the topics matched.
    pub minutes_html: String,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    pub hits: Vec<Hit>,
    /// All matching records in scope, not only this page.
    pub total: u64,
    /// No record matched every word, and these records match some of them
    /// (the page should say so, e.g. "没有同时包含全部词语的记录，以下记录包含部分词语").
    pub relaxed: bool,
}

/// Errors; their messages are shown to users as they are.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("请输入要查找的内容")]
    EmptyQuery,
    #[error("查找内容过长，请不超过{MAX_QUERY_CHARS}个字")]
    QueryTooLong,
    #[error("查找范围无效：{0}")]
    InvalidScope(String),
    #[error("记录 {id} 的组织路径无效：{path}")]
    InvalidOrgPath { id: i64, path: String },
    #[error("全文索引出错：{0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("全文索引目录无法读写：{0}")]
    Io(#[from] io::Error),
}

struct Inner {
    index: Index,
    reader: IndexReader,
    /// Created on the first write: a process that only searches never takes
    /// the index's writer lock.
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
    highlighter: TextAnalyzer,
    created: bool,
}

/// The search index. Cheap to clone; clones share one index, one reader and
/// one writer. Open a directory once per process and clone the handle: two
/// handles opened on one directory would contend for tantivy's writer lock
/// (the writer is only taken on the first write, so a second process that only
/// searches is fine).
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("created", &self.inner.created)
            .finish_non_exhaustive()
    }
}

/// Removes tantivy's files (and the version file) from `dir`, nothing else.
fn remove_index_files(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let stem = name.split('.').next().unwrap_or_default();
        let tantivy_segment = stem.len() == 32 && stem.chars().all(|c| c.is_ascii_hexdigit());
        if tantivy_segment
            || name == "meta.json"
            || name == ".managed.json"
            || name.starts_with(".tantivy-")
            || name == VERSION_FILE
        {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

impl SearchIndex {
    /// Opens the index in `dir`, creating the directory and an empty index when
    /// missing, or when it was written with another [`SCHEMA_VERSION`] (its
    /// files are then removed; other files in `dir` are left alone).
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        fs::create_dir_all(dir)?;
        let version_path = dir.join(VERSION_FILE);
        let current = fs::read_to_string(&version_path)
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
            == Some(SCHEMA_VERSION);
        let (schema, fields) = schema();
        if current && dir.join("meta.json").exists() {
            let index = Index::open_in_dir(dir)?;
            if index.schema() == schema {
                return Self::with_index(index, fields, false);
            }
        }
        remove_index_files(dir)?;
        let index = Index::create_in_dir(dir, schema)?;
        let temporary = dir.join(format!("{VERSION_FILE}.tmp"));
        fs::write(&temporary, format!("{SCHEMA_VERSION}\n"))?;
        fs::rename(&temporary, &version_path)?;
        Self::with_index(index, fields, true)
    }

    /// Removes the index files from `dir` (other files are left alone), so
    /// the next [`open`](Self::open) starts an empty index to rebuild: for a
    /// database restored from a backup, whose records the index no longer
    /// matches. A missing `dir` is fine. Not while a process has it open.
    pub fn discard(dir: &Path) -> Result<(), SearchError> {
        match fs::metadata(dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
            Ok(_) => Ok(remove_index_files(dir)?),
        }
    }

    /// A new index in memory, for tests.
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields, true)
    }

    fn with_index(index: Index, fields: Fields, created: bool) -> Result<Self, SearchError> {
        index
            .tokenizers()
            .register(JIEBA, TextAnalyzer::from(JiebaTokenizer));
        index.tokenizers().register(
            BIGRAM,
            TextAnalyzer::from(BigramTokenizer { unigrams: false }),
        );
        // Commits by another process (a CLI import) show within a second; after
        // our own commits `write` reloads at once, so results are deterministic.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(Self {
            inner: Arc::new(Inner {
                index,
                reader,
                writer: Mutex::new(None),
                fields,
                highlighter: TextAnalyzer::from(BigramTokenizer { unigrams: true }),
                created,
            }),
        })
    }

    /// Whether this index was created empty by [`open`](Self::open) (missing
    /// or stale): the caller should then [`rebuild`](Self::rebuild) it.
    pub fn was_created(&self) -> bool {
        self.inner.created
    }

    /// The stamp of the last [`rebuild_stamped`](Self::rebuild_stamped):
    /// what the caller derived the documents' labels from. `None` for an
    /// index never rebuilt with a stamp.
    pub fn stamp(&self) -> Result<Option<String>, SearchError> {
        Ok(self.inner.index.load_metas()?.payload)
    }

    /// Runs `write` with the writer, commits (with `stamp`, or keeping the
    /// stamp the index has), and makes the result visible to searches. On
    /// error the uncommitted changes are rolled back.
    fn write<R>(
        &self,
        stamp: Option<&str>,
        write: impl FnOnce(&mut IndexWriter, &Fields) -> Result<R, SearchError>,
    ) -> Result<R, SearchError> {
        let mut guard = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if guard.is_none() {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
            *guard = Some(
                self.inner
                    .index
                    .writer_with_num_threads(threads, WRITER_MEMORY_BYTES)?,
            );
        }
        let writer = guard.as_mut().expect("writer was just created");
        let result = write(writer, &self.inner.fields).and_then(|r| {
            let stamp = match stamp {
                Some(s) => Some(s.to_owned()),
                None => self.inner.index.load_metas()?.payload,
            };
            let mut commit = writer.prepare_commit()?;
            if let Some(s) = &stamp {
                commit.set_payload(s);
            }
            commit.commit()?;
            Ok(r)
        });
        match result {
            Ok(r) => {
                self.inner.reader.reload()?;
                Ok(r)
            }
            Err(e) => {
                // The writer may be unusable after a failed commit: drop it, a
                // new one is made on the next write.
                if writer.rollback().is_err() {
                    *guard = None;
                }
                Err(e)
            }
        }
    }

    fn document(fields: &Fields, doc: &RecordDoc) -> Result<TantivyDocument, SearchError> {
        let prefixes = path_prefixes(&doc.org_path).ok_or_else(|| SearchError::InvalidOrgPath {
            id: doc.id,
            path: doc.org_path.clone(),
        })?;
        let mut d = TantivyDocument::new();
        d.add_i64(fields.id, doc.id);
        d.add_i64(fields.org_id, doc.org_id);
        for prefix in prefixes {
            d.add_text(fields.scope, prefix);
        }
        d.add_text(fields.record_type, &doc.record_type);
        d.add_text(fields.held_on, &doc.held_on);
        d.add_text(fields.topics, &doc.title_or_topics);
        d.add_text(fields.minutes, &doc.minutes);
        d.add_text(fields.topics_bigram, &doc.title_or_topics);
        d.add_text(fields.minutes_bigram, &doc.minutes);
        d.add_text(fields.type_label, &doc.type_label);
        d.add_text(fields.type_label_bigram, &doc.type_label);
        d.add_text(fields.org_name, &doc.org_name);
        d.add_text(fields.org_name_bigram, &doc.org_name);
        Ok(d)
    }

    /// Adds the records, replacing any indexed record with the same id, and
    /// commits. Nothing is written if a record is invalid.
    pub fn upsert(&self, docs: &[RecordDoc]) -> Result<(), SearchError> {
        if docs.is_empty() {
            return Ok(());
        }
        let fields = self.inner.fields;
        let documents = docs
            .iter()
            .map(|d| Ok((d.id, Self::document(&fields, d)?)))
            .collect::<Result<Vec<_>, SearchError>>()?;
        self.write(None, |writer, fields| {
            for (id, document) in documents {
                writer.delete_term(Term::from_field_i64(fields.id, id));
                writer.add_document(document)?;
            }
            Ok(())
        })
    }

    /// Removes the records with these ids (unknown ids are ignored) and commits.
    pub fn delete(&self, ids: &[i64]) -> Result<(), SearchError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.write(None, |writer, fields| {
            for &id in ids {
                writer.delete_term(Term::from_field_i64(fields.id, id));
            }
            Ok(())
        })
    }

    /// Replaces the whole index with `docs` in one commit; returns how many were
    /// indexed. If a record is invalid, the index is left as it was. The
    /// [`stamp`](Self::stamp) stays as it was.
    pub fn rebuild(&self, docs: impl Iterator<Item = RecordDoc>) -> Result<u64, SearchError> {
        self.rebuild_with_progress(docs, |_| {})
    }

    /// [`rebuild`](Self::rebuild), calling `progress` with the running count
    /// after each record (for a progress bar; throttle in the callback).
    pub fn rebuild_with_progress(
        &self,
        docs: impl Iterator<Item = RecordDoc>,
        progress: impl FnMut(u64),
    ) -> Result<u64, SearchError> {
        self.rebuild_inner(None, docs, progress)
    }

    /// [`rebuild`](Self::rebuild), recording `stamp` with the commit: a
    /// short text naming what the documents' labels were derived from (a
    /// hash of the record types' labels), read back by [`stamp`](Self::stamp)
    /// to tell whether a rebuild is due. Later upserts keep it.
    pub fn rebuild_stamped(
        &self,
        docs: impl Iterator<Item = RecordDoc>,
        stamp: &str,
    ) -> Result<u64, SearchError> {
        self.rebuild_inner(Some(stamp), docs, |_| {})
    }

    fn rebuild_inner(
        &self,
        stamp: Option<&str>,
        docs: impl Iterator<Item = RecordDoc>,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, SearchError> {
        self.write(stamp, |writer, fields| {
            writer.delete_all_documents()?;
            let mut count = 0u64;
            for doc in docs {
                writer.add_document(Self::document(fields, &doc)?)?;
                count += 1;
                progress(count);
            }
            Ok(count)
        })
    }

    /// Number of records in the index.
    pub fn doc_count(&self) -> Result<u64, SearchError> {
        Ok(self.inner.reader.searcher().num_docs())
    }

    /// Finds the records within `scope_path` (a materialized path like "/1/7/";
    /// "/" for the whole county) whose topics, minutes, type label or
    /// organization name match `query`, best
    /// first. `limit` is capped at [`MAX_LIMIT`], `offset` at [`MAX_OFFSET`].
    ///
    /// Any text is accepted; only an empty (or whitespace) query and one longer
    /// than [`MAX_QUERY_CHARS`] characters are errors. Text with no letter or
    /// digit at all finds nothing.
    pub fn search(
        &self,
        query: &str,
        scope_path: &str,
        limit: usize,
        offset: usize,
    ) -> Result<SearchPage, SearchError> {
        let query = query.trim();
        if query.is_empty() {
            return Err(SearchError::EmptyQuery);
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(SearchError::QueryTooLong);
        }
        let scope = scope_path.trim();
        if path_prefixes(scope).is_none() {
            return Err(SearchError::InvalidScope(scope_path.to_owned()));
        }
        let empty = SearchPage {
            hits: Vec::new(),
            total: 0,
            relaxed: false,
        };
        let segments = query::segments(query);
        if segments.is_empty() {
            return Ok(empty);
        }
        let fields = &self.inner.fields;
        let searcher = self.inner.reader.searcher();
        let limit = limit.min(MAX_LIMIT);
        let offset = offset.min(MAX_OFFSET);

        let run = |q: &dyn Query| -> tantivy::Result<(Vec<(f32, tantivy::DocAddress)>, usize)> {
            if limit == 0 {
                return Ok((Vec::new(), searcher.search(q, &Count)?));
            }
            let top = TopDocs::with_limit(limit)
                .and_offset(offset)
                .order_by_score();
            searcher.search(q, &(top, Count))
        };
        let strict = query::strict(fields, &segments, scope);
        let (mut top, mut total) = run(strict.as_ref())?;
        let mut relaxed = false;
        if total == 0
            && let Some(fallback) = query::relaxed(fields, &segments, scope)
        {
            (top, total) = run(fallback.as_ref())?;
            relaxed = total > 0;
        }
        if total == 0 {
            return Ok(empty);
        }

        let terms = query::highlight_terms(&searcher, fields, &segments)?;
        let topics_snippets = SnippetGenerator::new(
            terms.clone(),
            self.inner.highlighter.clone(),
            fields.topics,
            TOPICS_SNIPPET_BYTES,
        );
        let minutes_snippets = SnippetGenerator::new(
            terms,
            self.inner.highlighter.clone(),
            fields.minutes,
            MINUTES_SNIPPET_BYTES,
        );
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let int = |field: Field| doc.get_first(field).and_then(|v| v.as_i64()).unwrap_or(0);
            hits.push(Hit {
                id: int(fields.id),
                org_id: int(fields.org_id),
                held_on: text(fields.held_on),
                record_type: text(fields.record_type),
                score,
                topics_html: snippet_html(&topics_snippets, &text(fields.topics), 200),
                minutes_html: snippet_html(&minutes_snippets, &text(fields.minutes), 100),
            });
        }
        Ok(SearchPage {
            hits,
            total: total as u64,
            relaxed,
        })
    }
}
