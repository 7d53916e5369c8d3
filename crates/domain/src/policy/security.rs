//! The `[security]` table of the policy profile (等保 level 3): the password
//! policy, how long API tokens and browser sessions live, and how many
//! sessions one account may hold. The table and each of its fields are
//! optional; what is left out takes the default below, so profiles written
//! before the table existed still parse.

use crate::error::FieldError;
use serde::Serialize;
use std::collections::HashSet;
use std::sync::OnceLock;

/// The embedded list of common passwords (lower case, one a line).
pub const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// The security settings of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SecurityPolicy {
    /// Shortest password accepted, in characters.
    pub password_min_length: u32,
    /// A password of at least this many words separated by spaces (or
    /// this many Chinese characters) is a passphrase: accepted without
    /// mixing character classes.
    pub passphrase_min_words: u32,
    /// A new password may not repeat any of the last this many (0: no check).
    pub password_history: u32,
    /// A password older than this many days must be changed at the next
    /// login (0: passwords do not expire).
    pub password_max_age_days: u32,
    /// An API token stops working this many days after it was created.
    pub token_lifetime_days: u32,
    /// A browser session ends this many hours after the login, however
    /// active (the idle timeout applies as well).
    pub session_lifetime_hours: u32,
    /// Browser sessions one account may hold at once; a login beyond this
    /// ends the account's oldest session.
    pub max_sessions_per_user: u32,
}

impl SecurityPolicy {
    pub const DEFAULT: SecurityPolicy = SecurityPolicy {
        password_min_length: 12,
        passphrase_min_words: 4,
        password_history: 5,
        password_max_age_days: 0,
        token_lifetime_days: 90,
        session_lifetime_hours: 12,
        max_sessions_per_user: 3,
    };

    /// Checks a password someone chose for account `username` against the
    /// rules that need no stored data (the history is checked by the caller
    /// against the stored hashes). The error names `field`.
    pub fn check_password(
        &self,
        field: &'static str,
        username: &str,
        password: &str,
    ) -> Result<(), FieldError> {
        let n = password.chars().count();
        let min = self.password_min_length as usize;
        let words = self.passphrase_min_words;
        if n < min {
            return Err(FieldError::new(
                field,
                format!(
                    "密码至少需要{min}个字符（也可以使用由空格分隔的{words}个以上词语组成的短语）"
                ),
            ));
        }
        if n > 128 {
            return Err(FieldError::new(field, "密码不能超过128个字符"));
        }
        if password.trim() != password {
            return Err(FieldError::new(field, "密码首尾不能是空格"));
        }
        let lower = password.to_lowercase();
        let user = username.trim().to_lowercase();
        if user.chars().count() >= 3 && lower.contains(&user) {
            return Err(FieldError::new(field, "密码不能包含用户名"));
        }
        let squeezed: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
        if is_common(&squeezed) {
            return Err(FieldError::new(
                field,
                "该密码属于常见密码，容易被猜中，请换一个",
            ));
        }
        if password.chars().collect::<HashSet<_>>().len() < 5 {
            return Err(FieldError::new(field, "密码中不同的字符太少，容易被猜中"));
        }
        // Words separated by spaces, or Chinese characters (each one a word).
        let passphrase = password.split_whitespace().count() >= words as usize
            || password.chars().filter(|c| !c.is_ascii()).count() >= words as usize;
        if !passphrase && classes(password) < 2 {
            return Err(FieldError::new(
                field,
                format!(
                    "密码应至少包含字母、数字、符号中的两类，或使用由空格分隔的{words}个以上词语组成的短语"
                ),
            ));
        }
        Ok(())
    }
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How many of lower-case letters, upper-case letters, digits and other
/// characters (symbols, spaces, Chinese characters) the password uses.
fn classes(pw: &str) -> usize {
    let mut seen = [false; 4];
    for c in pw.chars() {
        let i = if c.is_ascii_lowercase() {
            0
        } else if c.is_ascii_uppercase() {
            1
        } else if c.is_ascii_digit() {
            2
        } else {
            3
        };
        seen[i] = true;
    }
    seen.iter().filter(|s| **s).count()
}

/// Is `lower` (lower case, spaces removed) on the embedded list?
pub fn is_common(lower: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
    .contains(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pw: &str) -> Result<(), String> {
        SecurityPolicy::DEFAULT
            .check_password("password", "zhangsan", pw)
            .map_err(|e| e.message)
    }

    #[test]
    fn accepts_long_mixed_passwords_and_passphrases() {
        assert_eq!(check("Hongqi-2026-Lu"), Ok(()));
        assert_eq!(check("red flag over jinggang"), Ok(()));
        assert_eq!(check("井冈山红旗飘扬永不褪色啊"), Ok(()));
    }

    #[test]
    fn refuses_short_common_repetitive_single_class_and_username_passwords() {
        assert!(check("abc123").unwrap_err().contains("至少需要12个字符"));
        assert!(check("password1234").unwrap_err().contains("常见密码"));
        assert!(check("Password 1234").unwrap_err().contains("常见密码"));
        assert!(check("1qaz2wsx3edc").unwrap_err().contains("常见密码"));
        assert!(check("zhangsan2026!!").unwrap_err().contains("用户名"));
        assert!(
            check("abababababab1")
                .unwrap_err()
                .contains("不同的字符太少")
        );
        assert!(check("hongqipiaopiao").unwrap_err().contains("两类"));
    }

    #[test]
    fn the_embedded_list_is_loaded() {
        assert!(is_common("123456"));
        assert!(is_common("woaini1314"));
        assert!(!is_common("hongqi-2026-lu"));
        assert!(COMMON_PASSWORDS.lines().count() > 2000);
    }

    #[test]
    fn a_profile_without_the_security_table_takes_the_defaults() {
        use crate::policy::{DEFAULT_PROFILE_TOML, Profile};
        let at = DEFAULT_PROFILE_TOML.find("[security]").unwrap();
        let old = Profile::parse(&DEFAULT_PROFILE_TOML[..at]).unwrap();
        assert_eq!(*old.security(), SecurityPolicy::DEFAULT);
        assert_eq!(
            *Profile::default_profile().security(),
            SecurityPolicy::DEFAULT
        );
        let partial = format!(
            "{}[security]\ntoken_lifetime_days = 30\n",
            &DEFAULT_PROFILE_TOML[..at]
        );
        let p = Profile::parse(&partial).unwrap();
        assert_eq!(p.security().token_lifetime_days, 30);
        assert_eq!(p.security().session_lifetime_hours, 12);
        assert!(p.same_rules_except_security(Profile::default_profile()));
    }

    #[test]
    fn weakening_values_and_unknown_fields_are_refused_with_their_lines() {
        use crate::policy::{DEFAULT_PROFILE_TOML, Profile};
        let text = DEFAULT_PROFILE_TOML
            .replace("password_min_length = 12", "password_min_length = 8")
            .replace("password_history = 5", "password_history = 2");
        let errs = Profile::parse(&text).unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs[0].message.contains("password_min_length"), "{errs:?}");
        assert!(errs[0].message.contains("12到64"), "{errs:?}");
        assert!(errs[1].message.contains("password_history"), "{errs:?}");
        let line = DEFAULT_PROFILE_TOML
            .lines()
            .position(|l| l.starts_with("password_min_length"))
            .unwrap()
            + 1;
        assert_eq!(errs[0].line, line);
        let unknown = DEFAULT_PROFILE_TOML.replace(
            "max_sessions_per_user = 3",
            "max_sessions_per_user = 3\nsession_forever = true",
        );
        assert!(Profile::parse(&unknown).is_err());
    }
}
