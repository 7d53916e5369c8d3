//! The policy profile (政策配置): the rules that differ by province, county
//! and year — record types of organizational life, obligations (规定动作和
//! 频次), committee term rules (届次), organization-setting rules, the
//! warning indicators of weak and lax organizations (预警指标) and when an
//! overdue work item escalates — read from TOML, validated, and refused with
//! line-precise Chinese messages when wrong. The default profile for a Jiangxi county is `default.toml`, embedded
//! in the binary and documented field by field there and in `docs/POLICY.md`.
//!
//! This module only parses and answers questions about a profile. It does not
//! store profiles or choose the active one (the store versions them by
//! [`Profile::content_hash`]), and it does not evaluate records (see
//! [`crate::obligations`]).

mod error;
mod indicators;
mod parse;
pub mod schedule;
pub mod security;

pub use error::ProfileError;
pub use indicators::{Indicator, IndicatorKind, ThresholdRule, WarningLevels};
pub use schedule::{BEGINNING, Dated, Schedule, Span, next_period_start};
pub use security::SecurityPolicy;

use crate::obligations::PeriodKind;
use crate::org::{OrgKind, Sector};
use crate::work::EscalationRule;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// The text of the default profile for a Jiangxi county.
pub const DEFAULT_PROFILE_TOML: &str = include_str!("default.toml");

/// A validated policy profile. Built only by [`Profile::parse`], so every
/// reference inside it (an obligation's record type, a mark) resolves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    version: String,
    name: String,
    region: String,
    record_types: Vec<RecordType>,
    obligations: Vec<Obligation>,
    terms: TermRules,
    org_rules: OrgRules,
    warning_levels: WarningLevels,
    indicators: Vec<Indicator>,
    escalation: EscalationRule,
    security: SecurityPolicy,
    hash: String,
    #[serde(skip)]
    source: String,
}

/// A type of organizational-life record (组织生活记录类型), e.g. 支部党员大会.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordType {
    /// Stable code stored with each record, e.g. `branch_general_meeting`.
    pub code: String,
    /// Chinese name shown to users, e.g. 支部党员大会.
    pub label: String,
    /// A record of this type must carry minutes (会议记录).
    pub minutes_required: bool,
    /// A members' meeting (党员大会): it counts only when more than half of
    /// the voting members are present (see [`quorum_met`]).
    pub members_meeting: bool,
    /// The kinds of organization that may hold it.
    pub held_by: Vec<OrgKind>,
    /// Yes/no marks a record of this type may carry, e.g. 书记讲党课.
    pub marks: Vec<Mark>,
}

impl RecordType {
    pub fn may_be_held_by(&self, kind: OrgKind) -> bool {
        self.held_by.contains(&kind)
    }

    pub fn mark(&self, code: &str) -> Option<&Mark> {
        self.marks.iter().find(|m| m.code == code)
    }
}

/// A yes/no attribute of a record that an obligation may require, e.g. that a
/// 党课 was given by the branch secretary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mark {
    pub code: String,
    pub label: String,
}

/// "Organizations of these kinds (and sectors) must hold records of this type
/// at least `at_least` times per period" (规定动作和频次要求).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Obligation {
    pub code: String,
    pub label: String,
    /// Code of the record type that fulfils it.
    pub record_type: String,
    /// When set, only records carrying this mark count.
    pub mark: Option<String>,
    /// Kinds of organization it applies to (never empty).
    pub kinds: Vec<OrgKind>,
    /// Sectors it applies to; empty means every sector.
    pub sectors: Vec<Sector>,
    /// Applies only to organizations that have a committee (支部委员会).
    pub requires_committee: bool,
    pub period: PeriodKind,
    /// At least this many counting records per period (≥ 1).
    pub at_least: u32,
    /// An unmet obligation is "due soon" from this many days before the
    /// period's last day (0: only on the last day).
    pub due_soon_days: u32,
    /// Where the rule comes from, e.g. 《中国共产党支部工作条例（试行）》.
    pub basis: String,
}

impl Obligation {
    /// Whether an organization of this kind and sector is bound by it.
    pub fn applies_to(&self, kind: OrgKind, sector: Sector, has_committee: bool) -> bool {
        self.kinds.contains(&kind)
            && (self.sectors.is_empty() || self.sectors.contains(&sector))
            && (!self.requires_committee || has_committee)
    }

    /// "每季度至少1次".
    pub fn requirement_label(&self) -> String {
        format!("{}至少{}次", self.period.every_label(), self.at_least)
    }
}

/// Committee term rules (届次): how long a term lasts for each kind and
/// sector, and when a coming re-election starts to be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TermRules {
    /// Days before the due date from which a term is "due soon".
    pub warn_days: u32,
    /// Checked in order; the first that matches decides. Together they cover
    /// every kind and sector (the parser checks).
    pub rules: Vec<TermRule>,
}

/// One term rule: organizations of these kinds and sectors (empty = all)
/// elect their committee every `years` years.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TermRule {
    pub kinds: Vec<OrgKind>,
    pub sectors: Vec<Sector>,
    pub years: i16,
}

impl TermRule {
    pub fn matches(&self, kind: OrgKind, sector: Sector) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&kind))
            && (self.sectors.is_empty() || self.sectors.contains(&sector))
    }
}

/// Organization-setting rules (组织设置) from the branch work regulations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgRules {
    /// Full members (正式党员) needed to set up a branch.
    pub branch_min_full_members: u32,
    /// A branch with more members than this is advised to split.
    pub split_warn_members: u32,
    /// Full members from which a branch elects a committee.
    pub committee_min_full_members: u32,
    /// Size of a branch committee: at least …
    pub committee_min_size: u32,
    /// … and at most.
    pub committee_max_size: u32,
    /// Units a joint branch (联合党支部) may cover at most.
    pub joint_branch_max_units: u32,
}

/// Whether a members' meeting (党员大会) is valid: more than half of the
/// members with a vote are present.
pub fn quorum_met(voting_members: u32, present: u32) -> bool {
    u64::from(present) * 2 > u64::from(voting_members)
}

impl Profile {
    /// Parses and validates a profile. On failure returns every error found,
    /// ordered by position; a syntax or type error stops parsing, so it comes
    /// alone.
    pub fn parse(text: &str) -> Result<Profile, Vec<ProfileError>> {
        let parsed = parse::parse(text)?;
        Ok(Profile {
            version: parsed.version,
            name: parsed.name,
            region: parsed.region,
            record_types: parsed.record_types,
            obligations: parsed.obligations,
            terms: parsed.terms,
            org_rules: parsed.org_rules,
            warning_levels: parsed.warning_levels,
            indicators: parsed.indicators,
            escalation: parsed.escalation,
            security: parsed.security,
            hash: hex::encode(Sha256::digest(text.as_bytes())),
            source: text.to_owned(),
        })
    }

    /// The default profile of a Jiangxi county, parsed once.
    pub fn default_profile() -> &'static Profile {
        static DEFAULT: OnceLock<Profile> = OnceLock::new();
        DEFAULT.get_or_init(|| {
            Profile::parse(DEFAULT_PROFILE_TOML).expect("the embedded default profile is valid")
        })
    }

    /// The version the file declares, e.g. `jiangxi-county-2026.1`.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// SHA-256 of the exact text, in hex: two texts that differ in a comment
    /// are two versions.
    pub fn content_hash(&self) -> &str {
        &self.hash
    }

    /// The TOML text this profile was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn record_types(&self) -> &[RecordType] {
        &self.record_types
    }

    pub fn record_type(&self, code: &str) -> Option<&RecordType> {
        self.record_types.iter().find(|t| t.code == code)
    }

    pub fn obligations(&self) -> &[Obligation] {
        &self.obligations
    }

    pub fn obligation(&self, code: &str) -> Option<&Obligation> {
        self.obligations.iter().find(|o| o.code == code)
    }

    pub fn terms(&self) -> &TermRules {
        &self.terms
    }

    /// Committee term length in years for an organization of this kind and
    /// sector: the first matching term rule.
    pub fn term_years(&self, kind: OrgKind, sector: Sector) -> i16 {
        self.terms
            .rules
            .iter()
            .find(|r| r.matches(kind, sector))
            .map(|r| r.years)
            .expect("term rules cover every kind and sector (checked when parsing)")
    }

    pub fn org_rules(&self) -> &OrgRules {
        &self.org_rules
    }

    /// The warning indicators (预警指标), switched-off ones included, in
    /// the order of the file.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    pub fn indicator(&self, kind: IndicatorKind) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.kind == kind)
    }

    /// When an overdue work item escalates to the parent organization and
    /// then to the grandparent.
    pub fn escalation_rule(&self) -> EscalationRule {
        self.escalation
    }

    /// The password, token and session rules (`[security]`).
    pub fn security(&self) -> &SecurityPolicy {
        &self.security
    }

    /// Whether two profiles hold the same rules apart from `[security]`
    /// and their identity (version, name, region): the security
    /// administrator may change only that table, the county administrator
    /// everything else.
    pub fn same_rules_except_security(&self, other: &Profile) -> bool {
        self.record_types == other.record_types
            && self.obligations == other.obligations
            && self.terms == other.terms
            && self.org_rules == other.org_rules
            && self.warning_levels == other.warning_levels
            && self.indicators == other.indicators
            && self.escalation == other.escalation
    }

    /// The scores from which an organization is yellow, orange and red.
    pub fn warning_levels(&self) -> &WarningLevels {
        &self.warning_levels
    }
}

#[cfg(test)]
mod tests;
