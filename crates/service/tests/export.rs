//! Spreadsheet exports on SQLite and PostgreSQL: the import headers in
//! order, masking unless the role may reveal (and then audited), scope,
//! the list filters, organizations parents-first with their parents named so
//! they import again, formula-like text kept as inert text, and a
//! county-sized list read in chunks that agree with the list pages.

mod common;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use common::TestSvc;
use dangjian_domain::role::{Permission, Role};
use dangjian_domain::sheet::columns::{MEMBER_COLUMNS, ORG_COLUMNS};
use dangjian_service::export::{self, Export, MEMBER_SHEET, ORG_SHEET};
use dangjian_service::fixture::{member_form, org_form};
use dangjian_service::members::{self, MemberQuery};
use dangjian_service::store::audit::{self as adb, AuditFilter, AuditRow};
use dangjian_service::{Crypto, ServiceError, Services, Store, orgs};
use std::io::{Cursor, Read};

/// The sheet's name and its cells as text (header row first).
fn read(x: &Export) -> (String, Vec<Vec<String>>) {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(x.bytes.clone())).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names.len(), 1, "one worksheet");
    let range = wb.worksheet_range(&names[0]).unwrap();
    let rows = range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Empty => String::new(),
                    other => panic!("unexpected cell {other:?}"),
                })
                .collect()
        })
        .collect();
    (names[0].clone(), rows)
}

/// A part of the .xlsx package as text.
fn part(x: &Export, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(x.bytes.clone())).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

fn col(header: &str, rows: &[Vec<String>]) -> usize {
    rows[0].iter().position(|h| h == header).unwrap()
}

/// The values of one column below the header.
fn column(header: &str, rows: &[Vec<String>]) -> Vec<String> {
    let i = col(header, rows);
    rows[1..].iter().map(|r| r[i].clone()).collect()
}

async fn export_audits(t: &TestSvc) -> Vec<AuditRow> {
    let mut conn = t.svc.store.read().await.unwrap();
    let f = AuditFilter {
        action_prefix: Some("export.".into()),
        ..AuditFilter::default()
    };
    adb::list(&mut conn, &f, 100, 0).await.unwrap()
}

fn query(org: i64) -> MemberQuery {
    MemberQuery {
        org: org.to_string(),
        ..MemberQuery::default()
    }
}

#[tokio::test]
async fn a_member_export_has_the_import_headers_and_masks_by_default() {
    for t in TestSvc::all().await {
        let admin = t.actor("county_admin_root").await;
        let x = export::members_xlsx(&t.svc, &admin, &MemberQuery::default(), false)
            .await
            .unwrap();
        let (sheet, rows) = read(&x);
        assert_eq!(sheet, MEMBER_SHEET);
        let headers: Vec<&str> = MEMBER_COLUMNS.iter().map(|c| c.header).collect();
        assert_eq!(rows[0], headers, "{}", t.engine);
        assert_eq!(x.rows, 5);
        assert_eq!(rows.len(), 6);
        assert_eq!(
            x.file_name,
            format!("党员名单-中共测试县委员会-{}.xlsx", t.svc.clock.today())
        );
        for id in column("公民身份号码", &rows) {
            assert!(id.len() == 18 && id.contains('*'), "masked: {id}");
        }
        for phone in column("联系电话", &rows) {
            assert_eq!(phone, "138****5678");
        }
        // Codes as their Chinese labels, dates as ISO text: what the importer reads.
        assert!(column("人员类别", &rows).iter().all(|c| c == "正式党员"));
        assert!(column("性别", &rows).iter().all(|g| g == "男" || g == "女"));
        assert!(column("入党日期", &rows).iter().all(|d| d == "2010-07-01"));
        assert!(column("转正日期", &rows).iter().all(|d| d == "2011-07-01"));
        // A masked sheet shows the birth year only (with the region code of
        // the mask, a full date would leave too few candidate numbers).
        assert!(column("出生日期", &rows).iter().all(|d| d == "1985"));
        let orgs = column("所在党组织", &rows);
        assert_eq!(
            orgs.iter().filter(|o| *o == "中共甲村支部委员会").count(),
            3
        );
        assert_eq!(
            orgs.iter().filter(|o| *o == "中共乙村支部委员会").count(),
            2
        );
        // The header row is bold and frozen.
        let xml = part(&x, "xl/worksheets/sheet1.xml");
        assert!(xml.contains(r#"ySplit="1""#) && xml.contains(r#"state="frozen""#));
        // A masked export is audited too: who took which members out.
        let audits = export_audits(&t).await;
        assert_eq!(audits.len(), 1, "{}", t.engine);
        assert_eq!(audits[0].action, "export.members");
        let summary: serde_json::Value = serde_json::from_str(&audits[0].summary).unwrap();
        assert_eq!(summary["rows"], 5);
        assert_eq!(summary["fields"], serde_json::json!([]));
        assert!(summary["members"].as_str().is_some_and(|m| !m.is_empty()));
        t.finish().await;
    }
}

#[tokio::test]
async fn only_roles_that_may_reveal_export_unmasked_and_each_such_export_is_audited() {
    for t in TestSvc::all().await {
        let mut audited = 0;
        for role in Role::ALL {
            let actor = t.actor(&format!("{}_root", role.code())).await;
            let r = export::members_xlsx(&t.svc, &actor, &MemberQuery::default(), true).await;
            if !role.can(Permission::RevealSensitive) {
                assert!(
                    matches!(r, Err(ServiceError::Forbidden(_))),
                    "{role:?} on {}",
                    t.engine
                );
                continue;
            }
            let x = r.unwrap();
            let (_, rows) = read(&x);
            for id in column("公民身份号码", &rows) {
                assert!(
                    id.len() == 18 && !id.contains('*') && id.starts_with("360721198506"),
                    "{id}"
                );
            }
            assert!(column("联系电话", &rows).iter().all(|p| p == "13812345678"));
            // With the whole number, the whole birth date (read from it).
            assert!(column("出生日期", &rows).iter().all(|d| d == "1985-06-15"));
            audited += 1;
            let last = &export_audits(&t).await[0];
            assert_eq!(last.action, "export.members.unmasked");
            assert_eq!(last.actor, actor.username);
            let summary: serde_json::Value = serde_json::from_str(&last.summary).unwrap();
            assert_eq!(summary["rows"], 5);
            assert_eq!(summary["filters"]["org"], t.fx.root);
        }
        assert_eq!(export_audits(&t).await.len(), audited);
        assert_eq!(
            dangjian_service::audit::verify(&t.svc).await.unwrap(),
            dangjian_service::audit::Verification::Ok {
                rows: audit_count(&t).await
            }
        );
        t.finish().await;
    }
}

async fn audit_count(t: &TestSvc) -> u64 {
    let mut conn = t.svc.store.read().await.unwrap();
    adb::count(&mut conn, &AuditFilter::default())
        .await
        .unwrap() as u64
}

#[tokio::test]
async fn a_town_administrator_exports_only_its_own_subtree() {
    for t in TestSvc::all().await {
        let town = t.actor("county_admin_town").await;
        let x = export::members_xlsx(&t.svc, &town, &MemberQuery::default(), false)
            .await
            .unwrap();
        let (_, rows) = read(&x);
        let mut names = column("姓名", &rows);
        names.sort();
        assert_eq!(names, ["甲一", "甲三", "甲二"]);
        assert!(x.file_name.contains("中共甲镇委员会"));
        for org in [t.fx.town_b, t.fx.branch_b1, t.fx.root] {
            assert!(matches!(
                export::members_xlsx(&t.svc, &town, &query(org), false).await,
                Err(ServiceError::Forbidden(_))
            ));
            assert!(matches!(
                export::orgs_xlsx(&t.svc, &town, org, "").await,
                Err(ServiceError::Forbidden(_))
            ));
        }
        let x = export::orgs_xlsx(&t.svc, &town, t.fx.town_a, "")
            .await
            .unwrap();
        let (_, rows) = read(&x);
        assert_eq!(column("党组织名称", &rows), ["中共甲村支部委员会"]);
        // System roles read no business data, so they export none either.
        let sys = t.actor("system_admin_root").await;
        assert!(matches!(
            export::orgs_xlsx(&t.svc, &sys, t.fx.root, "").await,
            Err(ServiceError::Forbidden(_))
        ));
        t.finish().await;
    }
}

#[tokio::test]
async fn the_member_export_honours_the_list_filters() {
    for t in TestSvc::all().await {
        let admin = t.actor("county_admin_root").await;
        let joined = t
            .svc
            .clock
            .today()
            .checked_sub(jiff::Span::new().days(60))
            .unwrap();
        let mut form = member_form(t.fx.branch_b1, "预备甲");
        form.category = "probationary".into();
        form.joined_on = joined.to_string();
        form.full_on = String::new();
        members::create(&t.svc, &admin, &form).await.unwrap();

        let cases: [(MemberQuery, &[&str]); 4] = [
            (
                MemberQuery {
                    q: "甲二".into(),
                    ..MemberQuery::default()
                },
                &["甲二"],
            ),
            (
                MemberQuery {
                    category: "probationary".into(),
                    ..MemberQuery::default()
                },
                &["预备甲"],
            ),
            (query(t.fx.branch_b1), &["乙一", "乙二", "预备甲"]),
            (
                MemberQuery {
                    joined_year: joined.year().to_string(),
                    org: t.fx.town_a.to_string(),
                    ..MemberQuery::default()
                },
                &[],
            ),
        ];
        for (q, expected) in cases {
            let x = export::members_xlsx(&t.svc, &admin, &q, false)
                .await
                .unwrap();
            let (_, rows) = read(&x);
            let mut names = column("姓名", &rows);
            names.sort();
            let mut expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
            expected.sort();
            assert_eq!(names, expected, "{q:?} on {}", t.engine);
            assert_eq!(x.rows, expected.len());
            // The list page shows the same members.
            let page = members::list(&t.svc, &admin, &q).await.unwrap();
            assert_eq!(page.total as usize, expected.len());
        }
        let probationary = export::members_xlsx(
            &t.svc,
            &admin,
            &MemberQuery {
                category: "probationary".into(),
                ..MemberQuery::default()
            },
            false,
        )
        .await
        .unwrap();
        let (_, rows) = read(&probationary);
        assert_eq!(column("人员类别", &rows), ["预备党员"]);
        assert_eq!(column("转正日期", &rows), [""]);
        // A bad filter is refused like on the list page.
        let bad = MemberQuery {
            age: "ancient".into(),
            ..MemberQuery::default()
        };
        assert!(matches!(
            export::members_xlsx(&t.svc, &admin, &bad, false).await,
            Err(ServiceError::Invalid(_))
        ));
        t.finish().await;
    }
}

#[tokio::test]
async fn formula_like_text_is_written_as_inert_text_and_reads_back_unchanged() {
    for t in TestSvc::all().await {
        let admin = t.actor("county_admin_root").await;
        let mut form = member_form(t.fx.branch_a1, "公式");
        form.post = "=HYPERLINK(\"http://x.invalid\",\"点我\")".into();
        form.address = "@SUM(1+1)*cmd".into();
        form.ethnicity = "+汉族".into();
        form.education = "-1".into();
        members::create(&t.svc, &admin, &form).await.unwrap();
        let mut oform = org_form("中共公式测试支部委员会", "branch", "rural");
        oform.unit_name = "=1+2".into();
        orgs::create(&t.svc, &admin, t.fx.town_a, &oform)
            .await
            .unwrap();

        let members = export::members_xlsx(&t.svc, &admin, &query(t.fx.branch_a1), false)
            .await
            .unwrap();
        let orgs = export::orgs_xlsx(&t.svc, &admin, t.fx.root, "")
            .await
            .unwrap();
        for x in [&members, &orgs] {
            let sheet = part(x, "xl/worksheets/sheet1.xml");
            assert!(
                !sheet.contains("<f>") && !sheet.contains("<f "),
                "no formula"
            );
            assert!(part(x, "xl/styles.xml").contains(r#"quotePrefix="1""#));
            let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(x.bytes.clone())).unwrap();
            let name = wb.sheet_names()[0].clone();
            let formulas = wb.worksheet_formula(&name).unwrap();
            assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
        }
        let (_, rows) = read(&members);
        let row = rows.iter().find(|r| r[0] == "公式").unwrap();
        assert_eq!(row[col("工作岗位", &rows)], form.post);
        assert_eq!(row[col("家庭住址", &rows)], form.address);
        assert_eq!(row[col("民族", &rows)], "+汉族");
        assert_eq!(row[col("学历", &rows)], "-1");
        let (_, rows) = read(&orgs);
        let row = rows
            .iter()
            .find(|r| r[0] == "中共公式测试支部委员会")
            .unwrap();
        assert_eq!(row[col("单位名称", &rows)], "=1+2");
        t.finish().await;
    }
}

#[tokio::test]
async fn organizations_come_parents_first_named_so_that_they_import_again() {
    for t in TestSvc::all().await {
        let admin = t.actor("county_admin_root").await;
        // A second 中共甲村支部委员会, under town B: names now repeat.
        let twin = orgs::create(
            &t.svc,
            &admin,
            t.fx.town_b,
            &org_form("中共甲村支部委员会", "branch", "community"),
        )
        .await
        .unwrap();
        let x = export::orgs_xlsx(&t.svc, &admin, t.fx.root, "")
            .await
            .unwrap();
        let (sheet, rows) = read(&x);
        assert_eq!(sheet, ORG_SHEET);
        let headers: Vec<&str> = ORG_COLUMNS.iter().map(|c| c.header).collect();
        assert_eq!(rows[0], headers);
        assert!(x.file_name.starts_with("党组织-中共测试县委员会-"));
        let names = column("党组织名称", &rows);
        let parents = column("上级党组织", &rows);
        assert_eq!(names.len(), 5, "everything below the root, not the root");
        // Each parent is the root or a row above (by name, or 上级/名称).
        for (i, p) in parents.iter().enumerate() {
            let own = p.rsplit('/').next().unwrap();
            assert!(
                own == "中共测试县委员会" || names[..i].iter().any(|n| n == own),
                "row {i}: parent {p} not above"
            );
        }
        let kinds = column("组织类别", &rows);
        let sectors = column("所属领域", &rows);
        let i = names.iter().position(|n| n == "中共甲镇委员会").unwrap();
        assert_eq!((kinds[i].as_str(), sectors[i].as_str()), ("党委", "农村"));
        let last = rows
            .iter()
            .position(|r| r[0] == "中共甲村支部委员会" && r[col("所属领域", &rows)] == "社区")
            .unwrap();
        assert_eq!(rows[last][col("组织类别", &rows)], "党支部");
        assert_eq!(rows[last][col("上级党组织", &rows)], "中共乙镇委员会");
        assert_eq!(rows[last][col("书记", &rows)], "张书记");

        // Members of a branch whose name repeats are placed by 上级/名称.
        let members = export::members_xlsx(&t.svc, &admin, &query(t.fx.town_a), false)
            .await
            .unwrap();
        let (_, rows) = read(&members);
        assert!(
            column("所在党组织", &rows)
                .iter()
                .all(|o| o == "中共甲镇委员会/中共甲村支部委员会")
        );

        // The tree page's search narrows the export.
        let x = export::orgs_xlsx(&t.svc, &admin, t.fx.root, "乙")
            .await
            .unwrap();
        let (_, rows) = read(&x);
        assert_eq!(
            column("党组织名称", &rows),
            ["中共乙镇委员会", "中共乙村支部委员会"]
        );
        assert!(
            twin.path
                .starts_with(&format!("/{}/{}/", t.fx.root, t.fx.town_b))
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn exports_can_run_on_a_multithreaded_server() {
    fn assert_send<T: Send>(_: &T) {}
    let t = TestSvc::sqlite().await;
    let admin = t.actor("county_admin_root").await;
    let q = MemberQuery::default();
    let f = export::members_xlsx(&t.svc, &admin, &q, false);
    assert_send(&f);
    drop(f);
    let f = export::orgs_xlsx(&t.svc, &admin, t.fx.root, "");
    assert_send(&f);
    drop(f);
    t.finish().await;
}

/// A generated county (~29,000 members) read in chunks: every member once,
/// in the list's order, page for page.
#[tokio::test]
async fn a_county_wide_export_holds_every_member_in_list_order() {
    use dangjian_domain::demo::{DemoOptions, generate};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    let svc = Services::new(store, Crypto::random());
    let county = generate(&DemoOptions {
        seed: 7,
        scale: 1,
        today: svc.clock.today(),
    });
    dangjian_service::demo::load(&svc, &county, "demo2026pw", &|_, _| {})
        .await
        .unwrap();
    let admin = dangjian_service::fixture::actor(&svc, "county_admin", "demo2026pw")
        .await
        .unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let q = MemberQuery::default();
    let x = export::members_xlsx_with_progress(&svc, &admin, &q, false, &|done, total| {
        seen.lock().unwrap().push((done, total));
    })
    .await
    .unwrap();
    assert_eq!(x.rows, county.members.len());
    let seen = seen.into_inner().unwrap();
    assert!(seen.len() > 2, "progress after each chunk");
    assert_eq!(*seen.last().unwrap(), (x.rows, x.rows));
    let (_, rows) = read(&x);
    let names = column("姓名", &rows);
    let orgs = column("所在党组织", &rows);
    // Pages 1, 20 and 21 straddle the first chunk boundary (row 1,000).
    for page in [1, 20, 21, 400] {
        let listed = members::list(
            &svc,
            &admin,
            &MemberQuery {
                page: page.to_string(),
                ..MemberQuery::default()
            },
        )
        .await
        .unwrap();
        let from = (listed.page as usize - 1) * members::PER_PAGE as usize;
        for (i, m) in listed.rows.iter().enumerate() {
            assert_eq!(names[from + i], m.name, "page {page} row {i}");
            assert!(orgs[from + i].ends_with(&m.org_name), "page {page} row {i}");
        }
    }
    svc.store.close().await;
}
