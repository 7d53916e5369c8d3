//! A township administrator imports members from Excel in headless Chromium
//! at phone width, through the real `dangjian demo` server: a file with two
//! bad rows is refused with a report naming the rows and columns, the
//! annotated file downloads with a 错误说明 column, the corrected file
//! imports, and the members are in the roll. Screenshots go to
//! artifacts/screenshots/import-*.png.

#[path = "support/browser.rs"]
mod browser;
#[path = "support/server.rs"]
mod server;
#[path = "support/steps.rs"]
mod steps;

use browser::{Browser, PHONE};
use calamine::{Reader, Xlsx};
use server::{PASSWORD, start_server};
use std::path::Path;
use steps::{find_branch, valid_id};

const NAMES: [&str; 3] = ["欧阳导入", "司马核对", "诸葛校验"];

/// Writes a member sheet with the canonical headers; each row is
/// (name, id, category, joined, full).
fn write_members(path: &Path, org: &str, rows: &[(&str, String, &str, &str, &str)]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let headers = [
        "姓名",
        "公民身份号码",
        "人员类别",
        "入党日期",
        "转正日期",
        "所在党组织",
        "联系电话",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (name, id, cat, joined, full)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in [*name, id.as_str(), *cat, *joined, *full, org, "13907910001"]
            .iter()
            .enumerate()
        {
            sheet.write_string(r, c as u16, *v).unwrap();
        }
    }
    book.save(path).unwrap();
}

/// The cells of the first sheet of an .xlsx, as text.
fn read_sheet(path: &Path) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn township_admin_imports_members_from_excel_on_a_phone() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let server = start_server(dir.path()).await;
    let base = server.base.clone();
    let b = Browser::start().await;
    b.set_viewport(PHONE.0, PHONE.1).await;

    b.goto(&format!("{base}/login")).await;
    b.fill("#username", "town_admin").await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("table.tree-children").await;

    // The branch the members go to, by its full name as on its page.
    let branch = find_branch(&b, &base).await;
    b.goto(&branch).await;
    let org = b.text("h1").await.trim().to_owned();
    assert!(org.contains("支部"), "branch page title: {org}");

    let ids = [
        valid_id("36072119800101901"),
        valid_id("36072119810202902"),
        valid_id("36072119820303903"),
    ];
    // Row 3: wrong check digit. Row 4: a recent full member without 转正日期.
    let mut wrong = ids[1].clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    let bad = dir.path().join("党员名单.xlsx");
    write_members(
        &bad,
        &org,
        &[
            (
                NAMES[0],
                ids[0].clone(),
                "正式党员",
                "2005-07-01",
                "2006-07-01",
            ),
            (NAMES[1], wrong, "正式党员", "2006年7月1日", "2007.7.1"),
            (NAMES[2], ids[2].clone(), "正式党员", "2023/7/1", ""),
        ],
    );

    b.goto(&format!("{base}/import")).await;
    b.wait_for("#import-members").await;
    b.screenshot("import-01-page").await;
    b.choose_file("#members-file", &bad).await;
    b.click("#import-members button[type=submit]").await;
    b.wait_for("table.import-errors").await;
    let summary = b.text("#import-summary").await;
    assert!(summary.contains("未导入任何数据"), "{summary}");
    let rows = b.texts("table.import-errors tbody tr").await;
    assert!(
        rows.iter()
            .any(|r| r.contains("第 3 行") && r.contains("公民身份号码")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("第 4 行") && r.contains("转正日期")),
        "{rows:?}"
    );
    assert!(!rows.iter().any(|r| r.contains("第 2 行")), "{rows:?}");
    b.screenshot("import-02-report").await;

    // The annotated file: the same rows with 错误说明 filled for the bad ones.
    b.click("#download-annotated").await;
    let annotated = b.wait_for_download(".xlsx").await;
    let cells = read_sheet(&annotated);
    let note = cells[0]
        .iter()
        .position(|h| h == "错误说明")
        .unwrap_or_else(|| panic!("no 错误说明 column: {:?}", cells[0]));
    assert!(cells[1][note].is_empty(), "row 2 is clean: {:?}", cells[1]);
    assert!(cells[2][note].contains("公民身份号码"), "{:?}", cells[2]);
    assert!(cells[3][note].contains("转正日期"), "{:?}", cells[3]);

    // The corrected file imports.
    let good = dir.path().join("党员名单-已更正.xlsx");
    write_members(
        &good,
        &org,
        &[
            (
                NAMES[0],
                ids[0].clone(),
                "正式党员",
                "2005-07-01",
                "2006-07-01",
            ),
            (
                NAMES[1],
                ids[1].clone(),
                "正式党员",
                "2006年7月1日",
                "2007.7.1",
            ),
            (NAMES[2], ids[2].clone(), "正式党员", "2023/7/1", "2024/7/1"),
        ],
    );
    b.goto(&format!("{base}/import")).await;
    b.choose_file("#members-file", &good).await;
    b.click("#import-members button[type=submit]").await;
    let done = b.wait_for_text("#import-summary", "导入成功").await;
    assert!(done.contains("已导入 3 条"), "{done}");
    b.screenshot("import-03-done").await;

    b.click("#import-summary a.primary").await;
    b.wait_for("table.members").await;
    for name in NAMES {
        b.goto(&format!("{base}/members?q={name}")).await;
        let rows = b.texts("table.members tbody tr").await;
        assert!(rows.iter().any(|r| r.contains(name)), "{name}: {rows:?}");
    }
    b.eval("document.querySelector('table.members').scrollIntoView(); return null;")
        .await;
    b.screenshot("import-04-list").await;
    b.close().await;
    drop(server);
}
