//! API-facing shapes: what the JSON API accepts and returns, converted from
//! and to the service's forms and the store's rows. They carry the OpenAPI
//! schemas, so the store stays free of documentation concerns.
//!
//! Input bodies are lenient in the way JSON clients expect: text fields also
//! take numbers and `null`, numeric fields also take numeric strings, unknown
//! fields are ignored (so a `GET` answer can be edited and sent back with
//! `PUT`). Validation itself is the service's.

use dangjian_service::members::{MemberForm, MemberPage};
use dangjian_service::orgs::OrgForm;
use dangjian_service::store::member::{MemberListRow, MemberRow, TransferRow};
use dangjian_service::store::org::{ChildRow, OrgRow};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{KnownFormat, SchemaFormat};
use utoipa::{IntoParams, ToSchema};

// ---------------------------------------------------------------- schemas

fn codes(description: &str, values: &[&str]) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
}

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

fn gender_schema() -> ObjectBuilder {
    codes("性别：male 男、female 女", &["male", "female"])
}

fn category_schema() -> ObjectBuilder {
    codes(
        "人员类别：full 正式党员、probationary 预备党员",
        &["full", "probationary"],
    )
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

fn input_org_id_schema() -> ObjectBuilder {
    text_or_number("所在党组织编号", Type::Integer)
}

fn input_transfer_org_schema() -> ObjectBuilder {
    text_or_number("转入党组织编号", Type::Integer)
}

fn input_gender_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "性别代码（male、female）；可留空，由公民身份号码推出，填写时须与号码一致",
        ))
}

fn input_category_schema() -> ObjectBuilder {
    category_schema()
}

fn input_birth_schema() -> ObjectBuilder {
    date_or_empty("出生日期；可留空，由公民身份号码推出，填写时须与号码一致")
}

fn input_joined_schema() -> ObjectBuilder {
    date("入党日期（YYYY-MM-DD）")
}

fn input_full_on_schema() -> ObjectBuilder {
    date_or_empty("转正日期，正式党员填写")
}

fn input_dissolved_on_schema() -> ObjectBuilder {
    date("撤销日期（YYYY-MM-DD），不能晚于今天")
}

fn input_on_date_schema() -> ObjectBuilder {
    date("转接日期（YYYY-MM-DD），不能晚于今天")
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

fn birth_year(birth_month: &str) -> Option<i32> {
    birth_month.get(..4)?.parse().ok()
}

/// A party member (党员). Identity numbers are only ever shown masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "党员信息；公民身份号码与联系电话只以脱敏形式返回")]
pub struct Member {
    pub id: i64,
    /// 所在党组织编号
    pub org_id: i64,
    pub name: String,
    #[schema(schema_with = gender_schema)]
    pub gender: String,
    /// 出生年份（出生日期只随查看完整号码给出）
    pub birth_year: Option<i32>,
    pub ethnicity: String,
    pub education: String,
    #[schema(schema_with = category_schema)]
    pub category: String,
    #[schema(format = Date)]
    pub joined_on: String,
    /// 转正日期；预备党员为 null
    #[schema(required = true, format = Date)]
    pub full_on: Option<String>,
    /// 是否已延长预备期
    pub probation_extended: bool,
    pub post: String,
    pub address: String,
    /// 脱敏的公民身份号码
    pub id_card_masked: String,
    /// 脱敏的联系电话；未登记时为空字符串
    pub phone_masked: String,
    /// 状态：active 在册
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<MemberRow> for Member {
    fn from(m: MemberRow) -> Self {
        Self {
            id: m.id,
            org_id: m.org_id,
            name: m.name,
            gender: m.gender,
            birth_year: birth_year(&m.birth_month),
            ethnicity: m.ethnicity,
            education: m.education,
            category: m.category,
            joined_on: m.joined_on,
            full_on: m.full_on,
            probation_extended: m.probation_extended != 0,
            post: m.post,
            address: m.address,
            id_card_masked: m.id_card_masked,
            phone_masked: m.phone_masked,
            status: m.status,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// One row of the member list.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "党员列表中的一行")]
pub struct MemberListItem {
    pub id: i64,
    pub org_id: i64,
    /// 所在党组织名称
    pub org_name: String,
    pub name: String,
    #[schema(schema_with = gender_schema)]
    pub gender: String,
    /// 出生年份
    pub birth_year: Option<i32>,
    #[schema(schema_with = category_schema)]
    pub category: String,
    #[schema(format = Date)]
    pub joined_on: String,
    pub post: String,
    pub id_card_masked: String,
    pub phone_masked: String,
}

impl From<MemberListRow> for MemberListItem {
    fn from(m: MemberListRow) -> Self {
        Self {
            id: m.id,
            org_id: m.org_id,
            org_name: m.org_name,
            name: m.name,
            gender: m.gender,
            birth_year: birth_year(&m.birth_month),
            category: m.category,
            joined_on: m.joined_on,
            post: m.post,
            id_card_masked: m.id_card_masked,
            phone_masked: m.phone_masked,
        }
    }
}

/// One page of the filtered member list (50 a page).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = MemberPage)]
#[schema(description = "党员列表的一页（每页 50 条）")]
pub struct MemberPageDto {
    /// 符合条件的党员数；`capped` 为 true 时表示"超过此数"
    pub total: i64,
    /// 计数是否在上限（10000）处截止
    pub capped: bool,
    pub page: i64,
    pub pages: i64,
    pub per_page: i64,
    pub items: Vec<MemberListItem>,
}

impl From<MemberPage> for MemberPageDto {
    fn from(p: MemberPage) -> Self {
        Self {
            total: p.total,
            capped: p.capped,
            page: p.page,
            pages: p.pages,
            per_page: dangjian_service::members::PER_PAGE,
            items: p.rows.into_iter().map(MemberListItem::from).collect(),
        }
    }
}

/// A past transfer (组织关系转接) of a member.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "一次组织关系转接记录")]
pub struct Transfer {
    pub id: i64,
    pub from_org_id: i64,
    pub from_org_name: String,
    pub to_org_id: i64,
    pub to_org_name: String,
    #[schema(format = Date)]
    pub on_date: String,
    pub reason: String,
}

impl From<TransferRow> for Transfer {
    fn from(t: TransferRow) -> Self {
        Self {
            id: t.id,
            from_org_id: t.from_org_id,
            from_org_name: t.from_org_name,
            to_org_id: t.to_org_id,
            to_org_name: t.to_org_name,
            on_date: t.on_date,
            reason: t.reason,
        }
    }
}

/// A member with the name of their organization and their transfers,
/// newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(description = "党员详情：党员信息、所在组织名称和转接记录（新的在前）")]
pub struct MemberDetail {
    pub member: Member,
    /// 所在党组织名称
    pub org_name: String,
    pub transfers: Vec<Transfer>,
}

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

// ---------------------------------------------------------------- inputs

/// Lenient deserializers for input fields.
mod flex {
    use serde::Deserializer;
    use serde::de::{self, Unexpected, Visitor};
    use std::fmt;

    /// Text from a string, an integer or `null` (→ empty).
    pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_any(TextVisitor)
    }

    struct TextVisitor;

    impl<'de> Visitor<'de> for TextVisitor {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("文本")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }

        fn visit_unit<E: de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }

        fn visit_none<E: de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
            text(d)
        }
    }

    /// An id from an integer or a string of digits; `null` or an empty
    /// string is absent.
    pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        d.deserialize_any(IdVisitor)
    }

    struct IdVisitor;

    impl<'de> Visitor<'de> for IdVisitor {
        type Value = Option<i64>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("整数编号")
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let t = v.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<i64>()
                .map(Some)
                .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            id(d)
        }
    }
}

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

/// The member form. On `PUT`, empty `id_card` and `phone` keep the stored
/// numbers, and `org_id` must stay the same (use the transfer endpoint).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
#[schema(
    description = "党员表单。修改时身份证号、电话留空表示不变，所在组织不能在此变更（请用转接接口）"
)]
pub struct MemberInput {
    #[serde(deserialize_with = "flex::text")]
    #[schema(required = true, schema_with = input_org_id_schema)]
    pub org_id: String,
    /// 姓名
    #[serde(deserialize_with = "flex::text")]
    #[schema(required = true)]
    pub name: String,
    /// 18 位公民身份号码；新建时必填，修改时留空表示不变
    #[serde(deserialize_with = "flex::text")]
    pub id_card: String,
    #[serde(deserialize_with = "flex::text")]
    #[schema(schema_with = input_gender_schema)]
    pub gender: String,
    #[serde(deserialize_with = "flex::text")]
    #[schema(schema_with = input_birth_schema)]
    pub birth_date: String,
    /// 民族
    #[serde(deserialize_with = "flex::text")]
    pub ethnicity: String,
    /// 学历：小学、初中、高中、中专、大专、本科、研究生、其他
    #[serde(deserialize_with = "flex::text")]
    pub education: String,
    #[serde(deserialize_with = "flex::text")]
    #[schema(required = true, schema_with = input_category_schema)]
    pub category: String,
    #[serde(deserialize_with = "flex::text")]
    #[schema(required = true, schema_with = input_joined_schema)]
    pub joined_on: String,
    #[serde(deserialize_with = "flex::text")]
    #[schema(schema_with = input_full_on_schema)]
    pub full_on: String,
    /// 工作岗位
    #[serde(deserialize_with = "flex::text")]
    pub post: String,
    /// 11 位手机号码；修改时留空表示不变
    #[serde(deserialize_with = "flex::text")]
    pub phone: String,
    /// 家庭住址
    #[serde(deserialize_with = "flex::text")]
    pub address: String,
}

impl MemberInput {
    pub fn into_form(self) -> MemberForm {
        MemberForm {
            org_id: self.org_id,
            name: self.name,
            id_card: self.id_card,
            gender: self.gender,
            birth_date: self.birth_date,
            ethnicity: self.ethnicity,
            education: self.education,
            category: self.category,
            joined_on: self.joined_on,
            full_on: self.full_on,
            post: self.post,
            phone: self.phone,
            address: self.address,
        }
    }
}

/// A transfer to another organization (组织关系转接).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
#[schema(description = "组织关系转接")]
pub struct MemberTransfer {
    #[serde(deserialize_with = "flex::text")]
    #[schema(required = true, schema_with = input_transfer_org_schema)]
    pub org_id: String,
    #[serde(deserialize_with = "flex::text")]
    #[schema(required = true, schema_with = input_on_date_schema)]
    pub on_date: String,
    /// 转接原因，最多 200 字
    #[serde(deserialize_with = "flex::text")]
    #[schema(required = true)]
    pub reason: String,
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

/// Query of `GET /members`; every filter is optional.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct MembersQuery {
    /// 党组织编号，列出该组织及其下级的党员；默认为当前用户所在组织
    #[param(value_type = Option<i64>)]
    pub org: String,
    /// 人员类别：full 正式党员、probationary 预备党员
    #[param(value_type = Option<String>)]
    pub category: String,
    /// 所属领域代码，如 rural、community
    #[param(value_type = Option<String>)]
    pub sector: String,
    /// 年龄段：lt35、35_45、46_60、61_70、gt70
    #[param(value_type = Option<String>)]
    pub age: String,
    /// 入党年份（四位数字）
    #[param(value_type = Option<i64>)]
    pub joined_year: String,
    /// 姓名关键词
    #[param(value_type = Option<String>)]
    pub q: String,
    /// 页码，从 1 开始
    #[param(value_type = Option<i64>, minimum = 1)]
    pub page: String,
}

impl MembersQuery {
    pub fn into_query(self) -> dangjian_service::members::MemberQuery {
        dangjian_service::members::MemberQuery {
            org: self.org,
            category: self.category,
            sector: self.sector,
            age: self.age,
            joined_year: self.joined_year,
            q: self.q,
            page: self.page,
        }
    }
}
