//! The two analyzers of the index.
//!
//! * `JiebaTokenizer` — jieba-rs in search mode (`cut_for_search`): the words of
//!   a sentence plus the dictionary words inside longer words, so 党建 and
//!   党建工作 both match "党建工作会议". Tokens without a letter or digit
//!   (spaces, punctuation) are dropped; Latin text is lower-cased.
//! * `BigramTokenizer` — overlapping pairs of Han characters (the classic CJK
//!   bigram analyzer), whole lower-cased words for other letters and digits.
//!   A phrase query over these bigrams is an exact substring match, so a
//!   two-character word is found even where jieba segments the sentence
//!   differently from the query. A Han character standing alone between
//!   separators is kept as a unigram; Han characters inside a longer run are
//!   not, so a one-character query does not match every record that contains
//!   that character (see the crate documentation).
//!
//! Both tokenizers compute their tokens eagerly into a vector; records are short
//! enough that this costs nothing measurable and keeps the code simple.

use std::sync::LazyLock;

use jieba_rs::{Jieba, TokenizeMode};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// One dictionary for the process: building it takes ~0.3 s in release.
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Terms longer than this (in bytes) are not indexed: they are noise such as
/// pasted URLs or long digit strings, and tantivy limits term length anyway.
const MAX_TOKEN_BYTES: usize = 64;

/// A token stream over tokens computed up front.
pub struct VecTokenStream {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl VecTokenStream {
    fn new(tokens: Vec<Token>) -> Self {
        Self {
            tokens: tokens.into_iter(),
            current: Token::default(),
        }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(token) => {
                self.current = token;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

/// Han ideographs: CJK Unified Ideographs, extension A, compatibility
/// ideographs and the supplementary ideographic planes.
pub fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3FFFF}')
}

/// Full-width ASCII (ＡＢＣ１２３, common in Chinese input methods) folded to
/// ASCII, then lower-cased.
fn fold(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Whether a character belongs to a searchable word (everything else separates).
pub fn is_word_char(c: char) -> bool {
    fold(c).is_alphanumeric()
}

/// jieba in search mode, see the module documentation.
#[derive(Clone, Default)]
pub struct JiebaTokenizer;

/// The jieba tokens of `text`, in order, with byte offsets into `text`.
pub fn jieba_tokens(text: &str) -> Vec<Token> {
    let base = text.as_ptr() as usize;
    JIEBA
        .tokenize(text, TokenizeMode::Search, true)
        .into_iter()
        .filter(|t| t.word.len() <= MAX_TOKEN_BYTES && t.word.chars().any(is_word_char))
        .enumerate()
        .map(|(position, t)| {
            let offset_from = t.word.as_ptr() as usize - base;
            Token {
                offset_from,
                offset_to: offset_from + t.word.len(),
                position,
                text: t.word.chars().map(fold).collect(),
                position_length: 1,
            }
        })
        .collect()
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(jieba_tokens(text))
    }
}

/// Han bigrams and whole words, see the module documentation.
///
/// With `unigrams`, every Han character is also emitted on its own: that
/// variant only serves the snippet highlighter, so a one-character query can be
/// highlighted wherever it occurs in a record that matched.
#[derive(Clone, Default)]
pub struct BigramTokenizer {
    pub unigrams: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Han,
    Word,
    Separator,
}

/// A character of the current run: byte range in the source text, folded char.
type RunChar = (usize, usize, char);

struct BigramBuilder {
    unigrams: bool,
    tokens: Vec<Token>,
    position: usize,
}

impl BigramBuilder {
    fn push(&mut self, from: usize, to: usize, text: String) {
        if text.len() <= MAX_TOKEN_BYTES {
            self.tokens.push(Token {
                offset_from: from,
                offset_to: to,
                position: self.position,
                text,
                position_length: 1,
            });
        }
        self.position += 1;
    }

    fn flush(&mut self, kind: Kind, run: &mut Vec<RunChar>) {
        match kind {
            Kind::Han if run.len() == 1 => {
                let (from, to, c) = run[0];
                self.push(from, to, c.to_string());
            }
            Kind::Han => {
                for (i, pair) in run.windows(2).enumerate() {
                    if self.unigrams {
                        let (from, to, c) = pair[0];
                        self.tokens.push(Token {
                            offset_from: from,
                            offset_to: to,
                            position: self.position,
                            text: c.to_string(),
                            position_length: 1,
                        });
                    }
                    self.push(
                        pair[0].0,
                        pair[1].1,
                        [pair[0].2, pair[1].2].iter().collect(),
                    );
                    if self.unigrams && i + 2 == run.len() {
                        let (from, to, c) = pair[1];
                        self.tokens.push(Token {
                            offset_from: from,
                            offset_to: to,
                            position: self.position,
                            text: c.to_string(),
                            position_length: 1,
                        });
                    }
                }
            }
            Kind::Word if !run.is_empty() => {
                let from = run[0].0;
                let to = run[run.len() - 1].1;
                self.push(from, to, run.iter().map(|r| r.2).collect());
            }
            Kind::Word | Kind::Separator => {}
        }
        run.clear();
    }
}

/// The bigram tokens of `text`. Positions are consecutive inside a run of
/// word characters and jump at separators, so a phrase query never matches
/// across punctuation.
pub fn bigram_tokens(text: &str, unigrams: bool) -> Vec<Token> {
    let mut builder = BigramBuilder {
        unigrams,
        tokens: Vec::new(),
        position: 0,
    };
    let mut run: Vec<RunChar> = Vec::new();
    let mut run_kind = Kind::Separator;
    for (offset, c) in text.char_indices() {
        let folded = fold(c);
        let kind = if is_han(folded) {
            Kind::Han
        } else if folded.is_alphanumeric() {
            Kind::Word
        } else {
            Kind::Separator
        };
        if kind != run_kind {
            builder.flush(run_kind, &mut run);
            run_kind = kind;
        }
        if kind == Kind::Separator {
            builder.position += 1;
        } else {
            run.push((offset, offset + c.len_utf8(), folded));
        }
    }
    builder.flush(run_kind, &mut run);
    builder.tokens
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(bigram_tokens(text, self.unigrams))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(tokens: &[Token]) -> Vec<&str> {
        tokens.iter().map(|t| t.text.as_str()).collect()
    }

    #[test]
    fn bigrams_of_han_runs_and_words_of_latin_runs() {
        let tokens = bigram_tokens("讲党课，2024年Ｗｏｒｄ版", false);
        assert_eq!(texts(&tokens), ["讲党", "党课", "2024", "年", "word", "版"]);
        // Positions are consecutive within a run and jump at the comma.
        let positions: Vec<usize> = tokens.iter().map(|t| t.position).collect();
        assert_eq!(positions, [0, 1, 3, 4, 5, 6]);
        // Offsets are byte ranges of the original text.
        let text = "讲党课，2024年Ｗｏｒｄ版";
        assert_eq!(&text[tokens[1].offset_from..tokens[1].offset_to], "党课");
        assert_eq!(
            &text[tokens[4].offset_from..tokens[4].offset_to],
            "Ｗｏｒｄ"
        );
    }

    #[test]
    fn unigram_variant_adds_every_han_character() {
        let tokens = bigram_tokens("党课", true);
        assert_eq!(texts(&tokens), ["党", "党课", "课"]);
    }

    #[test]
    fn jieba_drops_punctuation_and_keeps_nested_words() {
        let tokens = jieba_tokens("对照检查问题整改落实情况，开展谈心谈话。");
        let words = texts(&tokens);
        assert!(words.contains(&"整改"), "{words:?}");
        assert!(words.contains(&"对照检查"), "{words:?}");
        assert!(words.contains(&"谈心"), "{words:?}");
        assert!(!words.contains(&"，"), "{words:?}");
    }
}
