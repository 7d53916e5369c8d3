//! The validation error every parser in this crate returns: the field it is
//! about (the form field name) and a message in Chinese for the user.

use std::fmt;

/// A rejected input value: which field, and why (in Chinese).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}：{}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// Validates a free-text field: trimmed, non-empty when `required`, at most
/// `max` characters, and free of control characters.
pub fn text_field(
    field: &'static str,
    label: &str,
    raw: &str,
    required: bool,
    max: usize,
) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        if required {
            return Err(FieldError::new(field, format!("请填写{label}")));
        }
        return Ok(String::new());
    }
    if value.chars().count() > max {
        return Err(FieldError::new(field, format!("{label}不能超过{max}个字")));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            format!("{label}含有不可见的控制字符"),
        ));
    }
    Ok(value.to_owned())
}

/// Parses a calendar date written as `YYYY-MM-DD`.
pub fn date_field(
    field: &'static str,
    label: &str,
    raw: &str,
) -> Result<jiff::civil::Date, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, format!("请填写{label}")));
    }
    value
        .parse::<jiff::civil::Date>()
        .map_err(|_| FieldError::new(field, format!("{label}格式应为 2024-07-01 这样的日期")))
}

/// Like [`date_field`], but an empty value is `None`.
pub fn optional_date_field(
    field: &'static str,
    label: &str,
    raw: &str,
) -> Result<Option<jiff::civil::Date>, FieldError> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        date_field(field, label, raw).map(Some)
    }
}
