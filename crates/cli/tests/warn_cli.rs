//! `dangjian warn` with the real binary on a fresh SQLite instance: a village
//! branch whose secretary post has been vacant for 200 days is listed with
//! its reasons; the snapshot is stored and audited; a user outside the
//! organization's scope is refused.

use dangjian_service::fixture::{actor, org_form};
use dangjian_service::{Crypto, Services, Store, orgs};
use jiff::ToSpan;
use std::path::Path;
use std::process::{Command, Output};

const PASSWORD: &str = "test2026pw";

fn url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("d.db").display())
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dangjian"))
        .args(args)
        .arg("--database")
        .arg(url(dir))
        .arg("--key-file")
        .arg(dir.join("k"))
        .output()
        .expect("run dangjian")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn warn_prints_counts_and_the_worst_organizations() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(
        d,
        &[
            "init",
            "--county",
            "中共测试县委员会",
            "--admin",
            "admin",
            "--password",
            PASSWORD,
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));

    // A village branch with its secretary post vacant for 200 days.
    let branch = {
        let svc = Services::new(
            Store::connect(&url(d)).await.unwrap(),
            Crypto::load_or_create(&d.join("k")).unwrap(),
        );
        let admin = actor(&svc, "admin", PASSWORD).await.unwrap();
        let branch = orgs::create(
            &svc,
            &admin,
            admin.org_id.0,
            &org_form("中共某村支部委员会", "branch", "rural"),
        )
        .await
        .unwrap();
        let since = svc
            .clock
            .today()
            .checked_sub(200.days())
            .unwrap()
            .to_string();
        let form = orgs::OrgForm {
            secretary_name: String::new(),
            secretary_vacant_since: since,
            ..orgs::OrgForm::from_row(&branch)
        };
        orgs::update(&svc, &admin, branch.id, &form).await.unwrap();
        svc.store.close().await;
        branch.id
    };

    let o = run(d, &["warn", "--user", "admin"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("共2个组织"), "{out}");
    assert!(out.contains("红色预警1个"), "{out}");
    assert!(
        out.contains("组织生活不正常：组织生活完成率0%（低于80%）"),
        "{out}"
    );
    assert!(out.contains("中共某村支部委员会"), "{out}");
    assert!(
        out.contains("书记缺职超过3个月：书记空缺已200天（超过90天）"),
        "{out}"
    );
    assert!(out.contains(&format!("编号{branch}")), "{out}");

    // The snapshot is stored and the audit chain holds.
    let o = run(d, &["audit", "verify"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let svc = Services::new(Store::connect(&url(d)).await.unwrap(), Crypto::random());
    let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM warning_runs")
        .fetch_one(&svc.store.pool)
        .await
        .unwrap();
    assert_eq!(runs, 1);

    // An unknown user is refused without a snapshot.
    let o = run(d, &["warn", "--user", "nobody"]);
    assert!(!o.status.success());
    let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM warning_runs")
        .fetch_one(&svc.store.pool)
        .await
        .unwrap();
    assert_eq!(runs, 1);
}
