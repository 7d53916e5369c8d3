use super::*;
use crate::org::{OrgKind, Sector};
use crate::policy::{DEFAULT_PROFILE_TOML, WarningLevels};
use jiff::civil::date;
use proptest::prelude::*;

const TODAY: Date = date(2026, 11, 29);

fn village(id: i64) -> OrgWarningFacts {
    OrgWarningFacts::unknown(OrgId(id), OrgKind::Branch, Sector::Rural)
}

/// A village branch with every fact known and good.
fn healthy(id: i64) -> OrgWarningFacts {
    OrgWarningFacts {
        term: Some(TermFact {
            due: date(2027, 3, 1),
            completed: false,
        }),
        last_development_candidate: Some(Last::On(date(2026, 5, 1))),
        compliance_permille: Some(1000),
        member_count: 30,
        average_age_tenths: Some(480),
        last_new_member: Some(Last::On(date(2025, 7, 1))),
        operating_income_fen: Some(50_000_000),
        petitions: Some(0),
        satisfaction_permille: Some(950),
        disclosure_ok: Some(true),
        supervision_committee: Some(true),
        last_in_assessment: Some(false),
        discipline_cases: Some(0),
        ..village(id)
    }
}

fn ind(kind: IndicatorKind) -> &'static Indicator {
    Profile::default_profile().indicator(kind).unwrap()
}

fn outcome(kind: IndicatorKind, f: &OrgWarningFacts) -> Outcome {
    check(ind(kind), f, TODAY)
}

fn triggered(o: &Outcome) -> bool {
    matches!(o, Outcome::Triggered(_))
}

/// (below, at, above) the threshold → triggered? for a fact set by `set`.
fn around(kind: IndicatorKind, set: impl Fn(&mut OrgWarningFacts, i64)) -> [bool; 3] {
    let t = i64::from(ind(kind).threshold);
    [t - 1, t, t + 1].map(|v| {
        let mut f = healthy(1);
        set(&mut f, v);
        triggered(&outcome(kind, &f))
    })
}

fn days_ago(days: i64) -> Date {
    TODAY.checked_sub(jiff::Span::new().days(days)).unwrap()
}

#[test]
fn each_threshold_indicator_at_its_boundary() {
    use IndicatorKind as K;
    // "more than": at the threshold is not yet a warning.
    assert_eq!(
        around(K::SecretaryVacant, |f, v| f.secretary_vacant_since =
            Some(days_ago(v))),
        [false, false, true]
    );
    assert_eq!(
        around(K::BranchOversized, |f, v| f.member_count = v as u32),
        [false, false, true]
    );
    assert_eq!(
        around(K::PetitionsDisputes, |f, v| f.petitions = Some(v as u32)),
        [false, false, true]
    );
    // "below": at the threshold passes.
    assert_eq!(
        around(K::OrgLifeCompliance, |f, v| f.compliance_permille =
            Some(v as u32 * 10)),
        [true, false, false]
    );
    assert_eq!(
        around(K::Satisfaction, |f, v| f.satisfaction_permille =
            Some(v as u32 * 10)),
        [true, false, false]
    );
    assert_eq!(
        around(K::CollectiveEconomy, |f, v| f.operating_income_fen =
            Some(v * 1_000_000)),
        [true, false, false]
    );
    // "at least": at the threshold is a warning.
    assert_eq!(
        around(K::DisciplineCases, |f, v| f.discipline_cases =
            Some(v as u32)),
        [false, true, true]
    );
}

#[test]
fn permille_and_fen_boundaries_are_exact() {
    let mut f = healthy(1);
    f.compliance_permille = Some(799);
    assert_eq!(
        outcome(IndicatorKind::OrgLifeCompliance, &f),
        Outcome::Triggered("组织生活完成率79.9%（低于80%）".into())
    );
    f.operating_income_fen = Some(9_999_999);
    assert_eq!(
        outcome(IndicatorKind::CollectiveEconomy, &f),
        Outcome::Triggered("经营性收入9.99万元（低于目标10万元）".into())
    );
    f.operating_income_fen = Some(-1_500_000);
    assert!(matches!(outcome(IndicatorKind::CollectiveEconomy, &f),
        Outcome::Triggered(d) if d.starts_with("经营性收入-1.50万元")));
}

#[test]
fn the_secretary_detail_reads_as_the_issue_says() {
    let mut f = healthy(1);
    f.secretary_vacant_since = Some(days_ago(127));
    assert_eq!(
        outcome(IndicatorKind::SecretaryVacant, &f),
        Outcome::Triggered("书记空缺已127天（超过90天）".into())
    );
}

#[test]
fn term_overdue_counts_from_the_day_after_the_due_date() {
    let mut f = healthy(1);
    f.term = Some(TermFact {
        due: TODAY,
        completed: false,
    });
    assert_eq!(outcome(IndicatorKind::TermOverdue, &f), Outcome::Pass);
    f.term = Some(TermFact {
        due: days_ago(1),
        completed: false,
    });
    assert!(triggered(&outcome(IndicatorKind::TermOverdue, &f)));
    f.term = Some(TermFact {
        due: days_ago(400),
        completed: true,
    });
    assert_eq!(outcome(IndicatorKind::TermOverdue, &f), Outcome::Pass);
}

#[test]
fn development_candidate_after_two_full_years() {
    let k = IndicatorKind::NoDevelopmentCandidate;
    let mut f = healthy(1);
    f.last_development_candidate = Some(Last::On(date(2024, 11, 30)));
    assert_eq!(outcome(k, &f), Outcome::Pass);
    f.last_development_candidate = Some(Last::On(date(2024, 11, 29)));
    assert!(triggered(&outcome(k, &f)));
    f.last_development_candidate = Some(Last::Never);
    assert_eq!(
        outcome(k, &f),
        Outcome::Triggered("从未确定发展对象".into())
    );
}

#[test]
fn aging_needs_both_a_high_age_and_no_new_member() {
    let k = IndicatorKind::AgingMembers;
    let mut f = healthy(1);
    f.last_new_member = Some(Last::On(date(2023, 11, 29)));
    f.average_age_tenths = Some(600);
    assert_eq!(outcome(k, &f), Outcome::Pass, "at the age threshold");
    f.average_age_tenths = Some(601);
    assert!(triggered(&outcome(k, &f)), "three full years, older");
    f.last_new_member = Some(Last::On(date(2023, 11, 30)));
    assert_eq!(outcome(k, &f), Outcome::Pass, "a day short of three years");
    f.last_new_member = Some(Last::Never);
    assert!(triggered(&outcome(k, &f)));
    f.last_new_member = None;
    assert_eq!(outcome(k, &f), Outcome::NoData);
    f.average_age_tenths = Some(500);
    assert_eq!(outcome(k, &f), Outcome::Pass, "young enough decides alone");
}

#[test]
fn yes_no_indicators() {
    use IndicatorKind as K;
    let mut f = healthy(1);
    for k in [
        K::AffairsDisclosure,
        K::SupervisionCommittee,
        K::LastInAssessment,
    ] {
        assert_eq!(outcome(k, &f), Outcome::Pass, "{k:?}");
    }
    f.disclosure_ok = Some(false);
    f.supervision_committee = Some(false);
    f.last_in_assessment = Some(true);
    for k in [
        K::AffairsDisclosure,
        K::SupervisionCommittee,
        K::LastInAssessment,
    ] {
        assert!(triggered(&outcome(k, &f)), "{k:?}");
    }
}

#[test]
fn missing_data_is_never_a_pass() {
    let f = village(1);
    for kind in IndicatorKind::ALL {
        let o = outcome(kind, &f);
        match kind {
            // Known from the registry itself: no vacancy, no members.
            IndicatorKind::SecretaryVacant | IndicatorKind::BranchOversized => {
                assert_eq!(o, Outcome::Pass);
            }
            _ => assert_eq!(o, Outcome::NoData, "{kind:?}"),
        }
    }
    let run = evaluate(Profile::default_profile(), &[f], TODAY);
    let w = &run.results[0];
    assert_eq!((w.level, w.score), (Level::Green, 0));
    assert_eq!(w.no_data.len(), 11);
}

#[test]
fn a_healthy_village_is_green_with_no_gaps() {
    let run = evaluate(Profile::default_profile(), &[healthy(1)], TODAY);
    assert_eq!(run.profile_version, "jiangxi-county-2026.1");
    assert_eq!(run.profile_hash, Profile::default_profile().content_hash());
    let w = &run.results[0];
    assert_eq!(w.level, Level::Green);
    assert!(w.reasons.is_empty() && w.no_data.is_empty());
}

#[test]
fn levels_follow_the_score_and_the_floors() {
    let p = Profile::default_profile();
    let mut f = healthy(1);
    f.discipline_cases = Some(1); // weight 30, at least yellow
    let w = &evaluate(p, std::slice::from_ref(&f), TODAY).results[0];
    assert_eq!((w.level, w.score), (Level::Orange, 30));
    assert_eq!(w.reasons[0].evidence, Evidence::Discipline);
    assert_eq!(w.reasons[0].criterion, 12);

    let mut f = healthy(2);
    f.member_count = 51; // weight 5 only
    let w = &evaluate(p, &[f], TODAY).results[0];
    assert_eq!((w.level, w.score), (Level::Green, 5));
    assert_eq!(
        w.reasons.len(),
        1,
        "a reason below the yellow line still shows"
    );

    let mut f = healthy(3);
    f.secretary_vacant_since = Some(days_ago(91)); // 40, at least orange
    f.satisfaction_permille = Some(500); // 30
    let w = &evaluate(p, &[f], TODAY).results[0];
    assert_eq!((w.level, w.score), (Level::Red, 70));
    assert_eq!(
        w.reasons.iter().map(|r| r.indicator).collect::<Vec<_>>(),
        [IndicatorKind::SecretaryVacant, IndicatorKind::Satisfaction]
    );
}

#[test]
fn level_boundaries() {
    let l = WarningLevels::DEFAULT;
    let cases = [
        (0, Level::Green),
        (9, Level::Green),
        (10, Level::Yellow),
        (29, Level::Yellow),
        (30, Level::Orange),
        (59, Level::Orange),
        (60, Level::Red),
        (1000, Level::Red),
    ];
    for (score, level) in cases {
        assert_eq!(l.level_of(score), level, "{score}");
    }
    assert_eq!(Level::parse("红"), Some(Level::Red));
    assert_eq!(Level::parse("橙色"), Some(Level::Orange));
    assert_eq!(Level::parse("yellow"), Some(Level::Yellow));
    assert_eq!(Level::parse("紫"), None);
    assert!(Level::Green < Level::Yellow && Level::Orange < Level::Red);
    assert_eq!(Level::Red.title(), "红色预警");
}

#[test]
fn indicators_apply_only_to_their_kinds_and_sectors() {
    let mut f = healthy(1);
    f.sector = Sector::Government;
    f.operating_income_fen = Some(0);
    f.disclosure_ok = None;
    let w = &evaluate(Profile::default_profile(), &[f], TODAY).results[0];
    assert!(w.reasons.is_empty());
    assert!(w.no_data.is_empty(), "{:?}", w.no_data);
}

#[test]
fn ranking_and_township_summary() {
    let mut one = healthy(1);
    one.discipline_cases = Some(2);
    let mut three = healthy(3);
    three.secretary_vacant_since = Some(days_ago(200));
    three.petitions = Some(9);
    let mut four = healthy(4);
    four.discipline_cases = Some(1);
    let facts = [one, healthy(2), three, four, village(5)];
    let run = evaluate(Profile::default_profile(), &facts, TODAY);
    let order: Vec<i64> = ranked(&run.results).iter().map(|w| w.org.0).collect();
    assert_eq!(order, [3, 1, 4, 2, 5]);
    // Townships: 1–3 in township 100, 4–5 in 200.
    let by = summary_by(&run.results, |o| Some(if o.0 <= 3 { 100 } else { 200 }));
    let t100 = by[&100];
    assert_eq!(
        (t100.red, t100.orange, t100.green, t100.total()),
        (1, 1, 1, 3)
    );
    assert_eq!(t100.warned(), 2);
    let t200 = by[&200];
    assert_eq!((t200.orange, t200.green, t200.incomplete), (1, 1, 1));
    assert_eq!(t200.at(Level::Orange), 1);
}

#[test]
fn a_switched_off_indicator_is_not_evaluated() {
    let text = DEFAULT_PROFILE_TOML.replacen(
        "code = \"discipline_cases\"",
        "code = \"discipline_cases\"\nenabled = false",
        1,
    );
    let p = Profile::parse(&text).unwrap();
    let mut f = village(1);
    f.discipline_cases = Some(3);
    let w = &evaluate(&p, &[f], TODAY).results[0];
    assert!(w.reasons.is_empty());
    assert!(!w.no_data.contains(&IndicatorKind::DisciplineCases));
}

fn facts_strategy() -> impl Strategy<Value = OrgWarningFacts> {
    let opt_date = || proptest::option::of((0i64..2000).prop_map(days_ago));
    let opt_last = || {
        proptest::option::of(prop_oneof![
            Just(Last::Never),
            (0i64..3000).prop_map(|d| Last::On(days_ago(d)))
        ])
    };
    (
        (
            opt_date(),
            proptest::option::of((opt_date(), any::<bool>())),
            opt_last(),
        ),
        (
            proptest::option::of(0u32..=1000),
            0u32..120,
            proptest::option::of(200u32..900),
            opt_last(),
        ),
        (
            proptest::option::of(-5_000_000i64..50_000_000),
            proptest::option::of(0u32..20),
            proptest::option::of(0u32..=1000),
        ),
        (
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
            proptest::option::of(0u32..4),
        ),
    )
        .prop_map(
            |((vac, term, dev), (comp, n, age, newm), (inc, pet, sat), (dis, sup, last, disc))| {
                OrgWarningFacts {
                    secretary_vacant_since: vac,
                    term: term.map(|(d, completed)| TermFact {
                        due: d.unwrap_or(TODAY),
                        completed,
                    }),
                    last_development_candidate: dev,
                    compliance_permille: comp,
                    member_count: n,
                    average_age_tenths: age,
                    last_new_member: newm,
                    operating_income_fen: inc,
                    petitions: pet,
                    satisfaction_permille: sat,
                    disclosure_ok: dis,
                    supervision_committee: sup,
                    last_in_assessment: last,
                    discipline_cases: disc,
                    ..village(1)
                }
            },
        )
}

/// The same facts made worse in one way chosen by `which`.
fn worsen(f: &OrgWarningFacts, which: u8) -> OrgWarningFacts {
    let mut w = f.clone();
    let earlier = |d: Date| d.checked_sub(jiff::Span::new().days(400)).unwrap();
    match which % 13 {
        0 => w.secretary_vacant_since = Some(w.secretary_vacant_since.map_or(TODAY, earlier)),
        1 => {
            if let Some(t) = &mut w.term {
                t.due = earlier(t.due);
                t.completed = false;
            }
        }
        2 => {
            w.last_development_candidate = match w.last_development_candidate {
                Some(Last::On(d)) => Some(Last::On(earlier(d))),
                other => other.map(|_| Last::Never),
            }
        }
        3 => w.compliance_permille = w.compliance_permille.map(|p| p / 2),
        4 => w.member_count += 30,
        5 => w.average_age_tenths = w.average_age_tenths.map(|a| a + 100),
        6 => {
            w.last_new_member = match w.last_new_member {
                Some(Last::On(d)) => Some(Last::On(earlier(d))),
                other => other.map(|_| Last::Never),
            }
        }
        7 => w.operating_income_fen = w.operating_income_fen.map(|x| x - 3_000_000),
        8 => w.petitions = w.petitions.map(|x| x + 4),
        9 => w.satisfaction_permille = w.satisfaction_permille.map(|x| x / 2),
        10 => {
            w.disclosure_ok = w.disclosure_ok.map(|_| false);
            w.supervision_committee = w.supervision_committee.map(|_| false);
        }
        11 => w.last_in_assessment = w.last_in_assessment.map(|_| true),
        _ => w.discipline_cases = w.discipline_cases.map(|x| x + 1),
    }
    w
}

proptest! {
    #[test]
    fn a_worse_fact_never_lowers_the_level(f in facts_strategy(), which in 0u8..13) {
        let p = Profile::default_profile();
        let before = &evaluate(p, std::slice::from_ref(&f), TODAY).results[0];
        let after = &evaluate(p, &[worsen(&f, which)], TODAY).results[0];
        prop_assert!(after.level >= before.level);
        prop_assert!(after.score >= before.score);
    }

    #[test]
    fn switching_an_indicator_off_never_raises_the_level(
        f in facts_strategy(),
        off in 0usize..13,
    ) {
        let code = IndicatorKind::ALL[off].code();
        let from = format!("code = \"{code}\"");
        let text = DEFAULT_PROFILE_TOML.replacen(&from, &format!("{from}\nenabled = false"), 1);
        let p_off = Profile::parse(&text).unwrap();
        let on = &evaluate(Profile::default_profile(), std::slice::from_ref(&f), TODAY).results[0];
        let off = &evaluate(&p_off, &[f], TODAY).results[0];
        prop_assert!(off.level <= on.level);
        prop_assert!(off.score <= on.score);
    }

    #[test]
    fn the_score_is_the_sum_of_the_reasons(f in facts_strategy()) {
        let w = &evaluate(Profile::default_profile(), &[f], TODAY).results[0];
        prop_assert_eq!(w.score, w.reasons.iter().map(|r| r.weight).sum::<u32>());
        prop_assert!(w.level >= WarningLevels::DEFAULT.level_of(w.score));
    }
}

/// `cargo test -p dangjian-domain --release warnings_timing -- --ignored --nocapture`
#[test]
#[ignore = "timing only"]
fn warnings_timing() {
    let facts: Vec<OrgWarningFacts> = (0..200_000)
        .map(|i| {
            let mut f = healthy(i);
            f.secretary_vacant_since = (i % 7 == 0).then(|| days_ago(i % 300));
            f.petitions = Some((i % 11) as u32);
            f.compliance_permille = Some((i % 1001) as u32);
            f
        })
        .collect();
    let start = std::time::Instant::now();
    let run = evaluate(Profile::default_profile(), &facts, TODAY);
    let took = start.elapsed();
    let counts = summary_by(&run.results, |_| Some(()));
    println!("200,000 organizations in {took:?}: {:?}", counts[&()]);
    assert!(took < std::time::Duration::from_secs(1), "{took:?}");
}

#[test]
fn changes_between_two_runs() {
    let p = Profile::default_profile();
    let mut worse = healthy(1);
    worse.secretary_vacant_since = Some(days_ago(120));
    let last_year = evaluate(p, &[healthy(1), healthy(2)], date(2025, 11, 29));
    let this_year = evaluate(p, &[worse, healthy(2), healthy(3)], TODAY);
    let c = changes(&last_year.results, &this_year.results);
    assert_eq!(c.len(), 2);
    assert_eq!(
        (c[0].org, c[0].before, c[0].after),
        (OrgId(1), Some(Level::Green), Level::Orange)
    );
    assert_eq!(c[0].label(), "预警升级");
    assert_eq!((c[1].org, c[1].before), (OrgId(3), None));
    assert_eq!(c[1].label(), "新增");
    assert!(changes(&this_year.results, &this_year.results).is_empty());
}

#[test]
fn a_run_serializes_for_its_snapshot() {
    let mut f = healthy(7);
    f.petitions = Some(8);
    let run = evaluate(Profile::default_profile(), &[f], TODAY);
    // The crate has no JSON dependency; TOML shows the same serde shape.
    let v = toml::Value::try_from(&run).unwrap();
    let s = |v: &toml::Value| v.as_str().unwrap().to_owned();
    assert_eq!(s(&v["today"]), "2026-11-29");
    assert_eq!(s(&v["profile_version"]), "jiangxi-county-2026.1");
    let r = &v["results"][0];
    assert_eq!(r["org"].as_integer(), Some(7));
    assert_eq!(s(&r["level"]), "yellow");
    let reason = &r["reasons"][0];
    assert_eq!(s(&reason["indicator"]), "petitions_disputes");
    assert_eq!(s(&reason["evidence"]), "village_affairs");
    assert_eq!(s(&reason["detail"]), "本年度信访和矛盾纠纷8件（超过5件）");
    assert!(r["no_data"].as_array().unwrap().is_empty());
}
