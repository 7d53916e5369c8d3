//! Checks of the `[warnings]` section, the `[[indicators]]` entries and the
//! `[work_items]` escalation rule.

use super::{Checker, LABEL_MAX, Text};
use crate::policy::indicators::{Indicator, IndicatorKind, WarningLevels};
use crate::warnings::Level;
use crate::work::EscalationRule;
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWarnings {
    yellow: Spanned<i64>,
    orange: Spanned<i64>,
    red: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIndicator {
    code: Text,
    label: Text,
    criterion: Spanned<i64>,
    #[serde(default = "yes")]
    enabled: bool,
    threshold: Option<Spanned<i64>>,
    years: Option<Spanned<i64>>,
    weight: Spanned<i64>,
    at_least: Option<Text>,
    #[serde(default)]
    kinds: Vec<Text>,
    #[serde(default)]
    sectors: Vec<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWorkItems {
    escalate_after_days: Spanned<i64>,
    escalate_further_days: Spanned<i64>,
}

fn yes() -> bool {
    true
}

/// Largest weight and level score accepted.
const WEIGHT_MAX: i64 = 100;
const SCORE_MAX: i64 = 10_000;

impl Checker<'_> {
    /// An integer in `min..=max`, reported with `what` otherwise.
    pub(super) fn within(&mut self, raw: &Spanned<i64>, what: &str, min: i64, max: i64) -> u32 {
        let v = *raw.get_ref();
        if (min..=max).contains(&v) {
            v as u32
        } else {
            self.error(raw, format!("{what}应在{min}到{max}之间，实际是{v}"));
            v.clamp(min, max) as u32
        }
    }

    pub(super) fn warning_levels(
        &mut self,
        raw: Option<&Spanned<RawWarnings>>,
        indicators: &[Spanned<RawIndicator>],
    ) -> WarningLevels {
        let Some(raw) = raw else {
            if let Some(first) = indicators.first() {
                self.error(
                    first,
                    "定义了 [[indicators]] 就必须有 [warnings] 小节（黄、橙、红三级的分数线）",
                );
            }
            return WarningLevels::DEFAULT;
        };
        let w = raw.get_ref();
        let levels = WarningLevels {
            yellow: self.within(&w.yellow, "yellow（黄色预警分数线）", 1, SCORE_MAX),
            orange: self.within(&w.orange, "orange（橙色预警分数线）", 1, SCORE_MAX),
            red: self.within(&w.red, "red（红色预警分数线）", 1, SCORE_MAX),
        };
        if levels.orange <= levels.yellow {
            self.error(
                &w.orange,
                "orange（橙色预警分数线）应大于 yellow（黄色预警分数线）",
            );
        }
        if levels.red <= levels.orange {
            self.error(
                &w.red,
                "red（红色预警分数线）应大于 orange（橙色预警分数线）",
            );
        }
        levels
    }

    pub(super) fn escalation_rule(&mut self, raw: Option<&RawWorkItems>) -> EscalationRule {
        raw.map_or(EscalationRule::DEFAULT, |w| EscalationRule {
            grace_days: self.within(
                &w.escalate_after_days,
                "escalate_after_days（逾期多少天后升级至上级党组织）",
                0,
                365,
            ),
            further_days: self.within(
                &w.escalate_further_days,
                "escalate_further_days（再过多少天升级至再上一级党组织）",
                1,
                365,
            ),
        })
    }

    pub(super) fn indicators(&mut self, raw: &[Spanned<RawIndicator>]) -> Vec<Indicator> {
        self.unique(raw.iter().map(|i| &i.get_ref().code), "指标代码");
        raw.iter()
            .filter_map(|i| self.indicator(i.get_ref()))
            .collect()
    }

    fn indicator(&mut self, i: &RawIndicator) -> Option<Indicator> {
        let kind = IndicatorKind::from_code(i.code.get_ref());
        if kind.is_none() {
            let known: Vec<&str> = IndicatorKind::ALL.iter().map(|k| k.code()).collect();
            self.error(
                &i.code,
                format!(
                    "未知的指标代码“{}”，可用：{}",
                    i.code.get_ref(),
                    known.join("、")
                ),
            );
        }
        let label = self.text(&i.label, "指标名称", LABEL_MAX);
        let criterion = self.within(&i.criterion, "criterion（对应的软弱涣散情形序号）", 1, 12);
        let weight = self.within(&i.weight, "weight（权重）", 1, WEIGHT_MAX);
        let at_least = i.at_least.as_ref().and_then(|raw| {
            let level = Level::parse(raw.get_ref()).filter(|l| *l != Level::Green);
            if level.is_none() {
                self.error(
                    raw,
                    format!(
                        "未知的预警等级“{}”，可用：yellow（黄）、orange（橙）、red（红）",
                        raw.get_ref()
                    ),
                );
            }
            level
        });
        let kinds = self.kinds(&i.kinds);
        let sectors = self.sectors(&i.sectors);
        let kind = kind?;
        let threshold = match (kind.threshold_rule(), &i.threshold) {
            (Some(rule), Some(raw)) => self.within(
                raw,
                &format!("threshold（阈值，单位：{}）", rule.unit),
                i64::from(rule.min),
                i64::from(rule.max),
            ),
            (Some(rule), None) => {
                self.error(
                    &i.code,
                    format!(
                        "指标“{}”缺少 threshold（阈值，单位：{}）",
                        kind.code(),
                        rule.unit
                    ),
                );
                0
            }
            (None, Some(raw)) => {
                self.error(
                    raw,
                    format!("指标“{}”是是否类指标，没有 threshold（阈值）", kind.code()),
                );
                0
            }
            (None, None) => 0,
        };
        let years = match (kind.takes_years(), &i.years) {
            (true, Some(raw)) => self.within(raw, "years（无新发展党员的年数）", 1, 10),
            (true, None) => {
                self.error(
                    &i.code,
                    format!("指标“{}”缺少 years（无新发展党员的年数）", kind.code()),
                );
                0
            }
            (false, Some(raw)) => {
                self.error(raw, format!("指标“{}”没有 years 字段", kind.code()));
                0
            }
            (false, None) => 0,
        };
        Some(Indicator {
            kind,
            label,
            criterion: criterion as u8,
            enabled: i.enabled,
            threshold,
            years,
            weight,
            at_least,
            kinds,
            sectors,
        })
    }
}
