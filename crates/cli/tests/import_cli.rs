//! `dangjian import` and `dangjian import template` with the real binary on
//! a fresh instance: organizations from a GBK CSV, a member file with a bad
//! row refused (exit code 1, rows listed, annotated file written, nothing
//! imported), the corrected file checked with --dry-run and imported, and
//! the result exported again; and a file of manual facts (村情).

use dangjian_domain::member::id_check_char;
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

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn valid_id(first17: &str) -> String {
    format!("{first17}{}", char::from(id_check_char(first17.as_bytes())))
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn import_from_the_command_line() {
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
    assert!(o.status.success(), "{}", text(&o));

    let template = d.join("党员模板.xlsx");
    let o = run(d, &["import", "template", "members", path(&template)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(std::fs::read(&template).unwrap().starts_with(b"PK"));

    // Organizations, from a CSV as Chinese Excel saves it (GBK).
    let orgs = "党组织名称,上级党组织,组织类别,所属领域,书记\n\
                中共丙镇委员会,中共测试县委员会,党委,农村,王书记\n\
                中共丙村支部委员会,中共丙镇委员会,党支部,农村,李书记\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(orgs);
    let orgs_file = d.join("组织.csv");
    std::fs::write(&orgs_file, gbk).unwrap();
    let o = run(d, &["import", "orgs", path(&orgs_file), "--user", "admin"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("已导入 2 条"), "{}", text(&o));

    // Manual facts (村情) of the new village, by name.
    let facts = d.join("村情.csv");
    std::fs::write(
        &facts,
        "组织名称,年度,信访件数,满意度,村务公开,村务监督委员会\n\
         中共丙村支部委员会,2025,3,88.5,是,否\n",
    )
    .unwrap();
    let o = run(d, &["import", "org-facts", path(&facts), "--user", "admin"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("已导入 1 条"), "{}", text(&o));

    // Members: row 3 has a wrong check digit.
    let good = valid_id("36072119800101905");
    let mut wrong = valid_id("36072119810202906");
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    let header = "姓名,身份证号,人员类别,入党时间,转正日期,所在支部\n";
    let bad = format!(
        "{header}赵明,{good},正式党员,2005年7月1日,2006.7.1,中共丙村支部委员会\n\
         钱亮,{wrong},预备党员,2026-01-05,,中共丙村支部委员会\n"
    );
    let members_file = d.join("党员.csv");
    std::fs::write(&members_file, &bad).unwrap();
    let o = run(
        d,
        &["import", "members", path(&members_file), "--user", "admin"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("未导入任何数据") && out.contains("第 3 行 身份证号"),
        "{out}"
    );
    assert!(!out.contains("第 2 行"), "{out}");
    assert!(d.join("党员-错误说明.xlsx").exists(), "annotated file");

    let fixed = bad.replace(&wrong, &valid_id("36072119810202906"));
    std::fs::write(&members_file, &fixed).unwrap();
    let o = run(
        d,
        &[
            "import",
            "members",
            path(&members_file),
            "--user",
            "admin",
            "--dry-run",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("检查通过"), "{}", text(&o));
    let o = run(
        d,
        &["import", "members", path(&members_file), "--user", "admin"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("已导入 2 条"), "{}", text(&o));
    // Importing the same file again: every number is already registered.
    let o = run(
        d,
        &["import", "members", path(&members_file), "--user", "admin"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("已登记"), "{}", text(&o));

    let export = d.join("名单.xlsx");
    let o = run(
        d,
        &[
            "export",
            "members",
            "--user",
            "admin",
            "--out",
            path(&export),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("已导出 2 行"), "{}", text(&o));

    let o = run(
        d,
        &[
            "import",
            "members",
            path(&d.join("不存在.csv")),
            "--user",
            "admin",
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("无法读取"), "{}", text(&o));
    let o = run(d, &["import", "template", "cadres", path(&template)]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("members（党员）、orgs（党组织）或 org_facts（村情）"),
        "{}",
        text(&o)
    );
}
