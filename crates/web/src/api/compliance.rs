//! Compliance and policy endpoints: the matrix of an organization's scope
//! over a window of months, what is still due in the current periods, and
//! the active policy profile with its text. Same scope rules as the pages;
//! the shapes below mirror the service's views with OpenAPI schemas.

use super::{ApiQuery, ApiUser};
use crate::AppState;
use crate::compliance::window_of;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use dangjian_domain::obligations::{Cell, Status, Tally};
use dangjian_service::ServiceError;
use dangjian_service::compliance::{
    self, ComplianceView, DueItem, DueView, MatrixRow, ObligationView, OrgBrief, PeriodView,
    VersionUsed,
};
use dangjian_service::policy;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An organization as the compliance views name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgRef {
    pub id: i64,
    pub name: String,
    /// 组织类别代码（committee、branch 等）
    pub kind: String,
    /// 在树中的层级（根为 0）
    pub depth: i64,
}

impl From<OrgBrief> for OrgRef {
    fn from(o: OrgBrief) -> Self {
        Self {
            id: o.id,
            name: o.name,
            kind: o.kind,
            depth: o.depth,
        }
    }
}

/// A period column.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeriodDto {
    /// 如“2026年第3季度”
    pub label: String,
    /// 首日 YYYY-MM-DD
    pub start: String,
    /// 末日 YYYY-MM-DD
    pub end: String,
    /// 考核该期所用的政策配置版本（本库中的序号；每期按其首日适用的版本）
    pub profile_version: i64,
}

impl From<PeriodView> for PeriodDto {
    fn from(p: PeriodView) -> Self {
        Self {
            label: p.label,
            start: p.start,
            end: p.end,
            profile_version: p.profile_version,
        }
    }
}

/// A profile version used for a result, with the days it is in force.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionDto {
    /// 本库中的版本序号
    pub version: i64,
    /// 配置文件声明的版本号
    pub label: String,
    pub hash: String,
    /// 生效首日 YYYY-MM-DD（假设计算时为最初）
    pub from: String,
    /// 适用末日 YYYY-MM-DD；尚无后续版本时为 null
    pub to: Option<String>,
}

impl From<VersionUsed> for VersionDto {
    fn from(v: VersionUsed) -> Self {
        Self {
            version: v.version,
            label: v.label,
            hash: v.hash,
            from: v.from,
            to: v.to,
        }
    }
}

/// Counts over an organization and everything below it for one period.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct TallyDto {
    /// 应考核的组织数
    pub applicable: u32,
    pub met: u32,
    pub missed: u32,
    pub due_soon: u32,
    pub open: u32,
}

impl From<Tally> for TallyDto {
    fn from(t: Tally) -> Self {
        Self {
            applicable: t.applicable,
            met: t.met,
            missed: t.missed,
            due_soon: t.due_soon,
            open: t.open,
        }
    }
}

fn status_code(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::Missed => "missed",
        Status::DueSoon => "due_soon",
        Status::Open => "open",
        Status::NotInForce => "not_in_force",
    }
}

/// One organization's standing in one period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CellDto {
    /// 计入的记录数
    pub count: u32,
    /// met 已完成、missed 未完成、due_soon 即将到期、open 进行中、not_in_force 不考核
    pub status: &'static str,
    pub status_label: &'static str,
}

impl From<Cell> for CellDto {
    fn from(c: Cell) -> Self {
        Self {
            count: c.count,
            status: status_code(c.status),
            status_label: c.status.label(),
        }
    }
}

/// A row: the scope organization itself or one of its direct children.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatrixRowDto {
    pub org: OrgRef,
    /// 本组织自身各期情况（本组织不受该规定约束时为 null）
    pub own: Option<Vec<CellDto>>,
    /// 本组织及其下级各期合计
    pub subtree: Vec<TallyDto>,
}

impl From<MatrixRow> for MatrixRowDto {
    fn from(r: MatrixRow) -> Self {
        Self {
            org: r.org.into(),
            own: r.own.map(|v| v.into_iter().map(CellDto::from).collect()),
            subtree: r.subtree.into_iter().map(TallyDto::from).collect(),
        }
    }
}

/// One obligation over the scope.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObligationDto {
    pub code: String,
    pub label: String,
    /// 如“每季度至少1次”
    pub requirement: String,
    pub basis: String,
    pub record_type: String,
    pub periods: Vec<PeriodDto>,
    /// 整个范围各期合计（“18/21 已完成”）
    pub total: Vec<TallyDto>,
    pub rows: Vec<MatrixRowDto>,
}

impl From<ObligationView> for ObligationDto {
    fn from(o: ObligationView) -> Self {
        Self {
            code: o.code,
            label: o.label,
            requirement: o.requirement,
            basis: o.basis,
            record_type: o.record_type,
            periods: o.periods.into_iter().map(PeriodDto::from).collect(),
            total: o.total.into_iter().map(TallyDto::from).collect(),
            rows: o.rows.into_iter().map(MatrixRowDto::from).collect(),
        }
    }
}

/// The compliance matrix of a scope.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplianceDto {
    /// 区间最后各期所用政策配置的版本（本库中的序号）
    pub profile_version: i64,
    pub profile_label: String,
    pub profile_hash: String,
    /// 区间内各期所用的全部版本（按生效先后）；跨两个版本时两者都列出
    pub versions: Vec<VersionDto>,
    /// 假设计算：所有周期都按此版本计算（非正式结果，不保存）；正式结果为 null
    pub what_if: Option<i64>,
    /// 计算依据的中文说明，如“按政策配置第1版（…）和第2版（…）计算”
    pub basis: String,
    pub org: OrgRef,
    /// 统计区间首日、末日（YYYY-MM-DD）
    pub from: String,
    pub to: String,
    pub today: String,
    pub obligations: Vec<ObligationDto>,
}

impl From<ComplianceView> for ComplianceDto {
    fn from(v: ComplianceView) -> Self {
        let basis = v.basis_text();
        Self {
            profile_version: v.profile_version,
            profile_label: v.profile_label,
            profile_hash: v.profile_hash,
            versions: v.versions.into_iter().map(VersionDto::from).collect(),
            what_if: v.what_if,
            basis,
            org: v.org.into(),
            from: v.window.from.to_string(),
            to: v.window.to.to_string(),
            today: v.today,
            obligations: v.obligations.into_iter().map(ObligationDto::from).collect(),
        }
    }
}

/// One obligation not yet met in its current period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueItemDto {
    pub org: OrgRef,
    pub obligation: String,
    pub label: String,
    pub requirement: String,
    pub record_type: String,
    pub period: PeriodDto,
    /// 距本期末日的天数（末日当天为 0）
    pub days_left: i32,
    pub count: u32,
    pub at_least: u32,
    /// due_soon 即将到期 或 open 进行中
    pub status: &'static str,
    pub status_label: &'static str,
}

impl From<DueItem> for DueItemDto {
    fn from(i: DueItem) -> Self {
        Self {
            org: i.org.into(),
            obligation: i.obligation,
            label: i.label,
            requirement: i.requirement,
            record_type: i.record_type,
            period: i.period.into(),
            days_left: i.days_left,
            count: i.count,
            at_least: i.at_least,
            status: status_code(i.status),
            status_label: i.status_label,
        }
    }
}

/// What an organization and its direct children still have to do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueDto {
    pub profile_version: i64,
    pub today: String,
    /// 即将到期的在前，其次按剩余天数
    pub items: Vec<DueItemDto>,
}

impl From<DueView> for DueDto {
    fn from(v: DueView) -> Self {
        Self {
            profile_version: v.profile_version,
            today: v.today,
            items: v.items.into_iter().map(DueItemDto::from).collect(),
        }
    }
}

/// The active policy profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyDto {
    /// 本库中的版本序号
    pub version: i64,
    /// 配置文件声明的版本号
    pub label: String,
    pub name: String,
    pub region: String,
    /// 配置文本的 SHA-256（十六进制）
    pub hash: String,
    pub created_by: String,
    pub created_at: String,
    /// 生效日期 YYYY-MM-DD（内置默认配置为 1921-07-01，即最初）
    pub effective_from: String,
    /// 配置文件全文（TOML）
    pub content: String,
}

/// Query of `GET /compliance`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    /// 组织编号；默认为当前用户所在组织
    #[param(value_type = Option<i64>)]
    pub org: String,
    /// 开始月份 YYYY-MM；默认为含本月在内的最近 6 个月的第一个月
    #[param(value_type = Option<String>)]
    pub from: String,
    /// 结束月份 YYYY-MM；默认为本月（最多 24 个月）
    #[param(value_type = Option<String>)]
    pub to: String,
    /// 假设计算：所有周期都按第几版政策配置计算（非正式结果，不保存）；默认按各期适用的版本
    #[param(value_type = Option<i64>)]
    pub version: String,
}

/// Query of `GET /compliance/due`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// 组织编号；默认为当前用户所在组织
    #[param(value_type = Option<i64>)]
    pub org: String,
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

/// 规定动作完成情况
///
/// 组织 `org` 及其直接下级在所选月份内各项规定动作的完成情况，含各期合计和所用政策配置版本。
#[utoipa::path(
    get,
    path = "/compliance",
    operation_id = "getCompliance",
    tag = "compliance",
    params(ComplianceQuery),
    responses(
        (status = 200, description = "完成情况", body = ComplianceDto),
        (status = 403, description = "无权访问或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "组织不存在", body = super::dto::Error),
        (status = 422, description = "参数无效", body = super::dto::Error),
    )
)]
pub(super) async fn matrix(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
) -> Result<Json<ComplianceDto>, ApiError> {
    let org = org_of(&actor, &q.org)?;
    let (window, errors) = window_of(st.svc.clock.today(), &q.from, &q.to);
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors).into());
    }
    let what_if = match q.version.trim() {
        "" => None,
        v => Some(
            v.parse::<i64>()
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| ApiError::invalid("version", "版本应为正整数，例如 2"))?,
        ),
    };
    let view = compliance::for_scope_as(&st.svc, &actor, org, window, what_if).await?;
    Ok(Json(view.into()))
}

/// 本期待完成事项
///
/// 组织 `org` 及其直接下级在当前各期尚未完成的规定动作，即将到期的在前。
#[utoipa::path(
    get,
    path = "/compliance/due",
    operation_id = "getComplianceDue",
    tag = "compliance",
    params(DueQuery),
    responses(
        (status = 200, description = "待完成事项", body = DueDto),
        (status = 403, description = "无权访问或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "组织不存在", body = super::dto::Error),
        (status = 422, description = "参数无效", body = super::dto::Error),
    )
)]
pub(super) async fn due(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> Result<Json<DueDto>, ApiError> {
    let org = org_of(&actor, &q.org)?;
    Ok(Json(
        compliance::due_soon(&st.svc, &actor, org).await?.into(),
    ))
}

/// 当前政策配置
///
/// 今天适用的政策配置：版本、名称、校验码、上传人和时间、生效日期，以及配置文件全文（TOML）。
#[utoipa::path(
    get,
    path = "/policy",
    operation_id = "getPolicy",
    tag = "compliance",
    responses(
        (status = 200, description = "当前政策配置", body = PolicyDto),
        (status = 403, description = "无权访问", body = super::dto::Error),
    )
)]
pub(super) async fn active_policy(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<PolicyDto>, ApiError> {
    let v = policy::view(&st.svc, &actor).await?;
    let file = policy::download(&st.svc, &actor, Some(v.active.version)).await?;
    let row = v.versions.iter().find(|r| r.version == v.active.version);
    let p = &v.active.profile;
    Ok(Json(PolicyDto {
        version: v.active.version,
        label: p.version().to_owned(),
        name: p.name().to_owned(),
        region: p.region().to_owned(),
        hash: p.content_hash().to_owned(),
        created_by: row.map(|r| r.created_by.clone()).unwrap_or_default(),
        created_at: row.map(|r| r.created_at.clone()).unwrap_or_default(),
        effective_from: v.active.effective_from.to_string(),
        content: file.content,
    }))
}
