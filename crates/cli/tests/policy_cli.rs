//! `dangjian policy show` and `dangjian policy upload` with the real binary
//! on a fresh instance: the default profile is version 1; a bad file is
//! refused with its line-precise messages (exit code 1) and changes
//! nothing; a user who may not load profiles is refused; a good file
//! becomes version 2 and `show` prints either version.

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
    assert!(err.contains("有 2 处错误，未上传，原版本继续生效"), "{err}");
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

    // A good profile becomes version 2.
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
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("已上传并启用政策配置第2版（jiangxi-county-2026.2）"));
    assert_eq!(stdout(&run(d, &["policy", "show"])), good);
    assert_eq!(
        stdout(&run(d, &["policy", "show", "--version", "1"])),
        DEFAULT_PROFILE_TOML
    );

    // The same text again is refused with its reason.
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
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("与当前生效的第2版配置完全相同"),
        "{}",
        stderr(&o)
    );

    let o = run(d, &["policy", "--help"]);
    assert!(stdout(&o).contains("show") && stdout(&o).contains("upload"));
}
