//! Cell text normalization: what a clerk typed, made comparable. Full-width
//! ASCII (U+FF01–U+FF5E) becomes half-width, the ideographic space and NBSP
//! become spaces, zero-width characters disappear, runs of spaces collapse
//! and the ends are trimmed. Headers are normalized the same way and then
//! lose every space, so "公民 身份号码" still names its column.

/// Normalizes one cell's text.
pub fn normalize_cell(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\u{202F}' | '\u{205F}' => ' ',
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => continue,
            '\t' | '\r' | '\n' => ' ',
            other => other,
        };
        if c == ' ' {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Normalizes a header cell: like [`normalize_cell`], without any spaces.
pub fn normalize_header(raw: &str) -> String {
    normalize_cell(raw).chars().filter(|c| *c != ' ').collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn full_width_and_odd_spaces_are_normalized() {
        assert_eq!(normalize_cell("  ２０１９－０７－０１ "), "2019-07-01");
        assert_eq!(normalize_cell("张\u{3000}\u{3000}三"), "张 三");
        assert_eq!(normalize_cell("\u{FEFF}李\u{200B}四\u{00A0}"), "李四");
        assert_eq!(normalize_cell("ＡＢｃ　１２"), "ABc 12");
        assert_eq!(normalize_cell("a \t\n b"), "a b");
        assert_eq!(normalize_cell(""), "");
        assert_eq!(normalize_header(" 公民　身份 号码 "), "公民身份号码");
        assert_eq!(normalize_header("\u{FEFF}姓名"), "姓名");
    }

    proptest! {
        #[test]
        fn normalization_is_idempotent_and_tidy(s in "\\PC{0,60}") {
            let once = normalize_cell(&s);
            prop_assert_eq!(normalize_cell(&once), once.clone());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' '));
            prop_assert!(!once.contains("  "));
            let odd = |c: char| ('\u{FF01}'..='\u{FF5E}').contains(&c) || c == '\u{3000}' || c == '\u{200B}';
            prop_assert!(!once.chars().any(odd), "left over: {:?}", once);
            let h = normalize_header(&s);
            prop_assert!(!h.contains(' '));
        }

        #[test]
        fn plain_text_is_unchanged(s in "[a-z0-9\\u{4e00}-\\u{4e50}]{1,20}( [a-z0-9\\u{4e00}-\\u{4e50}]{1,20}){0,3}") {
            prop_assert_eq!(normalize_cell(&s), s);
        }
    }
}
