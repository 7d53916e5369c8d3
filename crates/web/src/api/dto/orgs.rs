//! Organizations (党组织): the answers, the create / edit / move / dissolve
//! bodies and the queries.

use super::flex;
use super::{codes, date, date_or_empty, text_or_number};
use dangjian_service::orgs::OrgForm;
use dangjian_service::store::org::{ChildRow, OrgRow};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

// ---------------------------------------------------------------- schemas

fn org_kind_schema() -> ObjectBuilder {
    codes(
        "组织类别：committee 党委、leading_group 党组、general_branch 党总支、branch 党支部、joint_branch 联合党支部、group 党小组",
        &[
            "committee",
            "leading_group",
            "general_branch",
            "branch",
            "joint_branch",
            "group",
        ],
    )
}

fn sector_schema() -> ObjectBuilder {
    codes(
        "所属领域：rural 农村、community 社区、government 机关、school 学校、public_institution 事业单位、state_enterprise 国有企业、private_enterprise 非公企业、social_organization 社会组织",
        &[
            "rural",
            "community",
            "government",
            "school",
            "public_institution",
            "state_enterprise",
            "private_enterprise",
            "social_organization",
        ],
    )
}

fn org_status_schema() -> ObjectBuilder {
    codes(
        "状态：active 正常、dissolved 已撤销",
        &["active", "dissolved"],
    )
}

fn input_kind_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "组织类别代码（committee、leading_group、general_branch、branch、joint_branch、group）或中文名称",
        ))
}

fn input_sector_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).description(Some(
        "所属领域代码（rural、community、government、school、public_institution、state_enterprise、private_enterprise、social_organization）或中文名称",
    ))
}

fn input_vacant_schema() -> ObjectBuilder {
    date_or_empty("书记缺职起始日期，仅书记缺职时填写")
}

fn input_population_schema() -> ObjectBuilder {
    text_or_number("人口数（0 至 10000000）；空或 null 表示不填", Type::Integer)
}

fn input_dissolved_on_schema() -> ObjectBuilder {
    date("撤销日期（YYYY-MM-DD），不能晚于今天")
}

fn input_parent_schema() -> ObjectBuilder {
    text_or_number("上级组织编号", Type::Integer)
}

// ---------------------------------------------------------------- outputs

/// A party organization (党组织) with its subtree counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "党组织，含下级组织与党员的汇总数")]
pub struct Org {
    pub id: i64,
    /// 上级组织编号；县委（根组织）为 null
    #[schema(required = true)]
    pub parent_id: Option<i64>,
    /// 物化路径，如 `/1/7/42/`
    pub path: String,
    /// 层级，根组织为 0
    pub depth: i64,
    pub name: String,
    #[schema(schema_with = org_kind_schema)]
    pub kind: String,
    #[schema(schema_with = sector_schema)]
    pub sector: String,
    /// 书记姓名；缺职时为空字符串
    pub secretary_name: String,
    /// 书记缺职起始日期
    #[schema(required = true, format = Date)]
    pub secretary_vacant_since: Option<String>,
    pub unit_name: String,
    #[schema(required = true)]
    pub population: Option<i64>,
    #[schema(schema_with = org_status_schema)]
    pub status: String,
    #[schema(required = true, format = Date)]
    pub dissolved_on: Option<String>,
    /// 下级组织总数（不含本级，仅计正常状态）
    pub sub_orgs: i64,
    /// 本级及下级在册党员总数
    pub sub_members: i64,
    /// 其中正式党员
    pub sub_full: i64,
    /// 其中预备党员
    pub sub_probationary: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<OrgRow> for Org {
    fn from(o: OrgRow) -> Self {
        Self {
            id: o.id,
            parent_id: o.parent_id,
            path: o.path,
            depth: o.depth,
            name: o.name,
            kind: o.kind,
            sector: o.sector,
            secretary_name: o.secretary_name,
            secretary_vacant_since: o.secretary_vacant_since,
            unit_name: o.unit_name,
            population: o.population,
            status: o.status,
            dissolved_on: o.dissolved_on,
            sub_orgs: o.sub_orgs,
            sub_members: o.sub_members,
            sub_full: o.sub_full,
            sub_probationary: o.sub_probationary,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// A direct child in an organization's child list: what the tree shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgChild {
    pub id: i64,
    /// 组织名称
    pub name: String,
    /// 组织类别代码
    pub kind: String,
    /// 领域代码
    pub sector: String,
    /// 书记姓名，空表示缺职
    pub secretary_name: String,
    /// active 或 dissolved
    pub status: String,
    /// 下级组织总数（含各级）
    pub sub_orgs: i64,
    /// 党员总数（含各级）
    pub sub_members: i64,
    /// 正式党员总数
    pub sub_full: i64,
    /// 预备党员总数
    pub sub_probationary: i64,
}

impl From<ChildRow> for OrgChild {
    fn from(c: ChildRow) -> Self {
        Self {
            id: c.id,
            name: c.name,
            kind: c.kind,
            sector: c.sector,
            secretary_name: c.secretary_name,
            status: c.status,
            sub_orgs: c.sub_orgs,
            sub_members: c.sub_members,
            sub_full: c.sub_full,
            sub_probationary: c.sub_probationary,
        }
    }
}

/// An organization and its direct children.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "组织及其直接下级组织")]
pub struct OrgWithChildren {
    pub org: Org,
    /// 本页的直接下级组织（每页 100 个；完整信息见 GET /orgs/{id}）
    pub children: Vec<OrgChild>,
    /// 直接下级组织总数
    pub children_total: i64,
    /// 当前页码
    pub page: i64,
    /// 总页数
    pub pages: i64,
}

/// Organizations found by a search (at most 100).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "组织搜索结果（最多 100 个）")]
pub struct OrgList {
    pub items: Vec<Org>,
}

// ---------------------------------------------------------------- inputs

/// The editable fields of an organization.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
#[schema(description = "组织的可编辑字段")]
pub struct OrgInput {
    /// 组织名称，2 至 100 字
    #[serde(deserialize_with = "flex::text")]
    #[schema(required = true)]
    pub name: String,
    #[serde(deserialize_with = "flex::text")]
    #[schema(required = true, schema_with = input_kind_schema)]
    pub kind: String,
    #[serde(deserialize_with = "flex::text")]
    #[schema(required = true, schema_with = input_sector_schema)]
    pub sector: String,
    /// 书记姓名；缺职时留空并填写缺职起始日期
    #[serde(deserialize_with = "flex::text")]
    pub secretary_name: String,
    #[serde(deserialize_with = "flex::text")]
    #[schema(schema_with = input_vacant_schema)]
    pub secretary_vacant_since: String,
    /// 单位名称
    #[serde(deserialize_with = "flex::text")]
    pub unit_name: String,
    #[serde(deserialize_with = "flex::text")]
    #[schema(schema_with = input_population_schema)]
    pub population: String,
}

impl OrgInput {
    pub fn into_form(self) -> OrgForm {
        OrgForm {
            name: self.name,
            kind: self.kind,
            sector: self.sector,
            secretary_name: self.secretary_name,
            secretary_vacant_since: self.secretary_vacant_since,
            unit_name: self.unit_name,
            population: self.population,
        }
    }
}

/// A new organization: its parent and its fields.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
#[schema(description = "新建组织：上级组织编号及组织字段")]
pub struct OrgCreate {
    #[serde(deserialize_with = "flex::id")]
    #[schema(required = true, schema_with = input_parent_schema)]
    pub parent_id: Option<i64>,
    /// 组织名称，2 至 100 字
    #[serde(deserialize_with = "flex::text")]
    #[schema(required = true)]
    pub name: String,
    #[serde(deserialize_with = "flex::text")]
    #[schema(required = true, schema_with = input_kind_schema)]
    pub kind: String,
    #[serde(deserialize_with = "flex::text")]
    #[schema(required = true, schema_with = input_sector_schema)]
    pub sector: String,
    /// 书记姓名；缺职时留空并填写缺职起始日期
    #[serde(deserialize_with = "flex::text")]
    pub secretary_name: String,
    #[serde(deserialize_with = "flex::text")]
    #[schema(schema_with = input_vacant_schema)]
    pub secretary_vacant_since: String,
    /// 单位名称
    #[serde(deserialize_with = "flex::text")]
    pub unit_name: String,
    #[serde(deserialize_with = "flex::text")]
    #[schema(schema_with = input_population_schema)]
    pub population: String,
}

impl OrgCreate {
    pub fn into_parts(self) -> (Option<i64>, OrgForm) {
        let form = OrgInput {
            name: self.name,
            kind: self.kind,
            sector: self.sector,
            secretary_name: self.secretary_name,
            secretary_vacant_since: self.secretary_vacant_since,
            unit_name: self.unit_name,
            population: self.population,
        }
        .into_form();
        (self.parent_id, form)
    }
}

/// Where to move an organization (with everything below it).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
#[schema(description = "调整隶属关系的目标上级组织")]
pub struct OrgMove {
    #[serde(deserialize_with = "flex::id")]
    #[schema(required = true, schema_with = input_parent_schema)]
    pub parent_id: Option<i64>,
}

/// When an organization was dissolved.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
#[schema(description = "撤销日期")]
pub struct OrgDissolve {
    #[serde(deserialize_with = "flex::text")]
    #[schema(required = true, schema_with = input_dissolved_on_schema)]
    pub dissolved_on: String,
}

// ---------------------------------------------------------------- queries

/// Query of `GET /orgs`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct OrgsQuery {
    /// 上级组织编号；默认为当前用户所在组织
    #[param(value_type = Option<i64>)]
    pub parent: String,
    /// 是否包含已撤销的下级组织（true/false，默认 false）
    #[param(value_type = Option<bool>)]
    pub include_dissolved: String,
    /// 下级组织的页码（每页 100 个，默认第 1 页）
    #[param(value_type = Option<i64>)]
    pub page: String,
}

/// Query of `GET /orgs/search`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// 组织名称中的关键词（1 至 50 字），在当前用户的管辖范围内查找
    #[param(required = true)]
    pub q: String,
}
