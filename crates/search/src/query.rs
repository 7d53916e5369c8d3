//! From the user's text to a tantivy query, without tantivy's query syntax.
//!
//! The text is cut into *segments* at every character that is not a letter or
//! digit (spaces, punctuation, quotes, emoji…), so no input can be a syntax
//! error. Each segment must match (AND), and a segment matches a record when
//! either
//! * its bigrams occur as a phrase in the topics, the minutes, the type label
//!   or the organization's name — the segment is a substring of the text — or
//! * all its jieba words occur in the record (in any of those fields), each
//!   as a word or, for words of two or more characters, as a substring (乙村
//!   of 乙村党课 inside 中共乙村支部委员会, which jieba cuts differently).
//!
//! If that strict query finds nothing and the text has more than one word, the
//! relaxed query accepts records matching any segment or any word of two or
//! more characters; the page then says so (`SearchPage::relaxed`).

use std::collections::BTreeMap;

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use crate::schema::Fields;
use crate::tokenize::{bigram_tokens, is_word_char, jieba_tokens};

/// Matches in the topics weigh more than matches in the minutes.
const TOPICS_BOOST: f32 = 2.0;

/// The score of a match in the type label or the organization's name, per
/// field and segment: a constant below any BM25 score a topic or minutes
/// match practically gets (an idf near 0.02 would need the word in 98% of
/// the records), so these matches find records and break ties among equal
/// text matches without outranking them.
const LABEL_SCORE: f32 = 0.01;

/// How a field's matches are scored.
#[derive(Clone, Copy)]
enum Weight {
    /// BM25, multiplied.
    Boost(f32),
    /// A constant.
    Constant(f32),
}

/// The searched fields: (jieba field, bigram field, weight).
fn searched(fields: &Fields) -> [(Field, Field, Weight); 4] {
    [
        (
            fields.topics,
            fields.topics_bigram,
            Weight::Boost(TOPICS_BOOST),
        ),
        (fields.minutes, fields.minutes_bigram, Weight::Boost(1.0)),
        (
            fields.type_label,
            fields.type_label_bigram,
            Weight::Constant(LABEL_SCORE),
        ),
        (
            fields.org_name,
            fields.org_name_bigram,
            Weight::Constant(LABEL_SCORE),
        ),
    ]
}

/// One run of letters and digits of the user's text.
pub struct Segment {
    /// Bigram-analyzer tokens, consecutive positions from 0.
    bigrams: Vec<String>,
    /// Distinct jieba words.
    words: Vec<String>,
}

/// Cuts the user's text into segments (possibly none, for punctuation only).
pub fn segments(text: &str) -> Vec<Segment> {
    text.split(|c: char| !is_word_char(c))
        .filter(|s| !s.is_empty())
        .map(|s| {
            let bigrams = bigram_tokens(s, false)
                .into_iter()
                .map(|t| t.text)
                .collect();
            let mut words: Vec<String> = Vec::new();
            for token in jieba_tokens(s) {
                if !words.contains(&token.text) {
                    words.push(token.text);
                }
            }
            Segment { bigrams, words }
        })
        .filter(|s: &Segment| !s.bigrams.is_empty() || !s.words.is_empty())
        .collect()
}

fn term(field: Field, text: &str) -> Term {
    Term::from_field_text(field, text)
}

fn weighted(query: Box<dyn Query>, weight: Weight) -> Box<dyn Query> {
    match weight {
        Weight::Boost(boost) if (boost - 1.0).abs() < f32::EPSILON => query,
        Weight::Boost(boost) => Box::new(BoostQuery::new(query, boost)),
        Weight::Constant(score) => Box::new(ConstScoreQuery::new(query, score)),
    }
}

/// The segment as a substring of one bigram field.
fn phrase(field: Field, bigrams: &[String]) -> Option<Box<dyn Query>> {
    match bigrams {
        [] => None,
        [one] => Some(Box::new(TermQuery::new(
            term(field, one),
            IndexRecordOption::WithFreqs,
        ))),
        many => Some(Box::new(PhraseQuery::new_with_offset(
            many.iter()
                .enumerate()
                .map(|(i, b)| (i, term(field, b)))
                .collect(),
        ))),
    }
}

/// Text with these bigrams as a substring of any searched field.
fn substring(fields: &Fields, bigrams: &[String]) -> Vec<(Occur, Box<dyn Query>)> {
    searched(fields)
        .into_iter()
        .filter_map(|(_, bigram, weight)| {
            phrase(bigram, bigrams).map(|q| (Occur::Should, weighted(q, weight)))
        })
        .collect()
}

/// One jieba word as a word, or (two characters or more) as a substring, of
/// any searched field.
fn word_or_substring(fields: &Fields, w: &str) -> Box<dyn Query> {
    let mut alternatives = vec![(Occur::Should, word(fields, w))];
    if w.chars().count() >= 2 {
        let bigrams: Vec<String> = bigram_tokens(w, false)
            .into_iter()
            .map(|t| t.text)
            .collect();
        alternatives.extend(substring(fields, &bigrams));
    }
    Box::new(BooleanQuery::new(alternatives))
}

/// One jieba word in any searched field.
fn word(fields: &Fields, word: &str) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        searched(fields)
            .into_iter()
            .map(|(jieba, _, weight)| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    term(jieba, word),
                    IndexRecordOption::WithFreqs,
                ));
                (Occur::Should, weighted(q, weight))
            })
            .collect(),
    ))
}

fn scope_clause(fields: &Fields, scope: &str) -> (Occur, Box<dyn Query>) {
    (
        Occur::Must,
        Box::new(TermQuery::new(
            term(fields.scope, scope),
            IndexRecordOption::Basic,
        )),
    )
}

/// All segments must match, within the scope.
pub fn strict(fields: &Fields, segments: &[Segment], scope: &str) -> Box<dyn Query> {
    let mut clauses = vec![scope_clause(fields, scope)];
    for segment in segments {
        let mut alternatives = substring(fields, &segment.bigrams);
        if !segment.words.is_empty() {
            let all_words = segment
                .words
                .iter()
                .map(|w| (Occur::Must, word_or_substring(fields, w)))
                .collect();
            alternatives.push((Occur::Should, Box::new(BooleanQuery::new(all_words))));
        }
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// Any segment or any word of two or more characters, within the scope;
/// `None` when that would not differ from the strict query (a single word).
pub fn relaxed(fields: &Fields, segments: &[Segment], scope: &str) -> Option<Box<dyn Query>> {
    let word_count: usize = segments.iter().map(|s| s.words.len().max(1)).sum();
    if word_count < 2 {
        return None;
    }
    let mut any = Vec::new();
    for segment in segments {
        any.extend(substring(fields, &segment.bigrams));
        for w in segment.words.iter().filter(|w| w.chars().count() >= 2) {
            any.push((Occur::Should, word_or_substring(fields, w)));
        }
    }
    if any.is_empty() {
        return None;
    }
    Some(Box::new(BooleanQuery::new(vec![
        scope_clause(fields, scope),
        (Occur::Must, Box::new(BooleanQuery::new(any))),
    ])))
}

/// Terms for the highlighter (bigram-analyzer tokens with the unigram variant),
/// weighted like tantivy's own snippet generator: rarer terms weigh more.
pub fn highlight_terms(
    searcher: &Searcher,
    fields: &Fields,
    segments: &[Segment],
) -> tantivy::Result<BTreeMap<String, f32>> {
    let mut terms = BTreeMap::new();
    for text in segments.iter().flat_map(|s| s.bigrams.iter()) {
        let doc_freq = searcher.doc_freq(&term(fields.minutes_bigram, text))?
            + searcher.doc_freq(&term(fields.topics_bigram, text))?;
        terms.insert(text.clone(), 1.0 / (1.0 + doc_freq as f32));
    }
    Ok(terms)
}
