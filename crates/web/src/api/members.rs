//! Member endpoints: the filtered list, details with transfers, create,
//! edit and transfer.

use super::dto::{
    Created, Member, MemberDetail, MemberInput, MemberPageDto, MemberTransfer, MembersQuery,
    Transfer,
};
use super::{ApiId, ApiJson, ApiQuery, ApiUser, created};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use dangjian_service::members;

/// 党员列表
///
/// 列出某组织及其全部下级的在册党员，可按条件筛选，每页 50 条。
#[utoipa::path(
    get,
    path = "/members",
    operation_id = "listMembers",
    tag = "members",
    params(MembersQuery),
    responses(
        (status = 200, description = "一页党员", body = MemberPageDto),
        (status = 403, description = "无权访问或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "组织不存在", body = super::dto::Error),
        (status = 422, description = "筛选条件无效", body = super::dto::Error),
    )
)]
pub(super) async fn list(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<MembersQuery>,
) -> Result<Json<MemberPageDto>, ApiError> {
    let page = members::list(&st.svc, &actor, &q.into_query()).await?;
    Ok(Json(page.into()))
}

/// 党员详情
///
/// 党员信息（身份证号、电话仅脱敏显示）、所在组织名称和组织关系转接记录。
#[utoipa::path(
    get,
    path = "/members/{id}",
    operation_id = "getMember",
    tag = "members",
    params(("id" = i64, Path, description = "党员编号", minimum = 1)),
    responses(
        (status = 200, description = "党员详情", body = MemberDetail),
        (status = 403, description = "无权访问或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "党员不存在", body = super::dto::Error),
    )
)]
pub(super) async fn get(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiId(id): ApiId,
) -> Result<Json<MemberDetail>, ApiError> {
    let view = members::view(&st.svc, &actor, id).await?;
    Ok(Json(MemberDetail {
        member: view.member.into(),
        org_name: view.org.name,
        transfers: view.transfers.into_iter().map(Transfer::from).collect(),
    }))
}

/// 新增党员
#[utoipa::path(
    post,
    path = "/members",
    operation_id = "createMember",
    tag = "members",
    request_body = MemberInput,
    responses(
        (status = 201, description = "已创建；Location 为新党员的地址", body = Created,
            headers(("location" = String, description = "新党员的地址"))),
        (status = 400, description = "请求体不是有效的 JSON", body = super::dto::Error),
        (status = 403, description = "无权新增或组织不在管辖范围内", body = super::dto::Error),
        (status = 422, description = "输入有误（含身份证号重复）", body = super::dto::Error),
    )
)]
pub(super) async fn create(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<MemberInput>,
) -> Result<Response, ApiError> {
    let id = members::create(&st.svc, &actor, &body.into_form()).await?;
    Ok(created(&format!("/api/v1/members/{id}"), Created { id }))
}

/// 修改党员信息
///
/// 身份证号、电话留空表示不变；变更所在组织请使用组织关系转接。
#[utoipa::path(
    put,
    path = "/members/{id}",
    operation_id = "updateMember",
    tag = "members",
    params(("id" = i64, Path, description = "党员编号", minimum = 1)),
    request_body = MemberInput,
    responses(
        (status = 200, description = "修改后的党员", body = Member),
        (status = 400, description = "请求体不是有效的 JSON", body = super::dto::Error),
        (status = 403, description = "无权修改或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "党员不存在", body = super::dto::Error),
        (status = 422, description = "输入有误", body = super::dto::Error),
    )
)]
pub(super) async fn update(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<MemberInput>,
) -> Result<Json<Member>, ApiError> {
    members::update(&st.svc, &actor, id, &body.into_form()).await?;
    let view = members::view(&st.svc, &actor, id).await?;
    Ok(Json(view.member.into()))
}

/// 组织关系转接
///
/// 把党员转到管辖范围内的另一个正常组织，并记入转接历史。
#[utoipa::path(
    post,
    path = "/members/{id}/transfer",
    operation_id = "transferMember",
    tag = "members",
    params(("id" = i64, Path, description = "党员编号", minimum = 1)),
    request_body = MemberTransfer,
    responses(
        (status = 204, description = "已转接"),
        (status = 400, description = "请求体不是有效的 JSON", body = super::dto::Error),
        (status = 403, description = "无权转接或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "党员不存在", body = super::dto::Error),
        (status = 422, description = "输入有误", body = super::dto::Error),
    )
)]
pub(super) async fn transfer(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<MemberTransfer>,
) -> Result<StatusCode, ApiError> {
    members::transfer(
        &st.svc,
        &actor,
        id,
        &body.org_id,
        &body.on_date,
        &body.reason,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
