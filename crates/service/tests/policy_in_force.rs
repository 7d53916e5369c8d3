//! Each period judged by the rules in force then (issue 11, item 12): a
//! stricter profile uploaded now takes effect with the next period and
//! leaves last year's results as they were; a retroactive effective day is
//! refused without the explicit choice and a reason, and audited with them;
//! the "what if" view judges past periods by another version, labelled and
//! stored nowhere. SQLite and PostgreSQL.

mod common;
mod support;

use common::TestSvc;
use dangjian_domain::obligations::{Status, Window};
use dangjian_domain::policy::DEFAULT_PROFILE_TOML;
use dangjian_service::compliance::{self, ComplianceView};
use dangjian_service::policy::{self, Effective, VersionState};
use dangjian_service::records::{self, RecordForm};
use dangjian_service::{Clock, ServiceError};
use jiff::civil::date;
use support::{count, fe, fixed, form, invalid, members_of, sheet};

const DAY: &str = "theme_party_day_monthly";

/// The default profile asking for two 主题党日 a month instead of one.
fn stricter() -> String {
    let text = DEFAULT_PROFILE_TOML.replacen(
        "version = \"jiangxi-county-2026.1\"",
        "version = \"jiangxi-county-2027.1\"",
        1,
    );
    let at = text.find("code = \"theme_party_day_monthly\"").unwrap();
    format!(
        "{}{}",
        &text[..at],
        text[at..].replacen("at_least = 1", "at_least = 2", 1)
    )
}

/// One 主题党日 of branch A1 on the 10th of every month of 2025.
async fn seed_2025(t: &TestSvc) {
    let admin = t.actor("county_admin_root").await;
    let m = members_of(t, t.fx.branch_a1).await;
    for month in 1..=12 {
        let f = RecordForm {
            attendance: sheet(&[m[0], m[1]], &[]),
            ..form("theme_party_day", &format!("2025-{month:02}-10"))
        };
        records::create(&t.svc, &admin, t.fx.branch_a1, &f, &[])
            .await
            .unwrap();
    }
}

fn year_2025() -> Window {
    Window {
        from: date(2025, 1, 1),
        to: date(2025, 12, 31),
    }
}

/// Branch A1's statuses for the 主题党日 obligation, period by period.
fn a1_days(c: &ComplianceView, t: &TestSvc) -> Vec<Status> {
    let ob = c.obligations.iter().find(|o| o.code == DAY).unwrap();
    let town = ob
        .rows
        .iter()
        .find(|r| r.org.id == t.fx.town_a)
        .expect("town A row");
    assert!(town.own.is_none());
    // The town's subtree holds A1 and A2; only A1 has records.
    town.subtree
        .iter()
        .map(|t| {
            if t.met > 0 {
                Status::Met
            } else {
                Status::Missed
            }
        })
        .collect()
}

#[tokio::test]
async fn a_stricter_version_applies_from_the_next_period_and_last_year_stays() {
    for mut t in fixed().await {
        seed_2025(&t).await;
        let admin = t.actor("county_admin_root").await;
        let leader = t.actor("leader_root").await;
        let before = compliance::for_scope(&t.svc, &leader, t.fx.root, year_2025())
            .await
            .unwrap();
        assert_eq!(a1_days(&before, &t), [Status::Met; 12], "{}", t.engine);

        // Uploaded on 2026-11-29 without a day: in force from 2026-12-01.
        let v2 = policy::upload(&t.svc, &admin, stricter().as_bytes())
            .await
            .unwrap();
        assert_eq!((v2.version, v2.effective_from), (2, date(2026, 12, 1)));
        assert_eq!(policy::active(&t.svc).await.unwrap().version, 1);
        let view = policy::view(&t.svc, &leader).await.unwrap();
        assert_eq!(
            view.states,
            [VersionState::Pending, VersionState::InForce],
            "newest first"
        );

        // Last year: the very same results, named by version 1 alone.
        let after = compliance::for_scope(&t.svc, &leader, t.fx.root, year_2025())
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(&after.obligations).unwrap(),
            serde_json::to_value(&before.obligations).unwrap(),
            "{}",
            t.engine
        );
        assert_eq!(
            after.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
            [1]
        );
        assert_eq!(after.profile_version, 1);

        // Across the change: November by version 1, December on by 2, and
        // both named.
        let across = Window {
            from: date(2026, 11, 1),
            to: date(2027, 1, 31),
        };
        let c = compliance::for_scope(&t.svc, &leader, t.fx.root, across)
            .await
            .unwrap();
        let versions: Vec<(i64, String, Option<String>)> = c
            .versions
            .iter()
            .map(|v| (v.version, v.from.clone(), v.to.clone()))
            .collect();
        assert_eq!(
            versions,
            [
                (1, "1921-07-01".into(), Some("2026-11-30".into())),
                (2, "2026-12-01".into(), None),
            ]
        );
        let day = c.obligations.iter().find(|o| o.code == DAY).unwrap();
        assert_eq!(
            day.periods
                .iter()
                .map(|p| (p.label.as_str(), p.profile_version))
                .collect::<Vec<_>>(),
            [("2026年11月", 1), ("2026年12月", 2), ("2027年1月", 2)]
        );
        assert_eq!(
            day.requirement,
            "每月至少1次（第1版）；每月至少2次（第2版）"
        );
        let basis = c.basis_text();
        assert!(
            basis.contains("第1版（jiangxi-county-2026.1，最初至2026-11-30）")
                && basis.contains("第2版（jiangxi-county-2027.1，2026-12-01起）"),
            "{basis}"
        );
        // The yearly obligations of 2026 began under version 1.
        let yearly = c
            .obligations
            .iter()
            .find(|o| o.code == "org_life_meeting_yearly")
            .unwrap();
        assert_eq!(
            yearly
                .periods
                .iter()
                .map(|p| p.profile_version)
                .collect::<Vec<_>>(),
            [1, 2]
        );

        // In December the new rule is in force: one 主题党日 is not enough,
        // and records now carry version 2.
        t.svc.clock = Clock::Fixed("2026-12-15T04:00:00Z".parse().unwrap());
        assert_eq!(policy::active(&t.svc).await.unwrap().version, 2);
        let m = members_of(&t, t.fx.branch_a1).await;
        let f = RecordForm {
            attendance: sheet(&[m[0]], &[]),
            ..form("theme_party_day", "2026-12-10")
        };
        let rec = records::create(&t.svc, &admin, t.fx.branch_a1, &f, &[])
            .await
            .unwrap();
        assert_eq!(
            records::get(&t.svc, &admin, rec.id)
                .await
                .unwrap()
                .record
                .profile_version,
            2
        );
        let dec = Window {
            from: date(2026, 12, 1),
            to: date(2026, 12, 31),
        };
        let c = compliance::for_scope(&t.svc, &leader, t.fx.branch_a1, dec)
            .await
            .unwrap();
        let cell = c.obligations.iter().find(|o| o.code == DAY).unwrap().rows[0]
            .own
            .clone()
            .unwrap()[0];
        assert_eq!((cell.count, cell.status), (1, Status::Open), "{}", t.engine);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_retroactive_day_needs_the_explicit_choice_and_a_reason_and_is_audited() {
    for t in fixed().await {
        seed_2025(&t).await;
        let admin = t.actor("county_admin_root").await;
        let text = stricter();
        let audit_before = count(&t, "audit_log").await;
        let up = |e: Effective| {
            let text = text.clone();
            let (svc, admin) = (&t.svc, &admin);
            async move { policy::upload_with(svc, admin, text.as_bytes(), &e).await }
        };
        let at = |d: &str| Effective {
            from: Some(d.into()),
            ..Effective::default()
        };
        let errs = invalid(up(at("2025-01-01")).await);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].0, "effective_from");
        assert!(
            errs[0]
                .1
                .starts_with("生效日期2025-01-01早于今天（2026-11-29）")
                && errs[0].1.contains("勾选“追溯适用”并填写理由"),
            "{}",
            errs[0].1
        );
        assert_eq!(
            invalid(
                up(Effective {
                    retroactive: true,
                    reason: "  ".into(),
                    ..at("2025-01-01")
                })
                .await
            ),
            fe(
                "retroactive_reason",
                "追溯适用须填写理由（例如上级文件的文号和要求）"
            )
        );
        assert_eq!(
            invalid(
                up(Effective {
                    retroactive: true,
                    reason: "无".into(),
                    ..at("2027-01-01")
                })
                .await
            ),
            fe(
                "retroactive",
                "生效日期2027-01-01不早于今天，无需追溯适用，请取消勾选“追溯适用”"
            )
        );
        assert_eq!(
            invalid(up(at("2025/1/1")).await),
            fe(
                "effective_from",
                "生效日期格式应为YYYY-MM-DD，例如2027-01-01"
            )
        );
        assert_eq!(count(&t, "policy_profiles").await, 1, "nothing stored");
        assert_eq!(count(&t, "audit_log").await, audit_before);
        // Nobody below the county administrator, whatever the day.
        let unit = t.actor("unit_admin_town").await;
        assert!(matches!(
            policy::upload_with(&t.svc, &unit, text.as_bytes(), &at("2027-01-01")).await,
            Err(ServiceError::Forbidden(_))
        ));

        // Accepted with the choice and the reason; kept and audited.
        let reason = "县委组织部2025年1号文件要求自2025年起执行";
        let v2 = up(Effective {
            retroactive: true,
            reason: reason.into(),
            ..at("2025-01-01")
        })
        .await
        .unwrap();
        assert_eq!((v2.version, v2.effective_from), (2, date(2025, 1, 1)));
        let (action, summary): (String, String) =
            sqlx::query_as("SELECT action, summary FROM audit_log ORDER BY id DESC LIMIT 1")
                .fetch_one(&t.svc.store.pool)
                .await
                .unwrap();
        assert_eq!(action, "policy.upload_retroactive");
        let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
        assert_eq!(summary["retroactive"], true);
        assert_eq!(summary["reason"], reason);
        assert_eq!(summary["after"]["effective_from"], "2025-01-01");
        let view = policy::view(&t.svc, &admin).await.unwrap();
        assert_eq!(view.versions[0].retroactive_reason, reason);
        assert_eq!(view.versions[0].effective_from, "2025-01-01");
        // As chosen: 2025 is now judged by version 2.
        let c = compliance::for_scope(&t.svc, &admin, t.fx.root, year_2025())
            .await
            .unwrap();
        assert_eq!(a1_days(&c, &t), [Status::Missed; 12], "{}", t.engine);
        assert_eq!(c.versions.len(), 1);
        assert_eq!(c.versions[0].version, 2);
        support::chain_ok(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn the_what_if_view_is_labelled_and_stores_nothing() {
    for t in fixed().await {
        seed_2025(&t).await;
        let admin = t.actor("county_admin_root").await;
        let leader = t.actor("leader_root").await;
        policy::upload(&t.svc, &admin, stricter().as_bytes())
            .await
            .unwrap();
        let tables = [
            "audit_log",
            "policy_profiles",
            "records",
            "warning_runs",
            "warning_results",
        ];
        let mut before = Vec::new();
        for table in tables {
            before.push(count(&t, table).await);
        }
        let what_if = compliance::for_scope_as(&t.svc, &leader, t.fx.root, year_2025(), Some(2))
            .await
            .unwrap();
        assert_eq!(what_if.what_if, Some(2));
        assert!(
            what_if
                .basis_text()
                .starts_with("假设按第2版规则计算（非正式结果）"),
            "{}",
            what_if.basis_text()
        );
        assert_eq!(a1_days(&what_if, &t), [Status::Missed; 12], "{}", t.engine);
        let day = what_if.obligations.iter().find(|o| o.code == DAY).unwrap();
        assert!(day.periods.iter().all(|p| p.profile_version == 2));
        let mut after = Vec::new();
        for table in tables {
            after.push(count(&t, table).await);
        }
        assert_eq!(after, before, "nothing stored");
        // The official result is unchanged.
        let c = compliance::for_scope(&t.svc, &leader, t.fx.root, year_2025())
            .await
            .unwrap();
        assert_eq!((c.what_if, a1_days(&c, &t)), (None, vec![Status::Met; 12]));
        assert_eq!(
            invalid(
                compliance::for_scope_as(&t.svc, &leader, t.fx.root, year_2025(), Some(9)).await
            ),
            fe("version", "没有第9版政策配置")
        );
        t.finish().await;
    }
}
