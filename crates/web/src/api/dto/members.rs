//! Party members (党员): the answers (identity numbers only masked), the
//! member form and transfer bodies, and the list query.

use super::flex;
use super::{codes, date, date_or_empty, text_or_number};
use dangjian_service::members::{MemberForm, MemberPage};
use dangjian_service::store::member::{MemberListRow, MemberRow, TransferRow};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

// ---------------------------------------------------------------- schemas

fn gender_schema() -> ObjectBuilder {
    codes("性别：male 男、female 女", &["male", "female"])
}

fn category_schema() -> ObjectBuilder {
    codes(
        "人员类别：full 正式党员、probationary 预备党员",
        &["full", "probationary"],
    )
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

fn input_on_date_schema() -> ObjectBuilder {
    date("转接日期（YYYY-MM-DD），不能晚于今天")
}

// ---------------------------------------------------------------- outputs

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

// ---------------------------------------------------------------- inputs

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
