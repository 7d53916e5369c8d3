//! Search-result excerpts: the best fragment of a text with the matches in
//! `<mark>`, HTML-escaped.

use tantivy::snippet::SnippetGenerator;

use crate::tokenize;

/// Escapes text for HTML element content and attribute values.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// The excerpt of `text` with the most highlighted terms, escaped, matches in
/// `<mark>`; without any match, the first `fallback_chars` characters.
pub(crate) fn snippet_html(
    generator: &SnippetGenerator,
    text: &str,
    fallback_chars: usize,
) -> String {
    let snippet = generator.snippet(text);
    let mut html = String::new();
    if snippet.is_empty() {
        let cut = text
            .char_indices()
            .nth(fallback_chars)
            .map_or(text.len(), |(i, _)| i);
        escape_into(&mut html, &text[..cut]);
        if cut < text.len() {
            html.push('…');
        }
        return html;
    }
    let fragment = snippet.fragment();
    let range = snippet.fragment_range();
    // Text cut off before or after the fragment: an ellipsis, unless it is only
    // punctuation, which is kept.
    let head = &text[..range.start];
    if head.chars().any(tokenize::is_word_char) {
        html.push('…');
    } else {
        escape_into(&mut html, head);
    }
    // Merge overlapping and adjacent matches (the bigrams of 谈心谈话 overlap).
    let mut marks: Vec<std::ops::Range<usize>> = snippet.highlighted().to_vec();
    marks.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<std::ops::Range<usize>> = Vec::with_capacity(marks.len());
    for mark in marks {
        match merged.last_mut() {
            Some(last) if mark.start <= last.end => last.end = last.end.max(mark.end),
            _ => merged.push(mark),
        }
    }
    let mut at = 0;
    for mark in merged {
        escape_into(&mut html, &fragment[at..mark.start]);
        html.push_str("<mark>");
        escape_into(&mut html, &fragment[mark.clone()]);
        html.push_str("</mark>");
        at = mark.end;
    }
    escape_into(&mut html, &fragment[at..]);
    let tail = &text[range.end..];
    if tail.chars().any(tokenize::is_word_char) {
        html.push('…');
    } else {
        escape_into(&mut html, tail);
    }
    html
}
