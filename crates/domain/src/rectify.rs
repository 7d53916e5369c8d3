//! The annual screening (年度排查) and the rectification ledger (整改台账)
//! of weak and lax organizations: their states and what may move them, the
//! per-township numbers the county reviews, and the rectification plan with
//! its four required parts (目标任务、措施、时限、责任主体四明确).
//!
//! Pure: the service passes `today` and the stored values in; nothing here
//! reads a clock or a database.

use crate::error::{FieldError, text_field};
use jiff::civil::Date;
use serde::Serialize;

/// Where a township's screening proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreeningStatus {
    /// 拟定中: the township is still editing its list.
    Draft,
    /// 待县委审核: sent to the county.
    Submitted,
    /// 已退回: the county sent it back with a reason; editable again.
    Returned,
    /// 已确认: the county confirmed it; its organizations have ledgers.
    Confirmed,
}

impl ScreeningStatus {
    pub const ALL: [ScreeningStatus; 4] = [
        ScreeningStatus::Draft,
        ScreeningStatus::Submitted,
        ScreeningStatus::Returned,
        ScreeningStatus::Confirmed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ScreeningStatus::Draft => "draft",
            ScreeningStatus::Submitted => "submitted",
            ScreeningStatus::Returned => "returned",
            ScreeningStatus::Confirmed => "confirmed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ScreeningStatus::Draft => "拟定中",
            ScreeningStatus::Submitted => "待县委审核",
            ScreeningStatus::Returned => "已退回",
            ScreeningStatus::Confirmed => "已确认",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The township may still add, remove and submit.
    pub fn is_editable(self) -> bool {
        matches!(self, ScreeningStatus::Draft | ScreeningStatus::Returned)
    }

    /// Refuses a change of the list unless the proposal is editable.
    pub fn check_editable(self) -> Result<(), FieldError> {
        if self.is_editable() {
            Ok(())
        } else {
            Err(FieldError::new(
                "status",
                format!(
                    "排查名单当前为“{}”，不能修改；只有拟定中或已退回的名单可以修改",
                    self.label()
                ),
            ))
        }
    }

    /// Refuses submission unless the proposal is editable.
    pub fn check_submit(self) -> Result<(), FieldError> {
        if self.is_editable() {
            Ok(())
        } else {
            Err(FieldError::new(
                "status",
                format!(
                    "排查名单当前为“{}”，不能报送；只有拟定中或已退回的名单可以报送",
                    self.label()
                ),
            ))
        }
    }

    /// Refuses confirmation or return unless the proposal was submitted.
    pub fn check_review(self) -> Result<(), FieldError> {
        if self == ScreeningStatus::Submitted {
            Ok(())
        } else {
            Err(FieldError::new(
                "status",
                format!(
                    "排查名单当前为“{}”，不能审核；只有已报送（待县委审核）的名单可以确认或退回",
                    self.label()
                ),
            ))
        }
    }
}

/// One organization of a proposal as the numbers read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryFlags {
    /// The engine flagged it (orange or red) when the screening started.
    pub flagged: bool,
    /// It is on the proposed list.
    pub included: bool,
}

/// A township's numbers: how many the engine flagged, how many it
/// proposes, and how many of those it added or removed. No quota: the
/// county compares these, it does not divide a number evenly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ScreeningNumbers {
    pub flagged: u32,
    pub proposed: u32,
    pub added: u32,
    pub removed: u32,
}

impl ScreeningNumbers {
    pub fn of(entries: impl IntoIterator<Item = EntryFlags>) -> Self {
        let mut n = Self::default();
        for e in entries {
            n.flagged += u32::from(e.flagged);
            n.proposed += u32::from(e.included);
            n.added += u32::from(e.included && !e.flagged);
            n.removed += u32::from(e.flagged && !e.included);
        }
        n
    }

    pub fn add(&mut self, o: &ScreeningNumbers) {
        self.flagged += o.flagged;
        self.proposed += o.proposed;
        self.added += o.added;
        self.removed += o.removed;
    }
}

/// Where an organization's rectification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerStatus {
    /// 待制定方案
    Planning,
    /// 整改中
    InProgress,
    /// 待验收: every rectification item accepted (derived, never stored).
    PendingAcceptance,
    /// 已销号
    Closed,
}

impl LedgerStatus {
    pub const ALL: [LedgerStatus; 4] = [
        LedgerStatus::Planning,
        LedgerStatus::InProgress,
        LedgerStatus::PendingAcceptance,
        LedgerStatus::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LedgerStatus::Planning => "planning",
            LedgerStatus::InProgress => "in_progress",
            LedgerStatus::PendingAcceptance => "pending_acceptance",
            LedgerStatus::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LedgerStatus::Planning => "待制定方案",
            LedgerStatus::InProgress => "整改中",
            LedgerStatus::PendingAcceptance => "待验收",
            LedgerStatus::Closed => "已销号",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The status shown: a stored 整改中 reads 待验收 once it has
    /// rectification items and every one of them is accepted.
    pub fn derive(stored: LedgerStatus, items: usize, accepted: usize) -> LedgerStatus {
        if stored == LedgerStatus::InProgress && items > 0 && accepted == items {
            LedgerStatus::PendingAcceptance
        } else {
            stored
        }
    }

    /// Refuses filing or revising the plan of a closed ledger.
    pub fn check_plan(self) -> Result<(), FieldError> {
        if self == LedgerStatus::Closed {
            Err(FieldError::new("status", "台账已销号，不能再修改整改方案"))
        } else {
            Ok(())
        }
    }

    /// Refuses a new rectification item unless the plan is filed and the
    /// ledger is not closed.
    pub fn check_new_item(self) -> Result<(), FieldError> {
        match self {
            LedgerStatus::Planning => Err(FieldError::new(
                "status",
                "请先制定整改方案，再建立整改事项",
            )),
            LedgerStatus::Closed => {
                Err(FieldError::new("status", "台账已销号，不能再建立整改事项"))
            }
            LedgerStatus::InProgress | LedgerStatus::PendingAcceptance => Ok(()),
        }
    }

    /// Refuses acceptance unless every rectification item is accepted
    /// (`self` is the derived status; `items` how many there are).
    pub fn check_accept(self, items: usize) -> Result<(), FieldError> {
        match self {
            LedgerStatus::PendingAcceptance => Ok(()),
            LedgerStatus::Closed => Err(FieldError::new("status", "台账已销号，不能重复验收")),
            LedgerStatus::Planning => {
                Err(FieldError::new("status", "尚未制定整改方案，不能验收销号"))
            }
            LedgerStatus::InProgress if items == 0 => {
                Err(FieldError::new("status", "尚未建立整改事项，不能验收销号"))
            }
            LedgerStatus::InProgress => Err(FieldError::new(
                "status",
                "还有整改事项未验收，全部整改事项验收后才能验收销号",
            )),
        }
    }
}

/// Longest analysis, and longest plan part.
pub const ANALYSIS_MAX: usize = 4000;
pub const PART_MAX: usize = 2000;
pub const NAME_MAX: usize = 100;

/// A rectification plan as filed: the analysis, the four parts and the
/// contact county leader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// 问题分析
    pub analysis: String,
    /// 目标任务
    pub goal: String,
    /// 整改措施
    pub measures: String,
    /// 整改时限, after today.
    pub deadline: Date,
    /// 责任主体
    pub responsible: String,
    /// 联系县领导 (a name: see docs/RECTIFICATION.md for why not an account)
    pub contact_leader: String,
}

/// The plan as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanInput<'a> {
    pub analysis: &'a str,
    pub goal: &'a str,
    pub measures: &'a str,
    pub deadline: &'a str,
    pub responsible: &'a str,
    pub contact_leader: &'a str,
}

impl Plan {
    /// Parses a plan; every missing or bad part is reported, each naming
    /// its field.
    pub fn parse(input: &PlanInput<'_>, today: Date) -> Result<Plan, Vec<FieldError>> {
        let mut errors = Vec::new();
        let deadline = parse_deadline(input.deadline, today);
        let mut take = |r: Result<String, FieldError>| match r {
            Ok(v) => v,
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
        let analysis = take(text_field(
            "analysis",
            "问题分析",
            input.analysis,
            true,
            ANALYSIS_MAX,
        ));
        let goal = take(text_field("goal", "目标任务", input.goal, true, PART_MAX));
        let measures = take(text_field(
            "measures",
            "整改措施",
            input.measures,
            true,
            PART_MAX,
        ));
        let responsible = take(text_field(
            "responsible",
            "责任主体",
            input.responsible,
            true,
            NAME_MAX,
        ));
        let contact_leader = take(text_field(
            "contact_leader",
            "联系县领导",
            input.contact_leader,
            true,
            NAME_MAX,
        ));
        let deadline = match deadline {
            Ok(d) => Some(d),
            Err(e) => {
                // Reported in the form's order: after 整改措施.
                let at = errors
                    .iter()
                    .position(|x| matches!(x.field, "responsible" | "contact_leader"))
                    .unwrap_or(errors.len());
                errors.insert(at, e);
                None
            }
        };
        match deadline {
            Some(deadline) if errors.is_empty() => Ok(Plan {
                analysis,
                goal,
                measures,
                deadline,
                responsible,
                contact_leader,
            }),
            _ => Err(errors),
        }
    }
}

/// 整改时限: a date after `today`.
pub fn parse_deadline(raw: &str, today: Date) -> Result<Date, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldError::new("deadline", "请填写整改时限"));
    }
    let d: Date = raw
        .parse()
        .map_err(|_| FieldError::new("deadline", "整改时限格式应为 2027-06-30 这样的日期"))?;
    if d <= today {
        return Err(FieldError::new("deadline", "整改时限应晚于今天"));
    }
    Ok(d)
}

/// The reason for adding or removing an organization.
pub fn parse_reason(raw: &str, adding: bool) -> Result<String, FieldError> {
    let label = if adding {
        "列入理由"
    } else {
        "移出理由"
    };
    text_field("reason", label, raw, true, 500)
}

/// The year of a screening: 2000–2100.
pub fn parse_year(raw: &str) -> Result<i32, FieldError> {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| FieldError::new("year", "年度应为 2026 这样的四位年份"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn full() -> PlanInput<'static> {
        PlanInput {
            analysis: "班子软弱，书记长期缺职",
            goal: "配齐配强村党组织书记",
            measures: "选派第一书记，组织专题培训",
            deadline: "2027-06-30",
            responsible: "甲镇党委",
            contact_leader: "李副县长",
        }
    }

    #[test]
    fn a_full_plan_parses() {
        let p = Plan::parse(&full(), date(2026, 11, 30)).unwrap();
        assert_eq!(p.deadline, date(2027, 6, 30));
        assert_eq!(p.responsible, "甲镇党委");
    }

    /// Blanks one part of a plan.
    type Blank = fn(&mut PlanInput<'static>);

    #[test]
    fn each_missing_part_is_named() {
        let today = date(2026, 11, 30);
        let cases: [(Blank, &str, &str); 6] = [
            (|p| p.analysis = " ", "analysis", "请填写问题分析"),
            (|p| p.goal = "", "goal", "请填写目标任务"),
            (|p| p.measures = "", "measures", "请填写整改措施"),
            (|p| p.deadline = "", "deadline", "请填写整改时限"),
            (|p| p.responsible = "", "responsible", "请填写责任主体"),
            (
                |p| p.contact_leader = "",
                "contact_leader",
                "请填写联系县领导",
            ),
        ];
        for (blank, field, message) in cases {
            let mut input = full();
            blank(&mut input);
            let errors = Plan::parse(&input, today).unwrap_err();
            assert_eq!(errors, vec![FieldError::new(field, message)], "{field}");
        }
    }

    #[test]
    fn the_deadline_must_be_after_today() {
        let today = date(2026, 11, 30);
        assert_eq!(
            parse_deadline("2026-11-30", today).unwrap_err().message,
            "整改时限应晚于今天"
        );
        assert!(parse_deadline("2026-12-01", today).is_ok());
        assert_eq!(
            parse_deadline("明年", today).unwrap_err().message,
            "整改时限格式应为 2027-06-30 这样的日期"
        );
    }

    #[test]
    fn numbers_count_flagged_proposed_added_and_removed() {
        let e = |flagged, included| EntryFlags { flagged, included };
        let n =
            ScreeningNumbers::of([e(true, true), e(true, false), e(false, true), e(true, true)]);
        assert_eq!(
            n,
            ScreeningNumbers {
                flagged: 3,
                proposed: 3,
                added: 1,
                removed: 1
            }
        );
    }

    #[test]
    fn pending_acceptance_is_derived_from_the_items() {
        use LedgerStatus as S;
        assert_eq!(S::derive(S::InProgress, 0, 0), S::InProgress);
        assert_eq!(S::derive(S::InProgress, 2, 1), S::InProgress);
        assert_eq!(S::derive(S::InProgress, 2, 2), S::PendingAcceptance);
        assert_eq!(S::derive(S::Closed, 2, 2), S::Closed);
        assert!(S::InProgress.check_accept(2).is_err());
        assert!(S::PendingAcceptance.check_accept(2).is_ok());
        assert!(S::Planning.check_new_item().is_err());
    }

    #[test]
    fn only_submitted_proposals_are_reviewed() {
        use ScreeningStatus as S;
        assert!(S::Submitted.check_review().is_ok());
        for s in [S::Draft, S::Returned, S::Confirmed] {
            assert!(s.check_review().is_err());
        }
        assert!(S::Returned.check_editable().is_ok());
        assert!(S::Confirmed.check_editable().is_err());
    }
}
