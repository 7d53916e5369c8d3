//! Column tables for member and organization sheets. Imports match headers
//! by name or alias in any order; exports and templates write the canonical
//! header, so an export re-imports cleanly.

/// What a sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetKind {
    Members,
    Orgs,
    /// Manual facts per organization and year (村情登记).
    OrgFacts,
}

impl SheetKind {
    pub fn code(self) -> &'static str {
        match self {
            SheetKind::Members => "members",
            SheetKind::Orgs => "orgs",
            SheetKind::OrgFacts => "org_facts",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "members" => Some(SheetKind::Members),
            "orgs" => Some(SheetKind::Orgs),
            "org_facts" => Some(SheetKind::OrgFacts),
            _ => None,
        }
    }

    /// Chinese name, as in "党员信息导入".
    pub fn label(self) -> &'static str {
        match self {
            SheetKind::Members => "党员",
            SheetKind::Orgs => "党组织",
            SheetKind::OrgFacts => "村情",
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            SheetKind::Members => MEMBER_COLUMNS,
            SheetKind::Orgs => ORG_COLUMNS,
            SheetKind::OrgFacts => FACT_COLUMNS,
        }
    }
}

/// The field a column fills. Member keys are named after the member form
/// fields (`MemberForm` in the service crate), organization keys after the
/// organization form fields, so validation messages map back to a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnKey {
    // members
    Name,
    Gender,
    IdCard,
    Ethnicity,
    BirthDate,
    Education,
    Category,
    JoinedOn,
    FullOn,
    Org,
    Post,
    Phone,
    Address,
    // organizations (Name is shared)
    Parent,
    Kind,
    Sector,
    SecretaryName,
    SecretaryVacantSince,
    UnitName,
    Population,
    // organization facts (Org is shared)
    OrgCode,
    Year,
    Petitions,
    Satisfaction,
    Disclosure,
    Supervision,
}

/// One column of a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub key: ColumnKey,
    /// The header written by exports and templates.
    pub header: &'static str,
    /// Other headers accepted on import (exact match after normalization).
    pub aliases: &'static [&'static str],
    /// A row with this cell empty is refused.
    pub required: bool,
    /// The form field name validation errors use for this column.
    pub field: &'static str,
    /// Holds a date (read in any of the forms clerks write).
    pub is_date: bool,
    /// One line for the template's notes row.
    pub hint: &'static str,
}

const fn col(
    key: ColumnKey,
    header: &'static str,
    aliases: &'static [&'static str],
    required: bool,
    field: &'static str,
    is_date: bool,
    hint: &'static str,
) -> Column {
    Column {
        key,
        header,
        aliases,
        required,
        field,
        is_date,
        hint,
    }
}

/// Member columns, in the order of the national member information set.
pub const MEMBER_COLUMNS: &[Column] = &[
    col(
        ColumnKey::Name,
        "姓名",
        &["党员姓名"],
        true,
        "name",
        false,
        "必填",
    ),
    col(
        ColumnKey::Gender,
        "性别",
        &[],
        false,
        "gender",
        false,
        "男/女，可不填，以公民身份号码为准",
    ),
    col(
        ColumnKey::IdCard,
        "公民身份号码",
        &["身份证号", "身份证号码", "身份证", "证件号码"],
        true,
        "id_card",
        false,
        "必填，18位",
    ),
    col(
        ColumnKey::Ethnicity,
        "民族",
        &[],
        false,
        "ethnicity",
        false,
        "如：汉族",
    ),
    col(
        ColumnKey::BirthDate,
        "出生日期",
        &["出生年月", "出生时间"],
        false,
        "birth_date",
        true,
        "可不填，须与公民身份号码一致",
    ),
    col(
        ColumnKey::Education,
        "学历",
        &["文化程度"],
        false,
        "education",
        false,
        "如：大学本科",
    ),
    col(
        ColumnKey::Category,
        "人员类别",
        &["党员类别", "党员类型"],
        true,
        "category",
        false,
        "必填：正式党员/预备党员",
    ),
    col(
        ColumnKey::JoinedOn,
        "入党日期",
        &["入党时间"],
        true,
        "joined_on",
        true,
        "必填，如 2019-07-01",
    ),
    col(
        ColumnKey::FullOn,
        "转正日期",
        &["转正时间"],
        false,
        "full_on",
        true,
        "正式党员必填，预备党员不填",
    ),
    col(
        ColumnKey::Org,
        "所在党组织",
        &["所在支部", "所在党支部", "党组织", "所在组织"],
        true,
        "org_id",
        false,
        "必填，党组织全称",
    ),
    col(
        ColumnKey::Post,
        "工作岗位",
        &["岗位", "工作单位及职务"],
        false,
        "post",
        false,
        "",
    ),
    col(
        ColumnKey::Phone,
        "联系电话",
        &["手机号", "手机号码", "联系方式", "电话"],
        false,
        "phone",
        false,
        "11位手机号",
    ),
    col(
        ColumnKey::Address,
        "家庭住址",
        &["住址", "家庭地址", "现居住地"],
        false,
        "address",
        false,
        "",
    ),
];

/// Organization columns. 上级党组织 names an organization already in the
/// database or an earlier row of the same file.
pub const ORG_COLUMNS: &[Column] = &[
    col(
        ColumnKey::Name,
        "党组织名称",
        &["组织名称", "党组织全称", "名称"],
        true,
        "name",
        false,
        "必填，全称",
    ),
    col(
        ColumnKey::Parent,
        "上级党组织",
        &["上级组织", "上级党组织名称"],
        true,
        "parent_id",
        false,
        "必填，上级党组织全称",
    ),
    col(
        ColumnKey::Kind,
        "组织类别",
        &["组织类型", "党组织类别", "党组织类型"],
        true,
        "kind",
        false,
        "必填：党委/党组/党总支/党支部/联合党支部/党小组",
    ),
    col(
        ColumnKey::Sector,
        "所属领域",
        &["领域", "单位类别"],
        true,
        "sector",
        false,
        "必填：农村/社区/机关/学校/事业单位/国有企业/非公企业/社会组织",
    ),
    col(
        ColumnKey::SecretaryName,
        "书记",
        &["书记姓名", "党组织书记"],
        false,
        "secretary_name",
        false,
        "书记空缺时不填",
    ),
    col(
        ColumnKey::SecretaryVacantSince,
        "书记空缺起始日期",
        &["书记空缺时间", "书记空缺日期"],
        false,
        "secretary_vacant_since",
        true,
        "书记空缺时填写",
    ),
    col(
        ColumnKey::UnitName,
        "单位名称",
        &["所在单位", "单位"],
        false,
        "unit_name",
        false,
        "",
    ),
    col(
        ColumnKey::Population,
        "人口数",
        &["户籍人口", "人口"],
        false,
        "population",
        false,
        "村、社区填写",
    ),
];

/// Organization facts (村情登记) columns: the organization by name or by
/// its number (at least one per row), the year, and the four facts. An
/// empty fact cell means "not recorded" (the warning reads it as no data).
pub const FACT_COLUMNS: &[Column] = &[
    col(
        ColumnKey::Org,
        "组织名称",
        &["党组织名称", "党组织", "党组织全称", "村(社区)"],
        false,
        "org",
        false,
        "党组织全称；与组织编号至少填一项",
    ),
    col(
        ColumnKey::OrgCode,
        "组织编号",
        &["党组织编号", "组织ID"],
        false,
        "org_code",
        false,
        "系统中的组织编号（组织页面地址中的数字）",
    ),
    col(
        ColumnKey::Year,
        "年度",
        &["年份"],
        true,
        "year",
        false,
        "必填，如 2026",
    ),
    col(
        ColumnKey::Petitions,
        "信访件数",
        &["信访矛盾纠纷件数", "信访和矛盾纠纷件数"],
        false,
        "petitions",
        false,
        "本年度信访和矛盾纠纷件数，0 到 9999；未统计不填",
    ),
    col(
        ColumnKey::Satisfaction,
        "满意度",
        &["群众满意度", "满意度(%)"],
        false,
        "satisfaction",
        false,
        "百分比，0 到 100，最多一位小数，如 85.5；未调查不填",
    ),
    col(
        ColumnKey::Disclosure,
        "村务公开",
        &["是否村务公开"],
        false,
        "disclosure",
        false,
        "是/否；未核查不填",
    ),
    col(
        ColumnKey::Supervision,
        "村务监督委员会",
        &["是否设立村务监督委员会", "村务监督委员会是否设立"],
        false,
        "supervision",
        false,
        "是/否；未核查不填",
    ),
];

/// Finds the column a header names (canonical name or alias), after the
/// caller normalized the header text.
pub fn column_for_header(kind: SheetKind, header: &str) -> Option<&'static Column> {
    kind.columns()
        .iter()
        .find(|c| c.header == header || c.aliases.contains(&header))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn headers_and_aliases_are_unique_per_sheet() {
        for kind in [SheetKind::Members, SheetKind::Orgs, SheetKind::OrgFacts] {
            let mut seen = HashSet::new();
            for c in kind.columns() {
                assert!(seen.insert(c.header), "{}", c.header);
                for a in c.aliases {
                    assert!(seen.insert(*a), "{a}");
                }
            }
        }
    }

    #[test]
    fn aliases_find_their_column() {
        let c = column_for_header(SheetKind::Members, "身份证号码").unwrap();
        assert_eq!(c.key, ColumnKey::IdCard);
        let c = column_for_header(SheetKind::Members, "入党时间").unwrap();
        assert_eq!(c.key, ColumnKey::JoinedOn);
        assert!(column_for_header(SheetKind::Members, "籍贯").is_none());
    }
}
