//! The index's fields and analyzers, and the organization paths its scope
//! filter is built from.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::{BIGRAM, JIEBA};

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) id: Field,
    pub(crate) org_id: Field,
    pub(crate) scope: Field,
    pub(crate) record_type: Field,
    pub(crate) held_on: Field,
    pub(crate) topics: Field,
    pub(crate) minutes: Field,
    pub(crate) topics_bigram: Field,
    pub(crate) minutes_bigram: Field,
    pub(crate) type_label: Field,
    pub(crate) type_label_bigram: Field,
    pub(crate) org_name: Field,
    pub(crate) org_name_bigram: Field,
}

pub(crate) fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let jieba = |stored: bool| {
        let options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(JIEBA)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let bigram = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(BIGRAM)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: builder.add_i64_field("id", INDEXED | STORED | FAST),
        org_id: builder.add_i64_field("org_id", STORED),
        scope: builder.add_text_field("scope", STRING),
        record_type: builder.add_text_field("record_type", STRING | STORED),
        held_on: builder.add_text_field("held_on", STRING | STORED),
        topics: builder.add_text_field("topics", jieba(true)),
        minutes: builder.add_text_field("minutes", jieba(true)),
        topics_bigram: builder.add_text_field("topics_bigram", bigram.clone()),
        minutes_bigram: builder.add_text_field("minutes_bigram", bigram.clone()),
        type_label: builder.add_text_field("type_label", jieba(false)),
        type_label_bigram: builder.add_text_field("type_label_bigram", bigram.clone()),
        org_name: builder.add_text_field("org_name", jieba(false)),
        org_name_bigram: builder.add_text_field("org_name_bigram", bigram),
    };
    (builder.build(), fields)
}

/// Checks a materialized path ("/", "/1/", "/1/7/42/") and returns its
/// prefixes, shortest first.
pub(crate) fn path_prefixes(path: &str) -> Option<Vec<&str>> {
    if !path.starts_with('/') || !path.ends_with('/') || path.contains("//") {
        return None;
    }
    if path.chars().any(char::is_whitespace) {
        return None;
    }
    Some(path.match_indices('/').map(|(i, _)| &path[..=i]).collect())
}
