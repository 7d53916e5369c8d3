//! Errors of a refused policy profile: where (1-based line and column of the
//! TOML text) and why, in Chinese. The messages of the `toml` parser and of
//! serde are translated here; the semantic checks write theirs directly.

use serde::Serialize;
use std::fmt;
use std::ops::Range;

/// One reason a profile was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileError {
    /// 1-based line; 0 when the error concerns the whole file.
    pub line: usize,
    /// 1-based column in characters (not bytes); 0 with `line` 0.
    pub column: usize,
    /// What is wrong, in Chinese.
    pub message: String,
}

impl ProfileError {
    /// An error at byte offset `span.start` of `source`.
    pub(crate) fn at(source: &str, span: &Range<usize>, message: impl Into<String>) -> Self {
        let (line, column) = position(source, span.start);
        Self {
            line,
            column,
            message: message.into(),
        }
    }

    /// Translates an error of `toml::from_str`.
    pub(crate) fn from_toml(source: &str, err: &toml::de::Error) -> Self {
        let message = translate(err.message());
        match err.span() {
            Some(span) => Self::at(source, &span, message),
            None => Self {
                line: 0,
                column: 0,
                message,
            },
        }
    }
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "第{}行第{}列：{}", self.line, self.column, self.message)
        }
    }
}

impl std::error::Error for ProfileError {}

/// 1-based line and character column of byte `offset` in `source`.
fn position(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = source[line_start..offset].chars().count() + 1;
    (line, column)
}

/// The Chinese for a message of the `toml` parser or of serde's derived
/// deserializers. Unknown messages keep the original text in parentheses, so
/// that nothing the parser said is lost.
fn translate(msg: &str) -> String {
    if let Some(field) = between(msg, "missing field `", "`") {
        return format!("缺少字段“{field}”");
    }
    if let Some(field) = between(msg, "duplicate field `", "`") {
        return format!("字段“{field}”重复出现");
    }
    if let Some(field) = between(msg, "unknown field `", "`") {
        let allowed = backticked(msg.split_once(", expected").map_or("", |(_, rest)| rest));
        return if allowed.is_empty() {
            format!("未知的字段“{field}”")
        } else {
            format!("未知的字段“{field}”，可用的字段：{}", allowed.join("、"))
        };
    }
    for (prefix, what) in [
        ("invalid type: ", "类型不对"),
        ("invalid value: ", "取值无效"),
    ] {
        if let Some(rest) = msg.strip_prefix(prefix)
            && let Some((found, expected)) = rest.rsplit_once(", expected ")
        {
            return format!(
                "{what}：这里应为{}，实际是{}",
                expected_zh(expected),
                found_zh(found)
            );
        }
    }
    let (head, expected) = msg
        .split_once(", expected ")
        .map_or((msg, None), |(h, e)| (h, Some(e)));
    let text = match head {
        "duplicate key" => "键重复定义（同一个表里不能出现两次）",
        "invalid basic string" | "invalid literal string" => "字符串没有结束：缺少配对的引号",
        "string values must be quoted" => "字符串要用英文双引号括起来",
        "unclosed array" => "数组缺少结尾的“]”",
        "unclosed table" | "unclosed array table" => "表头缺少结尾的“]”",
        "unclosed inline table" => "内联表缺少结尾的“}”",
        "key with no value" => "键后面缺少“=”和值",
        "missing value" | "missing value for key" => "“=”后面缺少值",
        "unquoted keys cannot be empty" => "缺少键名",
        "missing comma between array elements" => "数组元素之间缺少逗号",
        "missing comma between key-value pairs" => "内联表的键值对之间缺少逗号",
        "extra comma in inline table" => "内联表末尾多了一个逗号",
        "invalid unquoted key" => "键名只能包含英文字母、数字、“-”和“_”，否则要加引号",
        "unexpected content" | "unexpected key or value" => "这里有多余的内容",
        "invalid value" => "无法识别的值",
        "unexpected leading zero" => "数字不能以0开头",
        "carriage return must be followed by newline" => "回车符后面必须跟换行符",
        _ => {
            return match expected {
                Some(e) => format!("TOML 格式错误（{head}，应为 {e}）"),
                None => format!("TOML 格式错误（{head}）"),
            };
        }
    };
    text.to_owned()
}

/// The text between the first `open` and the next `close`.
fn between<'a>(msg: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let rest = &msg[msg.find(open)? + open.len()..];
    Some(&rest[..rest.find(close)?])
}

/// Every `…`-quoted word of `text`.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

fn expected_zh(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "不小于0的整数".to_owned(),
        "i8" | "i16" | "i32" | "i64" => "整数".to_owned(),
        "a string" => "带引号的字符串".to_owned(),
        "a boolean" => "true 或 false".to_owned(),
        "a sequence" => "数组（[…]）".to_owned(),
        e if e.starts_with("struct ") || e == "a map" => "表（[…] 小节或 {…}）".to_owned(),
        e => e.to_owned(),
    }
}

fn found_zh(found: &str) -> String {
    let (kind, value) = found.split_once(' ').unwrap_or((found, ""));
    let (kind, value) = if let Some(v) = found.strip_prefix("floating point ") {
        ("小数", v)
    } else {
        let k = match kind {
            "string" => "字符串",
            "integer" => "整数",
            "boolean" => "布尔值",
            "map" => "表",
            "sequence" => "数组",
            "unit" => "空值",
            other => other,
        };
        (k, value)
    };
    let value = value.trim_matches('`');
    if value.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind} {value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let src = "a = 1\n名称 = \"x\"\n";
        assert_eq!(position(src, 0), (1, 1));
        assert_eq!(position(src, 6), (2, 1));
        let off = src.find('=').unwrap();
        assert_eq!(position(src, off), (1, 3));
        let off2 = src.rfind('=').unwrap();
        assert_eq!(position(src, off2), (2, 4));
        assert_eq!(position(src, src.len() + 10), (3, 1));
    }

    #[test]
    fn messages_are_translated() {
        assert_eq!(translate("missing field `at_least`"), "缺少字段“at_least”");
        assert_eq!(
            translate("unknown field `bogus`, expected one of `code`, `label`"),
            "未知的字段“bogus”，可用的字段：code、label"
        );
        assert_eq!(
            translate("unknown field `x`, expected `a` or `b`"),
            "未知的字段“x”，可用的字段：a、b"
        );
        assert_eq!(
            translate("invalid value: integer `-1`, expected u32"),
            "取值无效：这里应为不小于0的整数，实际是整数 -1"
        );
        assert_eq!(
            translate("invalid type: string \"1\", expected u32"),
            "类型不对：这里应为不小于0的整数，实际是字符串 \"1\""
        );
        assert_eq!(
            translate("invalid type: floating point `1.5`, expected u32"),
            "类型不对：这里应为不小于0的整数，实际是小数 1.5"
        );
        assert_eq!(
            translate("invalid type: map, expected a sequence"),
            "类型不对：这里应为数组（[…]），实际是表"
        );
        assert_eq!(
            translate("unclosed array, expected `]`"),
            "数组缺少结尾的“]”"
        );
        assert_eq!(translate("something new"), "TOML 格式错误（something new）");
    }
}
