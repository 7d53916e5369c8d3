//! `dangjian user reset-password` with the real binary: refused without a
//! readable key file (nothing changes), otherwise prints a one-time
//! password with which the account logs in only to change it; audited as
//! `console`.

use dangjian_service::{Crypto, Services, Store, auth};
use std::path::Path;
use std::process::{Command, Output};

const PASSWORD: &str = "test2026pw";

fn run(dir: &Path, key: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dangjian"))
        .args(args)
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("d.db").display()))
        .arg("--key-file")
        .arg(key)
        .env_remove("DANGJIAN_KEY")
        .output()
        .expect("run dangjian")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn console_recovery_needs_the_key_file_and_gives_a_one_time_password() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("k");
    let o = run(
        d,
        &key,
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

    // Without the key file: refused, and no key file is created.
    let missing = d.join("missing.key");
    let o = run(d, &missing, &["user", "reset-password", "admin"]);
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("无法读取密钥文件"),
        "{}",
        text(&o.stderr)
    );
    assert!(!missing.exists());

    let o = run(d, &key, &["user", "reset-password", "nobody"]);
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("没有该用户名的账号"),
        "{}",
        text(&o.stderr)
    );

    let o = run(d, &key, &["user", "reset-password", "admin"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let pw = out
        .split("一次性密码：")
        .nth(1)
        .and_then(|r| r.lines().next())
        .expect("the password is printed")
        .trim()
        .to_owned();
    assert!(pw.chars().count() >= 12, "{pw}");

    let store = Store::connect(&format!("sqlite://{}", d.join("d.db").display()))
        .await
        .unwrap();
    let svc = Services::new(store, Crypto::random());
    assert!(auth::login(&svc, "admin", PASSWORD).await.unwrap().is_err());
    let (account, _) = auth::login(&svc, "admin", &pw).await.unwrap().unwrap();
    assert!(
        account.must_change_password,
        "the console password is one-time"
    );
    assert!(account.actor().is_err());
    let mut conn = svc.store.read().await.unwrap();
    let rows = dangjian_service::store::audit::list(
        &mut conn,
        &dangjian_service::store::audit::AuditFilter::default(),
        1000,
        0,
    )
    .await
    .unwrap();
    assert!(
        rows.iter()
            .any(|r| r.action == "user.password_recover" && r.actor == "console")
    );
}
