//! `dangjian policy show` and `dangjian policy upload` with the real binary
//! on a fresh instance: the default profile is version 1; a bad file is
//! refused with its line-precise messages (exit code 1) and changes
//! nothing; a user who may not load profiles is refused; a good file
//! becomes version 2, in force from the first day of next month unless
//! `--effective` says otherwise, and `show` prints either version; an
//! effective day before today needs `--retroactive` and `--reason`.

use dangjian_domain::policy::DEFAULT_PROFILE_TOML;
use std::path::Path;
use std::process::{Command, Output};

const PASSWORD: &str = "test2026pw";

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dangjian"))
        .args(args)
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("d.db").display()))
        .arg("--key-file")
        .arg(dir.join("k"))
        .output()
        .expect("run dangjian")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn show_and_upload_profiles_from_the_command_line() {
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
    assert!(o.status.success(), "{}", stderr(&o));

    let o = run(d, &["policy", "show"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), DEFAULT_PROFILE_TOML);

    // A bad profile: two errors, each with its line; exit code 1.
    let bad = DEFAULT_PROFILE_TOML
        .replacen(
            "record_type = \"theme_party_day\"",
            "record_type = \"theme_day\"",
            1,
        )
        .replacen(
            "code = \"org_life_meeting_yearly\"",
            "code = \"branch_general_meeting_quarterly\"",
            1,
        );
    let line_of = |needle: &str| bad.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let type_line = line_of("\"theme_day\"");
    let file = d.join("bad.toml");
    std::fs::write(&file, &bad).unwrap();
    let o = run(
        d,
        &[
            "policy",
            "upload",
            file.to_str().unwrap(),
            "--user",
            "admin",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("有 2 处错误，未上传，原有版本不变"), "{err}");
    assert!(
        err.contains(&format!("第{type_line}行第15列：未知的记录类型“theme_day”")),
        "{err}"
    );
    assert!(err.contains("重复"), "{err}");
    let o = run(d, &["policy", "show", "--version", "2"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("没有第2版政策配置"));

    // Unknown user.
    let good = DEFAULT_PROFILE_TOML.replacen(
        "version = \"jiangxi-county-2026.1\"",
        "version = \"jiangxi-county-2026.2\"",
        1,
    );
    let file = d.join("good.toml");
    std::fs::write(&file, &good).unwrap();
    let o = run(
        d,
        &[
            "policy",
            "upload",
            file.to_str().unwrap(),
            "--user",
            "nobody",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("没有用户名为 nobody 的账号"));

    // A good profile becomes version 2, in force from next month: today
    // the default is still in force.
    let today = dangjian_service::clock::Clock::System.today();
    let next_month = today
        .first_of_month()
        .checked_add(jiff::Span::new().months(1))
        .unwrap();
    let upload = |file: &Path, extra: &[&str]| {
        let mut args = vec![
            "policy",
            "upload",
            file.to_str().unwrap(),
            "--user",
            "admin",
        ];
        args.extend_from_slice(extra);
        run(d, &args)
    };
    let o = upload(&file, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!(
            "已上传政策配置第2版（jiangxi-county-2026.2），自{next_month}起生效"
        )),
        "{}",
        stdout(&o)
    );
    assert_eq!(stdout(&run(d, &["policy", "show"])), DEFAULT_PROFILE_TOML);
    assert_eq!(stdout(&run(d, &["policy", "show", "--version", "2"])), good);

    // The same text for the same day is refused with its reason.
    let o = upload(&file, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("与{next_month}起适用的第2版配置完全相同")),
        "{}",
        stderr(&o)
    );

    // --effective today: in force at once.
    let third = good.replacen("jiangxi-county-2026.2", "jiangxi-county-2026.3", 1);
    let file3 = d.join("third.toml");
    std::fs::write(&file3, &third).unwrap();
    let o = upload(&file3, &["--effective", &today.to_string()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("第3版（jiangxi-county-2026.3），自{today}起生效")));
    assert_eq!(stdout(&run(d, &["policy", "show"])), third);

    // Before today: refused without --retroactive, naming the field's
    // Chinese label; --retroactive needs --reason (a usage error).
    let fourth = good.replacen("jiangxi-county-2026.2", "jiangxi-county-2025.9", 1);
    let file4 = d.join("fourth.toml");
    std::fs::write(&file4, &fourth).unwrap();
    let o = upload(&file4, &["--effective", "2025-01-01"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("生效日期2025-01-01早于今天"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("追溯适用"), "{}", stderr(&o));
    let o = upload(&file4, &["--effective", "2025-01-01", "--retroactive"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = upload(
        &file4,
        &[
            "--effective",
            "2025-01-01",
            "--retroactive",
            "--reason",
            "按县委组织部2025年1号文件追溯执行",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("第4版（jiangxi-county-2025.9），自2025-01-01起生效"));
    // Version 3 took effect later, so it stays in force today.
    assert_eq!(stdout(&run(d, &["policy", "show"])), third);

    let o = run(d, &["policy", "--help"]);
    assert!(stdout(&o).contains("show") && stdout(&o).contains("upload"));
}
