//! Early-warning snapshots on the fixture county, on SQLite and PostgreSQL.
//! Today is 2026-11-29. Branch A1's secretary post has been vacant since
//! 2026-08-21 (100 days, over the default 90); branch B1 started its current
//! term on 2024-06-01 (due 2029, so not overdue). No records are held, so
//! every branch met none of its obligations of the last twelve months.

mod common;
mod support;

use common::TestSvc;
use dangjian_domain::warnings::Level;
use dangjian_service::warnings::{self, WarningRunView};
use dangjian_service::{orgs, policy};
use support::{chain_ok, count, fixed, forbidden};

async fn seed(t: &TestSvc) {
    let admin = t.actor("county_admin_root").await;
    let row = orgs::get(&t.svc, &admin, t.fx.branch_a1).await.unwrap();
    let form = orgs::OrgForm {
        secretary_name: String::new(),
        secretary_vacant_since: "2026-08-21".into(),
        ..orgs::OrgForm::from_row(&row)
    };
    orgs::update(&t.svc, &admin, t.fx.branch_a1, &form)
        .await
        .unwrap();
    orgs::start_term(&t.svc, &admin, t.fx.branch_b1, "2024-06-01")
        .await
        .unwrap();
}

fn result(run: &WarningRunView, org: i64) -> &warnings::OrgWarningView {
    run.results
        .iter()
        .find(|r| r.org_id == org)
        .unwrap_or_else(|| panic!("org {org} not in the run"))
}

fn codes<'a>(it: impl Iterator<Item = &'a String>) -> Vec<&'a str> {
    it.map(String::as_str).collect()
}

#[tokio::test]
async fn a_vacant_secretary_warns_with_its_reason_and_missing_data_is_reported() {
    for t in fixed().await {
        seed(&t).await;
        let admin = t.actor("county_admin_root").await;
        let run = warnings::evaluate_scope(&t.svc, &admin, t.fx.root)
            .await
            .unwrap();
        let e = t.engine;
        assert_eq!(run.results.len(), 5, "{e}: root, two towns, two branches");
        assert_eq!(run.counts.total(), 5, "{e}");
        assert_eq!(run.as_of, "2026-11-29", "{e}");

        // The vacancy: orange at least (the profile's floor), and first.
        let a1 = result(&run, t.fx.branch_a1);
        assert!(a1.level >= Level::Yellow, "{e}: {:?}", a1.level);
        assert_eq!(run.results[0].org_id, t.fx.branch_a1, "{e}: worst first");
        let vacant = a1
            .reasons
            .iter()
            .find(|r| r.indicator == "secretary_vacant")
            .unwrap_or_else(|| panic!("{e}: no vacancy reason: {:?}", a1.reasons));
        assert_eq!(vacant.detail, "书记空缺已100天（超过90天）", "{e}");
        assert_eq!(vacant.evidence, "org_detail", "{e}");
        // With no organizational life recorded, 40 + 30 reaches red.
        assert_eq!(
            codes(a1.reasons.iter().map(|r| &r.indicator)),
            ["secretary_vacant", "org_life_compliance"],
            "{e}"
        );
        assert_eq!(a1.level, Level::Red, "{e}");

        // Branch B1: secretary, members and a current term are recorded, and
        // its compliance is computed (0 of its closed periods met); what the
        // platform does not record is "no data", never a pass or a reason.
        let b1 = result(&run, t.fx.branch_b1);
        assert_eq!(b1.level, Level::Orange, "{e}: {:?}", b1.reasons);
        assert_eq!(
            b1.reasons
                .iter()
                .map(|r| r.detail.as_str())
                .collect::<Vec<_>>(),
            ["组织生活完成率0%（低于80%）"],
            "{e}"
        );
        assert_eq!(b1.reasons[0].evidence, "compliance", "{e}");
        let missing = codes(b1.no_data.iter().map(|n| &n.indicator));
        for code in [
            "no_development_candidate",
            "collective_economy",
            "petitions_disputes",
            "satisfaction",
        ] {
            assert!(missing.contains(&code), "{e}: {code} not in {missing:?}");
        }
        for known in [
            "secretary_vacant",
            "term_overdue",
            "aging_members",
            "branch_oversized",
        ] {
            assert!(!missing.contains(&known), "{e}: {known} in {missing:?}");
        }
        let label = &b1
            .no_data
            .iter()
            .find(|n| n.indicator == "satisfaction")
            .unwrap()
            .label;
        assert_eq!(label, "群众满意度低于60%", "{e}");
        chain_ok(&t).await;
    }
}

#[tokio::test]
async fn the_snapshot_keeps_the_profile_version_and_reads_back() {
    for t in fixed().await {
        seed(&t).await;
        let e = t.engine;
        let admin = t.actor("county_admin_root").await;
        let active = policy::active(&t.svc).await.unwrap();
        let run = warnings::evaluate_scope(&t.svc, &admin, t.fx.root)
            .await
            .unwrap();
        assert_eq!(run.profile_version, active.version, "{e}");
        assert_eq!(run.profile_hash, active.profile.content_hash(), "{e}");
        let stored: i64 =
            sqlx::query_scalar("SELECT profile_version FROM warning_runs WHERE id = $1")
                .bind(run.run_id)
                .fetch_one(&t.svc.store.pool)
                .await
                .unwrap();
        assert_eq!(stored, active.version, "{e}");
        assert_eq!(count(&t, "warning_results").await, 5, "{e}");

        let latest = warnings::latest(&t.svc, &admin, t.fx.root)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(latest.run_id, run.run_id, "{e}");
        assert_eq!(latest.profile_version, active.version, "{e}");
        assert_eq!(latest.counts, run.counts, "{e}");
        assert_eq!(
            result(&latest, t.fx.branch_a1).reasons,
            result(&run, t.fx.branch_a1).reasons,
            "{e}"
        );
        assert_eq!(
            result(&latest, t.fx.branch_b1).no_data,
            result(&run, t.fx.branch_b1).no_data,
            "{e}"
        );

        // A second run: the history has both, oldest first.
        let again = warnings::evaluate_scope(&t.svc, &admin, t.fx.root)
            .await
            .unwrap();
        let h = warnings::history(&t.svc, &admin, t.fx.branch_a1)
            .await
            .unwrap();
        assert_eq!(
            h.iter().map(|p| p.run_id).collect::<Vec<_>>(),
            [run.run_id, again.run_id],
            "{e}"
        );
        assert!(
            h.iter()
                .all(|p| p.as_of == "2026-11-29" && p.level >= Level::Yellow),
            "{e}"
        );
        let audited: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'warning.run'")
                .fetch_one(&t.svc.store.pool)
                .await
                .unwrap();
        assert_eq!(audited, 2, "{e}");
        chain_ok(&t).await;
    }
}

#[tokio::test]
async fn runs_and_reads_stay_inside_the_users_scope() {
    for t in fixed().await {
        seed(&t).await;
        let e = t.engine;
        let town = t.actor("unit_admin_town").await;
        let run = warnings::evaluate_scope(&t.svc, &town, t.fx.town_a)
            .await
            .unwrap();
        let mut ids: Vec<i64> = run.results.iter().map(|r| r.org_id).collect();
        ids.sort_unstable();
        assert_eq!(ids, [t.fx.town_a, t.fx.branch_a1], "{e}: only its subtree");

        // The sibling town: neither run nor read.
        let runs_before = count(&t, "warning_runs").await;
        forbidden(warnings::evaluate_scope(&t.svc, &town, t.fx.town_b).await);
        forbidden(warnings::latest(&t.svc, &town, t.fx.town_b).await);
        forbidden(warnings::history(&t.svc, &town, t.fx.branch_b1).await);
        assert_eq!(count(&t, "warning_runs").await, runs_before, "{e}");

        // A branch secretary and a read-only leader read but do not run.
        let secretary = t.actor("branch_secretary_branch").await;
        forbidden(warnings::evaluate_scope(&t.svc, &secretary, t.fx.branch_a1).await);
        let leader = t.actor("leader_root").await;
        forbidden(warnings::evaluate_scope(&t.svc, &leader, t.fx.root).await);
        let mine = warnings::latest(&t.svc, &secretary, t.fx.branch_a1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            mine.run_id, run.run_id,
            "{e}: the town's run covers the branch"
        );
        assert_eq!(
            mine.results.iter().map(|r| r.org_id).collect::<Vec<_>>(),
            [t.fx.branch_a1],
            "{e}"
        );
        // Nothing stored for town B's subtree yet.
        assert!(
            warnings::latest(&t.svc, &leader, t.fx.town_b)
                .await
                .unwrap()
                .is_none(),
            "{e}"
        );

        // A county run afterwards is the latest for town A too, limited to it.
        let admin = t.actor("county_admin_root").await;
        let county = warnings::evaluate_scope(&t.svc, &admin, t.fx.root)
            .await
            .unwrap();
        let seen = warnings::latest(&t.svc, &town, t.fx.town_a)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(seen.run_id, county.run_id, "{e}");
        assert_eq!(seen.results.len(), 2, "{e}");
        assert_eq!(seen.counts.total(), 2, "{e}");
        chain_ok(&t).await;
    }
}
