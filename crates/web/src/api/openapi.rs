//! The OpenAPI 3.1 document of the API, generated with utoipa from the
//! handlers' `#[utoipa::path]` attributes and the DTO schemas, and served
//! without a token at `GET /api/v1/openapi.json`.

use super::dto;
use super::{compliance, members, orgs, records, rectify, warnings, work};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::sync::LazyLock;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

/// Name of the bearer-token security scheme in the document.
const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "县域党建平台 API",
        description = "党组织与党员管理的 JSON 接口。使用个人访问令牌认证：`Authorization: Bearer <令牌>`（令牌在“个人设置”中创建）。\
                       权限与管辖范围规则与网页相同。所有错误均为 JSON：`{\"error\": {\"code\", \"message\", \"fields\"}}`。",
    ),
    servers((url = "/api/v1")),
    paths(
        serve,
        orgs::list,
        orgs::search,
        orgs::get,
        orgs::create,
        orgs::update,
        orgs::move_org,
        orgs::dissolve,
        members::list,
        members::get,
        members::create,
        members::update,
        members::transfer,
        records::list,
        records::get,
        records::create,
        records::search,
        rectify::overview,
        rectify::get,
        compliance::matrix,
        compliance::due,
        compliance::active_policy,
        work::list,
        work::get,
        work::act,
        work::task,
        warnings::list,
        warnings::history,
    ),
    components(schemas(
        dto::Org,
        dto::OrgChild,
        dto::OrgWithChildren,
        dto::OrgList,
        dto::OrgInput,
        dto::OrgCreate,
        dto::OrgMove,
        dto::OrgDissolve,
        dto::Member,
        dto::MemberListItem,
        dto::MemberPageDto,
        dto::MemberDetail,
        dto::Transfer,
        dto::MemberInput,
        dto::MemberTransfer,
        dto::Created,
        dto::Error,
        dto::ErrorBody,
        dto::ErrorField,
        records::RecordListItem,
        records::RecordPageDto,
        records::RecordMark,
        records::AttendanceLine,
        records::RecordAttachment,
        records::RecordDetailDto,
        records::RecordCreated,
        records::RecordHit,
        records::RecordSearchPage,
        records::AttendanceInput,
        records::RecordInput,
        compliance::ComplianceDto,
        compliance::ObligationDto,
        compliance::MatrixRowDto,
        compliance::CellDto,
        compliance::TallyDto,
        compliance::PeriodDto,
        compliance::VersionDto,
        compliance::OrgRef,
        compliance::DueDto,
        compliance::DueItemDto,
        compliance::PolicyDto,
        rectify::TownshipScreening,
        rectify::LedgerListItem,
        rectify::RectifyOverviewDto,
        rectify::LedgerItem,
        rectify::LevelCheck,
        rectify::LedgerDto,
        work::WorkItemDto,
        work::WorkPageDto,
        work::WorkAttachmentDto,
        work::WorkEventDto,
        work::WorkDetailDto,
        work::WorkActedDto,
        work::TaskUnitDto,
        work::TaskDto,
        work::WorkActionInput,
        warnings::WarningPageDto,
        warnings::OrgWarningDto,
        warnings::WarningReasonDto,
        warnings::NoDataDto,
        warnings::LevelCountsDto,
        warnings::WarningHistoryDto,
    )),
    modifiers(&Security),
    security(("bearer" = [])),
    tags(
        (name = "orgs", description = "党组织"),
        (name = "members", description = "党员"),
        (name = "records", description = "组织生活记录"),
        (name = "compliance", description = "组织生活完成情况与政策配置"),
        (name = "rectify", description = "软弱涣散党组织排查与整改"),
        (name = "work", description = "督办与整改事项"),
        (name = "warnings", description = "软弱涣散预警"),
        (name = "meta", description = "接口说明"),
    ),
)]
struct ApiDoc;

/// Adds the bearer scheme and, to every operation that needs a token, the
/// 401 and 500 answers they all share.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("个人访问令牌（以 dj_ 开头）"))
                    .build(),
            ),
        );
        let error = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Error")))
                .build()
        };
        components.responses.insert(
            "Unauthenticated".to_owned(),
            ResponseBuilder::new()
                .description("缺少访问令牌，或令牌无效、已撤销")
                .content("application/json", error())
                .build()
                .into(),
        );
        components.responses.insert(
            "InternalError".to_owned(),
            ResponseBuilder::new()
                .description("系统错误")
                .content("application/json", error())
                .build()
                .into(),
        );
        for item in doc.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                add_common_responses(op);
            }
        }
    }
}

fn add_common_responses(op: &mut Operation) {
    // An operation with its own, empty requirement list is public.
    let public = op
        .security
        .as_ref()
        .is_some_and(|s| s.iter().all(|r| r == &SecurityRequirement::default()));
    let responses = &mut op.responses.responses;
    if !public {
        responses.insert(
            "401".to_owned(),
            Ref::from_response_name("Unauthenticated").into(),
        );
    }
    responses.insert(
        "500".to_owned(),
        Ref::from_response_name("InternalError").into(),
    );
}

/// The document, serialized once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serializes")
});

/// 接口说明（OpenAPI 3.1）
///
/// 本文档，无需令牌。
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "getOpenApi",
    tag = "meta",
    security(()),
    responses((status = 200, description = "OpenAPI 3.1 文档", content_type = "application/json", body = Object))
)]
pub(super) async fn serve() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        DOCUMENT.as_str(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_describes_every_endpoint() {
        let doc: serde_json::Value = serde_json::from_str(&DOCUMENT).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = &doc["paths"];
        for (path, method) in [
            ("/orgs", "get"),
            ("/orgs", "post"),
            ("/orgs/search", "get"),
            ("/orgs/{id}", "get"),
            ("/orgs/{id}", "put"),
            ("/orgs/{id}/move", "post"),
            ("/orgs/{id}/dissolve", "post"),
            ("/members", "get"),
            ("/members", "post"),
            ("/members/{id}", "get"),
            ("/members/{id}", "put"),
            ("/members/{id}/transfer", "post"),
            ("/records", "get"),
            ("/records", "post"),
            ("/records/{id}", "get"),
            ("/records/search", "get"),
            ("/compliance", "get"),
            ("/compliance/due", "get"),
            ("/policy", "get"),
            ("/rectify", "get"),
            ("/rectify/ledgers/{id}", "get"),
            ("/work", "get"),
            ("/work/{id}", "get"),
            ("/work/{id}/actions", "post"),
            ("/tasks/{id}", "get"),
            ("/warnings", "get"),
            ("/orgs/{id}/warnings", "get"),
        ] {
            let op = &paths[path][method];
            assert!(op.is_object(), "{method} {path}");
            assert!(op["responses"]["401"].is_object(), "{method} {path}");
        }
        assert!(paths["/openapi.json"]["get"]["responses"]["401"].is_null());
        let mut ids: Vec<&str> = paths
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "operation ids are unique");
        assert_eq!(n, 28);
        let schemas = &doc["components"]["schemas"];
        for name in ["Org", "Member", "MemberListItem", "MemberPage", "Error"] {
            assert!(schemas[name].is_object(), "{name}");
        }
        assert_eq!(
            doc["components"]["securitySchemes"][BEARER]["scheme"],
            "bearer"
        );
    }
}
