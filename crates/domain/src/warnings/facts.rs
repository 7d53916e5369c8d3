//! The plain facts the warning engine reads about one organization. Each
//! `Option` is `None` when the platform has no data for it yet (the village
//! registry, assessments and discipline come later); the indicator reading
//! it then reports "no data", never a pass.

use crate::ids::OrgId;
use crate::org::{OrgKind, Sector};
use jiff::civil::Date;

/// When something last happened: never, or on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Last {
    Never,
    On(Date),
}

/// The current committee term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermFact {
    /// The day the term is due for re-election.
    pub due: Date,
    /// The re-election (换届) has been held.
    pub completed: bool,
}

/// What the engine knows about one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgWarningFacts {
    pub org: OrgId,
    pub kind: OrgKind,
    pub sector: Sector,
    /// First day of the secretary vacancy (缺职起始); `None`: post filled.
    pub secretary_vacant_since: Option<Date>,
    /// Current committee term; `None`: no term recorded.
    pub term: Option<TermFact>,
    /// Last day a development candidate (发展对象) was confirmed.
    pub last_development_candidate: Option<Last>,
    /// Share of obligations met, in permille (0–1000).
    pub compliance_permille: Option<u32>,
    /// Members, probationary ones included.
    pub member_count: u32,
    /// Members' average age in tenths of a year (623 = 62.3 岁); `None`
    /// without members or birth dates.
    pub average_age_tenths: Option<u32>,
    /// Last day a new member joined (入党).
    pub last_new_member: Option<Last>,
    /// This year's collective-economy operating income (经营性收入), in fen.
    pub operating_income_fen: Option<i64>,
    /// Petitions (信访) and disputes recorded this year.
    pub petitions: Option<u32>,
    /// Satisfaction in permille (0–1000).
    pub satisfaction_permille: Option<u32>,
    /// Village affairs disclosed as required (村务公开).
    pub disclosure_ok: Option<bool>,
    /// A village-affairs supervision committee (村务监督委员会) exists.
    pub supervision_committee: Option<bool>,
    /// Last place in the annual assessment.
    pub last_in_assessment: Option<bool>,
    /// Discipline cases in the unit this year.
    pub discipline_cases: Option<u32>,
}

impl OrgWarningFacts {
    /// An organization about which nothing is known but its kind and sector:
    /// no vacancy, no members, every other fact missing.
    pub fn unknown(org: OrgId, kind: OrgKind, sector: Sector) -> Self {
        Self {
            org,
            kind,
            sector,
            secretary_vacant_since: None,
            term: None,
            last_development_candidate: None,
            compliance_permille: None,
            member_count: 0,
            average_age_tenths: None,
            last_new_member: None,
            operating_income_fen: None,
            petitions: None,
            satisfaction_permille: None,
            disclosure_ok: None,
            supervision_committee: None,
            last_in_assessment: None,
            discipline_cases: None,
        }
    }
}
