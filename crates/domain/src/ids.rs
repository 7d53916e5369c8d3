//! Typed identifiers, so that an organization id is never passed where a
//! member id is expected. Every id is a positive database key; the edge
//! parses it once (`"12"` from a path, a query or a form) with
//! [`TypedId::parse`] or [`std::str::FromStr`], and the store binds it with
//! [`TypedId::get`].

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::str::FromStr;

/// What every typed id can do: be built from a stored key, give it back,
/// and be parsed from user input.
pub trait TypedId: Copy + Eq + fmt::Display + FromStr<Err = BadId> {
    /// What the id names, in Chinese, for messages (`组织`, `党员`, …).
    const NOUN: &'static str;
    /// Wraps a key read from the database.
    fn from_db(key: i64) -> Self;
    /// The key to bind in a query.
    fn get(self) -> i64;
    /// Parses user input: a positive decimal integer, spaces around allowed.
    fn parse(raw: &str) -> Result<Self, BadId> {
        raw.parse()
    }
}

/// User input that is not an id: empty, not a number, zero or negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("编号无效")]
pub struct BadId;

/// Parses a positive decimal key.
fn parse_key(raw: &str) -> Result<i64, BadId> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|k| *k > 0)
        .ok_or(BadId)
}

macro_rules! id_type {
    ($name:ident, $noun:literal, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl TypedId for $name {
            const NOUN: &'static str = $noun;
            fn from_db(key: i64) -> Self {
                Self(key)
            }
            fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = BadId;
            fn from_str(raw: &str) -> Result<Self, BadId> {
                parse_key(raw).map(Self)
            }
        }

        /// Accepts a number (JSON) or a decimal string (paths, queries,
        /// forms); refuses zero, negatives and anything else.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(KeyVisitor).map(Self)
            }
        }
    };
}

struct KeyVisitor;

impl serde::de::Visitor<'_> for KeyVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a positive id")
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
        if v > 0 {
            Ok(v)
        } else {
            Err(E::custom("编号无效"))
        }
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v)
            .map_err(|_| E::custom("编号无效"))
            .and_then(|v| self.visit_i64(v))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<i64, E> {
        parse_key(v).map_err(|_| E::custom("编号无效"))
    }
}

id_type!(OrgId, "组织", "A Party organization (党组织).");
id_type!(MemberId, "党员", "A Party member (党员).");
id_type!(UserId, "账号", "A login account.");
id_type!(
    RecordId,
    "组织生活记录",
    "A record of organizational life (组织生活记录)."
);
id_type!(
    AttachmentId,
    "附件",
    "An attached file (附件) of a record or a work item."
);
id_type!(WorkItemId, "督办事项", "A work item (督办/整改事项).");
id_type!(
    TaskId,
    "督办任务",
    "A supervised task (督办任务) sent to many units."
);
id_type!(NoticeId, "通知", "A notice (通知) sent to a user.");
id_type!(LedgerId, "整改台账", "A rectification ledger (整改台账).");
id_type!(ScreeningId, "排查", "A yearly screening (软弱涣散排查).");
id_type!(TokenId, "访问令牌", "An API access token (访问令牌).");

/// Deserializes an optional id from a query or a form where an empty value
/// means "none": `?org=` and a missing `org` are both `None`, `?org=12` is
/// `Some`, and `?org=x` is an error naming the field.
///
/// ```ignore
/// #[derive(Deserialize)]
/// struct Q { #[serde(default, deserialize_with = "blank_as_none")] org: Option<OrgId> }
/// ```
pub fn blank_as_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TypedId,
{
    let raw: Option<String> = Option::deserialize(d)?;
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<T>()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{}编号无效", T::NOUN))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_positive_keys_only() {
        assert_eq!(OrgId::parse(" 12 "), Ok(OrgId(12)));
        for bad in ["", "0", "-3", "x", "1.5", "99999999999999999999"] {
            assert_eq!(OrgId::parse(bad), Err(BadId), "{bad:?}");
        }
    }

    #[test]
    fn deserializes_numbers_and_strings() {
        let n: MemberId = serde_json::from_str("7").unwrap();
        let s: MemberId = serde_json::from_str("\"7\"").unwrap();
        assert_eq!((n, s), (MemberId(7), MemberId(7)));
        assert!(serde_json::from_str::<MemberId>("0").is_err());
        assert!(serde_json::from_str::<MemberId>("\"abc\"").is_err());
        assert_eq!(serde_json::to_string(&RecordId(3)).unwrap(), "3");
    }

    #[derive(Deserialize)]
    struct Q {
        #[serde(default, deserialize_with = "blank_as_none")]
        org: Option<OrgId>,
    }

    #[test]
    fn blank_query_values_are_none() {
        let q: Q = serde_json::from_str(r#"{"org":""}"#).unwrap();
        assert_eq!(q.org, None);
        let q: Q = serde_json::from_str("{}").unwrap();
        assert_eq!(q.org, None);
        let q: Q = serde_json::from_str(r#"{"org":"5"}"#).unwrap();
        assert_eq!(q.org, Some(OrgId(5)));
        let e = serde_json::from_str::<Q>(r#"{"org":"z"}"#).err().unwrap();
        assert!(e.to_string().contains("组织编号无效"), "{e}");
    }
}
