//! Rectification endpoints (软弱涣散整改): the year's overview — every
//! township's screening numbers and the confirmed organizations' ledgers in
//! the caller's scope — and one ledger with its plan, rectification items,
//! the indicators' re-check and the acceptance. Read-only: the procedure's
//! steps are taken on the pages.

use super::{ApiId, ApiQuery, ApiUser};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use dangjian_service::rectify::{self, LedgerView, Overview, ledger};
use dangjian_service::warnings::ReasonView;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One township's screening numbers.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "一个乡镇（单位）的排查情况：预警、拟列入、增补、移出的组织数")]
pub struct TownshipScreening {
    pub org_id: i64,
    pub org_name: String,
    /// draft 拟定中、submitted 待县委审核、returned 已退回、confirmed 已确认；未开始时为 null
    pub status: Option<String>,
    pub flagged: u32,
    pub proposed: u32,
    pub added: u32,
    pub removed: u32,
}

/// A ledger in the year's list.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "整改名单中的一个党组织")]
pub struct LedgerListItem {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// 排查单位（乡镇或县直单位党委）
    pub owner_org_id: i64,
    pub owner_name: String,
    /// planning 待制定方案、in_progress 整改中、pending_acceptance 待验收、closed 已销号
    pub status: String,
    pub status_label: String,
    /// 排查时的预警等级 green/yellow/orange/red
    pub level: String,
    /// 乡镇增补（未经预警列入）
    pub added: bool,
    /// 整改时限 YYYY-MM-DD
    pub deadline: Option<String>,
    pub contact_leader: String,
}

/// The year's overview.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "年度排查与整改概况")]
pub struct RectifyOverviewDto {
    pub year: i32,
    pub townships: Vec<TownshipScreening>,
    pub ledgers: Vec<LedgerListItem>,
}

impl From<Overview> for RectifyOverviewDto {
    fn from(o: Overview) -> Self {
        Self {
            year: o.year,
            townships: o
                .review
                .lines
                .into_iter()
                .map(|t| TownshipScreening {
                    org_id: t.org_id,
                    org_name: t.org_name,
                    status: t.status.map(|s| s.code().to_owned()),
                    flagged: t.numbers.flagged,
                    proposed: t.numbers.proposed,
                    added: t.numbers.added,
                    removed: t.numbers.removed,
                })
                .collect(),
            ledgers: o
                .ledgers
                .into_iter()
                .map(|l| LedgerListItem {
                    status: l.status.code().to_owned(),
                    status_label: l.status.label().to_owned(),
                    level: l.level.code().to_owned(),
                    id: l.ledger.id,
                    org_id: l.ledger.org_id,
                    org_name: l.ledger.org_name,
                    owner_org_id: l.ledger.owner_org_id,
                    owner_name: l.ledger.owner_name,
                    added: l.ledger.flagged == 0,
                    deadline: l.ledger.deadline,
                    contact_leader: l.ledger.contact_leader,
                })
                .collect(),
        }
    }
}

/// A rectification work item of a ledger.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "整改事项")]
pub struct LedgerItem {
    pub id: i64,
    pub title: String,
    pub owner_name: String,
    pub assignee_name: String,
    pub deadline: String,
    /// assigned 已分派、in_progress 办理中、submitted 已提交、accepted 已验收
    pub state: String,
    pub state_label: String,
    /// 未到期、逾期、按时提交、逾期提交、已销号
    pub deadline_label: String,
    pub late: bool,
}

/// A level with its reasons.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "预警等级及原因")]
pub struct LevelCheck {
    /// green/yellow/orange/red
    pub level: String,
    /// 评估日期（验收时复核为 null）
    pub as_of: Option<String>,
    pub reasons: Vec<String>,
}

fn details(reasons: &[ReasonView]) -> Vec<String> {
    reasons.iter().map(|r| r.detail.clone()).collect()
}

/// One organization's ledger.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(
    description = "整改台账：问题分析、整改方案（四明确）、联系县领导、整改事项、指标复核与验收"
)]
pub struct LedgerDto {
    pub id: i64,
    pub year: i64,
    pub org_id: i64,
    pub org_name: String,
    pub owner_org_id: i64,
    pub owner_name: String,
    pub status: String,
    pub status_label: String,
    /// 排查时的预警
    pub at_screening: LevelCheck,
    /// 列入或增补说明
    pub entry_reason: String,
    pub analysis: String,
    /// 目标任务
    pub goal: String,
    /// 整改措施
    pub measures: String,
    /// 整改时限 YYYY-MM-DD
    pub deadline: Option<String>,
    /// 责任主体
    pub responsible: String,
    /// 联系县领导
    pub contact_leader: String,
    pub items: Vec<LedgerItem>,
    /// 最近一次评估（指标复核）
    pub recheck: Option<LevelCheck>,
    /// 验收时复核的预警
    pub at_acceptance: Option<LevelCheck>,
    pub accept_note: String,
    pub accepted_by: Option<String>,
    pub accepted_at: Option<String>,
}

impl From<LedgerView> for LedgerDto {
    fn from(v: LedgerView) -> Self {
        let l = v.ledger;
        Self {
            status: v.status.code().to_owned(),
            status_label: v.status.label().to_owned(),
            at_screening: LevelCheck {
                level: v.level.code().to_owned(),
                as_of: None,
                reasons: details(&v.reasons),
            },
            items: v
                .items
                .into_iter()
                .map(|i| LedgerItem {
                    id: i.item.id,
                    title: i.item.title,
                    owner_name: i.item.owner_name,
                    assignee_name: i.item.assignee_name,
                    deadline: i.item.deadline,
                    state: i.item.state,
                    state_label: i.item.state_label.to_owned(),
                    deadline_label: i.item.deadline_label.to_owned(),
                    late: i.item.late,
                })
                .collect(),
            recheck: v.now.map(|w| LevelCheck {
                level: w.level.code().to_owned(),
                as_of: v.now_as_of.clone(),
                reasons: details(&w.reasons),
            }),
            at_acceptance: v.accept_level.map(|lv| LevelCheck {
                level: lv.code().to_owned(),
                as_of: None,
                reasons: details(&v.accept_reasons),
            }),
            id: l.id,
            year: l.year,
            org_id: l.org_id,
            org_name: l.org_name,
            owner_org_id: l.owner_org_id,
            owner_name: l.owner_name,
            entry_reason: l.entry_reason,
            analysis: l.analysis,
            goal: l.goal,
            measures: l.measures,
            deadline: l.deadline,
            responsible: l.responsible,
            contact_leader: l.contact_leader,
            accept_note: l.accept_note,
            accepted_by: l.accepted_by,
            accepted_at: l.accepted_at,
        }
    }
}

/// Query of `GET /rectify`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct RectifyQuery {
    /// 年度，如 2026；默认为今年
    #[param(value_type = Option<i32>)]
    pub year: String,
}

/// 年度排查与整改概况
///
/// 当前用户管辖范围内各乡镇（单位）的排查数量（预警、拟列入、增补、移出，不平均分配名额）和已确认的整改名单及其状态。
#[utoipa::path(
    get,
    path = "/rectify",
    operation_id = "getRectifyOverview",
    tag = "rectify",
    params(RectifyQuery),
    responses(
        (status = 200, description = "年度概况", body = RectifyOverviewDto),
        (status = 403, description = "无权访问", body = super::dto::Error),
        (status = 422, description = "年度无效", body = super::dto::Error),
    )
)]
pub(super) async fn overview(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<RectifyQuery>,
) -> Result<Json<RectifyOverviewDto>, ApiError> {
    let year = rectify::year_or_current(&st.svc, &q.year)?;
    Ok(Json(ledger::overview(&st.svc, &actor, year).await?.into()))
}

/// 整改台账
///
/// 一个党组织的整改台账：问题分析、整改方案、联系县领导、整改事项、指标复核和验收情况。
#[utoipa::path(
    get,
    path = "/rectify/ledgers/{id}",
    operation_id = "getRectifyLedger",
    tag = "rectify",
    params(("id" = i64, Path, description = "台账编号", minimum = 1)),
    responses(
        (status = 200, description = "整改台账", body = LedgerDto),
        (status = 403, description = "无权访问或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "台账不存在", body = super::dto::Error),
    )
)]
pub(super) async fn get(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiId(id): ApiId,
) -> Result<Json<LedgerDto>, ApiError> {
    Ok(Json(ledger::get(&st.svc, &actor, id).await?.into()))
}
