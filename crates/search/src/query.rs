//! From the user's text to a tantivy query, without tantivy's query syntax.
//!
//! The text is cut into *segments* at every character that is not a letter or
//! digit (spaces, punctuation, quotes, emoji…), so no input can be a syntax
//! error. Each segment must match (AND), and a segment matches a record when
//! either
//! * its bigrams occur as a phrase in the topics or the minutes — the segment
//!   is a substring of the text — or
//! * all its jieba words occur in the record (topics or minutes).
//!
//! If that strict query finds nothing and the text has more than one word, the
//! relaxed query accepts records matching any segment or any word of two or
//! more characters; the page then says so (`SearchPage::relaxed`).

use std::collections::BTreeMap;

use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, Term};

use crate::Fields;
use crate::tokenize::{bigram_tokens, is_word_char, jieba_tokens};

/// Matches in the topics weigh more than matches in the minutes.
const TOPICS_BOOST: f32 = 2.0;

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

fn term(field: tantivy::schema::Field, text: &str) -> Term {
    Term::from_field_text(field, text)
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if (boost - 1.0).abs() < f32::EPSILON {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}

/// The segment as a substring of one bigram field.
fn phrase(field: tantivy::schema::Field, bigrams: &[String]) -> Option<Box<dyn Query>> {
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

/// The segment as a substring of the topics or of the minutes.
fn substring(fields: &Fields, segment: &Segment) -> Vec<(Occur, Box<dyn Query>)> {
    let mut clauses = Vec::new();
    if let Some(q) = phrase(fields.topics_bigram, &segment.bigrams) {
        clauses.push((Occur::Should, boosted(q, TOPICS_BOOST)));
    }
    if let Some(q) = phrase(fields.minutes_bigram, &segment.bigrams) {
        clauses.push((Occur::Should, q));
    }
    clauses
}

/// One jieba word in the topics or in the minutes.
fn word(fields: &Fields, word: &str) -> Box<dyn Query> {
    let topics: Box<dyn Query> = Box::new(TermQuery::new(
        term(fields.topics, word),
        IndexRecordOption::WithFreqs,
    ));
    let minutes: Box<dyn Query> = Box::new(TermQuery::new(
        term(fields.minutes, word),
        IndexRecordOption::WithFreqs,
    ));
    Box::new(BooleanQuery::new(vec![
        (Occur::Should, boosted(topics, TOPICS_BOOST)),
        (Occur::Should, minutes),
    ]))
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
        let mut alternatives = substring(fields, segment);
        if !segment.words.is_empty() {
            let all_words = segment
                .words
                .iter()
                .map(|w| (Occur::Must, word(fields, w)))
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
        any.extend(substring(fields, segment));
        for w in segment.words.iter().filter(|w| w.chars().count() >= 2) {
            any.push((Occur::Should, word(fields, w)));
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
