//! The warning part of a profile (预警指标): which indicators of a weak and
//! lax organization (软弱涣散) are switched on, their thresholds and weights,
//! and how a total weight becomes a level. Only the rules live here; the
//! engine that applies them to an organization's facts is
//! [`crate::warnings`].
//!
//! The set of indicator codes is fixed by the engine — each reads a
//! particular fact — so a profile can tune, weight, restrict or switch off an
//! indicator, but not invent one.

use crate::org::{OrgKind, Sector};
use crate::warnings::{Evidence, Level};
use serde::Serialize;

/// What an indicator measures. Each has a stable code (used in profiles and
/// stored results), the fact it reads and the page its evidence is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Secretary post vacant for more than `threshold` days.
    SecretaryVacant,
    /// Committee term overdue by more than `threshold` days.
    TermOverdue,
    /// No development candidate (发展对象) for `threshold` years or more.
    NoDevelopmentCandidate,
    /// Organizational-life compliance below `threshold` percent.
    OrgLifeCompliance,
    /// Average age above `threshold` years and no new member for `years`.
    AgingMembers,
    /// More than `threshold` members in one branch.
    BranchOversized,
    /// Village affairs (村务) not disclosed as required.
    AffairsDisclosure,
    /// More than `threshold` petitions (信访) and disputes this year.
    PetitionsDisputes,
    /// Collective-economy operating income below `threshold` 万元.
    CollectiveEconomy,
    /// Satisfaction below `threshold` percent.
    Satisfaction,
    /// No village-affairs supervision committee (村务监督委员会).
    SupervisionCommittee,
    /// Last place in the annual assessment.
    LastInAssessment,
    /// At least `threshold` discipline cases in the unit.
    DisciplineCases,
}

/// How an indicator's threshold reads, for messages and documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThresholdRule {
    /// Unit shown after the number, e.g. 天.
    pub unit: &'static str,
    /// Smallest and largest value accepted.
    pub min: u32,
    pub max: u32,
}

impl IndicatorKind {
    pub const ALL: [IndicatorKind; 13] = [
        IndicatorKind::SecretaryVacant,
        IndicatorKind::TermOverdue,
        IndicatorKind::NoDevelopmentCandidate,
        IndicatorKind::OrgLifeCompliance,
        IndicatorKind::AgingMembers,
        IndicatorKind::BranchOversized,
        IndicatorKind::AffairsDisclosure,
        IndicatorKind::PetitionsDisputes,
        IndicatorKind::CollectiveEconomy,
        IndicatorKind::Satisfaction,
        IndicatorKind::SupervisionCommittee,
        IndicatorKind::LastInAssessment,
        IndicatorKind::DisciplineCases,
    ];

    pub fn code(self) -> &'static str {
        match self {
            IndicatorKind::SecretaryVacant => "secretary_vacant",
            IndicatorKind::TermOverdue => "term_overdue",
            IndicatorKind::NoDevelopmentCandidate => "no_development_candidate",
            IndicatorKind::OrgLifeCompliance => "org_life_compliance",
            IndicatorKind::AgingMembers => "aging_members",
            IndicatorKind::BranchOversized => "branch_oversized",
            IndicatorKind::AffairsDisclosure => "affairs_disclosure",
            IndicatorKind::PetitionsDisputes => "petitions_disputes",
            IndicatorKind::CollectiveEconomy => "collective_economy",
            IndicatorKind::Satisfaction => "satisfaction",
            IndicatorKind::SupervisionCommittee => "supervision_committee",
            IndicatorKind::LastInAssessment => "last_in_assessment",
            IndicatorKind::DisciplineCases => "discipline_cases",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The threshold this indicator takes, or `None` for a yes/no indicator.
    pub fn threshold_rule(self) -> Option<ThresholdRule> {
        let rule = |unit, min, max| Some(ThresholdRule { unit, min, max });
        match self {
            IndicatorKind::SecretaryVacant | IndicatorKind::TermOverdue => rule("天", 0, 3660),
            IndicatorKind::NoDevelopmentCandidate => rule("年", 1, 10),
            IndicatorKind::OrgLifeCompliance | IndicatorKind::Satisfaction => rule("%", 1, 100),
            IndicatorKind::AgingMembers => rule("岁", 30, 100),
            IndicatorKind::BranchOversized => rule("名党员", 3, 1000),
            IndicatorKind::PetitionsDisputes => rule("件", 0, 10_000),
            IndicatorKind::CollectiveEconomy => rule("万元", 1, 100_000),
            IndicatorKind::DisciplineCases => rule("件", 1, 1000),
            IndicatorKind::AffairsDisclosure
            | IndicatorKind::SupervisionCommittee
            | IndicatorKind::LastInAssessment => None,
        }
    }

    /// Whether the indicator also takes `years` (the window without new
    /// members of [`IndicatorKind::AgingMembers`]).
    pub fn takes_years(self) -> bool {
        self == IndicatorKind::AgingMembers
    }

    /// The page whose data the indicator reads.
    pub fn evidence(self) -> Evidence {
        match self {
            IndicatorKind::SecretaryVacant => Evidence::OrgDetail,
            IndicatorKind::TermOverdue => Evidence::Terms,
            IndicatorKind::NoDevelopmentCandidate
            | IndicatorKind::AgingMembers
            | IndicatorKind::BranchOversized => Evidence::Members,
            IndicatorKind::OrgLifeCompliance => Evidence::Compliance,
            IndicatorKind::AffairsDisclosure
            | IndicatorKind::PetitionsDisputes
            | IndicatorKind::SupervisionCommittee => Evidence::VillageAffairs,
            IndicatorKind::CollectiveEconomy => Evidence::CollectiveEconomy,
            IndicatorKind::Satisfaction | IndicatorKind::LastInAssessment => Evidence::Assessment,
            IndicatorKind::DisciplineCases => Evidence::Discipline,
        }
    }
}

/// One indicator of the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    pub kind: IndicatorKind,
    /// Chinese name shown to users, e.g. 书记缺职超过3个月.
    pub label: String,
    /// Number (1–12) of the official 软弱涣散 criterion it serves.
    pub criterion: u8,
    /// Switched off: not evaluated at all (neither triggered nor "no data").
    pub enabled: bool,
    /// The threshold in the unit of [`IndicatorKind::threshold_rule`]; 0 for
    /// a yes/no indicator.
    pub threshold: u32,
    /// Window in years, for [`IndicatorKind::AgingMembers`]; 0 otherwise.
    pub years: u32,
    /// Added to the organization's score when triggered (≥ 1).
    pub weight: u32,
    /// When triggered, the level is at least this, whatever the score.
    pub at_least: Option<Level>,
    /// Kinds it applies to; empty means every kind.
    pub kinds: Vec<OrgKind>,
    /// Sectors it applies to; empty means every sector.
    pub sectors: Vec<Sector>,
}

impl Indicator {
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// Whether an organization of this kind and sector is measured by it.
    pub fn applies_to(&self, kind: OrgKind, sector: Sector) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&kind))
            && (self.sectors.is_empty() || self.sectors.contains(&sector))
    }
}

/// Scores from which an organization is yellow, orange and red; below
/// `yellow` it is green. Strictly increasing, each ≥ 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WarningLevels {
    pub yellow: u32,
    pub orange: u32,
    pub red: u32,
}

impl WarningLevels {
    /// The values of the default profile, used when a profile has no
    /// `[warnings]` section (and therefore no indicators).
    pub const DEFAULT: WarningLevels = WarningLevels {
        yellow: 10,
        orange: 30,
        red: 60,
    };

    /// The level a score alone gives.
    pub fn level_of(&self, score: u32) -> Level {
        if score >= self.red {
            Level::Red
        } else if score >= self.orange {
            Level::Orange
        } else if score >= self.yellow {
            Level::Yellow
        } else {
            Level::Green
        }
    }
}
