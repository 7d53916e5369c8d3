//! The indicators-and-warnings engine (软弱涣散预警): given the profile's
//! indicators, plain facts about each organization and `today`, it gives
//! every organization a level (绿/黄/橙/红), its score, the reasons (each
//! naming the page its evidence is on) and the indicators it has no data for.
//!
//! Pure: no clock, no storage. The caller gathers the facts; a fact it does
//! not have is `None`, and the indicator that reads it is reported as "no
//! data" — never as passed. A run names the profile version and hash it used,
//! so the store can keep it as a snapshot and last year's run can be
//! reproduced. Linear in organizations × indicators.

mod facts;
mod summary;

pub use facts::{Last, OrgWarningFacts, TermFact};
pub use summary::{LevelChange, LevelCounts, changes, ranked, summary_by};

use crate::ids::OrgId;
use crate::policy::{Indicator, IndicatorKind, Profile};
use jiff::civil::Date;
use serde::Serialize;

/// A warning level, ordered from green (no warning) to red.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Green,
    Yellow,
    Orange,
    Red,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Green, Level::Yellow, Level::Orange, Level::Red];

    pub fn code(self) -> &'static str {
        match self {
            Level::Green => "green",
            Level::Yellow => "yellow",
            Level::Orange => "orange",
            Level::Red => "red",
        }
    }

    /// 绿 / 黄 / 橙 / 红.
    pub fn label(self) -> &'static str {
        match self {
            Level::Green => "绿",
            Level::Yellow => "黄",
            Level::Orange => "橙",
            Level::Red => "红",
        }
    }

    /// The words shown beside the colour, so colour is never the only signal.
    pub fn title(self) -> &'static str {
        match self {
            Level::Green => "无预警",
            Level::Yellow => "黄色预警",
            Level::Orange => "橙色预警",
            Level::Red => "红色预警",
        }
    }

    /// A code or a label (绿/黄/橙/红, also 绿色/黄色/橙色/红色).
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        Self::ALL.into_iter().find(|l| {
            raw == l.code() || raw == l.label() || raw.strip_suffix('色') == Some(l.label())
        })
    }
}

/// The page an indicator's evidence is on, for the organization of the
/// warning; the web layer turns (page, organization) into a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// The organization's own page (its secretary and committee).
    OrgDetail,
    /// Its committee terms (届次).
    Terms,
    /// Its members (ages, join dates, development candidates).
    Members,
    /// Its organizational-life compliance.
    Compliance,
    /// Village affairs: disclosure, supervision committee, petitions.
    VillageAffairs,
    /// The village's collective-economy figures.
    CollectiveEconomy,
    /// Assessments and satisfaction surveys.
    Assessment,
    /// Discipline cases (counts; detail only for discipline inspection).
    Discipline,
}

/// One triggered indicator of one organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub indicator: IndicatorKind,
    pub label: String,
    /// The official criterion number (1–12).
    pub criterion: u8,
    pub weight: u32,
    /// What was found, in Chinese, e.g. 书记空缺已127天（超过90天）.
    pub detail: String,
    pub evidence: Evidence,
}

/// The result for one organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgWarning {
    pub org: OrgId,
    pub level: Level,
    /// Sum of the weights of the triggered indicators.
    pub score: u32,
    /// Triggered indicators, in the profile's order.
    pub reasons: Vec<Reason>,
    /// Applicable indicators whose data is missing, in the profile's order.
    pub no_data: Vec<IndicatorKind>,
}

/// One evaluation of many organizations: what a snapshot stores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarningRun {
    pub profile_version: String,
    pub profile_hash: String,
    #[serde(serialize_with = "iso_date")]
    pub today: Date,
    /// One per organization, in the input's order.
    pub results: Vec<OrgWarning>,
}

// serde's `serialize_with` hands over a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn iso_date<S: serde::Serializer>(day: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(day)
}

/// What one indicator says about one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// Triggered, with the Chinese detail.
    Triggered(String),
    NoData,
}

/// Evaluates every organization against the profile's enabled indicators.
pub fn evaluate(profile: &Profile, facts: &[OrgWarningFacts], today: Date) -> WarningRun {
    let indicators: Vec<&Indicator> = profile.indicators().iter().filter(|i| i.enabled).collect();
    let levels = *profile.warning_levels();
    let results = facts
        .iter()
        .map(|f| {
            let mut score = 0u32;
            let mut floor = Level::Green;
            let mut reasons = Vec::new();
            let mut no_data = Vec::new();
            for ind in indicators.iter().filter(|i| i.applies_to(f.kind, f.sector)) {
                match check(ind, f, today) {
                    Outcome::Pass => {}
                    Outcome::NoData => no_data.push(ind.kind),
                    Outcome::Triggered(detail) => {
                        score += ind.weight;
                        floor = floor.max(ind.at_least.unwrap_or(Level::Green));
                        reasons.push(Reason {
                            indicator: ind.kind,
                            label: ind.label.clone(),
                            criterion: ind.criterion,
                            weight: ind.weight,
                            detail,
                            evidence: ind.kind.evidence(),
                        });
                    }
                }
            }
            OrgWarning {
                org: f.org,
                level: levels.level_of(score).max(floor),
                score,
                reasons,
                no_data,
            }
        })
        .collect();
    WarningRun {
        profile_version: profile.version().to_owned(),
        profile_hash: profile.content_hash().to_owned(),
        today,
        results,
    }
}

/// Days from `from` to `to` (negative when `to` is earlier).
fn days_between(from: Date, to: Date) -> i64 {
    i64::from((to - from).get_days())
}

/// Whether `years` whole years have passed from `since` to `today`.
fn years_passed(since: Date, years: u32, today: Date) -> bool {
    since
        .checked_add(jiff::Span::new().years(i64::from(years)))
        .is_ok_and(|d| d <= today)
}

/// 725 ‰ → "72.5".
fn percent(permille: u32) -> String {
    if permille.is_multiple_of(10) {
        format!("{}", permille / 10)
    } else {
        format!("{}.{}", permille / 10, permille % 10)
    }
}

/// 123_456_789 fen → "123.46" 万元 (rounded down to 0.01 万元).
fn wan_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 1_000_000, abs % 1_000_000 / 10_000)
}

/// What one indicator says about one organization.
pub fn check(ind: &Indicator, f: &OrgWarningFacts, today: Date) -> Outcome {
    use IndicatorKind as K;
    use Outcome::{NoData, Pass, Triggered};
    let t = ind.threshold;
    let yes = |hit: bool, detail: &dyn Fn() -> String| if hit { Triggered(detail()) } else { Pass };
    match ind.kind {
        K::SecretaryVacant => match f.secretary_vacant_since {
            None => Pass,
            Some(since) => {
                let days = days_between(since, today);
                yes(days > i64::from(t), &|| {
                    format!("书记空缺已{days}天（超过{t}天）")
                })
            }
        },
        K::TermOverdue => match f.term {
            None => NoData,
            Some(TermFact {
                completed: true, ..
            }) => Pass,
            Some(TermFact { due, .. }) => {
                let days = days_between(due, today);
                yes(days > i64::from(t), &|| {
                    format!("届期{due}已到，逾期未换届{days}天")
                })
            }
        },
        K::NoDevelopmentCandidate => match f.last_development_candidate {
            None => NoData,
            Some(Last::Never) => Triggered("从未确定发展对象".to_owned()),
            Some(Last::On(day)) => yes(years_passed(day, t, today), &|| {
                format!("最近一次确定发展对象在{day}，已满{t}年")
            }),
        },
        K::OrgLifeCompliance => match f.compliance_permille {
            None => NoData,
            Some(p) => yes(p < t * 10, &|| {
                format!("组织生活完成率{}%（低于{t}%）", percent(p))
            }),
        },
        K::AgingMembers => match (f.average_age_tenths, f.last_new_member) {
            (None, _) => NoData,
            (Some(age), _) if age <= t * 10 => Pass,
            (Some(_), None) => NoData,
            (Some(age), Some(last)) => {
                let age = format!("{}.{}", age / 10, age % 10);
                let years = ind.years;
                match last {
                    Last::Never => {
                        Triggered(format!("党员平均年龄{age}岁（超过{t}岁），从未发展新党员"))
                    }
                    Last::On(day) => yes(years_passed(day, years, today), &|| {
                        format!(
                            "党员平均年龄{age}岁（超过{t}岁），{years}年内未发展新党员（最近一次在{day}）"
                        )
                    }),
                }
            }
        },
        K::BranchOversized => {
            let n = f.member_count;
            yes(n > t, &|| format!("党员{n}名（超过{t}名），应拆分"))
        }
        K::AffairsDisclosure => match f.disclosure_ok {
            None => NoData,
            Some(ok) => yes(!ok, &|| "村务未按规定公开".to_owned()),
        },
        K::PetitionsDisputes => match f.petitions {
            None => NoData,
            Some(n) => yes(n > t, &|| format!("本年度信访和矛盾纠纷{n}件（超过{t}件）")),
        },
        K::CollectiveEconomy => match f.operating_income_fen {
            None => NoData,
            Some(fen) => yes(fen < i64::from(t) * 1_000_000, &|| {
                format!("经营性收入{}万元（低于目标{t}万元）", wan_yuan(fen))
            }),
        },
        K::Satisfaction => match f.satisfaction_permille {
            None => NoData,
            Some(p) => yes(p < t * 10, &|| {
                format!("群众满意度{}%（低于{t}%）", percent(p))
            }),
        },
        K::SupervisionCommittee => match f.supervision_committee {
            None => NoData,
            Some(ok) => yes(!ok, &|| "未设立村务监督委员会".to_owned()),
        },
        K::LastInAssessment => match f.last_in_assessment {
            None => NoData,
            Some(last) => yes(last, &|| "年度考核排名末位".to_owned()),
        },
        K::DisciplineCases => match f.discipline_cases {
            None => NoData,
            Some(n) => yes(n >= t, &|| format!("本年度违纪违法案件{n}件")),
        },
    }
}

#[cfg(test)]
mod tests;
