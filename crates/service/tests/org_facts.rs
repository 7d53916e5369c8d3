//! 村情登记 (manual facts) on SQLite and PostgreSQL: the form's rules and
//! exact messages, nothing written on bad input, role and scope, the audit
//! row; the import (bad rows reported by row and column, all or nothing,
//! organizations by name or number); the facts changing a warning level;
//! and the background re-evaluation a change triggers without the change
//! waiting for it. Today is 2026-11-29; the fixture's villages are rural.

mod common;
mod support;

use common::TestSvc;
use dangjian_domain::sheet::SheetKind;
use dangjian_domain::warnings::Level;
use dangjian_service::import::{self, ImportOptions};
use dangjian_service::org_facts::{self, FactsForm};
use dangjian_service::{reeval, warnings};
use std::time::Duration;
use support::{chain_ok, count, fixed, forbidden, invalid};

fn form(year: &str, petitions: &str, satisfaction: &str, disclosure: &str, sup: &str) -> FactsForm {
    FactsForm {
        year: year.into(),
        petitions: petitions.into(),
        satisfaction: satisfaction.into(),
        disclosure: disclosure.into(),
        supervision: sup.into(),
    }
}

async fn last_audit(t: &TestSvc) -> (String, String, String) {
    sqlx::query_as("SELECT actor, action, summary FROM audit_log ORDER BY id DESC LIMIT 1")
        .fetch_one(&t.svc.store.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn facts_are_recorded_replaced_audited_and_read_back() {
    for t in fixed().await {
        let e = t.engine;
        let town = t.actor("unit_admin_town").await;
        let v = org_facts::record(
            &t.svc,
            &town,
            t.fx.branch_a1,
            &form("2026", "3", "85.5%", "是", "否"),
        )
        .await
        .unwrap();
        assert_eq!(v.petitions, Some(3), "{e}");
        assert_eq!(v.satisfaction_permille, Some(855), "{e}");
        assert_eq!(v.satisfaction_text(), "85.5%", "{e}");
        assert_eq!(v.disclosure_ok, Some(true), "{e}");
        assert_eq!(v.supervision_committee, Some(false), "{e}");
        assert_eq!(v.recorded_by, "unit_admin_town", "{e}");
        let (who, action, summary) = last_audit(&t).await;
        assert_eq!(
            (who.as_str(), action.as_str()),
            ("unit_admin_town", "org_facts.record"),
            "{e}"
        );
        assert!(summary.contains("\"before\":null"), "{e}: {summary}");

        // Recording the same year again replaces the row; blanks mean "not recorded".
        let v = org_facts::record(
            &t.svc,
            &town,
            t.fx.branch_a1,
            &form("2026", "7", "", "", "是"),
        )
        .await
        .unwrap();
        assert_eq!(count(&t, "org_facts").await, 1, "{e}");
        assert_eq!(v.satisfaction_permille, None, "{e}");
        assert_eq!(v.satisfaction_text(), "未登记", "{e}");
        let (_, _, summary) = last_audit(&t).await;
        assert!(
            summary.contains("\"petitions\":3"),
            "{e}: before kept: {summary}"
        );

        // Every business role reads it in scope.
        let leader = t.actor("leader_town").await;
        let (org, read) = org_facts::get(&t.svc, &leader, t.fx.branch_a1, 2026)
            .await
            .unwrap();
        assert_eq!(org.id, t.fx.branch_a1, "{e}");
        assert_eq!(read.unwrap().petitions, Some(7), "{e}");
        let (_, none) = org_facts::get(&t.svc, &leader, t.fx.branch_a1, 2025)
            .await
            .unwrap();
        assert!(none.is_none(), "{e}");
        chain_ok(&t).await;
    }
}

#[tokio::test]
async fn bad_input_names_each_field_and_writes_nothing() {
    for t in fixed().await {
        let e = t.engine;
        let town = t.actor("unit_admin_town").await;
        let audit_before = count(&t, "audit_log").await;
        let errs = invalid(
            org_facts::record(
                &t.svc,
                &town,
                t.fx.branch_a1,
                &form("2027", "-1", "100.5", "不清楚", "有的"),
            )
            .await,
        );
        assert_eq!(
            errs,
            vec![
                (
                    "year".to_owned(),
                    "年度应为2000年到2026年之间的四位年份，如2026".to_owned()
                ),
                (
                    "petitions".to_owned(),
                    "信访件数应为0到9999之间的整数".to_owned()
                ),
                (
                    "satisfaction".to_owned(),
                    "满意度应为0到100之间的百分数，最多一位小数，如85.5".to_owned()
                ),
                (
                    "disclosure".to_owned(),
                    "村务公开应填写“是”或“否”，而不是“不清楚”".to_owned()
                ),
                (
                    "supervision".to_owned(),
                    "村务监督委员会应填写“是”或“否”，而不是“有的”".to_owned()
                ),
            ],
            "{e}"
        );
        assert_eq!(
            invalid(
                org_facts::record(
                    &t.svc,
                    &town,
                    t.fx.branch_a1,
                    &form("", "10000", "85.55", "", "")
                )
                .await
            ),
            vec![
                ("year".to_owned(), "请填写年度".to_owned()),
                (
                    "petitions".to_owned(),
                    "信访件数应为0到9999之间的整数".to_owned()
                ),
                (
                    "satisfaction".to_owned(),
                    "满意度应为0到100之间的百分数，最多一位小数，如85.5".to_owned()
                ),
            ],
            "{e}"
        );
        assert_eq!(count(&t, "org_facts").await, 0, "{e}");
        assert_eq!(count(&t, "audit_log").await, audit_before, "{e}");
    }
}

#[tokio::test]
async fn only_administrators_record_and_only_in_their_subtree() {
    for t in fixed().await {
        let e = t.engine;
        let good = form("2026", "1", "90", "是", "是");
        for user in ["branch_secretary_town", "leader_town", "discipline_town"] {
            let a = t.actor(user).await;
            forbidden(org_facts::record(&t.svc, &a, t.fx.branch_a1, &good).await);
        }
        let town = t.actor("unit_admin_town").await;
        forbidden(org_facts::record(&t.svc, &town, t.fx.branch_b1, &good).await);
        forbidden(org_facts::record(&t.svc, &town, t.fx.root, &good).await);
        forbidden(org_facts::get(&t.svc, &town, t.fx.branch_b1, 2026).await);
        let sys = t.actor("system_admin_root").await;
        forbidden(org_facts::get(&t.svc, &sys, t.fx.branch_a1, 2026).await);
        assert_eq!(count(&t, "org_facts").await, 0, "{e}");
        let county = t.actor("county_admin_root").await;
        org_facts::record(&t.svc, &county, t.fx.branch_b1, &good)
            .await
            .unwrap();
        assert_eq!(count(&t, "org_facts").await, 1, "{e}");
    }
}

#[tokio::test]
async fn recorded_facts_change_the_level_and_blank_ones_stay_no_data() {
    for t in fixed().await {
        let e = t.engine;
        let county = t.actor("county_admin_root").await;
        let before = warnings::evaluate_scope(&t.svc, &county, t.fx.root)
            .await
            .unwrap();
        let b1 = before
            .results
            .iter()
            .find(|r| r.org_id == t.fx.branch_b1)
            .unwrap();
        assert_eq!(b1.level, Level::Orange, "{e}: compliance only");
        // Last year's facts are not this year's: still no data.
        org_facts::record(
            &t.svc,
            &county,
            t.fx.branch_b1,
            &form("2025", "9", "30", "否", "否"),
        )
        .await
        .unwrap();
        org_facts::record(
            &t.svc,
            &county,
            t.fx.branch_b1,
            &form("2026", "6", "55.5", "否", ""),
        )
        .await
        .unwrap();
        let after = warnings::evaluate_scope(&t.svc, &county, t.fx.root)
            .await
            .unwrap();
        let b1 = after
            .results
            .iter()
            .find(|r| r.org_id == t.fx.branch_b1)
            .unwrap();
        let details: Vec<&str> = b1.reasons.iter().map(|r| r.detail.as_str()).collect();
        for d in [
            "村务未按规定公开",
            "本年度信访和矛盾纠纷6件（超过5件）",
            "群众满意度55.5%（低于60%）",
        ] {
            assert!(details.contains(&d), "{e}: {d} not in {details:?}");
        }
        assert_eq!(b1.level, Level::Red, "{e}: {details:?}");
        let missing: Vec<&str> = b1.no_data.iter().map(|n| n.indicator.as_str()).collect();
        assert!(
            missing.contains(&"supervision_committee"),
            "{e}: {missing:?}"
        );
        for known in ["petitions_disputes", "satisfaction", "affairs_disclosure"] {
            assert!(!missing.contains(&known), "{e}: {known} in {missing:?}");
        }
        // Good facts pass.
        org_facts::record(
            &t.svc,
            &county,
            t.fx.branch_a1,
            &form("2026", "5", "60", "是", "是"),
        )
        .await
        .unwrap();
        let run = warnings::evaluate_scope(&t.svc, &county, t.fx.root)
            .await
            .unwrap();
        let a1 = run
            .results
            .iter()
            .find(|r| r.org_id == t.fx.branch_a1)
            .unwrap();
        let codes: Vec<&str> = a1.reasons.iter().map(|r| r.indicator.as_str()).collect();
        let missing: Vec<&str> = a1.no_data.iter().map(|n| n.indicator.as_str()).collect();
        for code in [
            "petitions_disputes",
            "satisfaction",
            "affairs_disclosure",
            "supervision_committee",
        ] {
            assert!(
                !codes.contains(&code) && !missing.contains(&code),
                "{e}: {code}"
            );
        }
    }
}

async fn import_csv(
    t: &TestSvc,
    user: &str,
    org: i64,
    csv: &str,
) -> Result<import::ImportReport, dangjian_service::ServiceError> {
    let a = t.actor(user).await;
    import::import(
        &t.svc,
        &a,
        &ImportOptions {
            kind: SheetKind::OrgFacts,
            file_name: "村情.csv".into(),
            within_org: org,
            dry_run: false,
        },
        csv.as_bytes(),
        &|_, _| {},
    )
    .await
}

#[tokio::test]
async fn the_import_reports_each_bad_cell_by_row_and_column_and_writes_nothing() {
    for t in fixed().await {
        let e = t.engine;
        let csv = format!(
            "组织名称,组织编号,年度,信访矛盾纠纷件数,满意度,村务公开,村务监督委员会\n\
             中共甲村支部委员会,,2026,2,88.5,是,是\n\
             ,{b1},2026,1,90,是,是\n\
             中共丙村支部委员会,,2026,1,90,是,是\n\
             ,{a1},2026,x,101,也许,是\n\
             中共甲镇委员会,{a1},2026,1,90,是,是\n\
             ,,2026,1,90,是,是\n",
            a1 = t.fx.branch_a1,
            b1 = t.fx.branch_b1,
        );
        let r = import_csv(&t, "unit_admin_town", t.fx.town_a, &csv)
            .await
            .unwrap();
        let got: Vec<(u32, &str, &str)> = r
            .errors
            .iter()
            .map(|x| (x.row, x.column.as_str(), x.message.as_str()))
            .collect();
        let b1 = format!(
            "在“中共甲镇委员会”范围内找不到编号为“{}”的党组织",
            t.fx.branch_b1
        );
        let mismatch = format!(
            "组织编号{}是“中共甲村支部委员会”，与组织名称“中共甲镇委员会”不符",
            t.fx.branch_a1
        );
        assert_eq!(
            got,
            vec![
                (3, "组织编号", b1.as_str()),
                (
                    4,
                    "组织名称",
                    "在“中共甲镇委员会”范围内找不到党组织“中共丙村支部委员会”"
                ),
                (5, "信访矛盾纠纷件数", "信访件数应为0到9999之间的整数"),
                (
                    5,
                    "满意度",
                    "满意度应为0到100之间的百分数，最多一位小数，如85.5"
                ),
                (5, "村务公开", "村务公开应填写“是”或“否”，而不是“也许”"),
                (6, "组织名称", mismatch.as_str()),
                (7, "组织名称", "请填写组织名称或组织编号"),
            ],
            "{e}"
        );
        assert_eq!(r.imported, 0, "{e}");
        assert_eq!(count(&t, "org_facts").await, 0, "{e}");

        // Duplicates inside the file.
        let dup = format!(
            "组织编号,年度,信访件数\n{a1},2026,1\n{a1},2026,2\n",
            a1 = t.fx.branch_a1
        );
        let r = import_csv(&t, "unit_admin_town", t.fx.town_a, &dup)
            .await
            .unwrap();
        assert_eq!(r.errors.len(), 1, "{e}");
        assert_eq!(
            (
                r.errors[0].row,
                r.errors[0].column.as_str(),
                r.errors[0].message.as_str()
            ),
            (
                3,
                "组织编号",
                "与第2行的组织和年度重复（同一组织同一年度只能有一行）"
            ),
            "{e}"
        );
        // A file that names organizations in neither way is refused whole.
        let errs =
            invalid(import_csv(&t, "unit_admin_town", t.fx.town_a, "年度,满意度\n2026,90\n").await);
        assert_eq!(
            errs,
            vec![(
                "file".to_owned(),
                "缺少列“组织名称”或“组织编号”，至少需要其中一列".to_owned()
            )],
            "{e}"
        );
        assert_eq!(count(&t, "org_facts").await, 0, "{e}");
    }
}

#[tokio::test]
async fn a_clean_import_writes_every_row_in_one_audited_transaction() {
    for t in fixed().await {
        let e = t.engine;
        let csv = format!(
            "组织名称,组织编号,年度,信访件数,满意度,村务公开,村务监督委员会\n\
             中共甲村支部委员会,,2026,8,52.5,否,是\n\
             ,{a},2025,0,95,是,是\n\
             中共甲镇委员会,,2026,,,,\n",
            a = t.fx.branch_a1
        );
        let r = import_csv(&t, "county_admin_root", t.fx.root, &csv)
            .await
            .unwrap();
        assert!(r.is_clean(), "{e}: {:?}", r.errors);
        assert_eq!((r.rows, r.imported), (3, 3), "{e}");
        assert_eq!(count(&t, "org_facts").await, 3, "{e}");
        let (who, action, summary) = last_audit(&t).await;
        assert_eq!(
            (who.as_str(), action.as_str()),
            ("county_admin_root", "import.org_facts"),
            "{e}"
        );
        assert!(summary.contains("\"rows\":3"), "{e}: {summary}");
        let county = t.actor("county_admin_root").await;
        let (_, v) = org_facts::get(&t.svc, &county, t.fx.branch_a1, 2026)
            .await
            .unwrap();
        let v = v.unwrap();
        assert_eq!(
            (
                v.petitions,
                v.satisfaction_permille,
                v.disclosure_ok,
                v.supervision_committee
            ),
            (Some(8), Some(525), Some(false), Some(true)),
            "{e}"
        );
        // Branch secretaries do not import facts.
        forbidden(import_csv(&t, "branch_secretary_town", t.fx.town_a, &csv).await);
        // The template carries the columns.
        let tpl = import::template_xlsx(SheetKind::OrgFacts).unwrap();
        assert!(tpl.starts_with(b"PK"), "{e}");
        chain_ok(&t).await;
    }
}

async fn runs_by(t: &TestSvc, action: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&t.svc.store.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_change_is_re_evaluated_in_the_background_without_waiting_for_it() {
    for t in fixed().await {
        let e = t.engine;
        assert!(!t.svc.reeval.is_enabled(), "{e}: off unless started");
        let worker = reeval::start(&t.svc, Duration::from_millis(1500));
        let county = t.actor("county_admin_root").await;
        let started = std::time::Instant::now();
        // A burst of changes…
        for (org, p) in [
            (t.fx.branch_a1, "9"),
            (t.fx.branch_b1, "1"),
            (t.fx.branch_a1, "10"),
        ] {
            org_facts::record(&t.svc, &county, org, &form("2026", p, "", "", ""))
                .await
                .unwrap();
        }
        // …returned before any run was made (the debounce has not passed).
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{e}: slow test machine"
        );
        assert_eq!(
            count(&t, "warning_runs").await,
            0,
            "{e}: the request did not run it"
        );
        // …and leads to one background run, as the system.
        let mut waited = 0;
        while count(&t, "warning_runs").await == 0 {
            assert!(waited < 200, "{e}: no background run after 20 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += 1;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(
            count(&t, "warning_runs").await,
            1,
            "{e}: the burst was coalesced"
        );
        assert_eq!(runs_by(&t, reeval::ACTION).await, 1, "{e}");
        let who: String = sqlx::query_scalar("SELECT created_by FROM warning_runs")
            .fetch_one(&t.svc.store.pool)
            .await
            .unwrap();
        assert_eq!(who, reeval::SYSTEM_USER, "{e}");
        let latest = warnings::latest(&t.svc, &county, t.fx.root)
            .await
            .unwrap()
            .unwrap();
        let a1 = latest
            .results
            .iter()
            .find(|r| r.org_id == t.fx.branch_a1)
            .unwrap();
        assert!(
            a1.reasons
                .iter()
                .any(|r| r.detail == "本年度信访和矛盾纠纷10件（超过5件）"),
            "{e}: {:?}",
            a1.reasons
        );
        // A read changes nothing: no further run.
        warnings::latest(&t.svc, &county, t.fx.root).await.unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(count(&t, "warning_runs").await, 1, "{e}");
        worker.abort();
        chain_ok(&t).await;
    }
}

/// A new source of an existing change kind (here: a change published by
/// hand, as a new capability's use case would after its commit) starts a
/// run without any change to `reeval`; a change the registry does not list
/// as a trigger, and actions that change no data (a reveal, a duplicate-
/// number hit), start none.
#[tokio::test]
async fn any_published_trigger_starts_a_run_and_nothing_else_does() {
    use dangjian_service::events::{Change, ChangeKind};
    for t in fixed().await {
        let e = t.engine;
        let worker = reeval::start(&t.svc, Duration::from_millis(300));
        let county = t.actor("county_admin_root").await;
        dangjian_service::members::reveal(&t.svc, &county, t.fx.member_a1)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(
            count(&t, "warning_runs").await,
            0,
            "{e}: a reveal changes nothing"
        );
        assert!(
            dangjian_service::capability::triggers_of(dangjian_service::capability::WARNINGS)
                .contains(&ChangeKind::Records)
        );
        t.svc
            .events
            .publish(&Change::new(ChangeKind::Records, "/1/"));
        let mut waited = 0;
        while count(&t, "warning_runs").await == 0 {
            assert!(waited < 200, "{e}: no background run after 20 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += 1;
        }
        worker.abort();
        chain_ok(&t).await;
    }
}

fn tuning(memory_ranking: usize) -> warnings::PageTuning {
    warnings::PageTuning {
        memory_ranking,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_page_of_the_snapshot_reads_the_same_as_the_whole_snapshot() {
    for t in fixed().await {
        let e = t.engine;
        let county = t.actor("county_admin_root").await;
        assert!(
            warnings::page(&t.svc, &county, t.fx.root, None, 1, 2)
                .await
                .unwrap()
                .is_none(),
            "{e}: no run yet"
        );
        org_facts::record(
            &t.svc,
            &county,
            t.fx.branch_b1,
            &form("2026", "9", "40", "否", "否"),
        )
        .await
        .unwrap();
        warnings::evaluate_scope(&t.svc, &county, t.fx.root)
            .await
            .unwrap();
        let whole = warnings::latest(&t.svc, &county, t.fx.root)
            .await
            .unwrap()
            .unwrap();
        // Both ways of ranking: brief rows sorted in memory (every subtree
        // up to `MEMORY_RANKING` results) and the database's walk of the
        // ranking index (0: always).
        for memory in [usize::MAX, 0] {
            for level in [
                None,
                Some(Level::Red),
                Some(Level::Green),
                Some(Level::Orange),
                Some(Level::Yellow),
            ] {
                for page in 1..=3 {
                    let p = warnings::page_with(
                        &t.svc,
                        &county,
                        t.fx.root,
                        level,
                        page,
                        2,
                        tuning(memory),
                    )
                    .await
                    .unwrap()
                    .unwrap();
                    let (items, total) = warnings::page_of(&whole, level, page, 2);
                    assert_eq!(p.total, total, "{e} {memory}: {level:?} {page}");
                    assert_eq!(
                        p.items.iter().map(|r| r.org_id).collect::<Vec<_>>(),
                        items.iter().map(|r| r.org_id).collect::<Vec<_>>(),
                        "{e} {memory}: {level:?} page {page}"
                    );
                    for (a, b) in p.items.iter().zip(&items) {
                        assert_eq!(a.reasons, b.reasons, "{e}");
                        assert_eq!(a.no_data, b.no_data, "{e}");
                        assert_eq!(a.org_name, b.org_name, "{e}");
                    }
                    assert_eq!(p.counts, whole.counts, "{e}");
                    assert_eq!(p.run_id, whole.run_id, "{e}");
                }
            }
        }
        assert!(
            whole.counts.warned() > 0 && whole.counts.green > 0,
            "{e}: more than one level to rank: {:?}",
            whole.counts
        );
        let p = warnings::page(&t.svc, &county, t.fx.root, None, 1, 20)
            .await
            .unwrap()
            .unwrap();
        let by_child = warnings::by_child(
            &whole,
            &whole
                .results
                .iter()
                .find(|r| r.org_id == t.fx.root)
                .unwrap()
                .org_path,
        );
        assert_eq!(p.children.len(), 2, "{e}: two towns");
        for (a, b) in p.children.iter().zip(&by_child) {
            assert_eq!(
                (a.org_id, &a.org_name, a.counts),
                (b.org_id, &b.org_name, b.counts),
                "{e}"
            );
        }
        assert_eq!(p.children[0].org_name, "中共甲镇委员会", "{e}");
        assert_eq!(p.children_total, 2, "{e}");
        // More children than the table shows: the one with most warnings
        // (red, then orange, then yellow; ties in tree order).
        let top = by_child
            .iter()
            .max_by_key(|c| {
                (
                    c.counts.red,
                    c.counts.orange,
                    c.counts.yellow,
                    std::cmp::Reverse(c.org_id == by_child[1].org_id),
                )
            })
            .unwrap();
        let one_child = warnings::PageTuning {
            child_rows: 1,
            ..Default::default()
        };
        let p1 = warnings::page_with(&t.svc, &county, t.fx.root, None, 1, 20, one_child)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p1.children_total, 2, "{e}");
        assert_eq!(
            p1.children
                .iter()
                .map(|c| (c.org_id, c.counts))
                .collect::<Vec<_>>(),
            [(top.org_id, top.counts)],
            "{e}"
        );
        // A township under the county's run: its roll-up and its children's
        // against the whole snapshot read for it.
        let town_whole = warnings::latest(&t.svc, &county, t.fx.town_a)
            .await
            .unwrap()
            .unwrap();
        for memory in [usize::MAX, 0] {
            let p = warnings::page_with(&t.svc, &county, t.fx.town_a, None, 1, 20, tuning(memory))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(p.counts, town_whole.counts, "{e}");
            let town_path = &town_whole
                .results
                .iter()
                .find(|r| r.org_id == t.fx.town_a)
                .unwrap()
                .org_path;
            let by_child = warnings::by_child(&town_whole, town_path);
            assert_eq!(p.children.len(), by_child.len(), "{e}");
            for (a, b) in p.children.iter().zip(&by_child) {
                assert_eq!(
                    (a.org_id, &a.org_name, a.counts),
                    (b.org_id, &b.org_name, b.counts),
                    "{e}"
                );
            }
            assert_eq!(
                p.items.iter().map(|r| r.org_id).collect::<Vec<_>>(),
                town_whole
                    .results
                    .iter()
                    .map(|r| r.org_id)
                    .collect::<Vec<_>>(),
                "{e}"
            );
        }
        // Without roll-ups (an organization not in the run) the page counts
        // the brief rows: the same page.
        sqlx::query("DELETE FROM warning_rollups")
            .execute(&t.svc.store.pool)
            .await
            .unwrap();
        let direct = warnings::page(&t.svc, &county, t.fx.root, None, 1, 20)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(direct.counts, p.counts, "{e}");
        let direct1 = warnings::page_with(&t.svc, &county, t.fx.root, None, 1, 20, one_child)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(direct1.children_total, 2, "{e}");
        assert_eq!(
            direct1
                .children
                .iter()
                .map(|c| (c.org_id, c.counts))
                .collect::<Vec<_>>(),
            p1.children
                .iter()
                .map(|c| (c.org_id, c.counts))
                .collect::<Vec<_>>(),
            "{e}"
        );
        assert_eq!(direct.total, p.total, "{e}");
        assert_eq!(
            direct
                .children
                .iter()
                .map(|c| (c.org_id, c.org_name.clone(), c.counts))
                .collect::<Vec<_>>(),
            p.children
                .iter()
                .map(|c| (c.org_id, c.org_name.clone(), c.counts))
                .collect::<Vec<_>>(),
            "{e}"
        );
        assert_eq!(
            direct.items.iter().map(|r| r.org_id).collect::<Vec<_>>(),
            p.items.iter().map(|r| r.org_id).collect::<Vec<_>>(),
            "{e}"
        );
        // A township sees its own subtree only.
        let town = t.actor("unit_admin_town").await;
        let p = warnings::page(&t.svc, &town, t.fx.town_a, None, 1, 20)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.counts.total(), 2, "{e}: town A and branch A1");
        assert!(
            p.items
                .iter()
                .all(|r| r.org_id == t.fx.town_a || r.org_id == t.fx.branch_a1)
        );
        forbidden(warnings::page(&t.svc, &town, t.fx.town_b, None, 1, 20).await);
    }
}

type RollupTuple = (i64, i64, String, Option<i64>, i64, i64, i64, i64, i64);

async fn rollups(t: &TestSvc) -> Vec<RollupTuple> {
    sqlx::query_as(
        "SELECT run_id, org_id, org_path, parent_id, green, yellow, orange, red, incomplete \
         FROM warning_rollups ORDER BY run_id, org_path",
    )
    .fetch_all(&t.svc.store.pool)
    .await
    .unwrap()
}

/// Snapshots stored before migration 0009 get their roll-ups and level
/// ranks from the migration's SQL: the same rows as a run writes.
#[tokio::test]
async fn the_migration_backfills_the_same_rollups_as_a_run_writes() {
    for t in fixed().await {
        let e = t.engine;
        let county = t.actor("county_admin_root").await;
        org_facts::record(
            &t.svc,
            &county,
            t.fx.branch_b1,
            &form("2026", "9", "40", "否", "否"),
        )
        .await
        .unwrap();
        warnings::evaluate_scope(&t.svc, &county, t.fx.root)
            .await
            .unwrap();
        let town = t.actor("unit_admin_town").await;
        warnings::evaluate_scope(&t.svc, &town, t.fx.town_a)
            .await
            .unwrap();
        let written = rollups(&t).await;
        assert_eq!(written.len(), 5 + 2, "{e}: five orgs, then town A and A1");
        let root = written.iter().find(|r| r.1 == t.fx.root).unwrap();
        assert_eq!(
            root.4 + root.5 + root.6 + root.7,
            5,
            "{e}: the root counts every result"
        );
        assert!(written.iter().any(|r| r.5 + r.6 + r.7 > 0), "{e}");
        let migration = if e == "sqlite" {
            include_str!("../../store/migrations/sqlite/0009_warning_rollups.sql")
        } else {
            include_str!("../../store/migrations/postgres/0009_warning_rollups.sql")
        };
        let at = migration.find("INSERT INTO warning_rollups").unwrap();
        let backfill = &migration[at..];
        let ranks: Vec<(String, i64)> =
            sqlx::query_as("SELECT level, level_rank FROM warning_results ORDER BY run_id, org_id")
                .fetch_all(&t.svc.store.pool)
                .await
                .unwrap();
        for (level, rank) in &ranks {
            let expected = match level.as_str() {
                "green" => 0,
                "yellow" => 1,
                "orange" => 2,
                _ => 3,
            };
            assert_eq!(*rank, expected, "{e}: {level}");
        }
        sqlx::query("DELETE FROM warning_rollups")
            .execute(&t.svc.store.pool)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(backfill.to_owned()))
            .execute(&t.svc.store.pool)
            .await
            .unwrap();
        assert_eq!(rollups(&t).await, written, "{e}");
    }
}
