use super::*;
use jiff::civil::date;
use proptest::prelude::*;

fn profile() -> &'static Profile {
    Profile::default_profile()
}

fn org(id: i64, parent: Option<i64>, kind: OrgKind, sector: Sector) -> OrgFacts {
    OrgFacts {
        id: OrgId(id),
        parent: parent.map(OrgId),
        kind,
        sector,
        has_committee: true,
        active_from: None,
        active_to: None,
    }
}

fn branch(id: i64, parent: i64) -> OrgFacts {
    org(id, Some(parent), OrgKind::Branch, Sector::Rural)
}

fn rec(org: i64, record_type: &str, day: Date) -> RecordFact<'_> {
    RecordFact {
        org: OrgId(org),
        record_type,
        date: day,
        counts: true,
        marks: &[],
    }
}

fn year(y: i16) -> Window {
    Window {
        from: date(y, 1, 1),
        to: date(y, 12, 31),
    }
}

/// The statuses of one organization for one obligation, period by period.
fn statuses(c: &Compliance, obligation: &str, org: i64) -> Vec<Status> {
    c.obligation(obligation)
        .unwrap()
        .row(OrgId(org))
        .unwrap()
        .iter()
        .map(|cell| cell.status)
        .collect()
}

const MEETING: &str = "branch_general_meeting_quarterly";
const DAY: &str = "theme_party_day_monthly";
const IDEOLOGY: &str = "ideology_work_study_half_yearly";

#[test]
fn a_record_on_the_last_day_of_the_period_counts() {
    let orgs = [org(1, None, OrgKind::Branch, Sector::Government)];
    let records = [
        rec(1, "branch_general_meeting", date(2026, 3, 31)),
        rec(1, "branch_general_meeting", date(2026, 7, 1)),
    ];
    let c = evaluate(profile(), &orgs, &records, year(2026), date(2027, 1, 5));
    assert_eq!(
        statuses(&c, MEETING, 1),
        [Status::Met, Status::Missed, Status::Met, Status::Missed]
    );
    let counts: Vec<u32> = c
        .obligation(MEETING)
        .unwrap()
        .row(OrgId(1))
        .unwrap()
        .iter()
        .map(|cell| cell.count)
        .collect();
    assert_eq!(counts, [1, 0, 1, 0]);
}

#[test]
fn q4_and_the_next_q1_are_kept_apart_at_the_year_boundary() {
    let orgs = [org(1, None, OrgKind::Branch, Sector::School)];
    let window = Window {
        from: date(2026, 10, 1),
        to: date(2027, 3, 31),
    };
    let on_new_years_eve = [rec(1, "branch_general_meeting", date(2026, 12, 31))];
    let c = evaluate(
        profile(),
        &orgs,
        &on_new_years_eve,
        window,
        date(2027, 4, 1),
    );
    let ob = c.obligation(MEETING).unwrap();
    let labels: Vec<String> = ob.periods.iter().map(|p| p.label()).collect();
    assert_eq!(labels, ["2026年第4季度", "2027年第1季度"]);
    assert_eq!(statuses(&c, MEETING, 1), [Status::Met, Status::Missed]);

    let on_new_years_day = [rec(1, "branch_general_meeting", date(2027, 1, 1))];
    let c = evaluate(
        profile(),
        &orgs,
        &on_new_years_day,
        window,
        date(2027, 4, 1),
    );
    assert_eq!(statuses(&c, MEETING, 1), [Status::Missed, Status::Met]);
}

#[test]
fn half_years_split_at_the_end_of_june() {
    let orgs = [org(1, None, OrgKind::Committee, Sector::Rural)];
    let window = Window {
        from: date(2026, 1, 1),
        to: date(2027, 6, 30),
    };
    let records = [
        rec(1, "ideology_work_study", date(2026, 6, 30)),
        rec(1, "ideology_work_study", date(2027, 1, 1)),
    ];
    let c = evaluate(profile(), &orgs, &records, window, date(2027, 6, 15));
    let ob = c.obligation(IDEOLOGY).unwrap();
    let labels: Vec<String> = ob.periods.iter().map(|p| p.label()).collect();
    assert_eq!(labels, ["2026年上半年", "2026年下半年", "2027年上半年"]);
    assert_eq!(
        statuses(&c, IDEOLOGY, 1),
        [Status::Met, Status::Missed, Status::Met]
    );
}

#[test]
fn months_of_every_length_count_their_last_day() {
    let orgs = [org(1, None, OrgKind::Branch, Sector::Community)];
    for last in [
        date(2026, 1, 31),
        date(2026, 4, 30),
        date(2026, 2, 28),
        date(2024, 2, 29),
    ] {
        let records = [rec(1, "theme_party_day", last)];
        let period = Period::containing(PeriodKind::Month, last);
        let c = evaluate(profile(), &orgs, &records, Window::of(period), last);
        assert_eq!(statuses(&c, DAY, 1), [Status::Met], "{last}");
        let next_day = last.tomorrow().unwrap();
        let c = evaluate(profile(), &orgs, &records, Window::of(period), next_day);
        assert_eq!(statuses(&c, DAY, 1), [Status::Met], "{last}");
        let c = evaluate(profile(), &orgs, &[], Window::of(period), next_day);
        assert_eq!(statuses(&c, DAY, 1), [Status::Missed], "{last}");
    }
}

#[test]
fn statuses_follow_the_calendar() {
    let q3 = Period::new(PeriodKind::Quarter, 2026, 3).unwrap();
    let cases = [
        // (count, today, expected); the margin for the quarter is 15 days.
        (0, date(2026, 6, 30), Status::Open),
        (0, date(2026, 7, 1), Status::Open),
        (0, date(2026, 9, 14), Status::Open),
        (0, date(2026, 9, 15), Status::DueSoon),
        (0, date(2026, 9, 30), Status::DueSoon),
        (0, date(2026, 10, 1), Status::Missed),
        (1, date(2026, 7, 2), Status::Met),
        (1, date(2030, 1, 1), Status::Met),
        (2, date(2026, 10, 1), Status::Met),
    ];
    for (count, today, expected) in cases {
        assert_eq!(
            Status::of(count, 1, 15, q3, today),
            expected,
            "{count} {today}"
        );
    }
    assert_eq!(Status::of(0, 1, 0, q3, date(2026, 9, 30)), Status::DueSoon);
    assert_eq!(Status::of(0, 1, 0, q3, date(2026, 9, 29)), Status::Open);
    assert_eq!(Status::of(1, 2, 15, q3, date(2026, 10, 1)), Status::Missed);
    // A margin longer than the period never makes a future period due soon.
    assert_eq!(Status::of(0, 1, 200, q3, date(2026, 6, 30)), Status::Open);
}

#[test]
fn records_that_do_not_count_or_lack_the_mark_are_ignored() {
    let orgs = [org(1, None, OrgKind::Branch, Sector::Rural)];
    let by_secretary = ["by_secretary".to_owned()];
    let records = [
        RecordFact {
            counts: false,
            ..rec(1, "branch_general_meeting", date(2026, 2, 1))
        },
        rec(1, "party_lecture", date(2026, 2, 1)),
        rec(1, "no_such_type", date(2026, 2, 1)),
        rec(99, "branch_general_meeting", date(2026, 2, 1)),
    ];
    let c = evaluate(profile(), &orgs, &records, year(2026), date(2026, 12, 31));
    assert_eq!(statuses(&c, MEETING, 1)[0], Status::Missed);
    assert_eq!(statuses(&c, "party_lecture_quarterly", 1)[0], Status::Met);
    assert_eq!(
        statuses(&c, "secretary_lecture_yearly", 1),
        [Status::DueSoon]
    );
    let marked = [RecordFact {
        marks: &by_secretary,
        ..rec(1, "party_lecture", date(2026, 5, 1))
    }];
    let c = evaluate(profile(), &orgs, &marked, year(2026), date(2026, 12, 31));
    assert_eq!(statuses(&c, "secretary_lecture_yearly", 1), [Status::Met]);
    assert_eq!(statuses(&c, "party_lecture_quarterly", 1)[1], Status::Met);
}

#[test]
fn obligations_bind_only_the_kinds_sectors_and_committees_they_name() {
    let mut lone = branch(3, 1);
    lone.has_committee = false;
    let orgs = [
        org(1, None, OrgKind::Committee, Sector::Rural),
        branch(2, 1),
        lone,
        org(4, Some(1), OrgKind::Branch, Sector::Community),
        org(5, Some(2), OrgKind::Group, Sector::Rural),
    ];
    let c = evaluate(profile(), &orgs, &[], year(2026), date(2026, 6, 1));
    let bound = |code: &str| -> Vec<i64> {
        c.obligation(code)
            .unwrap()
            .orgs()
            .iter()
            .map(|o| o.0)
            .collect()
    };
    assert_eq!(bound(MEETING), [2, 3, 4]);
    assert_eq!(bound("branch_committee_meeting_monthly"), [2, 4]);
    assert_eq!(bound("wuchang_meeting_quarterly"), [2, 3]);
    assert_eq!(bound("party_group_meeting_monthly"), [5]);
    assert_eq!(bound(IDEOLOGY), [1]);
    assert!(c.obligation(MEETING).unwrap().row(OrgId(1)).is_none());
    assert_eq!(c.profile_version, "jiangxi-county-2026.1");
    assert_eq!(c.profile_hash, profile().content_hash());
    assert_eq!(c.obligations.len(), profile().obligations().len());
}

#[test]
fn an_organization_that_did_not_exist_all_period_is_not_held_to_it() {
    use Status::{Missed, NotInForce};
    let mut new = branch(2, 1);
    new.active_from = Some(date(2026, 2, 10));
    let mut gone = branch(3, 1);
    gone.active_to = Some(date(2026, 8, 31));
    let mut long_gone = branch(4, 1);
    long_gone.active_to = Some(date(2020, 1, 1));
    let orgs = [
        org(1, None, OrgKind::Committee, Sector::Rural),
        new,
        gone,
        long_gone,
    ];
    let records = [rec(2, "branch_general_meeting", date(2026, 3, 1))];
    let c = evaluate(profile(), &orgs, &records, year(2026), date(2027, 1, 1));
    assert_eq!(
        statuses(&c, MEETING, 2),
        [NotInForce, Missed, Missed, Missed]
    );
    assert_eq!(
        c.obligation(MEETING).unwrap().row(OrgId(2)).unwrap()[0].count,
        1
    );
    assert_eq!(
        statuses(&c, MEETING, 3),
        [Missed, Missed, NotInForce, NotInForce]
    );
    assert!(c.obligation(MEETING).unwrap().row(OrgId(4)).is_none());
    let county: Vec<u32> = c
        .obligation(MEETING)
        .unwrap()
        .rollup(OrgId(1))
        .unwrap()
        .iter()
        .map(|t| t.applicable)
        .collect();
    assert_eq!(county, [1, 2, 1, 1]);
}

#[test]
fn roll_ups_count_every_organization_for_itself_and_each_ancestor() {
    // county 1 → township 2 → branches 10, 11, 12 and 总支 20 → branch 21;
    // township 3 → branch 30.
    let orgs = [
        org(1, None, OrgKind::Committee, Sector::Government),
        org(2, Some(1), OrgKind::Committee, Sector::Rural),
        org(3, Some(1), OrgKind::Committee, Sector::Rural),
        branch(10, 2),
        branch(11, 2),
        branch(12, 2),
        org(20, Some(2), OrgKind::GeneralBranch, Sector::Rural),
        branch(21, 20),
        branch(30, 3),
    ];
    let q = |m| date(2026, m, 15);
    let records = [
        rec(10, "branch_general_meeting", q(2)),
        rec(11, "branch_general_meeting", q(3)),
        rec(11, "branch_general_meeting", q(3)),
        rec(21, "branch_general_meeting", q(1)),
        rec(30, "branch_general_meeting", q(1)),
    ];
    let window = Window::of(Period::new(PeriodKind::Quarter, 2026, 1).unwrap());
    let c = evaluate(profile(), &orgs, &records, window, date(2026, 3, 20));
    let ob = c.obligation(MEETING).unwrap();
    let tally = |id| ob.rollup(OrgId(id)).unwrap()[0];
    let t = |applicable, met, due_soon| Tally {
        applicable,
        met,
        missed: 0,
        due_soon,
        open: 0,
    };
    assert_eq!(tally(2), t(4, 3, 1));
    assert_eq!(tally(20), t(1, 1, 0));
    assert_eq!(tally(3), t(1, 1, 0));
    assert_eq!(tally(1), t(5, 4, 1));
    assert_eq!(tally(12), t(1, 0, 1));
    let rollup_orgs: Vec<i64> = ob.rollups().map(|(o, _)| o.0).collect();
    assert_eq!(rollup_orgs, [1, 2, 3, 10, 11, 12, 20, 21, 30]);
    assert_eq!(ob.row(OrgId(11)).unwrap()[0].count, 2);
    assert_eq!(ob.rows().count(), 5);
    // The committees' own obligation: each committee counts for itself only
    // and for the ones above it.
    let ideology = c.obligation(IDEOLOGY).unwrap();
    assert_eq!(ideology.rollup(OrgId(1)).unwrap()[0].applicable, 3);
    assert_eq!(ideology.rollup(OrgId(2)).unwrap()[0].applicable, 1);
    assert!(ideology.rollup(OrgId(10)).is_none());
}

#[test]
fn duplicate_ids_and_parent_cycles_do_not_break_the_engine() {
    let orgs = [branch(1, 2), branch(2, 1), branch(3, 3), branch(3, 1)];
    let records = [rec(1, "branch_general_meeting", date(2026, 1, 5))];
    let c = evaluate(profile(), &orgs, &records, year(2026), date(2026, 2, 1));
    let ob = c.obligation(MEETING).unwrap();
    assert_eq!(ob.orgs(), [OrgId(1), OrgId(2), OrgId(3)]);
    assert_eq!(ob.rollup(OrgId(1)).unwrap()[0].met, 1);
    assert_eq!(ob.rollup(OrgId(3)).unwrap()[0].applicable, 1);
}

#[test]
fn an_empty_window_gives_no_periods() {
    let orgs = [branch(1, 0)];
    let window = Window {
        from: date(2026, 2, 1),
        to: date(2026, 1, 1),
    };
    let c = evaluate(profile(), &orgs, &[], window, date(2026, 2, 1));
    let ob = c.obligation(MEETING).unwrap();
    assert!(ob.periods.is_empty());
    assert_eq!(ob.row(OrgId(1)), Some(&[][..]));
}

/// A random tree of up to `n` organizations: each one's parent is an earlier
/// one (or none), with a random kind, sector and committee.
fn any_tree(n: usize) -> impl Strategy<Value = Vec<OrgFacts>> {
    prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            prop::bool::weighted(0.1),
            prop::sample::select(OrgKind::ALL.to_vec()),
            prop::sample::select(Sector::ALL.to_vec()),
            any::<bool>(),
            prop::option::weighted(0.1, 0i32..730),
        ),
        1..n,
    )
    .prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(
                |(i, (parent, root, kind, sector, has_committee, founded))| OrgFacts {
                    id: OrgId(i as i64 + 1),
                    parent: (i > 0 && !root).then(|| OrgId(parent.index(i) as i64 + 1)),
                    kind,
                    sector,
                    has_committee,
                    active_from: founded.map(|d| date(2025, 1, 1) + jiff::Span::new().days(d)),
                    active_to: None,
                },
            )
            .collect()
    })
}

const TYPES: [&str; 5] = [
    "branch_general_meeting",
    "theme_party_day",
    "party_group_meeting",
    "ideology_work_study",
    "wuchang_meeting",
];

/// Records of the given organizations (by position) in 2025–2026.
fn any_records(orgs: usize) -> impl Strategy<Value = Vec<(usize, usize, i32)>> {
    prop::collection::vec((0..orgs, 0..TYPES.len(), 0i32..730), 0..60)
}

fn to_records(orgs: &[OrgFacts], raw: &[(usize, usize, i32)]) -> Vec<RecordFact<'static>> {
    raw.iter()
        .map(|&(o, t, d)| RecordFact {
            org: orgs[o % orgs.len()].id,
            record_type: TYPES[t],
            date: date(2025, 1, 1) + jiff::Span::new().days(d),
            counts: true,
            marks: &[],
        })
        .collect()
}

fn two_years() -> Window {
    Window {
        from: date(2025, 1, 1),
        to: date(2026, 12, 31),
    }
}

proptest! {
    /// A parent bound by nothing itself, with a single child, rolls up to
    /// exactly the child's roll-up.
    #[test]
    fn the_roll_up_of_one_child_equals_the_child(
        tree in any_tree(6),
        raw in any_records(6),
        today in 0i32..800,
    ) {
        let mut orgs = tree;
        for o in &mut orgs {
            o.parent = o.parent.map(|p| OrgId(p.0 + 1));
            o.id = OrgId(o.id.0 + 1);
        }
        let child_root = orgs[0].id;
        orgs[0].parent = Some(OrgId(1));
        // The parent is a 党组 in the 机关 sector, which no branch-level
        // obligation binds.
        orgs.push(org(1, None, OrgKind::LeadingGroup, Sector::Government));
        let records = to_records(&orgs, &raw);
        let today = date(2025, 1, 1) + jiff::Span::new().days(today);
        let c = evaluate(profile(), &orgs, &records, two_years(), today);
        for ob in &c.obligations {
            let parent_bound = ob.row(OrgId(1)).is_some();
            if !parent_bound {
                prop_assert_eq!(ob.rollup(OrgId(1)), ob.rollup(child_root), "{}", ob.obligation);
            }
        }
    }

    /// Adding a record never lowers a count, and never turns a met
    /// obligation into anything else.
    #[test]
    fn met_is_monotone_in_records(
        orgs in any_tree(8),
        raw in any_records(8),
        extra in (0usize..8, 0..TYPES.len(), 0i32..730),
        today in 0i32..800,
    ) {
        let today = date(2025, 1, 1) + jiff::Span::new().days(today);
        let before = evaluate(profile(), &orgs, &to_records(&orgs, &raw), two_years(), today);
        let mut more = raw.clone();
        more.push(extra);
        let after = evaluate(profile(), &orgs, &to_records(&orgs, &more), two_years(), today);
        for (b, a) in before.obligations.iter().zip(&after.obligations) {
            prop_assert_eq!(b.orgs(), a.orgs());
            for ((_, rb), (_, ra)) in b.rows().zip(a.rows()) {
                for (cb, ca) in rb.iter().zip(ra) {
                    prop_assert!(ca.count >= cb.count);
                    if cb.status == Status::Met {
                        prop_assert_eq!(ca.status, Status::Met);
                    }
                }
            }
            for ((_, tb), (_, ta)) in b.rollups().zip(a.rollups()) {
                for (x, y) in tb.iter().zip(ta) {
                    prop_assert!(y.met >= x.met);
                    prop_assert_eq!(x.applicable, y.applicable);
                }
            }
        }
    }

    /// Every roll-up equals the sum, computed the slow way, of the statuses
    /// of the bound organizations at or below it.
    #[test]
    fn roll_ups_equal_the_sum_over_the_subtree(
        orgs in any_tree(12),
        raw in any_records(12),
        today in 0i32..800,
    ) {
        let today = date(2025, 1, 1) + jiff::Span::new().days(today);
        let c = evaluate(profile(), &orgs, &to_records(&orgs, &raw), two_years(), today);
        let parent_of = |id: OrgId| orgs.iter().find(|o| o.id == id).and_then(|o| o.parent);
        let is_under = |mut id: OrgId, top: OrgId| loop {
            if id == top {
                return true;
            }
            match parent_of(id) {
                Some(p) => id = p,
                None => return false,
            }
        };
        for ob in &c.obligations {
            for (top, tallies) in ob.rollups() {
                for (k, tally) in tallies.iter().enumerate() {
                    let mut expected = Tally::default();
                    for (id, cells) in ob.rows() {
                        if is_under(id, top) {
                            expected.add_status(cells[k].status);
                        }
                    }
                    prop_assert_eq!(*tally, expected);
                    prop_assert_eq!(
                        tally.applicable,
                        tally.met + tally.missed + tally.due_soon + tally.open
                    );
                }
            }
        }
    }
}

/// The demo county at scale 1 (about 2,000 organizations) and the same tree
/// copied 100 times (about 200,000), each organization holding every record
/// type it may hold once a month for 24 months.
/// `cargo test -p dangjian-domain --release obligations_timing -- --ignored --nocapture`
#[test]
#[ignore = "timing only"]
fn obligations_timing() {
    use crate::demo::{DemoOptions, generate};
    let county = generate(&DemoOptions {
        seed: 1,
        scale: 1,
        today: date(2026, 11, 29),
    });
    let mut members = vec![0u32; county.orgs.len()];
    for m in &county.members {
        members[m.org] += 1;
    }
    let p = profile();
    for copies in [1usize, 100] {
        let n = county.orgs.len();
        let mut orgs = Vec::with_capacity(n * copies);
        for c in 0..copies {
            for (i, o) in county.orgs.iter().enumerate() {
                let id = |i: usize| OrgId((c * n + i) as i64 + 1);
                orgs.push(OrgFacts {
                    id: id(i),
                    // The copies hang under the first county's root.
                    parent: o.parent.map(id).or((c > 0).then_some(OrgId(1))),
                    kind: o.kind,
                    sector: o.sector,
                    has_committee: members[i] >= 7,
                    active_from: None,
                    active_to: None,
                });
            }
        }
        let mut records = Vec::new();
        for o in &orgs {
            for t in p.record_types().iter().filter(|t| t.may_be_held_by(o.kind)) {
                for m in 0..24 {
                    let day = date(2025 + (m / 12) as i16, (m % 12 + 1) as i8, 10);
                    records.push(RecordFact {
                        org: o.id,
                        record_type: &t.code,
                        date: day,
                        counts: true,
                        marks: &[],
                    });
                }
            }
        }
        let t = std::time::Instant::now();
        let c = evaluate(p, &orgs, &records, two_years(), date(2026, 11, 29));
        let cells: usize = c.obligations.iter().map(|o| o.cells.len()).sum();
        eprintln!(
            "{} orgs, {} records: {:?}, {cells} cells",
            orgs.len(),
            records.len(),
            t.elapsed()
        );
    }
}
