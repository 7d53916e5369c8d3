//! Organization endpoints: children, search, details, create, edit, move
//! and dissolve.

use super::dto::{
    Org, OrgChild, OrgCreate, OrgDissolve, OrgInput, OrgList, OrgMove, OrgWithChildren, OrgsQuery,
    SearchQuery,
};
use super::{ApiId, ApiJson, ApiQuery, ApiUser, created};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use dangjian_service::ServiceError;
use dangjian_service::orgs;

/// 下级组织列表
///
/// 返回组织 `parent`（默认为当前用户所在组织）及其直接下级组织。
#[utoipa::path(
    get,
    path = "/orgs",
    operation_id = "listOrgChildren",
    tag = "orgs",
    params(OrgsQuery),
    responses(
        (status = 200, description = "组织及其直接下级", body = OrgWithChildren),
        (status = 403, description = "无权访问或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "组织不存在", body = super::dto::Error),
        (status = 422, description = "参数无效", body = super::dto::Error),
    )
)]
pub(super) async fn list(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<OrgsQuery>,
) -> Result<Json<OrgWithChildren>, ApiError> {
    let parent = if q.parent.trim().is_empty() {
        actor.org_id.0
    } else {
        q.parent
            .trim()
            .parse::<i64>()
            .map_err(|_| ApiError::invalid("parent", "组织编号无效"))?
    };
    let include_dissolved = match q.include_dissolved.trim() {
        "" | "false" | "0" => false,
        "true" | "1" => true,
        _ => {
            return Err(ApiError::invalid(
                "include_dissolved",
                "include_dissolved 应为 true 或 false",
            ));
        }
    };
    let page = match q.page.trim() {
        "" => 1,
        p => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| ApiError::invalid("page", "页码应为正整数"))?,
    };
    let view = orgs::tree(&st.svc, &actor, parent, include_dissolved, page).await?;
    let c = view.children;
    Ok(Json(OrgWithChildren {
        org: view.org.into(),
        pages: ((c.total + orgs::CHILDREN_PER_PAGE - 1) / orgs::CHILDREN_PER_PAGE).max(1),
        page: c.page,
        children_total: c.total,
        children: c.rows.into_iter().map(OrgChild::from).collect(),
    }))
}

/// 搜索组织
///
/// 在当前用户的管辖范围内按名称查找组织，最多返回 100 个。
#[utoipa::path(
    get,
    path = "/orgs/search",
    operation_id = "searchOrgs",
    tag = "orgs",
    params(SearchQuery),
    responses(
        (status = 200, description = "匹配的组织", body = OrgList),
        (status = 403, description = "无权访问", body = super::dto::Error),
        (status = 422, description = "搜索词为空或过长", body = super::dto::Error),
    )
)]
pub(super) async fn search(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<OrgList>, ApiError> {
    let rows = orgs::search(&st.svc, &actor, &q.q).await?;
    Ok(Json(OrgList {
        items: rows.into_iter().map(Org::from).collect(),
    }))
}

/// 组织详情
#[utoipa::path(
    get,
    path = "/orgs/{id}",
    operation_id = "getOrg",
    tag = "orgs",
    params(("id" = i64, Path, description = "组织编号", minimum = 1)),
    responses(
        (status = 200, description = "组织", body = Org),
        (status = 403, description = "无权访问或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "组织不存在", body = super::dto::Error),
    )
)]
pub(super) async fn get(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiId(id): ApiId,
) -> Result<Json<Org>, ApiError> {
    Ok(Json(orgs::get(&st.svc, &actor, id).await?.into()))
}

/// 新建下级组织
///
/// 在 `parent_id` 之下新建组织，并自动开始其第一届任期。
#[utoipa::path(
    post,
    path = "/orgs",
    operation_id = "createOrg",
    tag = "orgs",
    request_body = OrgCreate,
    responses(
        (status = 201, description = "已创建；Location 为新组织的地址", body = Org,
            headers(("location" = String, description = "新组织的地址"))),
        (status = 400, description = "请求体不是有效的 JSON", body = super::dto::Error),
        (status = 403, description = "无权新建组织", body = super::dto::Error),
        (status = 422, description = "输入有误（code 为 invalid 或 bad_request）", body = super::dto::Error),
    )
)]
pub(super) async fn create(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<OrgCreate>,
) -> Result<Response, ApiError> {
    let (parent_id, form) = body.into_parts();
    let Some(parent_id) = parent_id else {
        return Err(ApiError::invalid("parent_id", "请选择上级组织"));
    };
    if parent_id <= 0 {
        return Err(ApiError::invalid("parent_id", "上级组织不存在"));
    }
    let org = match orgs::create(&st.svc, &actor, parent_id, &form).await {
        Ok(org) => org,
        // The only thing looked up by id here is the parent.
        Err(ServiceError::NotFound) => {
            return Err(ApiError::invalid("parent_id", "上级组织不存在"));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(created(&format!("/api/v1/orgs/{}", org.id), Org::from(org)))
}

/// 修改组织信息
#[utoipa::path(
    put,
    path = "/orgs/{id}",
    operation_id = "updateOrg",
    tag = "orgs",
    params(("id" = i64, Path, description = "组织编号", minimum = 1)),
    request_body = OrgInput,
    responses(
        (status = 200, description = "修改后的组织", body = Org),
        (status = 400, description = "请求体不是有效的 JSON", body = super::dto::Error),
        (status = 403, description = "无权修改或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "组织不存在", body = super::dto::Error),
        (status = 422, description = "输入有误", body = super::dto::Error),
    )
)]
pub(super) async fn update(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<OrgInput>,
) -> Result<Json<Org>, ApiError> {
    let org = orgs::update(&st.svc, &actor, id, &body.into_form()).await?;
    Ok(Json(org.into()))
}

/// 调整隶属关系
///
/// 把组织连同其全部下级移到 `parent_id` 之下。
#[utoipa::path(
    post,
    path = "/orgs/{id}/move",
    operation_id = "moveOrg",
    tag = "orgs",
    params(("id" = i64, Path, description = "要移动的组织编号", minimum = 1)),
    request_body = OrgMove,
    responses(
        (status = 200, description = "移动后的组织", body = Org),
        (status = 400, description = "请求体不是有效的 JSON", body = super::dto::Error),
        (status = 403, description = "无权移动或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "组织不存在", body = super::dto::Error),
        (status = 422, description = "目标上级组织无效", body = super::dto::Error),
    )
)]
pub(super) async fn move_org(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<OrgMove>,
) -> Result<Json<Org>, ApiError> {
    let Some(parent_id) = body.parent_id else {
        return Err(ApiError::invalid("parent_id", "请选择新的上级组织"));
    };
    let org = orgs::move_org(&st.svc, &actor, id, parent_id).await?;
    Ok(Json(org.into()))
}

/// 撤销组织
///
/// 只能撤销没有在册党员和正常下级组织的组织。
#[utoipa::path(
    post,
    path = "/orgs/{id}/dissolve",
    operation_id = "dissolveOrg",
    tag = "orgs",
    params(("id" = i64, Path, description = "组织编号", minimum = 1)),
    request_body = OrgDissolve,
    responses(
        (status = 204, description = "已撤销"),
        (status = 400, description = "请求体不是有效的 JSON", body = super::dto::Error),
        (status = 403, description = "无权撤销或不在管辖范围内", body = super::dto::Error),
        (status = 404, description = "组织不存在", body = super::dto::Error),
        (status = 422, description = "日期无效或组织仍有党员、下级组织", body = super::dto::Error),
    )
)]
pub(super) async fn dissolve(
    State(st): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<OrgDissolve>,
) -> Result<StatusCode, ApiError> {
    orgs::dissolve(&st.svc, &actor, id, &body.dissolved_on).await?;
    Ok(StatusCode::NO_CONTENT)
}
