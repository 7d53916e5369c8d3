//! Organizational-life record endpoints (组织生活记录): the filtered list,
//! details with the sign-in list and attachment links, entry without
//! attachments (photos are added on the page), and the full-text search.
//! Their shapes live here rather than in `dto.rs`: they are this
//! capability's own.

use super::{ApiId, ApiJson, ApiQuery, ApiUser, created};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use dangjian_service::records::{
    self, AttendanceForm, RecordDetail, RecordForm, RecordPage, RecordQuery, SearchResults,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

// ---------------------------------------------------------------- outputs

/// One row of the record list.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "组织生活记录列表中的一行")]
pub struct RecordListItem {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// 记录类型代码（见政策配置），如 party_lecture
    pub record_type: String,
    /// 活动日期 YYYY-MM-DD
    pub held_on: String,
    pub topics: String,
    pub present_count: i64,
    pub expected_count: i64,
    /// 是否计入完成情况（党员大会未过半数时为 false）
    pub valid: bool,
    /// submitted 待上级确认、confirmed 已审核确认
    pub status: String,
}

/// One page of records, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "组织生活记录的一页（按活动日期从新到旧，每页 30 条）")]
pub struct RecordPageDto {
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub per_page: i64,
    pub items: Vec<RecordListItem>,
}

impl From<RecordPage> for RecordPageDto {
    fn from(p: RecordPage) -> Self {
        Self {
            pages: ((p.total + p.per_page - 1) / p.per_page).max(1),
            total: p.total,
            page: p.page,
            per_page: p.per_page,
            items: p
                .rows
                .into_iter()
                .map(|r| RecordListItem {
                    id: r.id,
                    org_id: r.org_id,
                    org_name: r.org_name,
                    record_type: r.record_type,
                    held_on: r.held_on,
                    topics: r.topics,
                    present_count: r.present_count,
                    expected_count: r.expected_count,
                    valid: r.valid != 0,
                    status: r.status,
                })
                .collect(),
        }
    }
}

/// A mark a record carries.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "记录的标记，如 by_secretary 书记讲党课")]
pub struct RecordMark {
    pub code: String,
    pub label: String,
}

/// One line of a sign-in list.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "出席名单中的一人")]
pub struct AttendanceLine {
    pub member_id: i64,
    pub name: String,
    /// full 正式党员、probationary 预备党员
    pub category: String,
    pub present: bool,
    pub absent_reason: String,
}

/// An attachment, fetched with a session at `url`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "附件（照片、签到表）；url 为网页端下载地址")]
pub struct RecordAttachment {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub url: String,
}

/// A record with everything its page shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "组织生活记录详情")]
pub struct RecordDetailDto {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub record_type: String,
    pub type_label: String,
    pub held_on: String,
    pub place: String,
    pub host: String,
    pub topics: String,
    pub minutes: String,
    pub expected_count: i64,
    pub present_count: i64,
    /// 有表决权（正式）党员应到、实到人数
    pub voting_count: i64,
    pub voting_present: i64,
    pub valid: bool,
    pub status: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub profile_version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub marks: Vec<RecordMark>,
    pub attendance: Vec<AttendanceLine>,
    pub attachments: Vec<RecordAttachment>,
    /// 当前用户能否修改、删除
    pub can_edit: bool,
    /// 当前用户能否审核确认（上级党组织）
    pub can_confirm: bool,
}

impl From<RecordDetail> for RecordDetailDto {
    fn from(d: RecordDetail) -> Self {
        let r = d.record;
        Self {
            id: r.id,
            org_id: r.org_id,
            org_name: d.org_name,
            record_type: r.record_type,
            type_label: d.type_label,
            held_on: r.held_on,
            place: r.place,
            host: r.host,
            topics: r.topics,
            minutes: r.minutes,
            expected_count: r.expected_count,
            present_count: r.present_count,
            voting_count: r.voting_count,
            voting_present: r.voting_present,
            valid: r.valid != 0,
            status: r.status,
            reviewed_by: r.reviewed_by,
            reviewed_at: r.reviewed_at,
            profile_version: r.profile_version,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            marks: d
                .marks
                .into_iter()
                .map(|(code, label)| RecordMark { code, label })
                .collect(),
            attendance: d
                .attendance
                .into_iter()
                .map(|a| AttendanceLine {
                    member_id: a.member_id,
                    name: a.name,
                    category: a.category,
                    present: a.present != 0,
                    absent_reason: a.absent_reason,
                })
                .collect(),
            attachments: d
                .attachments
                .into_iter()
                .map(|a| RecordAttachment {
                    url: format!("/records/attachments/{}", a.id),
                    id: a.id,
                    file_name: a.file_name,
                    content_type: a.content_type,
                    size: a.size,
                    sha256: a.sha256,
                })
                .collect(),
            can_edit: d.can_edit,
            can_confirm: d.can_confirm,
        }
    }
}

/// The answer to a new record.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "新建的组织生活记录")]
pub struct RecordCreated {
    pub id: i64,
    /// 是否计入完成情况
    pub valid: bool,
    /// 已保存但不计入时的说明（党员大会未过半数）
    pub notice: Option<String>,
}

/// One search hit.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "全文查找的一条结果")]
pub struct RecordHit {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub record_type: String,
    pub type_label: String,
    pub held_on: String,
    /// 主题（已做 HTML 转义，命中词以 <mark> 标出）
    pub topics_html: String,
    /// 会议记录摘录（已做 HTML 转义，命中词以 <mark> 标出）
    pub minutes_html: String,
}

/// One page of search results.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "全文查找结果的一页（每页 20 条，相关度从高到低）")]
pub struct RecordSearchPage {
    pub query: String,
    pub org_id: i64,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// 没有同时包含全部词语的记录时为 true，结果包含部分词语
    pub relaxed: bool,
    pub items: Vec<RecordHit>,
}

impl From<SearchResults> for RecordSearchPage {
    fn from(r: SearchResults) -> Self {
        Self {
            query: r.query,
            org_id: r.org_id,
            total: r.total,
            page: r.page,
            per_page: r.per_page,
            relaxed: r.relaxed,
            items: r
                .hits
                .into_iter()
                .map(|h| RecordHit {
                    id: h.id,
                    org_id: h.org_id,
                    org_name: h.org_name,
                    record_type: h.record_type,
                    type_label: h.type_label,
                    held_on: h.held_on,
                    topics_html: h.topics_html,
                    minutes_html: h.minutes_html,
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------- inputs

/// One line of the sign-in list as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
#[schema(description = "出席名单中的一人；未列出的在册党员按缺席计")]
pub struct AttendanceInput {
    pub member_id: i64,
    pub present: bool,
    /// 缺席原因（仅缺席时保存）
    pub absent_reason: String,
}

/// A new record, without attachments.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
#[schema(description = "新建组织生活记录（附件请在网页端上传）")]
pub struct RecordInput {
    /// 党组织编号
    pub org_id: Option<i64>,
    /// 记录类型代码，如 party_lecture（党课）
    pub record_type: String,
    /// 活动日期 YYYY-MM-DD，不晚于今天
    pub held_on: String,
    pub place: String,
    pub host: String,
    pub topics: String,
    /// 会议记录；多数类型必填
    pub minutes: String,
    /// 标记代码，如 by_secretary
    pub marks: Vec<String>,
    /// 有直属党员的组织：出席名单
    pub attendance: Vec<AttendanceInput>,
    /// 没有直属党员的组织：应到、实到人数
    pub expected_count: Option<i64>,
    pub present_count: Option<i64>,
}

impl RecordInput {
    fn into_form(self) -> RecordForm {
        RecordForm {
            record_type: self.record_type,
            held_on: self.held_on,
            place: self.place,
            host: self.host,
            topics: self.topics,
            minutes: self.minutes,
            marks: self.marks,
            attendance: self
                .attendance
                .into_iter()
                .map(|a| AttendanceForm {
                    member_id: a.member_id,
                    present: a.present,
                    absent_reason: a.absent_reason,
                })
                .collect(),
            expected_count: self
                .expected_count
                .map(|n| n.to_string())
                .unwrap_or_default(),
            present_count: self
                .present_count
                .map(|n| n.to_string())
                .unwrap_or_default(),
        }
    }
}

/// Query of `GET /records`; every filter is optional.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct RecordsQuery {
    /// 党组织编号，列出该组织及其下级的记录；默认为当前用户所在组织
    #[param(value_type = Option<i64>)]
    pub org: String,
    /// 为 true 时只列该组织本级的记录
    #[param(value_type = Option<bool>)]
    pub own: String,
    /// 记录类型代码
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<String>)]
    pub record_type: String,
    /// 起始日期 YYYY-MM-DD（含）
    #[param(value_type = Option<String>)]
    pub from: String,
    /// 截止日期 YYYY-MM-DD（含）
    #[param(value_type = Option<String>)]
    pub to: String,
    /// submitted 或 confirmed
    #[param(value_type = Option<String>)]
    pub status: String,
    /// 页码，从 1 开始
    #[param(value_type = Option<i64>, minimum = 1)]
    pub page: String,
}

/// Query of `GET /records/search`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct RecordSearchQuery {
    /// 要查找的词语（1 至 100 字），在主题和会议记录中查找
    #[param(required = true)]
    pub q: String,
    /// 在该党组织及其下级的记录中查找；默认为当前用户所在组织
    #[param(value_type = Option<i64>)]
    pub org: String,
    /// 页码，从 1 开始
    #[param(value_type = Option<i64>, minimum = 1)]
    pub page: String,
}

fn org_param(raw: &str) -> Result<Option<i64>, ApiError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .map(Some)
        .ok_or_else(|| ApiError::invalid("org", "党组织编号应为正整数"))
}

fn page_param(raw: &str) -> i64 {
    crate::layout::parse_page(raw)
}

// ---------------------------------------------------------------- handlers

/// 组织生活记录列表
///
/// 列出某组织及其全部下级的组织生活记录，按活动日期从新到旧，每页 30 条。
#[utoipa::path(
    get,
    path = "/records",
    operation_id = "listRecords",
    tag = "records",
    params(RecordsQuery),
    responses(
        (status = 200, description = "一页记录", body = RecordPageDto),
        (status = 403, description = "无权访问或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "组织不存在", body = super::dto::Error),
        (status = 422, description = "筛选条件无效", body = super::dto::Error),
    )
)]
pub(super) async fn list(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<RecordsQuery>,
) -> Result<Json<RecordPageDto>, ApiError> {
    let text = |s: String| {
        let t = s.trim().to_owned();
        (!t.is_empty()).then_some(t)
    };
    let query = RecordQuery {
        org_id: org_param(&q.org)?,
        own_only: matches!(q.own.trim(), "true" | "1"),
        record_type: text(q.record_type),
        from: text(q.from),
        to: text(q.to),
        status: text(q.status),
        page: page_param(&q.page),
    };
    Ok(Json(records::list(&st.svc, &actor, &query).await?.into()))
}

/// 组织生活记录详情
///
/// 记录的全部内容、出席名单和附件列表。
#[utoipa::path(
    get,
    path = "/records/{id}",
    operation_id = "getRecord",
    tag = "records",
    params(("id" = i64, Path, description = "记录编号", minimum = 1)),
    responses(
        (status = 200, description = "记录详情", body = RecordDetailDto),
        (status = 403, description = "无权访问或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "记录不存在", body = super::dto::Error),
    )
)]
pub(super) async fn get(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiId(id): ApiId,
) -> Result<Json<RecordDetailDto>, ApiError> {
    Ok(Json(records::get(&st.svc, &actor, id).await?.into()))
}

/// 登记组织生活
///
/// 新建一条组织生活记录（不含附件）。党员大会出席的有表决权党员未过半数时仍保存，但不计入完成情况（`valid` 为 false，`notice` 说明原因）。
#[utoipa::path(
    post,
    path = "/records",
    operation_id = "createRecord",
    tag = "records",
    request_body = RecordInput,
    responses(
        (status = 201, description = "已创建；Location 为新记录的地址", body = RecordCreated,
            headers(("location" = String, description = "新记录的地址"))),
        (status = 400, description = "请求体不是有效的 JSON", body = super::dto::Error),
        (status = 403, description = "无权登记或组织不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "组织不存在", body = super::dto::Error),
        (status = 422, description = "输入有误", body = super::dto::Error),
    )
)]
pub(super) async fn create(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<RecordInput>,
) -> Result<Response, ApiError> {
    let org = body.org_id.unwrap_or(actor.org_id.0);
    let saved = records::create(&st.svc, &actor, org, &body.into_form(), &[]).await?;
    Ok(created(
        &format!("/api/v1/records/{}", saved.id),
        RecordCreated {
            id: saved.id,
            valid: saved.valid,
            notice: saved.notice,
        },
    ))
}

/// 全文查找组织生活记录
///
/// 在某组织及其下级的记录主题和会议记录中查找词语（支持“党课”“整改”等两字词），相关度从高到低，每页 20 条。
#[utoipa::path(
    get,
    path = "/records/search",
    operation_id = "searchRecords",
    tag = "records",
    params(RecordSearchQuery),
    responses(
        (status = 200, description = "一页结果", body = RecordSearchPage),
        (status = 403, description = "无权访问或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "组织不存在", body = super::dto::Error),
        (status = 422, description = "查找内容为空或过长", body = super::dto::Error),
    )
)]
pub(super) async fn search(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<RecordSearchQuery>,
) -> Result<Json<RecordSearchPage>, ApiError> {
    let found = records::search(
        &st.svc,
        &actor,
        &q.q,
        org_param(&q.org)?,
        page_param(&q.page),
    )
    .await?;
    Ok(Json(found.into()))
}
