//! Two years of organizational-life records for the demo county, following
//! the default profile's obligations with realistic gaps: most organizations
//! comply most periods, about one in twelve is weak and misses many; the
//! year-end 组织生活会 clusters in the fourth quarter; a few 党员大会 lack a
//! quorum; the current periods are partly done, so some obligations are due
//! soon. Members' meetings of the last six months carry a sign-in list, with
//! a few members who rarely attend (so "members without organizational
//! life" has names on it).

use super::{DemoMember, DemoOrg};
use crate::member::MemberCategory;
use crate::obligations::{Period, PeriodKind};
use crate::org::OrgKind;
use crate::policy::{Profile, quorum_met};
use jiff::ToSpan;
use jiff::civil::Date;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One generated record. Attendance figures are consistent with the
/// sign-in list when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRecord {
    /// Index into [`super::DemoCounty::orgs`].
    pub org: usize,
    /// A record type code of the default profile.
    pub record_type: &'static str,
    pub held_on: Date,
    pub place: &'static str,
    pub host: String,
    pub topics: &'static str,
    pub minutes: String,
    pub expected: u32,
    pub present: u32,
    pub voting: u32,
    pub voting_present: u32,
    pub valid: bool,
    /// Carries the 书记讲党课 mark.
    pub by_secretary: bool,
    /// Confirmed by the parent organization.
    pub confirmed: bool,
    /// (index into members, present), for members' meetings of the last six
    /// months; empty otherwise.
    pub attendance: Vec<(usize, bool)>,
}

/// Sets `has_committee` for branches with at least the profile's number of
/// full members for a committee.
pub(super) fn mark_committees(orgs: &mut [DemoOrg], members: &[DemoMember]) {
    let min = Profile::default_profile()
        .org_rules()
        .committee_min_full_members;
    let mut full = vec![0u32; orgs.len()];
    for m in members {
        if m.category == MemberCategory::Full {
            full[m.org] += 1;
        }
    }
    for (o, n) in orgs.iter_mut().zip(full) {
        o.has_committee = o.kind.is_branch() && n >= min;
    }
}

fn topics(record_type: &str) -> &'static [&'static str] {
    match record_type {
        "branch_general_meeting" => &[
            "讨论发展党员和预备党员转正",
            "传达学习上级会议精神，部署本季度工作",
            "讨论村级重大事项“四议两公开”",
            "选举产生出席上级党代会代表",
        ],
        "branch_committee_meeting" => &[
            "研究本月党建工作安排",
            "研究巡察反馈问题整改工作",
            "研究困难党员帮扶事项",
            "研究乡村振兴重点工作",
        ],
        "party_group_meeting" => &["学习党章党规", "交流学习体会", "开展批评和自我批评"],
        "party_lecture" => &[
            "学习贯彻党的二十届四中全会精神",
            "弘扬井冈山精神",
            "加强党性修养，践行初心使命",
            "学习《中国共产党纪律处分条例》",
        ],
        "theme_party_day" => &[
            "重温入党誓词",
            "开展志愿服务活动",
            "参观革命传统教育基地",
            "开展人居环境整治志愿活动",
        ],
        "org_life_meeting" => &[
            "召开年度组织生活会，会前开展谈心谈话，会上开展批评和自我批评",
            "专题组织生活会，对照检视问题，明确整改措施",
        ],
        "member_appraisal" => &["开展年度民主评议党员"],
        "ideology_work_study" => &[
            "专题研究意识形态工作，分析研判形势",
            "研究落实意识形态工作责任制",
        ],
        "ideology_situation_review" => &["开展意识形态领域形势分析研判"],
        "party_building_study" => &["专题研究基层党建工作", "研究抓党建促乡村振兴工作"],
        "central_group_study" => &[
            "理论学习中心组集体学习习近平新时代中国特色社会主义思想",
            "中心组专题学习党纪学习教育内容",
        ],
        "wuchang_meeting" => &[
            "召开屋场贴心会，收集群众诉求",
            "屋场贴心会议事：人居环境整治",
        ],
        _ => &["组织生活"],
    }
}

fn place(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Committee | OrgKind::LeadingGroup => "机关会议室",
        OrgKind::Group => "党小组活动室",
        _ => "党群服务中心会议室",
    }
}

/// Generates the records. Deterministic for a seed; independent of the
/// organization and member streams, so adding records changed neither.
pub(super) fn generate(
    seed: u64,
    today: Date,
    orgs: &[DemoOrg],
    members: &[DemoMember],
) -> Vec<DemoRecord> {
    let profile = Profile::default_profile();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7265_636f_7264_7321);
    let start = today
        .first_of_month()
        .checked_sub(23.months())
        .expect("demo dates are recent");
    let sheet_from = today.checked_sub(183.days()).expect("recent");
    let mut by_org: Vec<Vec<usize>> = vec![Vec::new(); orgs.len()];
    for (i, m) in members.iter().enumerate() {
        by_org[m.org].push(i);
    }
    // Each member's chance of attending: a few rarely come (外出务工, 年老体弱).
    let attend: Vec<f64> = members
        .iter()
        .map(|_| if rng.random_bool(0.05) { 0.1 } else { 0.9 })
        .collect();
    let mut out = Vec::with_capacity(orgs.len() * 60);
    for (oi, org) in orgs.iter().enumerate() {
        let weak = rng.random_bool(0.08);
        let hold = if weak { 0.5 } else { 0.95 };
        let host = org
            .secretary_name
            .clone()
            .unwrap_or_else(|| "副书记".to_owned());
        for ob in profile.obligations() {
            if ob.mark.is_some() || !ob.applies_to(org.kind, org.sector, org.has_committee) {
                continue;
            }
            let rtype = profile
                .record_type(&ob.record_type)
                .expect("profile is consistent");
            let code: &'static str = topics_code(&rtype.code);
            for period in Period::overlapping(ob.period, start, today) {
                if !rng.random_bool(hold) {
                    continue;
                }
                let held_on = pick_day(&mut rng, period, code == "org_life_meeting");
                if held_on > today || held_on < start {
                    continue;
                }
                let list = &by_org[oi];
                let mut rec = DemoRecord {
                    org: oi,
                    record_type: code,
                    held_on,
                    place: place(org.kind),
                    host: host.clone(),
                    topics: pick_topic(&mut rng, code),
                    minutes: String::new(),
                    expected: 0,
                    present: 0,
                    voting: 0,
                    voting_present: 0,
                    valid: true,
                    by_secretary: false,
                    confirmed: held_on < today.checked_sub(30.days()).expect("recent")
                        && rng.random_bool(0.9),
                    attendance: Vec::new(),
                };
                if list.is_empty() {
                    rec.expected = rng.random_range(5..=15);
                    rec.present = rec.expected - rng.random_range(0..=2.min(rec.expected - 1));
                    rec.voting = rec.expected;
                    rec.voting_present = rec.present;
                } else {
                    let inquorate = rtype.members_meeting && rng.random_bool(0.03);
                    let sheet = rtype.members_meeting && held_on >= sheet_from;
                    for &m in list {
                        let voting = members[m].category == MemberCategory::Full;
                        let p = if inquorate { 0.3 } else { attend[m] };
                        let here = rng.random_bool(p);
                        rec.expected += 1;
                        rec.present += u32::from(here);
                        rec.voting += u32::from(voting);
                        rec.voting_present += u32::from(voting && here);
                        if sheet {
                            rec.attendance.push((m, here));
                        }
                    }
                    if rec.present == 0 {
                        rec.present = 1;
                        if let Some(a) = rec.attendance.first_mut() {
                            a.1 = true;
                            if members[a.0].category == MemberCategory::Full {
                                rec.voting_present += 1;
                            }
                        }
                    }
                    rec.valid =
                        !rtype.members_meeting || quorum_met(rec.voting, rec.voting_present);
                }
                if rtype.minutes_required {
                    rec.minutes = format!(
                        "{}主持会议，应到{}人，实到{}人。会议{}，与会同志结合工作实际作了交流发言，会议对下一步工作作了安排。",
                        rec.host, rec.expected, rec.present, rec.topics
                    );
                }
                // The secretary gives the year's first 党课 (most of the time).
                if code == "party_lecture" && period.index() == 1 && rng.random_bool(0.85) {
                    rec.by_secretary = true;
                }
                out.push(rec);
            }
        }
    }
    out
}

/// The `'static` code of a record type of the default profile.
fn topics_code(code: &str) -> &'static str {
    const CODES: [&str; 13] = [
        "branch_general_meeting",
        "branch_committee_meeting",
        "party_group_meeting",
        "party_lecture",
        "theme_party_day",
        "org_life_meeting",
        "member_appraisal",
        "heart_to_heart_talk",
        "central_group_study",
        "ideology_work_study",
        "ideology_situation_review",
        "party_building_study",
        "wuchang_meeting",
    ];
    CODES
        .into_iter()
        .find(|c| *c == code)
        .unwrap_or("heart_to_heart_talk")
}

fn pick_topic(rng: &mut ChaCha8Rng, code: &str) -> &'static str {
    let t = topics(code);
    t[rng.random_range(0..t.len())]
}

/// A day in the period; the yearly 组织生活会 mostly falls in the fourth quarter.
fn pick_day(rng: &mut ChaCha8Rng, period: Period, year_end: bool) -> Date {
    let (from, to) = if year_end && period.kind() == PeriodKind::Year && rng.random_bool(0.85) {
        let q4 = Period::new(PeriodKind::Quarter, period.year(), 4).expect("valid quarter");
        (q4.start(), q4.end())
    } else {
        (period.start(), period.end())
    };
    let days = (to - from).get_days();
    from.checked_add(i64::from(rng.random_range(0..=days)).days())
        .expect("inside the period")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{DemoOptions, generate as county};
    use crate::ids::OrgId;
    use crate::obligations::{OrgFacts, RecordFact, Status, Window, evaluate};

    #[test]
    fn demo_records_make_compliance_interesting() {
        let today = jiff::civil::date(2026, 11, 29);
        let c = county(&DemoOptions {
            seed: 7,
            scale: 1,
            today,
        });
        assert!(c.records.len() > 50_000, "{}", c.records.len());
        assert!(c.records.iter().all(|r| r.held_on <= today));
        assert!(c.orgs.iter().any(|o| o.has_committee));
        let invalid = c.records.iter().filter(|r| !r.valid).count();
        assert!(invalid > 0 && invalid * 100 < c.records.len(), "{invalid}");
        let facts: Vec<OrgFacts> = c
            .orgs
            .iter()
            .enumerate()
            .map(|(i, o)| OrgFacts {
                id: OrgId(i as i64),
                parent: o.parent.map(|p| OrgId(p as i64)),
                kind: o.kind,
                sector: o.sector,
                has_committee: o.has_committee,
                active_from: None,
                active_to: None,
            })
            .collect();
        let marks = [String::from("by_secretary")];
        let recs: Vec<RecordFact> = c
            .records
            .iter()
            .map(|r| RecordFact {
                org: OrgId(r.org as i64),
                record_type: r.record_type,
                date: r.held_on,
                counts: r.valid,
                marks: if r.by_secretary { &marks } else { &[] },
            })
            .collect();
        let window = Window {
            from: jiff::civil::date(2025, 1, 1),
            to: today,
        };
        let res = evaluate(Profile::default_profile(), &facts, &recs, window, today);
        let gm = res.obligation("branch_general_meeting_quarterly").unwrap();
        let t = gm.rollup(OrgId(0)).unwrap()[0];
        let share = t.met * 100 / t.applicable;
        assert!((75..=95).contains(&share), "{t:?}");
        let tdm = res.obligation("theme_party_day_monthly").unwrap();
        assert!(tdm.rollup(OrgId(0)).unwrap().last().unwrap().due_soon > 0);
        let cells = gm
            .rows()
            .flat_map(|(_, c)| c.iter())
            .filter(|c| c.status == Status::Missed)
            .count();
        assert!(cells > 0);
        // Sign-in lists agree with the figures.
        for r in c.records.iter().filter(|r| !r.attendance.is_empty()) {
            assert_eq!(r.attendance.len() as u32, r.expected);
            assert_eq!(
                r.attendance.iter().filter(|a| a.1).count() as u32,
                r.present
            );
        }
    }
}
