//! API-facing shapes: what the JSON API accepts and returns, converted from
//! and to the service's forms and the store's rows. They carry the OpenAPI
//! schemas, so the store stays free of documentation concerns.
//!
//! Input bodies are lenient in the way JSON clients expect: text fields also
//! take numbers and `null`, numeric fields also take numeric strings, unknown
//! fields are ignored (so a `GET` answer can be edited and sent back with
//! `PUT`). Validation itself is the service's.
//!
//! One file per capability (`orgs`, `members`); the schema helpers they
//! share and the common answers (`Created`, `Error`) are here.

mod flex;
mod members;
mod orgs;

pub use members::{
    Member, MemberDetail, MemberInput, MemberListItem, MemberPageDto, MemberTransfer, MembersQuery,
    Transfer,
};
pub use orgs::{
    Org, OrgChild, OrgCreate, OrgDissolve, OrgInput, OrgList, OrgMove, OrgWithChildren, OrgsQuery,
    SearchQuery,
};

use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{KnownFormat, SchemaFormat};

// ---------------------------------------------------------------- schemas

fn codes(description: &str, values: &[&str]) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
}

fn date(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .description(Some(description))
}

fn date_or_empty(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::String,
            Type::Null,
        ]))
        .description(Some(format!(
            "{description}（YYYY-MM-DD；空字符串或 null 表示无）"
        )))
}

fn text_or_number(description: &str, number: Type) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            number,
            Type::String,
            Type::Null,
        ]))
        .description(Some(description))
}

// ---------------------------------------------------------------- common answers

/// The id of a newly created record.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "新建记录的编号")]
pub struct Created {
    pub id: i64,
}

/// Every error answer: `{"error": {...}}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "错误答复")]
pub struct Error {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "错误内容")]
pub struct ErrorBody {
    /// unauthenticated、forbidden、not_found、invalid、conflict（409：与他人同时提交的数据冲突，刷新后重试）、bad_request、method_not_allowed、payload_too_large、internal
    pub code: String,
    /// 中文说明
    pub message: String,
    /// 逐字段的错误；与字段无关的错误为空数组
    pub fields: Vec<ErrorField>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "某个字段的错误")]
pub struct ErrorField {
    /// 字段名，如 `name`、`org_id`
    pub field: String,
    pub message: String,
}
