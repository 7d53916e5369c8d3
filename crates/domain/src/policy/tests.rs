use super::*;
use crate::org::{TERM_WARN_DAYS, default_term_years};

/// 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in the text"))
        + 1
}

/// The default profile with `from` replaced (once, it must occur) by `to`.
fn edited(from: &str, to: &str) -> String {
    assert!(DEFAULT_PROFILE_TOML.contains(from), "{from}");
    DEFAULT_PROFILE_TOML.replacen(from, to, 1)
}

fn errors(text: &str) -> Vec<ProfileError> {
    Profile::parse(text).expect_err("the profile should be refused")
}

#[test]
fn the_default_profile_has_the_thirteen_record_types() {
    let p = Profile::default_profile();
    let labels: Vec<&str> = p.record_types().iter().map(|t| t.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "支部党员大会",
            "支部委员会",
            "党小组会",
            "党课",
            "主题党日",
            "组织生活会",
            "民主评议党员",
            "谈心谈话",
            "理论学习中心组学习",
            "党委（党组）专题研究意识形态工作",
            "意识形态形势研判",
            "党委（党组）专题研究党建工作",
            "屋场贴心会",
        ]
    );
    let meeting = p.record_type("branch_general_meeting").unwrap();
    assert!(meeting.members_meeting && meeting.minutes_required);
    assert!(meeting.may_be_held_by(OrgKind::Branch));
    assert!(!meeting.may_be_held_by(OrgKind::Committee));
    assert_eq!(
        p.record_types()
            .iter()
            .filter(|t| t.members_meeting)
            .count(),
        1
    );
    assert_eq!(p.version(), "jiangxi-county-2026.1");
    assert_eq!(p.region(), "江西省");
}

#[test]
fn the_default_profile_has_the_domain_obligations() {
    use OrgKind::{Branch, Committee, Group, JointBranch, LeadingGroup};
    use PeriodKind::{HalfYear, Month, Quarter, Year};
    let p = Profile::default_profile();
    let branches = [Branch, JointBranch];
    let committees = [Committee, LeadingGroup];
    // (record type label, kinds, period, at least) — DOMAIN.md's table.
    let expected: [(&str, &[OrgKind], PeriodKind, u32); 13] = [
        ("支部党员大会", &branches, Quarter, 1),
        ("支部委员会", &branches, Month, 1),
        ("党小组会", &[Group], Month, 1),
        ("党课", &branches, Quarter, 1),
        ("党课", &branches, Year, 1),
        ("主题党日", &branches, Month, 1),
        ("组织生活会", &branches, Year, 1),
        ("民主评议党员", &branches, Year, 1),
        ("党委（党组）专题研究意识形态工作", &committees, HalfYear, 1),
        ("意识形态形势研判", &committees, Quarter, 1),
        ("党委（党组）专题研究党建工作", &committees, Quarter, 1),
        ("理论学习中心组学习", &committees, Quarter, 1),
        ("屋场贴心会", &branches, Quarter, 1),
    ];
    assert_eq!(p.obligations().len(), expected.len());
    for (ob, (label, kinds, period, at_least)) in p.obligations().iter().zip(expected) {
        let t = p.record_type(&ob.record_type).unwrap();
        assert_eq!(t.label, label, "{}", ob.code);
        assert_eq!(ob.kinds, kinds, "{}", ob.code);
        assert_eq!((ob.period, ob.at_least), (period, at_least), "{}", ob.code);
        assert!(!ob.basis.is_empty(), "{}", ob.code);
    }
    let committee = p.obligation("branch_committee_meeting_monthly").unwrap();
    assert!(committee.requires_committee);
    assert!(committee.applies_to(Branch, Sector::Rural, true));
    assert!(!committee.applies_to(Branch, Sector::Rural, false));
    let secretary = p.obligation("secretary_lecture_yearly").unwrap();
    assert_eq!(secretary.mark.as_deref(), Some("by_secretary"));
    let wuchang = p.obligation("wuchang_meeting_quarterly").unwrap();
    assert!(wuchang.applies_to(Branch, Sector::Rural, false));
    assert!(!wuchang.applies_to(Branch, Sector::Community, false));
    assert!(!wuchang.applies_to(Committee, Sector::Rural, true));
    assert_eq!(
        p.obligation("branch_general_meeting_quarterly")
            .unwrap()
            .requirement_label(),
        "每季度至少1次"
    );
}

#[test]
fn the_built_in_term_default_agrees_with_the_default_profile() {
    let p = Profile::default_profile();
    for kind in OrgKind::ALL {
        for sector in Sector::ALL {
            assert_eq!(
                p.term_years(kind, sector),
                default_term_years(kind, sector),
                "{kind:?} {sector:?}"
            );
        }
    }
    assert_eq!(i64::from(p.terms().warn_days), TERM_WARN_DAYS);
    let r = p.org_rules();
    assert_eq!(
        (
            r.branch_min_full_members,
            r.split_warn_members,
            r.committee_min_full_members,
            r.committee_min_size,
            r.committee_max_size,
            r.joint_branch_max_units
        ),
        (3, 50, 7, 3, 5, 5)
    );
}

#[test]
fn the_content_hash_is_the_sha256_of_the_text() {
    let p = Profile::default_profile();
    assert_eq!(p.content_hash().len(), 64);
    assert_eq!(p.source(), DEFAULT_PROFILE_TOML);
    let again = Profile::parse(&format!("{DEFAULT_PROFILE_TOML}\n# a comment\n")).unwrap();
    assert_ne!(again.content_hash(), p.content_hash());
    assert_eq!(again.obligations(), p.obligations());
    assert_eq!(
        Profile::parse(DEFAULT_PROFILE_TOML).unwrap().content_hash(),
        p.content_hash()
    );
}

#[test]
fn a_syntax_error_names_its_line() {
    let text = edited(
        "label = \"主题党日\"\nminutes_required",
        "label = \"主题党日\nminutes_required",
    );
    let errs = errors(&text);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].line, line_of(&text, "label = \"主题党日"));
    assert_eq!(errs[0].message, "字符串没有结束：缺少配对的引号");
    assert!(
        errs[0]
            .to_string()
            .starts_with(&format!("第{}行", errs[0].line))
    );

    let text = edited(
        "at_least = 1\ndue_soon_days = 7",
        "at_least = 1,\ndue_soon_days = 7",
    );
    let errs = errors(&text);
    assert_eq!(errs[0].line, line_of(&text, "at_least = 1,"));
}

#[test]
fn a_type_error_names_its_line_and_column() {
    let text = edited("warn_days = 90", "warn_days = \"90\"");
    let errs = errors(&text);
    assert_eq!(errs.len(), 1);
    assert_eq!(
        (errs[0].line, errs[0].column),
        (line_of(&text, "warn_days = \"90\""), 13)
    );
    assert_eq!(
        errs[0].message,
        "类型不对：这里应为不小于0的整数，实际是字符串 \"90\""
    );

    let text = edited("at_least = 1", "at_least = -1");
    assert_eq!(
        errors(&text)[0].message,
        "取值无效：这里应为不小于0的整数，实际是整数 -1"
    );
}

#[test]
fn an_unknown_record_type_names_its_line() {
    let text = edited(
        "record_type = \"theme_party_day\"",
        "record_type = \"theme_day\"",
    );
    let errs = errors(&text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].line, line_of(&text, "record_type = \"theme_day\""));
    assert_eq!(errs[0].column, 15);
    assert!(
        errs[0].message.starts_with("未知的记录类型“theme_day”"),
        "{}",
        errs[0].message
    );
}

#[test]
fn a_duplicate_code_names_both_lines() {
    let text = edited(
        "code = \"member_appraisal_yearly\"",
        "code = \"org_life_meeting_yearly\"",
    );
    let errs = errors(&text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let first = line_of(&text, "code = \"org_life_meeting_yearly\"");
    let second = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("code = \"org_life_meeting_yearly\""))
        .nth(1)
        .unwrap()
        .0
        + 1;
    assert_eq!(errs[0].line, second);
    assert_eq!(
        errs[0].message,
        format!("义务代码“org_life_meeting_yearly”重复：第{first}行已经用过")
    );
}

#[test]
fn every_semantic_error_is_reported_in_order() {
    let text = edited("at_least = 1", "at_least = 0");
    let text = text.replacen("kinds = [\"group\"]", "kinds = [\"小组\"]", 1);
    let text = text.replacen("period = \"month\"", "period = \"week\"", 1);
    let text = text.replacen("label = \"党课\"", "label = \" \"", 1);
    let text = text.replacen("committee_max_size = 5", "committee_max_size = 2", 1);
    let errs = errors(&text);
    let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
    assert_eq!(
        lines,
        [
            line_of(&text, "label = \" \""),
            line_of(&text, "at_least = 0"),
            line_of(&text, "period = \"week\""),
            line_of(&text, "kinds = [\"小组\"]"),
            line_of(&text, "committee_max_size = 2"),
        ],
        "{errs:?}"
    );
    assert_eq!(errs[0].message, "请填写记录类型名称");
    assert_eq!(errs[1].message, "at_least（每周期至少次数）至少为1");
    assert!(errs[2].message.starts_with("未知的周期“week”"));
    assert!(errs[3].message.starts_with("未知的组织类别“小组”"));
}

#[test]
fn an_unknown_field_or_missing_field_is_refused() {
    let text = edited("due_soon_days = 15", "due_soon_day = 15");
    let errs = errors(&text);
    assert_eq!(errs[0].line, line_of(&text, "due_soon_day = 15"));
    assert!(
        errs[0].message.starts_with("未知的字段“due_soon_day”"),
        "{}",
        errs[0].message
    );

    let text = edited("warn_days = 90\n", "");
    let errs = errors(&text);
    assert_eq!(errs[0].line, line_of(&text, "[terms]"));
    assert_eq!(errs[0].message, "缺少字段“warn_days”");
}

#[test]
fn labels_of_kinds_and_sectors_are_accepted() {
    let text = edited(
        "kinds = [\"branch\", \"joint_branch\"]\n# Village",
        "kinds = [\"党支部\", \"联合党支部\"]\n# Village",
    );
    let text = text.replacen("sectors = [\"rural\"]", "sectors = [\"农村\"]", 1);
    let p = Profile::parse(&text).unwrap();
    assert_eq!(
        p.obligation("wuchang_meeting_quarterly"),
        Profile::default_profile().obligation("wuchang_meeting_quarterly")
    );
}

#[test]
fn an_obligation_on_a_kind_that_cannot_hold_the_record_is_refused() {
    let text = edited(
        "kinds = [\"committee\", \"leading_group\"]\n# Twice",
        "kinds = [\"committee\", \"branch\"]\n# Twice",
    );
    let errs = errors(&text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(
        errs[0].line,
        line_of(&text, "kinds = [\"committee\", \"branch\"]")
    );
    assert!(
        errs[0].message.starts_with("党支部不能召开"),
        "{}",
        errs[0].message
    );
}

#[test]
fn an_unknown_mark_and_a_too_long_margin_are_refused() {
    let text = edited("mark = \"by_secretary\"", "mark = \"by_leader\"");
    let text = text.replacen("due_soon_days = 7", "due_soon_days = 28", 1);
    let errs = errors(&text);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(errs[0].line, line_of(&text, "due_soon_days = 28"));
    assert!(errs[0].message.contains("最多27天"), "{}", errs[0].message);
    assert_eq!(errs[1].line, line_of(&text, "mark = \"by_leader\""));
    assert_eq!(errs[1].message, "记录类型“党课”没有标记“by_leader”");
}

#[test]
fn term_rules_must_cover_every_kind_and_sector() {
    let text = edited("[[terms.rules]]\nyears = 3\n", "");
    let errs = errors(&text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].line, line_of(&text, "[terms]"));
    assert!(
        errs[0].message.contains("党支部（机关）"),
        "{}",
        errs[0].message
    );
    let text = edited("years = 3", "years = 0");
    assert_eq!(
        errors(&text)[0].message,
        "years（每届任期年数）应在1到10之间"
    );
}

#[test]
fn a_bad_code_is_refused() {
    let text = edited("code = \"wuchang_meeting\"", "code = \"Wuchang-meeting\"");
    let text = text.replacen(
        "record_type = \"wuchang_meeting\"",
        "record_type = \"Wuchang-meeting\"",
        1,
    );
    let errs = errors(&text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].line, line_of(&text, "code = \"Wuchang-meeting\""));
    assert!(errs[0].message.contains("只能用小写英文字母"));
}

#[test]
fn an_empty_file_is_refused_in_chinese() {
    let errs = errors("");
    assert_eq!(errs[0].message, "缺少字段“profile”");
    assert_eq!(errs[0].line, 1);
}

#[test]
fn quorum_needs_more_than_half() {
    assert!(!quorum_met(10, 5));
    assert!(quorum_met(10, 6));
    assert!(quorum_met(9, 5));
    assert!(!quorum_met(9, 4));
    assert!(!quorum_met(0, 0));
    assert!(quorum_met(u32::MAX, u32::MAX / 2 + 1));
}

#[test]
fn an_empty_held_by_is_reported_once() {
    let text = edited("held_by = [\"branch\", \"joint_branch\"]", "held_by = []");
    let errs = errors(&text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].line, line_of(&text, "held_by = []"));
    assert_eq!(errs[0].message, "held_by 至少要列出一种可以召开的组织类别");
}

#[test]
fn the_default_profile_has_indicators_for_all_twelve_criteria() {
    let p = Profile::default_profile();
    let mut criteria: Vec<u8> = p.indicators().iter().map(|i| i.criterion).collect();
    criteria.sort_unstable();
    criteria.dedup();
    assert_eq!(criteria, (1..=12).collect::<Vec<u8>>());
    let kinds: Vec<IndicatorKind> = p.indicators().iter().map(|i| i.kind).collect();
    assert_eq!(kinds.len(), IndicatorKind::ALL.len());
    for k in IndicatorKind::ALL {
        assert!(kinds.contains(&k), "{k:?}");
        assert_eq!(IndicatorKind::from_code(k.code()), Some(k));
    }
    assert!(p.indicators().iter().all(|i| i.enabled && i.weight >= 1));
    let vacant = p.indicator(IndicatorKind::SecretaryVacant).unwrap();
    assert_eq!((vacant.criterion, vacant.threshold), (1, 90));
    assert_eq!(vacant.at_least, Some(crate::warnings::Level::Orange));
    let aging = p.indicator(IndicatorKind::AgingMembers).unwrap();
    assert_eq!((aging.threshold, aging.years), (60, 3));
    let economy = p.indicator(IndicatorKind::CollectiveEconomy).unwrap();
    assert!(economy.applies_to(OrgKind::Branch, Sector::Rural));
    assert!(!economy.applies_to(OrgKind::Branch, Sector::Community));
    assert_eq!(*p.warning_levels(), WarningLevels::DEFAULT);
}

#[test]
fn bad_indicators_name_their_lines() {
    let text = edited("code = \"satisfaction\"", "code = \"happiness\"");
    let text = text.replacen("weight = 5\n", "weight = 0\n", 1);
    let text = text.replacen("threshold = 80", "threshold = 180", 1);
    let text = text.replacen("code = \"term_overdue\"", "code = \"secretary_vacant\"", 1);
    let text = text.replacen("criterion = 12", "criterion = 13", 1);
    let errs = errors(&text);
    let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
    let second_vacant = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("code = \"secretary_vacant\""))
        .nth(1)
        .unwrap()
        .0
        + 1;
    assert_eq!(
        lines,
        [
            second_vacant,
            line_of(&text, "threshold = 180"),
            line_of(&text, "weight = 0"),
            line_of(&text, "code = \"happiness\""),
            line_of(&text, "criterion = 13"),
        ],
        "{errs:?}"
    );
    assert!(errs[0].message.contains("指标代码“secretary_vacant”重复"));
    assert_eq!(
        errs[1].message,
        "threshold（阈值，单位：%）应在1到100之间，实际是180"
    );
    assert_eq!(errs[2].message, "weight（权重）应在1到100之间，实际是0");
    assert!(
        errs[3]
            .message
            .starts_with("未知的指标代码“happiness”，可用：secretary_vacant")
    );
    assert!(
        errs[4]
            .message
            .starts_with("criterion（对应的软弱涣散情形序号）应在1到12之间")
    );
}

#[test]
fn a_negative_weight_is_refused_with_its_line() {
    let text = edited("weight = 40", "weight = -40");
    let errs = errors(&text);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].line, line_of(&text, "weight = -40"));
}

#[test]
fn level_lines_must_increase() {
    let text = edited("orange = 30", "orange = 10");
    let errs = errors(&text);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].line, line_of(&text, "orange = 10"));
    assert!(errs[0].message.contains("应大于 yellow"));
}

#[test]
fn thresholds_and_years_belong_to_their_indicators() {
    let text = edited("threshold = 60\nyears = 3\n", "threshold = 60\n");
    let text = text.replacen(
        "code = \"last_in_assessment\"",
        "code = \"last_in_assessment\"\nthreshold = 1",
        1,
    );
    let text = text.replacen("at_least = \"yellow\"", "at_least = \"green\"", 1);
    let errs = errors(&text);
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert_eq!(errs[0].line, line_of(&text, "code = \"aging_members\""));
    assert!(errs[0].message.contains("缺少 years"));
    assert_eq!(
        errs[1].line,
        line_of(&text, "code = \"last_in_assessment\"") + 1
    );
    assert!(errs[1].message.contains("是否类指标"));
    assert_eq!(errs[2].line, line_of(&text, "at_least = \"green\""));
}

#[test]
fn a_profile_without_warnings_still_parses() {
    let cut = DEFAULT_PROFILE_TOML
        .find("\n# -----------------------------------------------------------------------------\n# Early warning")
        .or_else(|| DEFAULT_PROFILE_TOML.find("[warnings]"))
        .unwrap();
    let p = Profile::parse(&DEFAULT_PROFILE_TOML[..cut]).unwrap();
    assert!(p.indicators().is_empty());
    assert_eq!(*p.warning_levels(), WarningLevels::DEFAULT);
    let no_levels =
        DEFAULT_PROFILE_TOML.replacen("[warnings]\nyellow = 10\norange = 30\nred = 60\n", "", 1);
    let errs = errors(&no_levels);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.contains("[warnings]"));
}

#[test]
fn the_escalation_rule_is_read_and_checked() {
    use crate::work::EscalationRule;
    assert_eq!(
        Profile::default_profile().escalation_rule(),
        EscalationRule::DEFAULT
    );
    let p = Profile::parse(&edited(
        "escalate_after_days = 3",
        "escalate_after_days = 0",
    ))
    .unwrap();
    assert_eq!(p.escalation_rule().grace_days, 0);
    let text = edited("escalate_further_days = 7", "escalate_further_days = 0");
    let errs = errors(&text);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].line, line_of(&text, "escalate_further_days = 0"));
    assert!(errs[0].message.contains("应在1到365之间"));
    let cut = DEFAULT_PROFILE_TOML.find("\n[work_items]").unwrap();
    let without = Profile::parse(&DEFAULT_PROFILE_TOML[..cut]).unwrap();
    assert_eq!(without.escalation_rule(), EscalationRule::DEFAULT);
}
