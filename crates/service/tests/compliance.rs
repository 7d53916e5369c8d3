//! Compliance on the fixture county with a few records at period edges,
//! checked against hand-computed expectations, on SQLite and PostgreSQL:
//! the matrix with roll-ups, the secretary's due list, the committees'
//! study record and the members without organizational life.
//!
//! Today is 2026-11-29. Records: branch A1 holds its 党员大会 on 2026-09-30
//! (last day of Q3; 2 of 3 present) and a 主题党日 on 2026-10-31; branch B1
//! holds an inquorate 党员大会 on 2026-07-01 (1 of 2) and a 主题党日 on
//! 2026-11-01; town A studies 意识形态工作 on 2026-06-30 (last day of H1).

mod common;
mod support;

use common::TestSvc;
use dangjian_domain::obligations::{Status, Tally, Window};
use dangjian_service::records::RecordForm;
use dangjian_service::{compliance, orgs, records};
use jiff::civil::date;
use support::{counted, fixed, form, members_of, sheet};

async fn seed(t: &TestSvc) {
    let admin = t.actor("county_admin_root").await;
    let a = members_of(t, t.fx.branch_a1).await;
    let b = members_of(t, t.fx.branch_b1).await;
    let add = async |org: i64, f: RecordForm| {
        records::create(&t.svc, &admin, org, &f, &[]).await.unwrap()
    };
    assert!(
        add(
            t.fx.branch_a1,
            RecordForm {
                attendance: sheet(&[a[0], a[1]], &[a[2]]),
                ..form("branch_general_meeting", "2026-09-30")
            }
        )
        .await
        .valid
    );
    add(
        t.fx.branch_a1,
        RecordForm {
            attendance: sheet(&[a[0], a[1]], &[a[2]]),
            ..form("theme_party_day", "2026-10-31")
        },
    )
    .await;
    // 甲三 was last present before the six months began.
    add(
        t.fx.branch_a1,
        RecordForm {
            attendance: sheet(&[a[2]], &[]),
            ..form("party_lecture", "2026-05-28")
        },
    )
    .await;
    assert!(
        !add(
            t.fx.branch_b1,
            RecordForm {
                attendance: sheet(&[b[0]], &[b[1]]),
                ..form("branch_general_meeting", "2026-07-01")
            }
        )
        .await
        .valid
    );
    add(
        t.fx.branch_b1,
        RecordForm {
            attendance: sheet(&[b[0]], &[]),
            ..form("theme_party_day", "2026-11-01")
        },
    )
    .await;
    add(
        t.fx.town_a,
        counted("ideology_work_study", "2026-06-30", 7, 7),
    )
    .await;
}

fn tally(applicable: u32, met: u32, missed: u32, due_soon: u32, open: u32) -> Tally {
    Tally {
        applicable,
        met,
        missed,
        due_soon,
        open,
    }
}

#[tokio::test]
async fn the_matrix_rolls_up_the_tree_with_period_edges() {
    for t in fixed().await {
        seed(&t).await;
        let leader = t.actor("leader_root").await;
        let window = Window {
            from: date(2026, 7, 1),
            to: date(2026, 11, 30),
        };
        let c = compliance::for_scope(&t.svc, &leader, t.fx.root, window)
            .await
            .unwrap();
        assert_eq!((c.profile_version, c.today.as_str()), (1, "2026-11-29"));
        let gm = c
            .obligations
            .iter()
            .find(|o| o.code == "branch_general_meeting_quarterly")
            .unwrap();
        assert_eq!(
            gm.periods
                .iter()
                .map(|p| p.label.as_str())
                .collect::<Vec<_>>(),
            ["2026年第3季度", "2026年第4季度"]
        );
        assert_eq!(
            (gm.periods[0].start.as_str(), gm.periods[0].end.as_str()),
            ("2026-07-01", "2026-09-30")
        );
        // A1 met Q3 on its last day; B1's meeting lacked a quorum. Q4 is open (32 days left > 15).
        assert_eq!(
            gm.total,
            vec![tally(2, 1, 1, 0, 0), tally(2, 0, 0, 0, 2)],
            "{}",
            t.engine
        );
        let rows: Vec<(i64, bool, Vec<Tally>)> = gm
            .rows
            .iter()
            .map(|r| (r.org.id, r.own.is_some(), r.subtree.clone()))
            .collect();
        assert_eq!(
            rows,
            vec![
                (
                    t.fx.root,
                    false,
                    vec![tally(2, 1, 1, 0, 0), tally(2, 0, 0, 0, 2)]
                ),
                (
                    t.fx.town_a,
                    false,
                    vec![tally(1, 1, 0, 0, 0), tally(1, 0, 0, 0, 1)]
                ),
                (
                    t.fx.town_b,
                    false,
                    vec![tally(1, 0, 1, 0, 0), tally(1, 0, 0, 0, 1)]
                ),
            ]
        );
        // Monthly 主题党日, July–November: A1 met October, is due soon in November (1 day left).
        let td = c
            .obligations
            .iter()
            .find(|o| o.code == "theme_party_day_monthly")
            .unwrap();
        assert_eq!(td.periods.len(), 5);
        let a_town = t.actor("unit_admin_town").await;
        let ca = compliance::for_scope(&t.svc, &a_town, t.fx.town_a, window)
            .await
            .unwrap();
        let td_a = ca
            .obligations
            .iter()
            .find(|o| o.code == "theme_party_day_monthly")
            .unwrap();
        let branch = td_a
            .rows
            .iter()
            .find(|r| r.org.id == t.fx.branch_a1)
            .unwrap();
        let statuses: Vec<(u32, Status)> = branch
            .own
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| (c.count, c.status))
            .collect();
        assert_eq!(
            statuses,
            vec![
                (0, Status::Missed),
                (0, Status::Missed),
                (0, Status::Missed),
                (1, Status::Met),
                (0, Status::DueSoon)
            ]
        );
        assert_eq!(td.total[3], tally(2, 1, 1, 0, 0));
        assert_eq!(td.total[4], tally(2, 1, 0, 1, 0));
        // Committee-level: town A studied 意识形态工作 in H1 only; the window
        // gives H2, which ends in 32 days (due soon from 30).
        let iw = c
            .obligations
            .iter()
            .find(|o| o.code == "ideology_work_study_half_yearly")
            .unwrap();
        assert_eq!(
            iw.periods
                .iter()
                .map(|p| p.label.as_str())
                .collect::<Vec<_>>(),
            ["2026年下半年"]
        );
        assert_eq!(iw.total, vec![tally(3, 0, 0, 0, 3)]);
        let root_row = &iw.rows[0];
        assert_eq!(root_row.own.as_ref().unwrap()[0].status, Status::Open);
        // No branch has a committee yet: the monthly 支部委员会 binds nobody.
        assert!(
            c.obligations
                .iter()
                .all(|o| o.code != "branch_committee_meeting_monthly")
        );
        let admin = t.actor("county_admin_root").await;
        orgs::set_has_committee(&t.svc, &admin, t.fx.branch_a1, true)
            .await
            .unwrap();
        let c = compliance::for_scope(&t.svc, &leader, t.fx.root, window)
            .await
            .unwrap();
        let bc = c
            .obligations
            .iter()
            .find(|o| o.code == "branch_committee_meeting_monthly")
            .unwrap();
        assert_eq!(bc.total[0], tally(1, 0, 1, 0, 0));
        // Out of scope.
        let sec = t.actor("branch_secretary_branch").await;
        assert!(
            compliance::for_scope(&t.svc, &sec, t.fx.branch_b1, window)
                .await
                .is_err()
        );
        support::chain_ok(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn a_secretary_sees_what_is_due_soon_first() {
    for t in fixed().await {
        seed(&t).await;
        let sec = t.actor("branch_secretary_branch").await;
        let due = compliance::due_soon(&t.svc, &sec, t.fx.branch_a1)
            .await
            .unwrap();
        let items: Vec<(&str, Status, i32, &str)> = due
            .items
            .iter()
            .map(|i| {
                (
                    i.obligation.as_str(),
                    i.status,
                    i.days_left,
                    i.period.label.as_str(),
                )
            })
            .collect();
        assert_eq!(
            items,
            vec![
                ("theme_party_day_monthly", Status::DueSoon, 1, "2026年11月"),
                ("secretary_lecture_yearly", Status::DueSoon, 32, "2026年"),
                ("org_life_meeting_yearly", Status::DueSoon, 32, "2026年"),
                ("member_appraisal_yearly", Status::DueSoon, 32, "2026年"),
                (
                    "branch_general_meeting_quarterly",
                    Status::Open,
                    32,
                    "2026年第4季度"
                ),
                ("party_lecture_quarterly", Status::Open, 32, "2026年第4季度"),
                (
                    "wuchang_meeting_quarterly",
                    Status::Open,
                    32,
                    "2026年第4季度"
                ),
            ],
            "{}",
            t.engine
        );
        assert!(due.items.iter().all(|i| i.org.id == t.fx.branch_a1));
        assert_eq!(due.items[0].status_label, "即将到期");
        // B1 held its 主题党日 in November: not on B1's list.
        let admin = t.actor("county_admin_root").await;
        let due_b = compliance::due_soon(&t.svc, &admin, t.fx.branch_b1)
            .await
            .unwrap();
        assert!(
            due_b
                .items
                .iter()
                .all(|i| i.obligation != "theme_party_day_monthly")
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn the_study_record_lists_each_committees_records() {
    for t in fixed().await {
        seed(&t).await;
        let leader = t.actor("leader_root").await;
        let v = compliance::study_record(&t.svc, &leader, t.fx.root, 2026)
            .await
            .unwrap();
        let cols: Vec<&str> = v.columns.iter().map(|c| c.obligation.as_str()).collect();
        assert_eq!(
            cols,
            [
                "ideology_work_study_half_yearly",
                "ideology_situation_review_quarterly",
                "party_building_study_quarterly",
                "central_group_study_quarterly"
            ]
        );
        let orgs: Vec<i64> = v.rows.iter().map(|r| r.org.id).collect();
        assert_eq!(orgs, vec![t.fx.root, t.fx.town_a, t.fx.town_b]);
        let town_a = &v.rows[1].cells[0].as_ref().unwrap();
        let st: Vec<Status> = town_a.cells.iter().map(|c| c.status).collect();
        assert_eq!(st, vec![Status::Met, Status::Open]);
        assert_eq!(
            town_a
                .records
                .iter()
                .map(|r| r.held_on.as_str())
                .collect::<Vec<_>>(),
            ["2026-06-30"]
        );
        assert_eq!(
            v.columns[0].total,
            vec![tally(3, 1, 2, 0, 0), tally(3, 0, 0, 0, 3)]
        );
        assert!(
            compliance::study_record(&t.svc, &leader, t.fx.root, 1999)
                .await
                .is_err()
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn members_without_organizational_life_in_six_months() {
    for t in fixed().await {
        seed(&t).await;
        let leader = t.actor("leader_root").await;
        let p = compliance::members_without_life(&t.svc, &leader, t.fx.root, 6, 1)
            .await
            .unwrap();
        assert_eq!(p.since, "2026-05-29");
        let names: Vec<(&str, Option<&str>)> = p
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.last_present.as_deref()))
            .collect();
        // 甲三 was last present on 2026-05-28; 乙二 never (B1's inquorate meeting still counts as attending for 乙一).
        assert_eq!(
            names,
            vec![("甲三", Some("2026-05-28")), ("乙二", None)],
            "{}",
            t.engine
        );
        assert_eq!(p.total, 2);
        let town = t.actor("unit_admin_town").await;
        let p = compliance::members_without_life(&t.svc, &town, t.fx.town_a, 6, 1)
            .await
            .unwrap();
        assert_eq!(p.total, 1);
        let p = compliance::members_without_life(&t.svc, &leader, t.fx.root, 7, 1)
            .await
            .unwrap();
        assert_eq!(p.total, 1, "seven months back 甲三's 党课 counts");
        assert!(
            compliance::members_without_life(&t.svc, &leader, t.fx.root, 0, 1)
                .await
                .is_err()
        );
        t.finish().await;
    }
}
