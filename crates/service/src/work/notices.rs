//! In-app notices (通知) to an organization's users: on assignment,
//! submission, return, acceptance, reminder (催办) and escalation. A notice
//! belongs to an organization; any of its users reading it marks it read for
//! all of them (and says who).

use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::{Services, audit};
use dangjian_domain::role::Permission;
use dangjian_store::Conn;
use dangjian_store::work as db;
use serde::Serialize;
use serde_json::json;

pub const PER_PAGE: i64 = 30;

/// Why a notice was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    Assigned,
    Submitted,
    Returned,
    Accepted,
    Reminder,
    Escalated,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 6] = [
        NoticeKind::Assigned,
        NoticeKind::Submitted,
        NoticeKind::Returned,
        NoticeKind::Accepted,
        NoticeKind::Reminder,
        NoticeKind::Escalated,
    ];

    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::Assigned => "assigned",
            NoticeKind::Submitted => "submitted",
            NoticeKind::Returned => "returned",
            NoticeKind::Accepted => "accepted",
            NoticeKind::Reminder => "reminder",
            NoticeKind::Escalated => "escalated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::Assigned => "新交办",
            NoticeKind::Submitted => "待验收",
            NoticeKind::Returned => "退回重办",
            NoticeKind::Accepted => "已验收",
            NoticeKind::Reminder => "催办",
            NoticeKind::Escalated => "升级督办",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Sends a notice to an organization's users inside the caller's
/// transaction; with an item, it links to the item's page.
pub async fn notify(
    conn: &mut Conn,
    org_id: i64,
    kind: NoticeKind,
    text: &str,
    item_id: Option<i64>,
    now: &str,
) -> ServiceResult<i64> {
    let link = item_id.map(|id| format!("/work/{id}")).unwrap_or_default();
    Ok(db::insert_notice(conn, org_id, kind.code(), text, &link, item_id, now).await?)
}

/// A notice as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeView {
    pub id: i64,
    pub kind: String,
    pub kind_label: &'static str,
    pub text: String,
    pub link: String,
    /// Display time (Beijing).
    pub at: String,
    pub read: bool,
    pub read_by: Option<String>,
}

/// A page of the user's organization's notices, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct NoticePage {
    pub rows: Vec<NoticeView>,
    pub total: i64,
    pub unread: i64,
    pub page: i64,
    pub pages: i64,
}

/// The notices of the user's organization, newest first.
pub async fn list(svc: &Services, actor: &Actor, page: i64) -> ServiceResult<NoticePage> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    let (total, unread) = db::count_notices(&mut conn, actor.org_id.0).await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let rows = db::notices(&mut conn, actor.org_id.0, PER_PAGE, (page - 1) * PER_PAGE).await?;
    Ok(NoticePage {
        rows: rows
            .into_iter()
            .map(|n| NoticeView {
                id: n.id,
                kind_label: NoticeKind::from_code(&n.kind).map_or("通知", NoticeKind::label),
                kind: n.kind,
                text: n.body,
                link: n.link,
                at: crate::clock::display_ts(&n.created_at),
                read: n.read_at.is_some(),
                read_by: n.read_by,
            })
            .collect(),
        total,
        unread,
        page,
        pages,
    })
}

/// Unread notices of the user's organization.
pub async fn unread(svc: &Services, actor: &Actor) -> ServiceResult<i64> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    Ok(db::count_notices(&mut conn, actor.org_id.0).await?.1)
}

/// Marks one notice (`Some(id)`) or all of the organization's unread
/// notices read; audited (`notice.read`) when anything changed. A notice
/// of another organization, or one already read, changes nothing (0).
pub async fn mark_read(svc: &Services, actor: &Actor, id: Option<i64>) -> ServiceResult<u64> {
    actor.require(Permission::ReadBusiness)?;
    if id.is_some_and(|i| i <= 0) {
        return Err(ServiceError::NotFound);
    }
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let n = db::mark_read(tx.conn(), actor.org_id.0, id, &actor.username, &now).await?;
    if n > 0 {
        audit::by(
            tx.conn(),
            svc,
            actor,
            "notice.read",
            &id.map_or_else(|| "notice:all".to_owned(), |i| format!("notice:{i}")),
            actor.org_path.as_str(),
            &json!({"after": {"read": n}}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n)
}
