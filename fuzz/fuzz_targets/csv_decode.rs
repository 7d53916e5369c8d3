//! Uploaded CSV bytes in any encoding: decoding (BOM, UTF-8, UTF-16, GBK)
//! never panics, and text that decodes, written again as UTF-8, decodes to
//! the same text (up to a leading U+FEFF, which as UTF-8 bytes is a BOM;
//! header matching drops zero-width characters anyway).
#![no_main]

use dangjian_domain::sheet::decode::decode_text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((text, _)) = decode_text(data) {
        let again = decode_text(text.as_bytes()).expect("UTF-8 text decodes");
        let bare = |s: &str| s.trim_start_matches('\u{feff}').to_owned();
        assert_eq!(bare(&again.0), bare(&text));
    }
});
