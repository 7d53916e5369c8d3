//! Constraint violations as typed conflicts with a Chinese message.
//!
//! Every `sqlx::Error` that reaches [`crate::DbError`] is classified here,
//! whichever path it took (`?`, `map_err`, a commit): a unique, foreign-key
//! or check violation becomes [`Conflict`], so that two writers racing past
//! a service's pre-check (two servers on one PostgreSQL database, an
//! external tool) get "刷新后重试", never a server error. The engines name
//! the constraint differently — PostgreSQL by constraint and table
//! (`users_username_key` on `users`), SQLite in the message
//! (`UNIQUE constraint failed: users.username`) — and both are reduced to
//! a table and a subject text that the messages below are matched against.

use sqlx::error::{DatabaseError, ErrorKind};

/// Which kind of constraint refused the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// A unique index or primary key: the row exists already.
    Unique,
    /// A foreign key: the referenced row is gone, or the row is still
    /// referenced.
    ForeignKey,
    /// A check constraint.
    Check,
}

impl ConflictKind {
    /// A stable code for logs and API clients.
    pub fn code(self) -> &'static str {
        match self {
            ConflictKind::Unique => "unique",
            ConflictKind::ForeignKey => "foreign_key",
            ConflictKind::Check => "check",
        }
    }
}

/// A write refused by a constraint. `Display` is the Chinese message for
/// the user; `table` and `constraint` are for logs and for services that
/// name a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Conflict {
    pub kind: ConflictKind,
    /// The table the engine named (empty when it named none: SQLite's
    /// foreign keys).
    pub table: String,
    /// The constraint as the engine named it: PostgreSQL's constraint name,
    /// SQLite's column list (`users.username`), or empty.
    pub constraint: String,
    /// What the user is told, in Chinese.
    pub message: String,
}

impl Conflict {
    /// Whether this is a unique conflict on `table` whose constraint
    /// mentions `column` (PostgreSQL `users_username_key`, SQLite
    /// `users.username`).
    pub fn is_unique_on(&self, table: &str, column: &str) -> bool {
        self.kind == ConflictKind::Unique && self.table == table && self.constraint.contains(column)
    }

    /// Classifies a database error; `None` when no constraint of the three
    /// kinds refused it.
    pub fn classify(db: &dyn DatabaseError) -> Option<Self> {
        let kind = match db.kind() {
            ErrorKind::UniqueViolation => ConflictKind::Unique,
            ErrorKind::ForeignKeyViolation => ConflictKind::ForeignKey,
            ErrorKind::CheckViolation => ConflictKind::Check,
            _ => return None,
        };
        let text = db.message();
        let (table, constraint) = match (db.table(), db.constraint()) {
            // PostgreSQL names both.
            (Some(t), c) => (t.to_owned(), c.unwrap_or_default().to_owned()),
            (None, Some(c)) => (String::new(), c.to_owned()),
            // SQLite: "UNIQUE constraint failed: org_facts.org_id, org_facts.year".
            (None, None) => {
                let subject = text
                    .split_once("failed: ")
                    .map_or("", |(_, s)| s.trim())
                    .to_owned();
                let table = subject.split_once('.').map_or("", |(t, _)| t).to_owned();
                (table, subject)
            }
        };
        let message = match kind {
            ConflictKind::Unique => unique_message(&table, &constraint),
            ConflictKind::ForeignKey => foreign_key_message(text),
            ConflictKind::Check => "填写的数据不符合取值要求，请检查后重试",
        };
        Some(Conflict {
            kind,
            table,
            constraint,
            message: message.to_owned(),
        })
    }
}

/// `(table, column mentioned by the constraint or "" for any, message)`.
const UNIQUE: [(&str, &str, &str); 12] = [
    ("users", "username", "该用户名已被使用"),
    // Neutral on purpose: where the number is registered is not the
    // user's to learn (see the service's duplicate-number guard).
    (
        "members",
        "id_card",
        "该公民身份号码无法登记（可能刚被同时提交），请刷新后核实；如有疑问请联系县委组织部",
    ),
    ("orgs", "path", "组织结构刚被他人同时修改，请刷新后重试"),
    ("api_tokens", "token_hash", "令牌生成冲突，请重试"),
    (
        "policy_profiles",
        "version",
        "政策配置刚被他人同时更新，请刷新后重试",
    ),
    (
        "policy_profiles",
        "active",
        "政策配置刚被他人同时更新，请刷新后重试",
    ),
    (
        "org_facts",
        "year",
        "该组织该年度的村情数据已存在，请刷新后重试",
    ),
    (
        "screenings",
        "year",
        "该组织该年度的软弱涣散排查已存在，请刷新后查看",
    ),
    (
        "rectify_ledgers",
        "year",
        "该组织该年度的整顿台账已存在，请刷新后查看",
    ),
    ("record_attendance", "", "该党员已在本次活动的签到名单中"),
    ("screening_entries", "", "该组织已在本次排查名单中"),
    ("work_escalations", "", "该事项的这一级督办已经发出"),
];

fn unique_message(table: &str, constraint: &str) -> &'static str {
    UNIQUE
        .iter()
        .find(|(t, column, _)| *t == table && constraint.contains(column))
        .map_or(
            "该记录已存在（可能刚被他人同时提交），请刷新后重试",
            |(_, _, m)| m,
        )
}

fn foreign_key_message(text: &str) -> &'static str {
    // PostgreSQL says which side: "update or delete on table … violates
    // foreign key constraint … on table …" when the row is still
    // referenced, "insert or update on table …" when the referenced row
    // is missing. SQLite says only "FOREIGN KEY constraint failed".
    if text.starts_with("update or delete on table") {
        "该数据仍被其他数据引用，不能删除或修改，请刷新后重试"
    } else if text.starts_with("insert or update on table") {
        "所关联的数据不存在或已被删除，请刷新后重试"
    } else {
        "所关联的数据不存在或已被删除，或该数据仍被其他数据引用，请刷新后重试"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_messages_match_both_engines_names() {
        // PostgreSQL constraint names and SQLite column lists.
        assert_eq!(unique_message("users", "users_username_key"), UNIQUE[0].2);
        assert_eq!(unique_message("users", "users.username"), UNIQUE[0].2);
        assert_eq!(
            unique_message("members", "members_id_card_hmac_key"),
            UNIQUE[1].2
        );
        assert_eq!(
            unique_message("org_facts", "org_facts.org_id, org_facts.year"),
            UNIQUE[6].2
        );
        assert_eq!(
            unique_message("record_attendance", "record_attendance_pkey"),
            UNIQUE[9].2
        );
        // A primary key of a table with a named unique column: generic.
        assert!(unique_message("members", "members.id").contains("刷新后重试"));
        assert!(unique_message("audit_log", "audit_log_pkey").contains("刷新后重试"));
    }

    #[test]
    fn foreign_key_messages_tell_the_side_when_the_engine_does() {
        assert!(
            foreign_key_message(
                "update or delete on table \"orgs\" violates foreign key constraint \"members_org_id_fkey\" on table \"members\""
            )
            .contains("仍被其他数据引用")
        );
        assert!(
            foreign_key_message(
                "insert or update on table \"members\" violates foreign key constraint \"members_org_id_fkey\""
            )
            .contains("不存在或已被删除")
        );
        assert!(foreign_key_message("FOREIGN KEY constraint failed").contains("刷新后重试"));
    }
}
