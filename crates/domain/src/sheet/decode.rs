//! CSV bytes → text. Chinese Excel saves CSV in GBK (GB18030 is its
//! superset); other tools write UTF-8 with or without a BOM, a few UTF-16.
//! The order: UTF-8 BOM, UTF-16 BOMs, valid UTF-8, else GB18030. Bytes that
//! none of these decode give a Chinese message. Pure and total (a fuzz
//! target calls [`decode_text`]).

use std::borrow::Cow;

/// Which encoding the bytes were read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Gb18030,
}

/// Decodes a text file's bytes.
pub fn decode_text(bytes: &[u8]) -> Result<(Cow<'_, str>, TextEncoding), String> {
    const UNREADABLE: &str =
        "无法识别文件的文字编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 文件";
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (Cow::Borrowed(s), TextEncoding::Utf8Bom))
            .map_err(|_| UNREADABLE.to_owned());
    }
    for (bom, enc, tag) in [
        (
            &b"\xFF\xFE"[..],
            encoding_rs::UTF_16LE,
            TextEncoding::Utf16Le,
        ),
        (
            &b"\xFE\xFF"[..],
            encoding_rs::UTF_16BE,
            TextEncoding::Utf16Be,
        ),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = enc.decode_without_bom_handling(rest);
            if had_errors {
                return Err(UNREADABLE.to_owned());
            }
            return Ok((Cow::Owned(text.into_owned()), tag));
        }
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(s), TextEncoding::Utf8));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(UNREADABLE.to_owned());
    }
    Ok((Cow::Owned(text.into_owned()), TextEncoding::Gb18030))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEXT: &str = "姓名,公民身份号码\n张三,11010519491231002X\n";

    #[test]
    fn every_encoding_clerks_use_is_read() {
        let (t, e) = decode_text(TEXT.as_bytes()).unwrap();
        assert_eq!((t.as_ref(), e), (TEXT, TextEncoding::Utf8));
        let bom = [b"\xEF\xBB\xBF".as_slice(), TEXT.as_bytes()].concat();
        let (t, e) = decode_text(&bom).unwrap();
        assert_eq!((t.as_ref(), e), (TEXT, TextEncoding::Utf8Bom));
        let (gbk, _, _) = encoding_rs::GBK.encode(TEXT);
        let (t, e) = decode_text(&gbk).unwrap();
        assert_eq!((t.as_ref(), e), (TEXT, TextEncoding::Gb18030));
        let mut le = vec![0xFF, 0xFE];
        for u in TEXT.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        let (t, e) = decode_text(&le).unwrap();
        assert_eq!((t.as_ref(), e), (TEXT, TextEncoding::Utf16Le));
        let mut be = vec![0xFE, 0xFF];
        for u in TEXT.encode_utf16() {
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(decode_text(&be).unwrap().0, TEXT);
    }

    #[test]
    fn undecodable_bytes_get_a_message() {
        let err = decode_text(b"\xEF\xBB\xBF\xFF\xFF").unwrap_err();
        assert!(err.contains("文字编码"));
        assert!(decode_text(b"\x81\x20\xFF").is_err());
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode_text(&b);
        }
    }
}
