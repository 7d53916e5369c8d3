//! The optional `[security]` table: every field optional, each checked
//! against its range with its line.

use super::Checker;
use crate::policy::security::SecurityPolicy;
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSecurity {
    password_min_length: Option<Spanned<i64>>,
    passphrase_min_words: Option<Spanned<i64>>,
    password_history: Option<Spanned<i64>>,
    password_max_age_days: Option<Spanned<i64>>,
    token_lifetime_days: Option<Spanned<i64>>,
    session_lifetime_hours: Option<Spanned<i64>>,
    max_sessions_per_user: Option<Spanned<i64>>,
}

impl Checker<'_> {
    fn opt_within(
        &mut self,
        raw: Option<&Spanned<i64>>,
        default: u32,
        what: &str,
        min: i64,
        max: i64,
    ) -> u32 {
        raw.map_or(default, |v| self.within(v, what, min, max))
    }

    pub(super) fn security(&mut self, raw: Option<&RawSecurity>) -> SecurityPolicy {
        let d = SecurityPolicy::DEFAULT;
        let Some(r) = raw else { return d };
        SecurityPolicy {
            password_min_length: self.opt_within(
                r.password_min_length.as_ref(),
                d.password_min_length,
                "password_min_length（密码最短长度）",
                12,
                64,
            ),
            passphrase_min_words: self.opt_within(
                r.passphrase_min_words.as_ref(),
                d.passphrase_min_words,
                "passphrase_min_words（密码短语最少词数）",
                3,
                10,
            ),
            password_history: self.opt_within(
                r.password_history.as_ref(),
                d.password_history,
                "password_history（不得重复使用的最近密码个数）",
                5,
                24,
            ),
            password_max_age_days: self.opt_within(
                r.password_max_age_days.as_ref(),
                d.password_max_age_days,
                "password_max_age_days（密码有效天数，0为不过期）",
                0,
                3650,
            ),
            token_lifetime_days: self.opt_within(
                r.token_lifetime_days.as_ref(),
                d.token_lifetime_days,
                "token_lifetime_days（接口令牌有效天数）",
                1,
                365,
            ),
            session_lifetime_hours: self.opt_within(
                r.session_lifetime_hours.as_ref(),
                d.session_lifetime_hours,
                "session_lifetime_hours（登录会话最长小时数）",
                1,
                24,
            ),
            max_sessions_per_user: self.opt_within(
                r.max_sessions_per_user.as_ref(),
                d.max_sessions_per_user,
                "max_sessions_per_user（每个账号同时在线的会话数）",
                1,
                20,
            ),
        }
    }
}
