//! From TOML text to the validated parts of a [`super::Profile`]: serde reads
//! the text into raw structs that keep the position of every checked value
//! (`toml::Spanned`), then the checks below collect every semantic error with
//! its line, instead of stopping at the first.

mod indicators;
mod security;

use super::error::ProfileError;
use super::indicators::{Indicator, WarningLevels};
use super::{Mark, Obligation, OrgRules, RecordType, TermRule, TermRules};
use crate::error::text_field;
use crate::obligations::PeriodKind;
use crate::org::{OrgKind, Sector};
use crate::work::EscalationRule;
use serde::Deserialize;
use std::collections::HashMap;
use toml::Spanned;

type Text = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    profile: RawMeta,
    #[serde(default)]
    record_types: Vec<Spanned<RawRecordType>>,
    #[serde(default)]
    obligations: Vec<Spanned<RawObligation>>,
    terms: Spanned<RawTerms>,
    org_rules: RawOrgRules,
    warnings: Option<Spanned<indicators::RawWarnings>>,
    #[serde(default)]
    indicators: Vec<Spanned<indicators::RawIndicator>>,
    work_items: Option<indicators::RawWorkItems>,
    security: Option<security::RawSecurity>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    version: Text,
    name: Text,
    region: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecordType {
    code: Text,
    label: Text,
    minutes_required: bool,
    members_meeting: bool,
    held_by: Spanned<Vec<Text>>,
    #[serde(default)]
    marks: Vec<RawMark>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMark {
    code: Text,
    label: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawObligation {
    code: Text,
    label: Text,
    record_type: Text,
    mark: Option<Text>,
    kinds: Spanned<Vec<Text>>,
    #[serde(default)]
    sectors: Vec<Text>,
    #[serde(default)]
    requires_committee: bool,
    period: Text,
    at_least: Spanned<u32>,
    due_soon_days: Spanned<u32>,
    basis: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerms {
    warn_days: Spanned<u32>,
    rules: Vec<Spanned<RawTermRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTermRule {
    #[serde(default)]
    kinds: Vec<Text>,
    #[serde(default)]
    sectors: Vec<Text>,
    years: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrgRules {
    branch_min_full_members: Spanned<u32>,
    split_warn_members: Spanned<u32>,
    committee_min_full_members: Spanned<u32>,
    committee_min_size: Spanned<u32>,
    committee_max_size: Spanned<u32>,
    joint_branch_max_units: Spanned<u32>,
}

/// The validated content of a profile (without its text and hash).
pub(super) struct Parsed {
    pub version: String,
    pub name: String,
    pub region: String,
    pub record_types: Vec<RecordType>,
    pub obligations: Vec<Obligation>,
    pub terms: TermRules,
    pub org_rules: OrgRules,
    pub warning_levels: WarningLevels,
    pub indicators: Vec<Indicator>,
    pub escalation: EscalationRule,
    pub security: super::SecurityPolicy,
}

pub(super) fn parse(source: &str) -> Result<Parsed, Vec<ProfileError>> {
    let raw: RawProfile =
        toml::from_str(source).map_err(|e| vec![ProfileError::from_toml(source, &e)])?;
    let mut c = Checker {
        source,
        errors: Vec::new(),
    };
    let version = c.text(&raw.profile.version, "版本号", 40);
    let name = c.text(&raw.profile.name, "配置名称", 60);
    let region = raw
        .profile
        .region
        .as_ref()
        .map_or_else(String::new, |r| c.optional_text(r, "适用地区", 60));
    let record_types = c.record_types(&raw.record_types);
    let obligations = c.obligations(&raw.obligations, &record_types);
    let terms = c.terms(&raw.terms);
    let org_rules = c.org_rules(&raw.org_rules);
    let warning_levels = c.warning_levels(raw.warnings.as_ref(), &raw.indicators);
    let indicators = c.indicators(&raw.indicators);
    let escalation = c.escalation_rule(raw.work_items.as_ref());
    let security = c.security(raw.security.as_ref());
    if c.errors.is_empty() {
        Ok(Parsed {
            version,
            name,
            region,
            record_types,
            obligations,
            terms,
            org_rules,
            warning_levels,
            indicators,
            escalation,
            security,
        })
    } else {
        let mut errors = c.errors;
        errors.sort_by_key(|e| (e.line, e.column));
        Err(errors)
    }
}

/// Longest code and label accepted.
const CODE_MAX: usize = 40;
const LABEL_MAX: usize = 40;

struct Checker<'a> {
    source: &'a str,
    errors: Vec<ProfileError>,
}

impl Checker<'_> {
    fn error<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        self.errors
            .push(ProfileError::at(self.source, &at.span(), message));
    }

    /// A required one-line text of at most `max` characters.
    fn text(&mut self, raw: &Text, what: &str, max: usize) -> String {
        match text_field("profile", what, raw.get_ref(), true, max) {
            Ok(v) => v,
            Err(e) => {
                self.error(raw, e.message);
                String::new()
            }
        }
    }

    fn optional_text(&mut self, raw: &Text, what: &str, max: usize) -> String {
        match text_field("profile", what, raw.get_ref(), false, max) {
            Ok(v) => v,
            Err(e) => {
                self.error(raw, e.message);
                String::new()
            }
        }
    }

    /// A code: lowercase ASCII letters, digits and `_`, starting with a letter.
    fn code(&mut self, raw: &Text, what: &str) -> String {
        let v = raw.get_ref();
        let ok = v.len() <= CODE_MAX
            && v.starts_with(|c: char| c.is_ascii_lowercase())
            && v.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            self.error(
                raw,
                format!(
                    "{what}“{v}”不合规范：只能用小写英文字母、数字和下划线，以字母开头，最长{CODE_MAX}个字符"
                ),
            );
        }
        v.clone()
    }

    /// Reports the second and later uses of the same value.
    fn unique<'v>(&mut self, values: impl IntoIterator<Item = &'v Text>, what: &str) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for v in values {
            if let Some(line) = seen.get(v.get_ref().as_str()).copied() {
                self.error(
                    v,
                    format!("{what}“{}”重复：第{line}行已经用过", v.get_ref()),
                );
            } else {
                let line = ProfileError::at(self.source, &v.span(), "").line;
                seen.insert(v.get_ref(), line);
            }
        }
    }

    fn kinds(&mut self, raw: &[Text]) -> Vec<OrgKind> {
        let mut out = Vec::new();
        for k in raw {
            match OrgKind::parse(k.get_ref()) {
                Ok(kind) if !out.contains(&kind) => out.push(kind),
                Ok(_) => {}
                Err(_) => {
                    let allowed: Vec<String> = OrgKind::ALL
                        .iter()
                        .map(|k| format!("{}（{}）", k.code(), k.label()))
                        .collect();
                    self.error(
                        k,
                        format!(
                            "未知的组织类别“{}”，可用：{}",
                            k.get_ref(),
                            allowed.join("、")
                        ),
                    );
                }
            }
        }
        out
    }

    fn sectors(&mut self, raw: &[Text]) -> Vec<Sector> {
        let mut out = Vec::new();
        for s in raw {
            match Sector::parse(s.get_ref()) {
                Ok(sector) if !out.contains(&sector) => out.push(sector),
                Ok(_) => {}
                Err(_) => {
                    let allowed: Vec<String> = Sector::ALL
                        .iter()
                        .map(|s| format!("{}（{}）", s.code(), s.label()))
                        .collect();
                    self.error(
                        s,
                        format!("未知的领域“{}”，可用：{}", s.get_ref(), allowed.join("、")),
                    );
                }
            }
        }
        out
    }

    fn at_least_one(&mut self, raw: &Spanned<u32>, what: &str) -> u32 {
        let v = *raw.get_ref();
        if v == 0 {
            self.error(raw, format!("{what}至少为1"));
        }
        v
    }

    fn record_types(&mut self, raw: &[Spanned<RawRecordType>]) -> Vec<RecordType> {
        self.unique(raw.iter().map(|t| &t.get_ref().code), "记录类型代码");
        self.unique(raw.iter().map(|t| &t.get_ref().label), "记录类型名称");
        raw.iter()
            .map(|t| {
                let t = t.get_ref();
                let held_by = self.kinds(t.held_by.get_ref());
                if t.held_by.get_ref().is_empty() {
                    self.error(&t.held_by, "held_by 至少要列出一种可以召开的组织类别");
                }
                self.unique(t.marks.iter().map(|m| &m.code), "标记代码");
                let marks = t
                    .marks
                    .iter()
                    .map(|m| Mark {
                        code: self.code(&m.code, "标记代码"),
                        label: self.text(&m.label, "标记名称", LABEL_MAX),
                    })
                    .collect();
                RecordType {
                    code: self.code(&t.code, "记录类型代码"),
                    label: self.text(&t.label, "记录类型名称", LABEL_MAX),
                    minutes_required: t.minutes_required,
                    members_meeting: t.members_meeting,
                    held_by,
                    marks,
                }
            })
            .collect()
    }

    fn obligations(
        &mut self,
        raw: &[Spanned<RawObligation>],
        record_types: &[RecordType],
    ) -> Vec<Obligation> {
        self.unique(raw.iter().map(|o| &o.get_ref().code), "义务代码");
        raw.iter()
            .map(|o| self.obligation(o.get_ref(), record_types))
            .collect()
    }

    fn obligation(&mut self, o: &RawObligation, record_types: &[RecordType]) -> Obligation {
        let code = self.code(&o.code, "义务代码");
        let label = self.text(&o.label, "义务名称", LABEL_MAX);
        let rt_code = o.record_type.get_ref();
        let record_type = record_types.iter().find(|t| &t.code == rt_code);
        if record_type.is_none() {
            let known: Vec<&str> = record_types.iter().map(|t| t.code.as_str()).collect();
            self.error(
                &o.record_type,
                format!(
                    "未知的记录类型“{rt_code}”：请先在 [[record_types]] 中定义（已定义：{}）",
                    known.join("、")
                ),
            );
        }
        let mark = o.mark.as_ref().map(|m| {
            if let Some(t) = record_type
                && t.mark(m.get_ref()).is_none()
            {
                self.error(m, format!("记录类型“{}”没有标记“{}”", t.label, m.get_ref()));
            }
            m.get_ref().clone()
        });
        let kinds = self.kinds(o.kinds.get_ref());
        if o.kinds.get_ref().is_empty() {
            self.error(&o.kinds, "kinds 至少要列出一种组织类别");
        }
        // An empty held_by is reported on the record type; checking against
        // it here would only repeat that error for every kind.
        if let Some(t) = record_type.filter(|t| !t.held_by.is_empty()) {
            for raw in o.kinds.get_ref() {
                if let Ok(kind) = OrgKind::parse(raw.get_ref())
                    && !t.may_be_held_by(kind)
                {
                    self.error(
                        raw,
                        format!(
                            "{}不能召开“{}”（见该记录类型的 held_by），不能承担这项义务",
                            kind.label(),
                            t.label
                        ),
                    );
                }
            }
        }
        let sectors = self.sectors(&o.sectors);
        let period = PeriodKind::parse(o.period.get_ref()).unwrap_or_else(|| {
            self.error(
                &o.period,
                format!(
                    "未知的周期“{}”，可用：month（月）、quarter（季度）、half_year（半年）、year（年）",
                    o.period.get_ref()
                ),
            );
            PeriodKind::Year
        });
        let at_least = self.at_least_one(&o.at_least, "at_least（每周期至少次数）");
        let due_soon_days = *o.due_soon_days.get_ref();
        if due_soon_days >= period.min_days() {
            self.error(
                &o.due_soon_days,
                format!(
                    "due_soon_days（提前提醒天数）应小于周期的天数：周期为{}时最多{}天",
                    period.label(),
                    period.min_days() - 1
                ),
            );
        }
        let basis = o
            .basis
            .as_ref()
            .map_or_else(String::new, |b| self.optional_text(b, "依据", 200));
        Obligation {
            code,
            label,
            record_type: rt_code.clone(),
            mark,
            kinds,
            sectors,
            requires_committee: o.requires_committee,
            period,
            at_least,
            due_soon_days,
            basis,
        }
    }

    fn terms(&mut self, raw: &Spanned<RawTerms>) -> TermRules {
        let t = raw.get_ref();
        let warn_days = *t.warn_days.get_ref();
        if warn_days > 366 {
            self.error(&t.warn_days, "warn_days（换届提前提醒天数）不能超过366天");
        }
        let rules: Vec<TermRule> = t
            .rules
            .iter()
            .map(|r| {
                let r = r.get_ref();
                let years = *r.years.get_ref();
                if !(1..=10).contains(&years) {
                    self.error(&r.years, "years（每届任期年数）应在1到10之间");
                }
                TermRule {
                    kinds: self.kinds(&r.kinds),
                    sectors: self.sectors(&r.sectors),
                    years: years.min(10) as i16,
                }
            })
            .collect();
        let uncovered: Vec<String> = OrgKind::ALL
            .iter()
            .flat_map(|k| Sector::ALL.iter().map(move |s| (*k, *s)))
            .filter(|(k, s)| !rules.iter().any(|r| r.matches(*k, *s)))
            .map(|(k, s)| format!("{}（{}）", k.label(), s.label()))
            .collect();
        if !uncovered.is_empty() {
            self.error(
                raw,
                format!(
                    "换届规则没有覆盖：{}。请在最后加一条不限 kinds 和 sectors 的 [[terms.rules]] 兜底",
                    uncovered.join("、")
                ),
            );
        }
        TermRules { warn_days, rules }
    }

    fn org_rules(&mut self, r: &RawOrgRules) -> OrgRules {
        let rules = OrgRules {
            branch_min_full_members: self
                .at_least_one(&r.branch_min_full_members, "branch_min_full_members"),
            split_warn_members: self.at_least_one(&r.split_warn_members, "split_warn_members"),
            committee_min_full_members: self
                .at_least_one(&r.committee_min_full_members, "committee_min_full_members"),
            committee_min_size: self.at_least_one(&r.committee_min_size, "committee_min_size"),
            committee_max_size: self.at_least_one(&r.committee_max_size, "committee_max_size"),
            joint_branch_max_units: self
                .at_least_one(&r.joint_branch_max_units, "joint_branch_max_units"),
        };
        if rules.committee_max_size < rules.committee_min_size {
            self.error(
                &r.committee_max_size,
                "committee_max_size（支委会最多人数）不能小于 committee_min_size",
            );
        }
        if rules.split_warn_members < rules.branch_min_full_members {
            self.error(
                &r.split_warn_members,
                "split_warn_members（建议拆分的党员人数）不能小于 branch_min_full_members",
            );
        }
        rules
    }
}
