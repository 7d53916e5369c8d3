//! The organization tree (党组织): kinds, sectors, names, the materialized
//! path that makes "everything under this township" one index range, the
//! rules for moving a subtree and the default committee-term rules (届次).

use crate::error::{FieldError, text_field};
use crate::ids::OrgId;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Kind of organization (组织类别).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 党委 (county committee, township committee, 基层党委)
    Committee,
    /// 党组
    LeadingGroup,
    /// 党总支
    GeneralBranch,
    /// 党支部
    Branch,
    /// 联合党支部
    JointBranch,
    /// 党小组
    Group,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        OrgKind::Committee,
        OrgKind::LeadingGroup,
        OrgKind::GeneralBranch,
        OrgKind::Branch,
        OrgKind::JointBranch,
        OrgKind::Group,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrgKind::Committee => "committee",
            OrgKind::LeadingGroup => "leading_group",
            OrgKind::GeneralBranch => "general_branch",
            OrgKind::Branch => "branch",
            OrgKind::JointBranch => "joint_branch",
            OrgKind::Group => "group",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OrgKind::Committee => "党委",
            OrgKind::LeadingGroup => "党组",
            OrgKind::GeneralBranch => "党总支",
            OrgKind::Branch => "党支部",
            OrgKind::JointBranch => "联合党支部",
            OrgKind::Group => "党小组",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Parses a form value (code or Chinese label).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v = raw.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.code() == v || k.label() == v)
            .ok_or_else(|| FieldError::new("kind", "请选择组织类别"))
    }

    /// Branches and joint branches are where members' organizational life happens.
    pub fn is_branch(self) -> bool {
        matches!(self, OrgKind::Branch | OrgKind::JointBranch)
    }
}

/// Sector (领域) of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    /// 农村
    Rural,
    /// 社区
    Community,
    /// 机关
    Government,
    /// 学校
    School,
    /// 事业单位
    PublicInstitution,
    /// 国有企业
    StateEnterprise,
    /// 非公企业
    PrivateEnterprise,
    /// 社会组织
    SocialOrganization,
}

impl Sector {
    pub const ALL: [Sector; 8] = [
        Sector::Rural,
        Sector::Community,
        Sector::Government,
        Sector::School,
        Sector::PublicInstitution,
        Sector::StateEnterprise,
        Sector::PrivateEnterprise,
        Sector::SocialOrganization,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Sector::Rural => "rural",
            Sector::Community => "community",
            Sector::Government => "government",
            Sector::School => "school",
            Sector::PublicInstitution => "public_institution",
            Sector::StateEnterprise => "state_enterprise",
            Sector::PrivateEnterprise => "private_enterprise",
            Sector::SocialOrganization => "social_organization",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sector::Rural => "农村",
            Sector::Community => "社区",
            Sector::Government => "机关",
            Sector::School => "学校",
            Sector::PublicInstitution => "事业单位",
            Sector::StateEnterprise => "国有企业",
            Sector::PrivateEnterprise => "非公企业",
            Sector::SocialOrganization => "社会组织",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v = raw.trim();
        Self::ALL
            .into_iter()
            .find(|s| s.code() == v || s.label() == v)
            .ok_or_else(|| FieldError::new("sector", "请选择所属领域"))
    }
}

/// Organization name: 2 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName(String);

impl OrgName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v = text_field("name", "组织名称", raw, true, 100)?;
        if v.chars().count() < 2 {
            return Err(FieldError::new("name", "组织名称至少2个字"));
        }
        Ok(Self(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Materialized path of an organization: `/1/7/42/` lists the ids from the
/// root down to the organization itself, each followed by `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgPath(String);

impl OrgPath {
    /// The path of a root organization.
    pub fn root(id: OrgId) -> Self {
        Self(format!("/{id}/"))
    }

    /// The path of `id` placed under `self`.
    pub fn child(&self, id: OrgId) -> Self {
        Self(format!("{}{id}/", self.0))
    }

    /// Accepts a stored path; returns `None` when it is not of the `/n/…/` form.
    pub fn from_stored(raw: &str) -> Option<Self> {
        let inner = raw.strip_prefix('/')?.strip_suffix('/')?;
        if inner.is_empty()
            || !inner
                .split('/')
                .all(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        Some(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ids from the root down to this organization.
    pub fn ids(&self) -> Vec<OrgId> {
        self.0
            .split('/')
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok().map(OrgId))
            .collect()
    }

    /// Depth in the tree: a root has depth 0.
    pub fn depth(&self) -> usize {
        self.0.matches('/').count() - 2
    }

    /// True when `other` is this organization or lies below it.
    pub fn contains(&self, other: &OrgPath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The exclusive upper bound of the subtree as a string range:
    /// every path in the subtree satisfies `self <= p < upper`. The final `/`
    /// is bumped to `0`, the next byte in ASCII, so the range is one index seek
    /// (SQLite's `LIKE` would scan).
    pub fn subtree_upper(&self) -> String {
        let mut s = self.0.clone();
        s.pop();
        s.push('0');
        s
    }

    /// The path `self` gets when the subtree rooted at `old_root` moves so
    /// that its root now has the path `new_root`.
    pub fn rebased(&self, old_root: &OrgPath, new_root: &OrgPath) -> Option<OrgPath> {
        self.0
            .strip_prefix(&old_root.0)
            .map(|rest| OrgPath(format!("{}{rest}", new_root.0)))
    }
}

/// Why a subtree move is refused.
pub fn check_move(moving: &OrgPath, new_parent: &OrgPath) -> Result<(), FieldError> {
    if moving.contains(new_parent) {
        return Err(FieldError::new(
            "parent_id",
            "不能把组织移动到它自己或它的下级组织之下",
        ));
    }
    Ok(())
}

/// Default committee term length in years (届次): 基层党委 5 years,
/// 总支 and 支部 3 years, village and community organizations 5 years.
/// The active policy profile decides ([`crate::policy::Profile::term_years`]);
/// this built-in fallback agrees with the default profile (tested there).
pub fn default_term_years(kind: OrgKind, sector: Sector) -> i16 {
    if matches!(sector, Sector::Rural | Sector::Community) {
        return 5;
    }
    match kind {
        OrgKind::Committee | OrgKind::LeadingGroup => 5,
        _ => 3,
    }
}

/// The date a term that started on `start` is due for re-election.
pub fn term_due_date(start: Date, years: i16) -> Date {
    start
        .checked_add(jiff::Span::new().years(years))
        .unwrap_or(start)
}

/// Days before the due date from which a term is shown as "due soon".
pub const TERM_WARN_DAYS: i64 = 90;

/// Status of a committee term relative to `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TermStatus {
    Current,
    DueSoon,
    Overdue,
    Completed,
}

impl TermStatus {
    pub fn label(self) -> &'static str {
        match self {
            TermStatus::Current => "任期内",
            TermStatus::DueSoon => "即将到期",
            TermStatus::Overdue => "逾期未换届",
            TermStatus::Completed => "已换届",
        }
    }
}

pub fn term_status(due: Date, actual: Option<Date>, today: Date) -> TermStatus {
    if actual.is_some() {
        return TermStatus::Completed;
    }
    if today > due {
        return TermStatus::Overdue;
    }
    let days = (due - today).get_days();
    if i64::from(days) <= TERM_WARN_DAYS {
        TermStatus::DueSoon
    } else {
        TermStatus::Current
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn subtree_upper_bounds_the_subtree_only() {
        let p = OrgPath::from_stored("/1/7/").unwrap();
        let upper = p.subtree_upper();
        for inside in ["/1/7/", "/1/7/42/", "/1/7/9/3/"] {
            assert!(inside >= p.as_str() && inside < upper.as_str(), "{inside}");
        }
        for outside in ["/1/70/", "/1/8/", "/1/", "/1/6/99/"] {
            assert!(
                !(outside >= p.as_str() && outside < upper.as_str()),
                "{outside}"
            );
        }
    }

    #[test]
    fn stored_paths_are_checked() {
        assert!(OrgPath::from_stored("/1/2/").is_some());
        assert!(OrgPath::from_stored("/1//2/").is_none());
        assert!(OrgPath::from_stored("1/2/").is_none());
        assert!(OrgPath::from_stored("/a/").is_none());
        assert_eq!(OrgPath::from_stored("/1/2/3/").unwrap().depth(), 2);
    }

    #[test]
    fn a_subtree_cannot_move_below_itself() {
        let a = OrgPath::from_stored("/1/7/").unwrap();
        assert!(check_move(&a, &OrgPath::from_stored("/1/7/9/").unwrap()).is_err());
        assert!(check_move(&a, &a).is_err());
        assert!(check_move(&a, &OrgPath::from_stored("/1/8/").unwrap()).is_ok());
    }

    #[test]
    fn term_status_around_the_due_date() {
        let due = jiff::civil::date(2026, 6, 30);
        assert_eq!(
            term_status(due, None, jiff::civil::date(2026, 1, 1)),
            TermStatus::Current
        );
        assert_eq!(
            term_status(due, None, jiff::civil::date(2026, 4, 1)),
            TermStatus::DueSoon
        );
        assert_eq!(term_status(due, None, due), TermStatus::DueSoon);
        assert_eq!(
            term_status(due, None, jiff::civil::date(2026, 7, 1)),
            TermStatus::Overdue
        );
        assert_eq!(
            term_status(due, Some(due), jiff::civil::date(2027, 7, 1)),
            TermStatus::Completed
        );
        assert_eq!(
            term_due_date(jiff::civil::date(2024, 2, 29), 3),
            jiff::civil::date(2027, 2, 28)
        );
    }

    #[test]
    fn names_are_validated() {
        assert!(OrgName::parse("  ").is_err());
        assert!(OrgName::parse("党").is_err());
        assert!(OrgName::parse(&"党".repeat(101)).is_err());
        assert!(OrgName::parse("a\u{0}b").is_err());
        assert_eq!(
            OrgName::parse(" 城关镇党委 ").unwrap().as_str(),
            "城关镇党委"
        );
    }

    fn path_strategy() -> impl Strategy<Value = Vec<i64>> {
        prop::collection::vec(1i64..2000, 1..6)
    }

    fn build(ids: &[i64]) -> OrgPath {
        let mut p = OrgPath::root(OrgId(ids[0]));
        for id in &ids[1..] {
            p = p.child(OrgId(*id));
        }
        p
    }

    proptest! {
        /// Moving a subtree keeps every descendant under the moved root, keeps
        /// the part of the path below the root, and makes the range query find
        /// exactly the moved nodes.
        #[test]
        fn moves_keep_paths_consistent(
            root in path_strategy(),
            tails in prop::collection::vec(path_strategy(), 0..8),
            target in path_strategy(),
        ) {
            let old_root = build(&root);
            let new_parent = build(&target);
            prop_assume!(check_move(&old_root, &new_parent).is_ok());
            let new_root = new_parent.child(*old_root.ids().last().unwrap());
            for tail in &tails {
                let mut p = old_root.clone();
                for id in tail { p = p.child(OrgId(*id)); }
                let moved = p.rebased(&old_root, &new_root).unwrap();
                prop_assert!(new_root.contains(&moved));
                prop_assert!(moved.as_str() >= new_root.as_str());
                prop_assert!(moved.as_str() < new_root.subtree_upper().as_str());
                prop_assert_eq!(moved.depth() - new_root.depth(), p.depth() - old_root.depth());
                prop_assert_eq!(moved.ids().last().copied(), p.ids().last().copied());
                prop_assert!(OrgPath::from_stored(moved.as_str()).is_some());
            }
        }

        #[test]
        fn range_equals_prefix(a in path_strategy(), b in path_strategy()) {
            let pa = build(&a);
            let pb = build(&b);
            let in_range = pb.as_str() >= pa.as_str() && pb.as_str() < pa.subtree_upper().as_str();
            prop_assert_eq!(in_range, pa.contains(&pb));
        }
    }
}
