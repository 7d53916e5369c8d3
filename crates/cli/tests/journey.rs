//! A township administrator's journey through the real `dangjian demo`
//! server in headless Chromium at phone width: log in, find a 党支部 in the
//! organization tree, add a member (first with a wrong ID check digit, then a
//! valid number), and find the member in the roster. Screenshots go to
//! artifacts/screenshots/journey-*.png.

#[path = "support/browser.rs"]
mod browser;
#[path = "support/server.rs"]
mod server;
#[path = "support/steps.rs"]
mod steps;

use browser::{Browser, DESKTOP, PHONE};
use server::{PASSWORD, start_server};
use steps::{find_branch, set_date, valid_id};

const NAME: &str = "测试党员";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn township_admin_adds_a_member_on_a_phone() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let server = start_server(dir.path()).await;
    let base = server.base.clone();
    let b = Browser::start().await;
    b.set_viewport(PHONE.0, PHONE.1).await;

    // Log in; the tree page follows.
    b.goto(&format!("{base}/login")).await;
    b.fill("#username", "town_admin").await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("table.tree-children").await;
    let url = b.current_url().await;
    assert!(url.contains("/orgs"), "after login: {url}");
    b.screenshot("journey-01-tree").await;

    // Into a 党支部, then its "添加党员" form.
    let branch = find_branch(&b, &base).await;
    b.goto(&branch).await;
    b.click(r#"a[href^="/members/new"]"#).await;
    b.wait_for("#id_card").await;
    assert!(b.current_url().await.contains("/members/new"));
    b.screenshot("journey-02-form").await;

    // A wrong check digit is refused next to the field.
    let first17 = "36072119850615001";
    let wrong = format!("{first17}1");
    assert_ne!(valid_id(first17), wrong, "the test number must be invalid");
    b.fill("#name", NAME).await;
    b.fill("#id_card", &wrong).await;
    b.select("#category", "full").await;
    set_date(&b, "joined_on", "2010-07-01").await;
    set_date(&b, "full_on", "2011-07-01").await;
    b.click("button[type=submit].primary").await;
    let field_error = b.wait_for_text(".field.has-error .error", "校验位").await;
    assert!(field_error.contains("公民身份号码"), "{field_error}");
    let summary = b.text(".errors").await;
    assert!(summary.contains("校验位"), "error summary: {summary}");
    b.screenshot("journey-03-invalid-id").await;

    // A valid number saves and shows the member's page.
    let good = valid_id("36072119850615777");
    b.fill("#id_card", &good).await;
    if b.eval("return document.querySelector('#joined_on').value;")
        .await
        != "2010-07-01"
    {
        set_date(&b, "joined_on", "2010-07-01").await;
    }
    if b.eval("return document.querySelector('#full_on').value;")
        .await
        != "2011-07-01"
    {
        set_date(&b, "full_on", "2011-07-01").await;
    }
    b.click("button[type=submit].primary").await;
    b.wait_for_text("h1", NAME).await;
    let url = b.current_url().await;
    let id = url
        .strip_prefix(&format!("{base}/members/"))
        .unwrap_or_else(|| panic!("not a member page after saving: {url}"));
    assert!(
        !id.is_empty() && id.bytes().all(|c| c.is_ascii_digit()),
        "member page address: {url}"
    );
    b.screenshot("journey-04-saved").await;

    // The roster search finds the new member.
    b.goto(&format!("{base}/members?q={NAME}")).await;
    b.wait_for_text("main", NAME).await;
    let rows = b.texts("table tbody tr").await;
    assert!(
        rows.iter().any(|r| r.contains(NAME)),
        "roster rows for {NAME}: {rows:?}"
    );
    b.screenshot("journey-05-list").await;

    // The tree at desktop width.
    b.set_viewport(DESKTOP.0, DESKTOP.1).await;
    b.goto(&format!("{base}/orgs")).await;
    b.wait_for("table.tree-children").await;
    b.screenshot("journey-06-tree-desktop").await;

    b.close().await;
    drop(server);
}
