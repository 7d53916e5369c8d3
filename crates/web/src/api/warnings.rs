//! Early-warning endpoints (软弱涣散预警): the latest snapshot for an
//! organization's subtree, ranked worst first, filtered by level and paged;
//! and one organization's level across runs. Same scope rules as the pages.

use super::{ApiId, ApiQuery, ApiUser};
use crate::AppState;
use crate::error::ApiError;
use crate::warnings::{PER_PAGE, evidence_href};
use axum::Json;
use axum::extract::State;
use dangjian_domain::warnings::{Level, LevelCounts};
use dangjian_service::warnings::{self, HistoryPoint, OrgWarningView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Organizations per level.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct LevelCountsDto {
    pub red: u32,
    pub orange: u32,
    pub yellow: u32,
    pub green: u32,
    /// 有指标缺少数据（无数据）的组织数
    pub incomplete: u32,
}

impl From<LevelCounts> for LevelCountsDto {
    fn from(c: LevelCounts) -> Self {
        Self {
            red: c.red,
            orange: c.orange,
            yellow: c.yellow,
            green: c.green,
            incomplete: c.incomplete,
        }
    }
}

/// One triggered indicator.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarningReasonDto {
    /// 指标代码，如 secretary_vacant
    pub indicator: String,
    pub label: String,
    /// 对应的软弱涣散情形序号（1–12）
    pub criterion: u8,
    pub weight: u32,
    /// 具体情况，如“书记空缺已100天（超过90天）”
    pub detail: String,
    /// 依据所在页面代码（org_detail、members、compliance、village_affairs 等）
    pub evidence: String,
    /// 依据所在网页地址；尚无此类页面时为 null
    pub evidence_href: Option<String>,
}

/// An indicator without data (never counted as passed).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoDataDto {
    pub indicator: String,
    pub label: String,
}

/// One organization's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgWarningDto {
    pub org_id: i64,
    pub org_name: String,
    /// green、yellow、orange、red
    pub level: &'static str,
    /// 绿、黄、橙、红
    pub level_label: &'static str,
    /// 触发指标的权重之和
    pub score: i64,
    pub reasons: Vec<WarningReasonDto>,
    pub no_data: Vec<NoDataDto>,
}

impl From<&OrgWarningView> for OrgWarningDto {
    fn from(v: &OrgWarningView) -> Self {
        Self {
            org_id: v.org_id,
            org_name: v.org_name.clone(),
            level: v.level.code(),
            level_label: v.level.label(),
            score: v.score,
            reasons: v
                .reasons
                .iter()
                .map(|r| WarningReasonDto {
                    indicator: r.indicator.clone(),
                    label: r.label.clone(),
                    criterion: r.criterion,
                    weight: r.weight,
                    detail: r.detail.clone(),
                    evidence: r.evidence.clone(),
                    evidence_href: evidence_href(&r.evidence, v.org_id),
                })
                .collect(),
            no_data: v
                .no_data
                .iter()
                .map(|n| NoDataDto {
                    indicator: n.indicator.clone(),
                    label: n.label.clone(),
                })
                .collect(),
        }
    }
}

/// The latest snapshot covering an organization: its subtree's results.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarningPageDto {
    /// 快照编号；尚未研判时为 null（其余字段为空）
    pub run_id: Option<i64>,
    /// 研判日期 YYYY-MM-DD
    pub as_of: Option<String>,
    /// 研判所用政策配置的版本（本库中的序号）
    pub profile_version: Option<i64>,
    pub profile_hash: Option<String>,
    /// 研判人用户名；后台自动研判为 system
    pub created_by: Option<String>,
    pub created_at: Option<String>,
    /// 本组织及其下级（全部等级）的计数
    pub counts: LevelCountsDto,
    pub page: i64,
    pub per_page: i64,
    /// 符合等级筛选的组织数
    pub total: i64,
    /// 最严重的在前
    pub items: Vec<OrgWarningDto>,
}

/// One organization's level in one run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarningHistoryDto {
    pub run_id: i64,
    pub as_of: String,
    pub profile_version: i64,
    pub level: &'static str,
    pub level_label: &'static str,
    pub score: i64,
}

impl From<HistoryPoint> for WarningHistoryDto {
    fn from(h: HistoryPoint) -> Self {
        Self {
            run_id: h.run_id,
            as_of: h.as_of,
            profile_version: h.profile_version,
            level: h.level.code(),
            level_label: h.level.label(),
            score: h.score,
        }
    }
}

/// Query of `GET /warnings`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct WarningQuery {
    /// 组织编号；默认为当前用户所在组织
    #[param(value_type = Option<i64>)]
    pub org: String,
    /// 只看某一等级：red、orange、yellow、green（也可写红、橙、黄、绿）
    #[param(value_type = Option<String>)]
    pub level: String,
    /// 页码，从 1 开始（每页 20 个）
    #[param(value_type = Option<i64>)]
    pub page: String,
}

fn org_of(actor: &dangjian_service::Actor, raw: &str) -> Result<i64, ApiError> {
    match raw.trim() {
        "" => Ok(actor.org_id.0),
        s => s
            .parse::<i64>()
            .ok()
            .filter(|i| *i > 0)
            .ok_or_else(|| ApiError::invalid("org", "组织编号无效")),
    }
}

/// 预警排名
///
/// 覆盖组织 `org` 的最新一次预警研判中，本组织及其下级的结果：各等级计数，以及按严重程度排序、可按等级筛选的分页列表，每个组织附触发原因和无数据指标。
#[utoipa::path(
    get,
    path = "/warnings",
    operation_id = "listWarnings",
    tag = "warnings",
    params(WarningQuery),
    responses(
        (status = 200, description = "最新预警结果", body = WarningPageDto),
        (status = 403, description = "无权访问或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "组织不存在", body = super::dto::Error),
        (status = 422, description = "参数无效", body = super::dto::Error),
    )
)]
pub(super) async fn list(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<WarningQuery>,
) -> Result<Json<WarningPageDto>, ApiError> {
    let org = org_of(&actor, &q.org)?;
    let level = match q.level.trim() {
        "" => None,
        raw => Some(Level::parse(raw).ok_or_else(|| {
            ApiError::invalid("level", "等级应为 red、orange、yellow、green 之一")
        })?),
    };
    let page = match q.page.trim() {
        "" => 1,
        raw => raw
            .parse::<usize>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| ApiError::invalid("page", "页码应为正整数"))?,
    };
    let latest = warnings::page(&st.svc, &actor, org, level, page, PER_PAGE).await?;
    let per_page = i64::try_from(PER_PAGE).unwrap_or(20);
    let page_no = i64::try_from(page).unwrap_or(1);
    let Some(run) = latest else {
        return Ok(Json(WarningPageDto {
            run_id: None,
            as_of: None,
            profile_version: None,
            profile_hash: None,
            created_by: None,
            created_at: None,
            counts: LevelCounts::default().into(),
            page: page_no,
            per_page,
            total: 0,
            items: Vec::new(),
        }));
    };
    Ok(Json(WarningPageDto {
        items: run.items.iter().map(OrgWarningDto::from).collect(),
        total: i64::try_from(run.total).unwrap_or(i64::MAX),
        page: page_no,
        per_page,
        counts: run.counts.into(),
        run_id: Some(run.run_id),
        as_of: Some(run.as_of),
        profile_version: Some(run.profile_version),
        profile_hash: Some(run.profile_hash),
        created_by: Some(run.created_by),
        created_at: Some(run.created_at),
    }))
}

/// 组织预警历史
///
/// 组织 `id` 在历次预警研判中的等级和得分，最早的在前，并注明每次所用的政策配置版本。
#[utoipa::path(
    get,
    path = "/orgs/{id}/warnings",
    operation_id = "getOrgWarningHistory",
    tag = "warnings",
    params(("id" = i64, Path, description = "组织编号")),
    responses(
        (status = 200, description = "历次研判结果", body = Vec<WarningHistoryDto>),
        (status = 403, description = "无权访问或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "组织不存在", body = super::dto::Error),
    )
)]
pub(super) async fn history(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiId(id): ApiId,
) -> Result<Json<Vec<WarningHistoryDto>>, ApiError> {
    let h = warnings::history(&st.svc, &actor, id).await?;
    Ok(Json(h.into_iter().map(WarningHistoryDto::from).collect()))
}
