//! Importing members and organizations from xlsx and CSV, on SQLite and
//! PostgreSQL: every row check reported with its exact row, column and
//! message while nothing is written; clean files written in one audited
//! transaction with roll-ups that match a full recount.

mod common;

use common::TestSvc;
use dangjian_domain::member::id_check_char;
use dangjian_service::ServiceError;
use dangjian_service::import::{
    self, ImportOptions, ImportReport, MAX_BYTES, SheetKind, annotated_xlsx, template_xlsx,
};
use dangjian_service::{Actor, fixture, members, orgs};
use jiff::ToSpan;
use sha2::Digest;

/// A valid ID number for someone born on `birth` (YYYYMMDD); odd `seq` is male.
fn id(birth: &str, seq: u32) -> String {
    let first = format!("320102{birth}{seq:03}");
    let c = id_check_char(first.as_bytes()) as char;
    format!("{first}{c}")
}

fn csv(rows: &[Vec<String>]) -> String {
    let mut s = String::new();
    for r in rows {
        s.push_str(&r.join(","));
        s.push('\n');
    }
    s
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| (*s).to_owned()).collect()
}

/// An xlsx file; cells that parse as numbers are written as numbers (as
/// Excel stores typed-in dates' serials and digits).
fn xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            if let Some(n) = v.strip_prefix("#num:") {
                ws.write_number(r as u32, c as u16, n.parse::<f64>().unwrap())
                    .unwrap();
            } else {
                ws.write_string(r as u32, c as u16, v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Counts {
    members: i64,
    orgs: i64,
    terms: i64,
    audit: i64,
}

async fn counts(t: &TestSvc) -> Counts {
    let q = async |sql: &'static str| -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&t.svc.store.pool)
            .await
            .unwrap()
    };
    Counts {
        members: q("SELECT COUNT(*) FROM members").await,
        orgs: q("SELECT COUNT(*) FROM orgs").await,
        terms: q("SELECT COUNT(*) FROM org_terms").await,
        audit: q("SELECT COUNT(*) FROM audit_log").await,
    }
}

async fn no_drift(t: &TestSvc) {
    let mut conn = t.svc.store.pool.acquire().await.unwrap();
    let changed = dangjian_service::store::org::recompute_rollups(&mut conn)
        .await
        .unwrap();
    assert_eq!(changed, 0, "{}: roll-ups drifted", t.engine);
}

async fn run(
    t: &TestSvc,
    actor: &Actor,
    kind: SheetKind,
    within: i64,
    file: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<ImportReport, ServiceError> {
    let opts = ImportOptions {
        kind,
        file_name: file.to_owned(),
        within_org: within,
        dry_run,
    };
    import::import(&t.svc, actor, &opts, bytes, &|_, _| {}).await
}

fn errors(r: &ImportReport) -> Vec<(u32, String, String)> {
    r.errors
        .iter()
        .map(|e| (e.row, e.column.clone(), e.message.clone()))
        .collect()
}

fn e(row: u32, column: &str, message: &str) -> (u32, String, String) {
    (row, column.to_owned(), message.to_owned())
}

fn file_messages(err: ServiceError) -> Vec<String> {
    match err {
        ServiceError::Invalid(fes) => {
            assert!(fes.iter().all(|f| f.field == "file"), "{fes:?}");
            fes.into_iter().map(|f| f.message).collect()
        }
        other => panic!("expected a file error, got {other:?}"),
    }
}

const BRANCH_A1: &str = "中共甲村支部委员会";

#[tokio::test]
async fn a_clean_xlsx_imports_in_one_audited_transaction_without_roll_up_drift() {
    for t in TestSvc::all().await {
        let town = t.actor("county_admin_town").await;
        let before = counts(&t).await;
        let (a, b, c) = (id("19800315", 11), id("19900101", 22), id("19950505", 33));
        let today = t.svc.clock.today();
        let joined_recent = today.checked_sub(6.months()).unwrap();
        let rows = vec![
            // Headers in another order, with aliases, spaces and an unknown column.
            row(&[
                "所在支部",
                "姓 名",
                "身份证号码",
                "性别",
                "人员类别",
                "入党时间",
                "转正时间",
                "联系电话",
                "籍贯",
            ]),
            row(&[
                BRANCH_A1,
                "王小明",
                &a,
                "男",
                "正式党员",
                "2005年7月1日",
                "2006.7.1",
                "138 0013 8000",
                "江苏",
            ]),
            // An Excel serial number and full-width digits.
            row(&[
                BRANCH_A1,
                "李红",
                &b,
                "女",
                "正式",
                "#num:40725",
                "２０１２－０７－０１",
                "",
                "",
            ]),
            row(&[
                &format!("中共甲镇委员会/{BRANCH_A1}"),
                "赵六",
                &c,
                "",
                "预备",
                &joined_recent.to_string(),
                "",
                "",
                "",
            ]),
            row(&["", "", "", "", "", "", "", "", ""]),
        ];
        let progress = std::sync::Mutex::new(Vec::new());
        let opts = ImportOptions {
            kind: SheetKind::Members,
            file_name: "党员.xlsx".into(),
            within_org: t.fx.town_a,
            dry_run: false,
        };
        let bytes = xlsx(&rows);
        let report = import::import(&t.svc, &town, &opts, &bytes, &|d, n| {
            progress.lock().unwrap().push((d, n));
        })
        .await
        .unwrap();
        assert_eq!(errors(&report), vec![], "{}", t.engine);
        assert_eq!((report.rows, report.imported), (3, 3), "{}", t.engine);
        assert_eq!(report.unknown_columns, vec!["籍贯".to_owned()]);
        let (done, total) = *progress.lock().unwrap().last().unwrap();
        assert!(
            done == total && total >= 6,
            "progress ends full: {done}/{total}"
        );
        let after = counts(&t).await;
        assert_eq!(after.members, before.members + 3);
        assert_eq!(
            after.audit,
            before.audit + 1,
            "one audit entry for the whole import"
        );
        let (action, summary): (String, String) =
            sqlx::query_as("SELECT action, summary FROM audit_log ORDER BY id DESC LIMIT 1")
                .fetch_one(&t.svc.store.pool)
                .await
                .unwrap();
        assert_eq!(action, "import.members");
        let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
        assert_eq!(summary["rows"], 3);
        assert_eq!(summary["file"], "党员.xlsx");
        assert_eq!(summary["sha256"], hex::encode(sha2::Sha256::digest(&bytes)));
        no_drift(&t).await;
        let list = members::list(&t.svc, &town, &members::MemberQuery::default())
            .await
            .unwrap();
        assert_eq!(list.total, 6, "{}", t.engine);
        let li = list.rows.iter().find(|m| m.name == "李红").unwrap();
        let m = members::view(&t.svc, &town, li.id).await.unwrap().member;
        assert_eq!(
            (m.joined_on.as_str(), m.full_on.as_deref()),
            ("2011-07-01", Some("2012-07-01"))
        );
        assert_eq!(
            (m.gender.as_str(), m.birth_month.as_str()),
            ("female", "1990-01")
        );
        let branch = orgs::get(&t.svc, &town, t.fx.branch_a1).await.unwrap();
        assert_eq!(
            (branch.sub_members, branch.sub_full, branch.sub_probationary),
            (6, 5, 1)
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn csv_in_utf8_utf8_bom_and_gbk_imports() {
    for t in TestSvc::all().await {
        let admin = t.actor("county_admin_root").await;
        for (i, enc) in ["utf8", "bom", "gbk"].into_iter().enumerate() {
            let text = csv(&[
                row(&[
                    "姓名",
                    "公民身份号码",
                    "人员类别",
                    "入党日期",
                    "转正日期",
                    "所在党组织",
                ]),
                row(&[
                    "钱七",
                    &id("19700101", 100 + i as u32),
                    "正式党员",
                    "2000/7/1",
                    "20010701",
                    "中共乙村支部委员会",
                ]),
            ]);
            let bytes = match enc {
                "utf8" => text.into_bytes(),
                "bom" => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
                _ => encoding_rs::GBK.encode(&text).0.into_owned(),
            };
            let r = run(
                &t,
                &admin,
                SheetKind::Members,
                t.fx.root,
                "m.csv",
                &bytes,
                false,
            )
            .await
            .unwrap();
            assert_eq!((errors(&r), r.imported), (vec![], 1), "{} {enc}", t.engine);
        }
        let b1 = orgs::get(&t.svc, &admin, t.fx.branch_b1).await.unwrap();
        assert_eq!(b1.sub_members, 5);
        no_drift(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn every_bad_row_is_reported_with_row_column_and_message_and_nothing_is_written() {
    for t in TestSvc::all().await {
        let town = t.actor("county_admin_town").await;
        let registered = id("19820202", 41);
        let mut form = fixture::member_form(t.fx.branch_a1, "孙已登");
        form.id_card.clone_from(&registered);
        members::create(&t.svc, &town, &form).await.unwrap();
        let before = counts(&t).await;
        let today = t.svc.clock.today();
        let last_year = today.checked_sub(1.year()).unwrap().to_string();
        let next_month = today.checked_add(1.month()).unwrap().to_string();
        let ok = id("19800315", 11);
        let good = |name: &str, idc: &str| {
            row(&[
                name,
                idc,
                "",
                "",
                "正式党员",
                "2005-07-01",
                "2006-07-01",
                BRANCH_A1,
                "",
            ])
        };
        let rows = vec![
            row(&[
                "姓名",
                "公民身份号码",
                "性别",
                "出生日期",
                "人员类别",
                "入党日期",
                "转正日期",
                "所在党组织",
                "籍贯",
            ]),
            good("", &id("19800101", 1)),       // 2
            good("张二", "320102198001010019"), // 3
            row(&[
                "张三",
                &id("19800101", 3),
                "",
                "1980-01-02",
                "正式党员",
                "2005-07-01",
                "2006-07-01",
                BRANCH_A1,
                "",
            ]), // 4
            row(&[
                "张四",
                &id("19800101", 5),
                "女",
                "",
                "正式党员",
                "2005-07-01",
                "2006-07-01",
                BRANCH_A1,
                "",
            ]), // 5
            row(&[
                "张五",
                &id("19800101", 7),
                "",
                "",
                "正式党员",
                "2005-07-01",
                "2006-07-01",
                "中共丙村支部委员会",
                "",
            ]), // 6
            row(&[
                "张六",
                &id("19800101", 9),
                "",
                "",
                "正式党员",
                "2005-07-01",
                "2006-07-01",
                "中共乙村支部委员会",
                "",
            ]), // 7
            good("张七", &ok),                  // 8
            good("张八", &ok.to_lowercase()),   // 9
            good("张九", &registered),          // 10
            row(&[
                "李一",
                &id("19900101", 11),
                "",
                "",
                "正式党员",
                "2007-07-01",
                "2008-07-01",
                BRANCH_A1,
                "",
            ]), // 11
            row(&[
                "李二",
                &id("19800101", 13),
                "",
                "",
                "正式党员",
                "2005-07-01",
                "2005-12-01",
                BRANCH_A1,
                "",
            ]), // 12
            row(&[
                "李三",
                &id("19800101", 15),
                "",
                "",
                "预备党员",
                &last_year,
                &today.to_string(),
                BRANCH_A1,
                "",
            ]), // 13
            row(&[
                "李四",
                &id("19800101", 17),
                "",
                "",
                "正式党员",
                &last_year,
                "",
                BRANCH_A1,
                "",
            ]), // 14
            row(&[
                "李五",
                &id("19800101", 19),
                "",
                "",
                "正式党员",
                "2019-13-01",
                "2006-07-01",
                BRANCH_A1,
                "",
            ]), // 15
            row(&[
                "李六",
                &id("19800101", 21),
                "",
                "",
                "积极分子",
                "2005-07-01",
                "",
                BRANCH_A1,
                "",
            ]), // 16
            row(&[
                "李七",
                &id("19800101", 23),
                "未知",
                "",
                "正式党员",
                "2005-07-01",
                "2006-07-01",
                BRANCH_A1,
                "",
            ]), // 17
            row(&[
                "李八",
                &id("19800101", 25),
                "",
                "",
                "预备党员",
                &next_month,
                "",
                BRANCH_A1,
                "",
            ]), // 18
            row(&["李九", "", "", "", "", "", "", "", "江苏"]), // 19
        ];
        let expected = vec![
            e(2, "姓名", "请填写姓名"),
            e(3, "公民身份号码", "公民身份号码校验位不正确，请核对"),
            e(4, "出生日期", "出生日期与公民身份号码不一致"),
            e(5, "性别", "性别与公民身份号码不一致"),
            e(
                6,
                "所在党组织",
                "在“中共甲镇委员会”范围内找不到党组织“中共丙村支部委员会”",
            ),
            e(
                7,
                "所在党组织",
                "在“中共甲镇委员会”范围内找不到党组织“中共乙村支部委员会”",
            ),
            e(9, "公民身份号码", "与第8行的公民身份号码重复"),
            e(
                10,
                "公民身份号码",
                "该公民身份号码已登记为党员孙已登（中共甲村支部委员会）",
            ),
            e(11, "入党日期", "入党时应年满18周岁"),
            e(12, "转正日期", "转正日期应在入党满一年之后"),
            e(13, "转正日期", "预备党员不应填写转正日期"),
            e(14, "转正日期", "正式党员请填写转正日期"),
            e(
                15,
                "入党日期",
                "入党日期：无法识别的日期“2019-13-01”，请写成 2019-07-01 的形式",
            ),
            e(
                16,
                "人员类别",
                "人员类别“积极分子”无效，应为正式党员或预备党员",
            ),
            e(17, "性别", "性别“未知”无效，应为男或女"),
            e(18, "入党日期", "入党日期不能晚于今天"),
            e(19, "公民身份号码", "请填写公民身份号码"),
            e(19, "人员类别", "请填写人员类别"),
            e(19, "入党日期", "请填写入党日期"),
            e(19, "所在党组织", "请填写所在党组织"),
        ];
        let mut hits_audited = 0;
        for (file, bytes) in [
            ("bad.csv", csv(&rows).into_bytes()),
            ("bad.xlsx", xlsx(&rows)),
        ] {
            for dry_run in [false, true] {
                let r = run(
                    &t,
                    &town,
                    SheetKind::Members,
                    t.fx.town_a,
                    file,
                    &bytes,
                    dry_run,
                )
                .await
                .unwrap();
                assert_eq!(errors(&r), expected, "{} {file}", t.engine);
                assert_eq!((r.rows, r.imported, r.bad_rows()), (18, 0, 17));
                assert_eq!(r.unknown_columns, vec!["籍贯".to_owned()]);
                // Nothing written but the audit row of the duplicate-number
                // hit (finding 4: every hit is audited, dry runs included).
                hits_audited += 1;
                assert_eq!(
                    counts(&t).await,
                    Counts {
                        audit: before.audit + hits_audited,
                        ..before
                    },
                    "{} {file}: nothing written",
                    t.engine
                );
            }
        }
        // The same rows back as xlsx, with the messages in an added column.
        let r = run(
            &t,
            &town,
            SheetKind::Members,
            t.fx.town_a,
            "bad.csv",
            csv(&rows).as_bytes(),
            true,
        )
        .await
        .unwrap();
        let annotated = annotated_xlsx(&r, csv(&rows).as_bytes()).unwrap();
        let cells = read_xlsx(&annotated, 0);
        assert_eq!(cells[0].last().unwrap(), "错误说明");
        assert_eq!(cells[0].len(), 10);
        assert_eq!(cells[2][1], "320102198001010019");
        assert_eq!(
            cells[2][9],
            "公民身份号码：公民身份号码校验位不正确，请核对"
        );
        assert_eq!(
            cells[7].get(9).map_or("", String::as_str),
            "",
            "row 8 is fine"
        );
        assert_eq!(
            cells[18][9],
            "公民身份号码：请填写公民身份号码；人员类别：请填写人员类别；入党日期：请填写入党日期；所在党组织：请填写所在党组织"
        );
        t.finish().await;
    }
}

fn read_xlsx(bytes: &[u8], sheet: usize) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let name = wb.sheet_names()[sheet].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect()
}

#[tokio::test]
async fn a_shared_name_must_be_written_with_its_parent() {
    for t in TestSvc::all().await {
        let town = t.actor("county_admin_town").await;
        let organ = orgs::create(
            &t.svc,
            &town,
            t.fx.town_a,
            &fixture::org_form("中共甲镇机关委员会", "committee", "government"),
        )
        .await
        .unwrap();
        let twin = orgs::create(
            &t.svc,
            &town,
            organ.id,
            &fixture::org_form(BRANCH_A1, "branch", "government"),
        )
        .await
        .unwrap();
        let before = counts(&t).await;
        let header = row(&[
            "姓名",
            "公民身份号码",
            "人员类别",
            "入党日期",
            "转正日期",
            "所在党组织",
        ]);
        let plain = vec![
            header.clone(),
            row(&[
                "周一",
                &id("19800101", 51),
                "正式党员",
                "2005-07-01",
                "2006-07-01",
                BRANCH_A1,
            ]),
        ];
        let r = run(
            &t,
            &town,
            SheetKind::Members,
            t.fx.town_a,
            "m.csv",
            csv(&plain).as_bytes(),
            false,
        )
        .await
        .unwrap();
        assert_eq!(
            errors(&r),
            vec![e(
                2,
                "所在党组织",
                "有2个党组织名为“中共甲村支部委员会”，请写成“上级全称/名称”的形式，如“中共甲镇委员会/中共甲村支部委员会”"
            )],
            "{}",
            t.engine
        );
        assert_eq!(counts(&t).await, before);
        let path = format!("中共甲镇机关委员会/{BRANCH_A1}");
        let with_parent = vec![
            header,
            row(&[
                "周一",
                &id("19800101", 51),
                "正式党员",
                "2005-07-01",
                "2006-07-01",
                &path,
            ]),
        ];
        let r = run(
            &t,
            &town,
            SheetKind::Members,
            t.fx.town_a,
            "m.csv",
            csv(&with_parent).as_bytes(),
            false,
        )
        .await
        .unwrap();
        assert_eq!((errors(&r), r.imported), (vec![], 1));
        assert_eq!(
            orgs::get(&t.svc, &town, twin.id).await.unwrap().sub_members,
            1
        );
        no_drift(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn a_dry_run_checks_everything_and_writes_nothing() {
    for t in TestSvc::all().await {
        let town = t.actor("county_admin_town").await;
        let before = counts(&t).await;
        let rows = vec![
            row(&[
                "姓名",
                "公民身份号码",
                "人员类别",
                "入党日期",
                "转正日期",
                "所在党组织",
            ]),
            row(&[
                "吴一",
                &id("19800101", 61),
                "正式党员",
                "2005-07-01",
                "2006-07-01",
                BRANCH_A1,
            ]),
            row(&[
                "吴二",
                &id("19800101", 62),
                "正式党员",
                "2005-07-01",
                "2006-07-01",
                BRANCH_A1,
            ]),
        ];
        let r = run(
            &t,
            &town,
            SheetKind::Members,
            t.fx.town_a,
            "m.xlsx",
            &xlsx(&rows),
            true,
        )
        .await
        .unwrap();
        assert_eq!(
            (errors(&r), r.rows, r.imported, r.dry_run),
            (vec![], 2, 0, true)
        );
        assert_eq!(counts(&t).await, before, "{}", t.engine);
        t.finish().await;
    }
}

#[tokio::test]
async fn scope_and_permissions_are_checked_before_the_file() {
    for t in TestSvc::all().await {
        let town = t.actor("county_admin_town").await;
        let leader = t.actor("leader_root").await;
        let secretary = t.actor("branch_secretary_branch").await;
        // Logging in is audited: count after it.
        let before = counts(&t).await;
        // Even a file that could not be read: outsiders learn nothing about it.
        for kind in [SheetKind::Members, SheetKind::Orgs] {
            let err = run(&t, &town, kind, t.fx.town_b, "x.csv", b"\xFF\xFF", false)
                .await
                .unwrap_err();
            assert!(
                matches!(err, ServiceError::Forbidden(_)),
                "{}: {err:?}",
                t.engine
            );
        }
        let err = run(
            &t,
            &leader,
            SheetKind::Members,
            t.fx.root,
            "x.csv",
            b"a",
            false,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, ServiceError::Forbidden(_)));
        let err = run(
            &t,
            &secretary,
            SheetKind::Orgs,
            t.fx.branch_a1,
            "x.csv",
            b"a",
            false,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, ServiceError::Forbidden(_)),
            "creating organizations needs ManageOrgs"
        );
        assert_eq!(counts(&t).await, before);
        t.finish().await;
    }
}

#[tokio::test]
async fn oversized_unreadable_and_malformed_files_are_refused_before_parsing() {
    for t in TestSvc::all().await {
        let admin = t.actor("county_admin_root").await;
        let before = counts(&t).await;
        let big = vec![b'a'; MAX_BYTES + 1];
        let msgs = file_messages(
            run(
                &t,
                &admin,
                SheetKind::Members,
                t.fx.root,
                "big.csv",
                &big,
                false,
            )
            .await
            .unwrap_err(),
        );
        assert_eq!(
            msgs,
            vec!["文件大小为50.0 MB，超过50 MB的上限，请分成几个文件分别导入".to_owned()]
        );
        // 200,001 data rows, each an invalid member: refused by count, not by checking.
        let mut many = String::from("姓名,公民身份号码,人员类别,入党日期,所在党组织\n");
        many.push_str(&"x,,,,\n".repeat(200_001));
        let msgs = file_messages(
            run(
                &t,
                &admin,
                SheetKind::Members,
                t.fx.root,
                "many.csv",
                many.as_bytes(),
                false,
            )
            .await
            .unwrap_err(),
        );
        assert_eq!(
            msgs,
            vec!["文件有200001行数据，超过200000行的上限，请分成几个文件分别导入".to_owned()]
        );
        let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
            (
                "a.pdf",
                b"%PDF-1.4".to_vec(),
                vec!["只能导入 .xlsx 或 .csv 文件"],
            ),
            (
                "a.xls",
                b"\xD0\xCF\x11\xE0rest".to_vec(),
                vec!["不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入"],
            ),
            (
                "a.xlsx",
                b"PK\x03\x04broken".to_vec(),
                vec!["无法读取该 .xlsx 文件，可能已损坏或加密"],
            ),
            (
                "a.xlsx",
                b"plain text".to_vec(),
                vec!["文件不是有效的 .xlsx 文件，可能已损坏"],
            ),
            ("a.csv", Vec::new(), vec!["文件是空的"]),
            (
                "a.csv",
                b"\xEF\xBB\xBF\xFF\xFE\xFF".to_vec(),
                vec![
                    "无法识别文件的文字编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 文件",
                ],
            ),
            (
                "a.csv",
                "姓名,公民身份号码,人员类别,入党日期,所在党组织\n"
                    .as_bytes()
                    .to_vec(),
                vec!["文件中没有数据行"],
            ),
            (
                "a.csv",
                "姓名,身份证号,公民身份号码,入党日期\n张三,1,1,2001-01-01\n"
                    .as_bytes()
                    .to_vec(),
                vec![
                    "“身份证号”与“公民身份号码”都表示公民身份号码，请只保留一列",
                    "缺少必填列“人员类别”（也可写作党员类别、党员类型）",
                    "缺少必填列“所在党组织”（也可写作所在支部、所在党支部、党组织、所在组织）",
                ],
            ),
        ];
        for (name, bytes, expected) in cases {
            let msgs = file_messages(
                run(
                    &t,
                    &admin,
                    SheetKind::Members,
                    t.fx.root,
                    name,
                    &bytes,
                    false,
                )
                .await
                .unwrap_err(),
            );
            assert_eq!(msgs, expected, "{name}");
        }
        assert_eq!(counts(&t).await, before, "{}", t.engine);
        t.finish().await;
    }
}

#[tokio::test]
async fn an_organization_file_builds_a_subtree_with_right_paths_roll_ups_and_terms() {
    for t in TestSvc::all().await {
        let town = t.actor("county_admin_town").await;
        let before = counts(&t).await;
        let rows = vec![
            row(&[
                "党组织名称",
                "上级党组织",
                "组织类别",
                "所属领域",
                "书记",
                "书记空缺起始日期",
                "人口数",
            ]),
            row(&[
                "中共甲镇中学委员会",
                "中共甲镇委员会",
                "党委",
                "学校",
                "刘书记",
                "",
                "",
            ]),
            row(&[
                "中共甲镇中学第一支部委员会",
                "中共甲镇中学委员会",
                "党支部",
                "学校",
                "",
                "2024年3月1日",
                "",
            ]),
            row(&[
                "中共甲镇中学第二支部委员会",
                "中共甲镇委员会/中共甲镇中学委员会",
                "党支部",
                "学校",
                "陈书记",
                "",
                "",
            ]),
            row(&[
                "第一党小组",
                BRANCH_A1,
                "党小组",
                "农村",
                "黄组长",
                "",
                "1,200",
            ]),
        ];
        let r = run(
            &t,
            &town,
            SheetKind::Orgs,
            t.fx.town_a,
            "orgs.xlsx",
            &xlsx(&rows),
            false,
        )
        .await
        .unwrap();
        assert_eq!(
            (errors(&r), r.rows, r.imported),
            (vec![], 4, 4),
            "{}",
            t.engine
        );
        let after = counts(&t).await;
        assert_eq!(
            (after.orgs, after.terms, after.audit),
            (before.orgs + 4, before.terms + 4, before.audit + 1)
        );
        no_drift(&t).await;
        let town_org = orgs::get(&t.svc, &town, t.fx.town_a).await.unwrap();
        assert_eq!(town_org.sub_orgs, 5, "{}: 1 branch before, 4 new", t.engine);
        let school = orgs::search(&t.svc, &town, "中学委员会").await.unwrap();
        let school = school
            .iter()
            .find(|o| o.name == "中共甲镇中学委员会")
            .unwrap();
        assert_eq!(
            (school.sub_orgs, school.depth, school.kind.as_str()),
            (2, 2, "committee")
        );
        let tree = orgs::tree(&t.svc, &town, school.id, false, 1)
            .await
            .unwrap();
        assert_eq!(tree.children.total, 2);
        let first = tree
            .children
            .rows
            .iter()
            .find(|o| o.name.contains("第一"))
            .unwrap();
        let first = orgs::get(&t.svc, &town, first.id).await.unwrap();
        assert_eq!(first.path, format!("{}{}/", school.path, first.id));
        assert_eq!(first.secretary_vacant_since.as_deref(), Some("2024-03-01"));
        // New organizations are ordinary ones afterwards (ids, sequences).
        let next = orgs::create(
            &t.svc,
            &town,
            first.id,
            &fixture::org_form("第二党小组", "group", "school"),
        )
        .await
        .unwrap();
        assert!(next.id > first.id);
        let m = members::create(&t.svc, &town, &fixture::member_form(first.id, "新成员"))
            .await
            .unwrap();
        assert!(m > 0);
        no_drift(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn bad_organization_rows_are_reported_and_nothing_is_written() {
    for t in TestSvc::all().await {
        let town = t.actor("county_admin_town").await;
        let before = counts(&t).await;
        let rows = vec![
            row(&["名称", "上级组织", "组织类型", "领域", "书记"]),
            row(&[BRANCH_A1, "中共甲镇委员会", "党支部", "农村", "王书记"]), // 2
            row(&[
                "中共甲镇新支部委员会",
                "中共甲镇委员会",
                "支部",
                "农村",
                "王书记",
            ]), // 3
            row(&[
                "中共甲镇新村支部委员会",
                "中共乙镇委员会",
                "党支部",
                "乡村",
                "王书记",
            ]), // 4
            row(&[
                "中共甲镇新村支部委员会",
                "中共甲镇委员会",
                "党支部",
                "农村",
                "王书记",
            ]), // 5
            row(&[
                "中共甲镇新村支部委员会",
                "中共甲镇委员会",
                "党支部",
                "农村",
                "王书记",
            ]), // 6
            row(&[
                "中共甲镇东村支部委员会",
                "中共甲镇委员会",
                "党支部",
                "农村",
                "",
            ]), // 7
            row(&[
                "第三党小组",
                "中共甲镇东村支部委员会",
                "党小组",
                "农村",
                "赵组长",
            ]), // 8: parent is row 7
        ];
        let r = run(
            &t,
            &town,
            SheetKind::Orgs,
            t.fx.town_a,
            "orgs.csv",
            csv(&rows).as_bytes(),
            false,
        )
        .await
        .unwrap();
        assert_eq!(
            errors(&r),
            vec![
                e(
                    2,
                    "名称",
                    "“中共甲镇委员会”下已有名为“中共甲村支部委员会”的党组织"
                ),
                e(
                    3,
                    "组织类型",
                    "组织类别“支部”无效，应为党委、党组、党总支、党支部、联合党支部、党小组之一"
                ),
                e(
                    4,
                    "领域",
                    "所属领域“乡村”无效，应为农村、社区、机关、学校、事业单位、国有企业、非公企业、社会组织之一"
                ),
                e(
                    4,
                    "上级组织",
                    "在“中共甲镇委员会”范围内找不到党组织“中共乙镇委员会”"
                ),
                e(
                    6,
                    "名称",
                    "与第5行的党组织名称重复（上级党组织都是“中共甲镇委员会”）"
                ),
                e(7, "书记空缺起始日期", "书记缺职时请填写缺职起始日期"),
            ],
            "{}",
            t.engine
        );
        assert_eq!(counts(&t).await, before);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_template_has_the_canonical_headers_and_a_guide_and_imports_back() {
    for kind in [SheetKind::Members, SheetKind::Orgs] {
        let bytes = template_xlsx(kind).unwrap();
        let head = read_xlsx(&bytes, 0);
        let expected: Vec<String> = kind.columns().iter().map(|c| c.header.to_owned()).collect();
        assert_eq!(head[0], expected);
        let guide = read_xlsx(&bytes, 1);
        assert_eq!(guide[0], row(&["列名", "是否必填", "也可写作", "填写说明"]));
        assert_eq!(guide[1][0], kind.columns()[0].header);
        assert_eq!(guide[1][1], "必填");
    }
    let guide = read_xlsx(&template_xlsx(SheetKind::Orgs).unwrap(), 1);
    let kind_row = guide.iter().find(|r| r[0] == "组织类别").unwrap();
    assert!(kind_row[3].contains("党委、党组、党总支、党支部、联合党支部、党小组"));
    for t in TestSvc::all().await {
        let town = t.actor("county_admin_town").await;
        let headers = read_xlsx(&template_xlsx(SheetKind::Members).unwrap(), 0).remove(0);
        let mut data = vec![String::new(); headers.len()];
        for (i, h) in headers.iter().enumerate() {
            data[i] = match h.as_str() {
                "姓名" => "郑一".into(),
                "公民身份号码" => id("19800101", 71),
                "人员类别" => "正式党员".into(),
                "入党日期" => "2005-07-01".into(),
                "转正日期" => "2006-07-01".into(),
                "所在党组织" => BRANCH_A1.into(),
                "民族" => "汉族".into(),
                _ => String::new(),
            };
        }
        let r = run(
            &t,
            &town,
            SheetKind::Members,
            t.fx.town_a,
            "t.xlsx",
            &xlsx(&[headers, data]),
            false,
        )
        .await
        .unwrap();
        assert_eq!(
            (errors(&r), r.imported, r.unknown_columns.len()),
            (vec![], 1, 0),
            "{}",
            t.engine
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn an_over_long_cell_is_refused_on_its_row_and_column_in_chinese() {
    for t in TestSvc::all().await {
        let admin = t.actor("county_admin_root").await;
        let before = counts(&t).await;
        let long = "长".repeat(dangjian_service::import::MAX_CELL_CHARS + 1);
        let text = csv(&[
            row(&[
                "姓名",
                "公民身份号码",
                "人员类别",
                "入党日期",
                "转正日期",
                "所在党组织",
                "家庭住址",
            ]),
            row(&[
                "王一",
                &id("19800101", 11),
                "正式党员",
                "2010-07-01",
                "2011-07-01",
                BRANCH_A1,
                "甲村",
            ]),
            row(&[
                "王二",
                &id("19800102", 13),
                "正式党员",
                "2010-07-01",
                "2011-07-01",
                BRANCH_A1,
                &long,
            ]),
        ]);
        for dry_run in [true, false] {
            let msgs = file_messages(
                run(
                    &t,
                    &admin,
                    SheetKind::Members,
                    t.fx.root,
                    "long.csv",
                    text.as_bytes(),
                    dry_run,
                )
                .await
                .unwrap_err(),
            );
            assert_eq!(
                msgs,
                vec![
                    "第3行第7列（家庭住址）的内容过长：一个单元格最多32767个字符，请检查该单元格"
                        .to_owned()
                ],
                "{}",
                t.engine
            );
        }
        assert_eq!(counts(&t).await, before, "{}: nothing written", t.engine);
    }
}
