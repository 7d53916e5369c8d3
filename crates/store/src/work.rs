//! Work items (督办/整改事项) and their timeline (the notes' attachments
//! are in `attachments`), supervised tasks (督办任务), announced escalation
//! steps and the in-app notices (通知). No checks here: the service
//! validates, authorizes and decides every state change with
//! `domain::work::transition`.

use crate::{DbError, DbResult, dynamic};
use sqlx::AnyConnection;
use std::fmt::Write;

/// One work item with the names of its two organizations.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct WorkItemRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub detail: String,
    pub owner_org_id: i64,
    pub owner_path: String,
    pub owner_name: String,
    pub assignee_org_id: i64,
    pub assignee_path: String,
    pub assignee_name: String,
    pub deadline: String,
    pub state: String,
    pub submitted_on: Option<String>,
    pub reported_at: Option<String>,
    pub source: Option<String>,
    pub task_id: Option<i64>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

const ITEM_COLS: &str = "i.id, i.kind, i.title, i.detail, i.owner_org_id, i.owner_path, \
    o.name AS owner_name, i.assignee_org_id, i.assignee_path, a.name AS assignee_name, i.deadline, \
    i.state, i.submitted_on, i.reported_at, i.source, i.task_id, i.created_by, i.created_at, i.updated_at";

const ITEM_FROM: &str =
    "work_items i JOIN orgs o ON o.id = i.owner_org_id JOIN orgs a ON a.id = i.assignee_org_id";

/// A new item, validated by the service.
#[derive(Debug, Clone)]
pub struct NewItemRow<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub detail: &'a str,
    pub owner_org_id: i64,
    pub owner_path: &'a str,
    pub assignee_org_id: i64,
    pub assignee_path: &'a str,
    pub deadline: &'a str,
    pub source: Option<&'a str>,
    pub task_id: Option<i64>,
}

pub async fn insert_item(
    conn: &mut AnyConnection,
    it: &NewItemRow<'_>,
    by: &str,
    now: &str,
) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO work_items (kind, title, detail, owner_org_id, owner_path, assignee_org_id, assignee_path, \
         deadline, state, source, task_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'assigned', $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(it.kind)
    .bind(it.title)
    .bind(it.detail)
    .bind(it.owner_org_id)
    .bind(it.owner_path)
    .bind(it.assignee_org_id)
    .bind(it.assignee_path)
    .bind(it.deadline)
    .bind(it.source)
    .bind(it.task_id)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)
}

pub async fn get_item(conn: &mut AnyConnection, id: i64) -> DbResult<WorkItemRow> {
    sqlx::query_as::<_, WorkItemRow>(dynamic(format!(
        "SELECT {ITEM_COLS} FROM {ITEM_FROM} WHERE i.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(DbError::NotFound)
}

/// Items belonging to a source (e.g. `ledger:12`), by deadline.
pub async fn by_source(conn: &mut AnyConnection, source: &str) -> DbResult<Vec<WorkItemRow>> {
    Ok(sqlx::query_as::<_, WorkItemRow>(dynamic(format!(
        "SELECT {ITEM_COLS} FROM {ITEM_FROM} WHERE i.source = $1 ORDER BY i.deadline, i.id"
    )))
    .bind(source)
    .fetch_all(&mut *conn)
    .await?)
}

/// The items of a task, by assignee path (the tree's order).
pub async fn items_of_task(conn: &mut AnyConnection, task_id: i64) -> DbResult<Vec<WorkItemRow>> {
    Ok(sqlx::query_as::<_, WorkItemRow>(dynamic(format!(
        "SELECT {ITEM_COLS} FROM {ITEM_FROM} WHERE i.task_id = $1 ORDER BY i.assignee_path, i.id"
    )))
    .bind(task_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Writes an item's new state. `submitted_on` and `reported_at` are
/// changed only when given.
pub async fn set_state(
    conn: &mut AnyConnection,
    id: i64,
    state: &str,
    submitted_on: Option<&str>,
    reported_at: Option<&str>,
    now: &str,
) -> DbResult<()> {
    sqlx::query(
        "UPDATE work_items SET state = $1, submitted_on = COALESCE($2, submitted_on), \
         reported_at = COALESCE($3, reported_at), updated_at = $4 WHERE id = $5",
    )
    .bind(state)
    .bind(submitted_on)
    .bind(reported_at)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(())
}

/// Which of the user's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemTab {
    /// Items assigned to the organization (待办).
    Assignee(i64),
    /// Items the organization dispatched (我交办的).
    Owner(i64),
    /// Open items escalated to the organization (上级督办).
    Escalated(i64),
}

/// Filters of the item list; every value is bound.
#[derive(Debug, Clone)]
pub struct ItemFilter {
    pub tab: ItemTab,
    pub state: Option<String>,
    /// Only open items whose deadline is before this day (overdue today).
    pub overdue_before: Option<String>,
}

impl ItemFilter {
    fn where_clause(&self) -> (String, Vec<String>, i64) {
        let (mut sql, org) = match self.tab {
            ItemTab::Assignee(o) => ("i.assignee_org_id = $1".to_owned(), o),
            ItemTab::Owner(o) => ("i.owner_org_id = $1".to_owned(), o),
            ItemTab::Escalated(o) => (
                "i.state IN ('assigned', 'in_progress') AND EXISTS (SELECT 1 FROM work_escalations e \
                 WHERE e.item_id = i.id AND e.org_id = $1)"
                    .to_owned(),
                o,
            ),
        };
        let mut binds = Vec::new();
        if let Some(s) = &self.state {
            binds.push(s.clone());
            let _ = write!(sql, " AND i.state = ${}", binds.len() + 1);
        }
        if let Some(d) = &self.overdue_before {
            binds.push(d.clone());
            let _ = write!(
                sql,
                " AND i.state IN ('assigned', 'in_progress') AND i.deadline < ${}",
                binds.len() + 1
            );
        }
        (sql, binds, org)
    }
}

/// A page of items: open ones first, then by deadline.
pub async fn list_items(
    conn: &mut AnyConnection,
    filter: &ItemFilter,
    limit: i64,
    offset: i64,
) -> DbResult<Vec<WorkItemRow>> {
    let (cond, binds, org) = filter.where_clause();
    let n = binds.len() + 1;
    let sql = format!(
        "SELECT {ITEM_COLS} FROM {ITEM_FROM} WHERE {cond} \
         ORDER BY CASE i.state WHEN 'accepted' THEN 1 ELSE 0 END, i.deadline, i.id LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query_as::<_, WorkItemRow>(dynamic(sql)).bind(org);
    for b in binds {
        q = q.bind(b);
    }
    Ok(q.bind(limit).bind(offset).fetch_all(&mut *conn).await?)
}

pub async fn count_items(conn: &mut AnyConnection, filter: &ItemFilter) -> DbResult<i64> {
    let (cond, binds, org) = filter.where_clause();
    let sql = format!("SELECT COUNT(*) FROM work_items i WHERE {cond}");
    let mut q = sqlx::query_scalar::<_, i64>(dynamic(sql)).bind(org);
    for b in binds {
        q = q.bind(b);
    }
    Ok(q.fetch_one(&mut *conn).await?)
}

/// What the escalation sweep needs of an open overdue item.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OverdueRow {
    pub id: i64,
    pub title: String,
    pub assignee_path: String,
    pub assignee_name: String,
    pub deadline: String,
    pub state: String,
}

/// Open items whose deadline is before `day`, optionally only those whose
/// assignee lies in a subtree (`[path, upper)`).
pub async fn open_overdue(
    conn: &mut AnyConnection,
    day: &str,
    scope: Option<(&str, &str)>,
) -> DbResult<Vec<OverdueRow>> {
    let (path, upper) = scope.unwrap_or(("", "\u{10ffff}"));
    Ok(sqlx::query_as::<_, OverdueRow>(
        "SELECT i.id, i.title, i.assignee_path, a.name AS assignee_name, i.deadline, i.state \
         FROM work_items i JOIN orgs a ON a.id = i.assignee_org_id \
         WHERE i.state IN ('assigned', 'in_progress') AND i.deadline < $1 \
         AND i.assignee_path >= $2 AND i.assignee_path < $3 ORDER BY i.id",
    )
    .bind(day)
    .bind(path)
    .bind(upper)
    .fetch_all(&mut *conn)
    .await?)
}

/// Records that an item's escalation step reached `org_id`; false when the
/// step was already recorded (nothing written).
pub async fn insert_escalation(
    conn: &mut AnyConnection,
    item_id: i64,
    level: i64,
    org_id: i64,
    now: &str,
) -> DbResult<bool> {
    let done = sqlx::query(
        "INSERT INTO work_escalations (item_id, level, org_id, at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (item_id, level) DO NOTHING",
    )
    .bind(item_id)
    .bind(level)
    .bind(org_id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(done.rows_affected() > 0)
}

/// The organizations an item has escalated to, as (level, org id).
pub async fn escalations_of(conn: &mut AnyConnection, item_id: i64) -> DbResult<Vec<(i64, i64)>> {
    Ok(sqlx::query_as::<_, (i64, i64)>(
        "SELECT level, org_id FROM work_escalations WHERE item_id = $1 ORDER BY level",
    )
    .bind(item_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// One event of an item's timeline, with the acting organization's name.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct EventRow {
    pub id: i64,
    pub item_id: i64,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub party: String,
    pub body: String,
    pub actor: String,
    pub actor_org_id: i64,
    pub actor_org_name: String,
    pub at: String,
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub item_id: i64,
    pub action: &'a str,
    pub from_state: &'a str,
    pub to_state: &'a str,
    pub party: &'a str,
    pub body: &'a str,
    pub actor: &'a str,
    pub actor_org_id: i64,
    pub at: &'a str,
}

pub async fn insert_event(conn: &mut AnyConnection, e: &NewEvent<'_>) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO work_events (item_id, action, from_state, to_state, party, body, actor, actor_org_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(e.item_id)
    .bind(e.action)
    .bind(e.from_state)
    .bind(e.to_state)
    .bind(e.party)
    .bind(e.body)
    .bind(e.actor)
    .bind(e.actor_org_id)
    .bind(e.at)
    .fetch_one(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)
}

/// An item's timeline, oldest first.
pub async fn events(conn: &mut AnyConnection, item_id: i64) -> DbResult<Vec<EventRow>> {
    Ok(sqlx::query_as::<_, EventRow>(
        "SELECT e.id, e.item_id, e.action, e.from_state, e.to_state, e.party, e.body, e.actor, \
         e.actor_org_id, o.name AS actor_org_name, e.at \
         FROM work_events e JOIN orgs o ON o.id = e.actor_org_id WHERE e.item_id = $1 ORDER BY e.id",
    )
    .bind(item_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The number of events of an item (tests and the API's summary).
pub async fn count_events(conn: &mut AnyConnection, item_id: i64) -> DbResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM work_events WHERE item_id = $1")
            .bind(item_id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// One supervised task.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub detail: String,
    pub deadline: String,
    pub dispatcher_org_id: i64,
    pub dispatcher_path: String,
    pub dispatcher_name: String,
    pub created_by: String,
    pub created_at: String,
}

const TASK_COLS: &str = "t.id, t.title, t.detail, t.deadline, t.dispatcher_org_id, t.dispatcher_path, \
    o.name AS dispatcher_name, t.created_by, t.created_at";

/// A new supervised task.
#[derive(Debug, Clone)]
pub struct NewTask<'a> {
    pub title: &'a str,
    pub detail: &'a str,
    pub deadline: &'a str,
    pub dispatcher_org_id: i64,
    pub dispatcher_path: &'a str,
}

pub async fn insert_task(
    conn: &mut AnyConnection,
    t: &NewTask<'_>,
    by: &str,
    now: &str,
) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO work_tasks (title, detail, deadline, dispatcher_org_id, dispatcher_path, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(t.title)
    .bind(t.detail)
    .bind(t.deadline)
    .bind(t.dispatcher_org_id)
    .bind(t.dispatcher_path)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)
}

pub async fn get_task(conn: &mut AnyConnection, id: i64) -> DbResult<TaskRow> {
    sqlx::query_as::<_, TaskRow>(dynamic(format!(
        "SELECT {TASK_COLS} FROM work_tasks t JOIN orgs o ON o.id = t.dispatcher_org_id WHERE t.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(DbError::NotFound)
}

/// The newest tasks dispatched by an organization.
pub async fn tasks_of(
    conn: &mut AnyConnection,
    dispatcher_org_id: i64,
    limit: i64,
) -> DbResult<Vec<TaskRow>> {
    Ok(sqlx::query_as::<_, TaskRow>(dynamic(format!(
        "SELECT {TASK_COLS} FROM work_tasks t JOIN orgs o ON o.id = t.dispatcher_org_id \
         WHERE t.dispatcher_org_id = $1 ORDER BY t.id DESC LIMIT $2"
    )))
    .bind(dispatcher_org_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// One notice to an organization's users.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct NoticeRow {
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    pub body: String,
    pub link: String,
    pub item_id: Option<i64>,
    pub created_at: String,
    pub read_at: Option<String>,
    pub read_by: Option<String>,
}

pub async fn insert_notice(
    conn: &mut AnyConnection,
    org_id: i64,
    kind: &str,
    body: &str,
    link: &str,
    item_id: Option<i64>,
    now: &str,
) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO notices (org_id, kind, body, link, item_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(org_id)
    .bind(kind)
    .bind(body)
    .bind(link)
    .bind(item_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)
}

/// A page of an organization's notices, newest first.
pub async fn notices(
    conn: &mut AnyConnection,
    org_id: i64,
    limit: i64,
    offset: i64,
) -> DbResult<Vec<NoticeRow>> {
    Ok(sqlx::query_as::<_, NoticeRow>(
        "SELECT id, org_id, kind, body, link, item_id, created_at, read_at, read_by FROM notices \
         WHERE org_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
    )
    .bind(org_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?)
}

/// (all, unread) notices of an organization.
pub async fn count_notices(conn: &mut AnyConnection, org_id: i64) -> DbResult<(i64, i64)> {
    Ok(sqlx::query_as::<_, (i64, i64)>(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END), 0) \
         FROM notices WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Marks one of the organization's unread notices read (`Some(id)`), or all
/// of them; returns how many changed.
pub async fn mark_read(
    conn: &mut AnyConnection,
    org_id: i64,
    id: Option<i64>,
    by: &str,
    now: &str,
) -> DbResult<u64> {
    let done = sqlx::query(
        "UPDATE notices SET read_at = $1, read_by = $2 \
         WHERE org_id = $3 AND read_at IS NULL AND ($4 = 0 OR id = $4)",
    )
    .bind(now)
    .bind(by)
    .bind(org_id)
    .bind(id.unwrap_or(0))
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(done.rows_affected())
}

/// Notices of one kind about one item (tests and idempotence checks).
pub async fn count_notices_about(
    conn: &mut AnyConnection,
    item_id: i64,
    kind: &str,
) -> DbResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM notices WHERE item_id = $1 AND kind = $2")
            .bind(item_id)
            .bind(kind)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Keeps the work tables' path copies in step when a subtree moves from
/// `old_path` (upper bound `old_upper`) to `new_path` (see
/// `org::move_subtree`).
pub(crate) async fn move_paths(
    conn: &mut AnyConnection,
    new_path: &str,
    tail_from: i64,
    old_path: &str,
    old_upper: &str,
) -> DbResult<()> {
    for (table, col) in [
        ("work_items", "assignee_path"),
        ("work_items", "owner_path"),
        ("work_tasks", "dispatcher_path"),
    ] {
        let sql = format!(
            "UPDATE {table} SET {col} = $1 || substr({col}, CAST($2 AS INTEGER)) WHERE {col} >= $3 AND {col} < $4"
        );
        sqlx::query(dynamic(sql))
            .bind(new_path)
            .bind(tail_from)
            .bind(old_path)
            .bind(old_upper)
            .execute(&mut *conn)
            .await
            .map_err(DbError::from_sqlx)?;
    }
    Ok(())
}
