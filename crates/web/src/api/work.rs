//! Work-item endpoints (督办/整改事项): the user's lists, an item with its
//! timeline and the actions the user may take, taking an action (start,
//! submit, accept, return with a reason, a note without attachments — files
//! are added on the page), and a supervised task's progress table. Their
//! shapes live here: they are this capability's own.

use super::{ApiId, ApiJson, ApiQuery, ApiUser};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use dangjian_service::work::tasks::{self, TaskView};
use dangjian_service::work::{self, WorkItemDetail, WorkItemSummary, WorkPage, WorkQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

// ---------------------------------------------------------------- outputs

/// One work item in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "督办/整改事项列表中的一项；逾期等情况按当天计算")]
pub struct WorkItemDto {
    pub id: i64,
    /// task 督办任务、rectification 整改事项
    pub kind: String,
    pub title: String,
    /// 交办单位
    pub owner_org_id: i64,
    pub owner_name: String,
    /// 承办单位
    pub assignee_org_id: i64,
    pub assignee_name: String,
    /// 办理期限 YYYY-MM-DD
    pub deadline: String,
    /// assigned 已分派、in_progress 办理中、submitted 已提交、accepted 已验收
    pub state: String,
    pub state_label: String,
    /// 未到期、逾期、按时提交、逾期提交、已销号
    pub deadline_label: String,
    /// 逾期（或逾期提交）天数
    pub late_days: i64,
    pub late: bool,
    /// 是否已升级至上级党组织督办
    pub escalated: bool,
    pub escalation_label: String,
    /// 承办单位最近一次报送进展的时间（UTC）
    pub reported_at: Option<String>,
    pub task_id: Option<i64>,
    /// 所属来源，如 ledger:12
    pub source: Option<String>,
}

impl From<WorkItemSummary> for WorkItemDto {
    fn from(s: WorkItemSummary) -> Self {
        Self {
            id: s.id,
            kind: s.kind,
            title: s.title,
            owner_org_id: s.owner_org_id,
            owner_name: s.owner_name,
            assignee_org_id: s.assignee_org_id,
            assignee_name: s.assignee_name,
            deadline: s.deadline,
            state: s.state,
            state_label: s.state_label.to_owned(),
            deadline_label: s.deadline_label.to_owned(),
            late_days: s.late_days,
            late: s.late,
            escalated: s.escalated,
            escalation_label: s.escalation_label.to_owned(),
            reported_at: s.reported_at,
            task_id: s.task_id,
            source: s.source,
        }
    }
}

/// One page of the user's items.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "事项列表的一页（未办结的在前，按期限排序，每页 20 项）")]
pub struct WorkPageDto {
    /// mine 待办、dispatched 我交办的、escalated 上级督办
    pub tab: String,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub per_page: i64,
    pub items: Vec<WorkItemDto>,
}

impl From<WorkPage> for WorkPageDto {
    fn from(p: WorkPage) -> Self {
        Self {
            tab: p.tab.to_owned(),
            total: p.total,
            page: p.page,
            pages: p.pages,
            per_page: p.per_page,
            items: p.rows.into_iter().map(Into::into).collect(),
        }
    }
}

/// An attachment of a note, fetched with a session at `url`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "进展附件；url 为网页端下载地址")]
pub struct WorkAttachmentDto {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub url: String,
}

/// One event of the timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "办理过程中的一步")]
pub struct WorkEventDto {
    pub id: i64,
    /// start、submit、accept、return、note
    pub action: String,
    pub action_label: String,
    pub from_label: String,
    pub to_label: String,
    /// 承办单位、交办单位、上级党组织
    pub party_label: String,
    /// 退回理由或进展情况
    pub text: String,
    pub actor: String,
    pub actor_org_name: String,
    /// 北京时间
    pub at: String,
    pub attachments: Vec<WorkAttachmentDto>,
}

/// An item with its timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "事项详情、办理过程和当前用户可以进行的操作")]
pub struct WorkDetailDto {
    pub item: WorkItemDto,
    pub detail: String,
    pub created_by: String,
    pub created_at: String,
    pub timeline: Vec<WorkEventDto>,
    /// 已升级督办到的党组织
    pub escalated_to: Vec<String>,
    /// 当前用户现在可以进行的操作代码
    pub actions: Vec<String>,
}

impl From<WorkItemDetail> for WorkDetailDto {
    fn from(d: WorkItemDetail) -> Self {
        Self {
            item: d.item.into(),
            detail: d.detail,
            created_by: d.created_by,
            created_at: d.created_at,
            timeline: d
                .timeline
                .into_iter()
                .map(|e| WorkEventDto {
                    id: e.id,
                    action: e.action,
                    action_label: e.action_label.to_owned(),
                    from_label: e.from_label.to_owned(),
                    to_label: e.to_label.to_owned(),
                    party_label: e.party_label.to_owned(),
                    text: e.text,
                    actor: e.actor,
                    actor_org_name: e.actor_org_name,
                    at: e.at,
                    attachments: e
                        .attachments
                        .into_iter()
                        .map(|a| WorkAttachmentDto {
                            url: format!("/work/attachments/{}", a.id),
                            id: a.id,
                            file_name: a.file_name,
                            content_type: a.content_type,
                            size: a.size,
                        })
                        .collect(),
                })
                .collect(),
            escalated_to: d.escalated_to,
            actions: d.actions.into_iter().map(|a| a.code.to_owned()).collect(),
        }
    }
}

/// The answer to an accepted action.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "操作已完成")]
pub struct WorkActedDto {
    pub item_id: i64,
    pub event_id: i64,
    pub action: String,
    /// 操作前后的状态代码
    pub from: String,
    pub to: String,
}

/// One unit of a task.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "督办任务中一个承办单位的办理情况")]
pub struct TaskUnitDto {
    pub item: WorkItemDto,
    /// 是否报送过进展或提交
    pub reported: bool,
    /// 最近报送时间（北京时间），未报送为空
    pub last_report: String,
}

/// A task's progress table.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "督办任务的办理进度")]
pub struct TaskDto {
    pub id: i64,
    pub title: String,
    pub detail: String,
    pub deadline: String,
    pub dispatcher_org_id: i64,
    pub dispatcher_name: String,
    pub units: u32,
    pub assigned: u32,
    pub in_progress: u32,
    pub submitted: u32,
    pub accepted: u32,
    /// 逾期未办结的单位数
    pub overdue: u32,
    /// 逾期提交、待验收的单位数
    pub submitted_late: u32,
    /// 尚未报送进展的单位名称
    pub not_reported: Vec<String>,
    pub rows: Vec<TaskUnitDto>,
}

impl From<TaskView> for TaskDto {
    fn from(v: TaskView) -> Self {
        let p = v.progress;
        Self {
            id: v.task.id,
            title: v.task.title,
            detail: v.task.detail,
            deadline: v.task.deadline,
            dispatcher_org_id: v.task.dispatcher_org_id,
            dispatcher_name: v.task.dispatcher_name,
            units: p.units,
            assigned: p.assigned,
            in_progress: p.in_progress,
            submitted: p.submitted,
            accepted: p.accepted,
            overdue: p.overdue,
            submitted_late: p.submitted_late,
            not_reported: v.not_reported,
            rows: v
                .rows
                .into_iter()
                .map(|r| TaskUnitDto {
                    item: r.item.into(),
                    reported: r.reported,
                    last_report: r.last_report,
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------- inputs

/// Query of `GET /work`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct WorkListQuery {
    /// mine（默认，本单位承办）、dispatched（本单位交办）、escalated（升级至本级督办）
    #[param(value_type = Option<String>)]
    pub tab: String,
    /// 状态代码：assigned、in_progress、submitted、accepted
    #[param(value_type = Option<String>)]
    pub state: String,
    /// 为 true 时只列逾期未办结的事项
    #[param(value_type = Option<bool>)]
    pub overdue: String,
    /// 页码，从 1 开始
    #[param(value_type = Option<i64>, minimum = 1)]
    pub page: String,
}

/// An action to take.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
#[schema(description = "对事项进行的操作")]
pub struct WorkActionInput {
    /// start 开始办理、submit 提交办结、accept 验收销号、return 退回重办、note 填写进展
    pub action: String,
    /// 退回理由（return 必填）或进展情况（note 必填）
    pub text: String,
}

// ---------------------------------------------------------------- handlers

/// 督办事项列表
///
/// 当前用户所在单位的事项：承办的（mine）、交办的（dispatched）或逾期升级至本级督办的（escalated）。
#[utoipa::path(
    get,
    path = "/work",
    operation_id = "listWork",
    tag = "work",
    params(WorkListQuery),
    responses(
        (status = 200, description = "一页事项", body = WorkPageDto),
        (status = 403, description = "无权访问", body = super::dto::Error),
        (status = 422, description = "筛选条件无效", body = super::dto::Error),
    )
)]
pub(super) async fn list(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<WorkListQuery>,
) -> Result<Json<WorkPageDto>, ApiError> {
    let query = WorkQuery {
        tab: Some(q.tab),
        state: Some(q.state),
        overdue: Some(if matches!(q.overdue.trim(), "true" | "1") {
            "1".to_owned()
        } else {
            String::new()
        }),
        page: crate::layout::parse_page(&q.page),
    };
    Ok(Json(work::list(&st.svc, &actor, &query).await?.into()))
}

/// 督办事项详情
///
/// 事项的内容、办理过程和当前用户可以进行的操作。
#[utoipa::path(
    get,
    path = "/work/{id}",
    operation_id = "getWork",
    tag = "work",
    params(("id" = i64, Path, description = "事项编号", minimum = 1)),
    responses(
        (status = 200, description = "事项详情", body = WorkDetailDto),
        (status = 403, description = "无权访问或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "事项不存在", body = super::dto::Error),
    )
)]
pub(super) async fn get(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiId(id): ApiId,
) -> Result<Json<WorkDetailDto>, ApiError> {
    Ok(Json(work::detail(&st.svc, &actor, id).await?.into()))
}

/// 办理事项
///
/// 开始办理、提交办结（承办单位），验收销号、退回重办（交办单位），填写进展（承办单位、交办单位、升级后的上级党组织）。
/// 不允许的操作返回 422，message 为中文原因，事项不变。附件请在网页端上传。
#[utoipa::path(
    post,
    path = "/work/{id}/actions",
    operation_id = "actOnWork",
    tag = "work",
    params(("id" = i64, Path, description = "事项编号", minimum = 1)),
    request_body = WorkActionInput,
    responses(
        (status = 200, description = "操作已完成", body = WorkActedDto),
        (status = 403, description = "无权操作或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "事项不存在", body = super::dto::Error),
        (status = 422, description = "当前状态或身份不允许此操作，或理由未填写", body = super::dto::Error),
    )
)]
pub(super) async fn act(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiId(id): ApiId,
    ApiJson(input): ApiJson<WorkActionInput>,
) -> Result<Json<WorkActedDto>, ApiError> {
    let action = work::parse_action(&input.action, &input.text)?;
    let done = work::act(&st.svc, &actor, id, action).await?;
    Ok(Json(WorkActedDto {
        item_id: done.item_id,
        event_id: done.event_id,
        action: done.action.code().to_owned(),
        from: done.from.code().to_owned(),
        to: done.to.code().to_owned(),
    }))
}

/// 督办任务进度
///
/// 每个承办单位的状态、期限情况和最近报送时间，以及汇总数字和未报送的单位。
#[utoipa::path(
    get,
    path = "/tasks/{id}",
    operation_id = "getTask",
    tag = "work",
    params(("id" = i64, Path, description = "督办任务编号", minimum = 1)),
    responses(
        (status = 200, description = "任务进度", body = TaskDto),
        (status = 403, description = "无权访问或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "任务不存在", body = super::dto::Error),
    )
)]
pub(super) async fn task(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiId(id): ApiId,
) -> Result<Json<TaskDto>, ApiError> {
    Ok(Json(tasks::progress(&st.svc, &actor, id).await?.into()))
}
