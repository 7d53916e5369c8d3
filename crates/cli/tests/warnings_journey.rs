//! A township administrator looks at the early warnings on a phone, in
//! headless Chromium through the real `dangjian demo` server (which records
//! the villages' 村情 and makes a first run): the counts and the ranked list
//! fit 375 px; one organization's page shows its reasons, 无数据 and the
//! history chart; a low satisfaction result entered in the 村情 form and a
//! 重新研判 put the reason on that organization's page, with a second point
//! in its chart.
//! Screenshots go to artifacts/screenshots/warnings-*.png.

#[path = "support/browser.rs"]
mod browser;
#[path = "support/server.rs"]
mod server;

use browser::{Browser, PHONE};
use server::{PASSWORD, start_server};

async fn fits_phone(b: &Browser, what: &str) {
    let width = b
        .eval("return document.documentElement.scrollWidth;")
        .await
        .as_u64()
        .unwrap_or(0);
    assert!(
        width <= u64::from(PHONE.0) + 1,
        "{what} is {width} px wide on a {} px phone",
        PHONE.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_township_administrator_reads_warnings_and_records_facts_on_a_phone() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let server = start_server(dir.path()).await;
    let base = server.base.clone();
    let b = Browser::start().await;
    b.set_viewport(PHONE.0, PHONE.1).await;

    b.goto(&format!("{base}/login")).await;
    b.fill("#username", "town_admin").await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("header.top").await;

    // The township's warnings from the demo's first run.
    b.goto(&format!("{base}/warnings")).await;
    b.wait_for("#warn-counts").await;
    let counts = b.text("#warn-counts").await;
    for word in ["红", "橙", "黄", "绿"] {
        assert!(counts.contains(word), "{counts}");
    }
    b.wait_for("#warn-list").await;
    fits_phone(&b, "/warnings").await;
    b.screenshot("warnings-01-index").await;

    // The worst organization's page.
    let href = b
        .attr("#warn-list li p a", "href")
        .await
        .expect("the ranked list links each organization");
    let org = href
        .rsplit('/')
        .next()
        .expect("an organization id")
        .to_owned();
    b.goto(&format!("{base}/warnings/org/{org}")).await;
    b.wait_for("#warn-current").await;
    b.wait_for("#warn-chart").await;
    assert_eq!(b.texts("#warn-history tbody tr").await.len(), 1);
    fits_phone(&b, "the organization's warning page").await;
    b.screenshot("warnings-02-org").await;

    // A low satisfaction result entered on the phone…
    b.goto(&format!("{base}/warnings/facts/{org}")).await;
    b.wait_for("#satisfaction").await;
    fits_phone(&b, "the 村情 form").await;
    b.eval("document.querySelector('#satisfaction').value = ''; return null;")
        .await;
    b.fill("#satisfaction", "45.5").await;
    b.click("form.stack button[type=submit]").await;
    let saved = b.wait_for_text(".notice", "已保存").await;
    assert!(saved.contains("已保存"), "{saved}");
    assert!(b.text("#facts-recorded").await.contains("45.5%"));
    b.screenshot("warnings-03-facts").await;

    // …and 重新研判 from the township's page puts it among the reasons.
    b.goto(&format!("{base}/warnings")).await;
    b.click("form[action=\"/warnings/run\"] button").await;
    b.wait_for_text(".notice", "已完成重新研判").await;
    b.goto(&format!("{base}/warnings/org/{org}")).await;
    let current = b
        .wait_for_text("#warn-current", "群众满意度45.5%（低于60%）")
        .await;
    assert!(current.contains("查看依据"), "{current}");
    // Two runs at least (the background re-evaluation may have added one).
    assert!(b.texts("#warn-history tbody tr").await.len() >= 2);
    b.screenshot("warnings-04-after").await;
    drop(b);
    drop(server);
}
