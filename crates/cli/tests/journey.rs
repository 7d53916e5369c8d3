//! A township administrator's journey through the real `dangjian demo`
//! server in headless Chromium at phone width: log in, find a 党支部 in the
//! organization tree, add a member (first with a wrong ID check digit, then a
//! valid number), and find the member in the roster. Screenshots go to
//! artifacts/screenshots/journey-*.png.

#[path = "support/browser.rs"]
mod browser;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use browser::{Browser, DESKTOP, PHONE};
use dangjian_domain::member::id_check_char;

const PASSWORD: &str = "demo2026pw";
const READY_TIMEOUT: Duration = Duration::from_mins(1);
const NAME: &str = "测试党员";

/// The real server process; killed and reaped on drop (also on panic).
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener =
        TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// Starts `dangjian demo` on a fresh database and waits for `/healthz`.
async fn start_server(dir: &Path) -> Server {
    let port = free_port();
    let db = dir.join("d.db");
    let key = dir.join("k");
    let log = std::fs::File::create(dir.join("server.log")).expect("create server log");
    let log_err = log.try_clone().expect("clone server log");
    let child = Command::new(env!("CARGO_BIN_EXE_dangjian"))
        .arg("demo")
        .arg("--database")
        .arg(format!("sqlite://{}", db.display()))
        .arg("--key-file")
        .arg(&key)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--demo-password")
        .arg(PASSWORD)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .expect("start the dangjian binary");
    let mut server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("http client");
    let health = format!("{}/healthz", server.base);
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            panic!("dangjian demo exited during start-up ({status}); its log:\n{log}");
        }
        if let Ok(resp) = http.get(&health).send().await
            && resp.status().is_success()
        {
            return server;
        }
        if Instant::now() >= deadline {
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            panic!("dangjian demo not ready within {READY_TIMEOUT:?}; its log:\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A valid citizen ID number: `first17` plus its GB 11643 check character.
fn valid_id(first17: &str) -> String {
    let check = id_check_char(first17.as_bytes());
    format!("{first17}{}", char::from(check))
}

/// Sets a date input's value by script (typing into date inputs depends on
/// the locale's field order).
async fn set_date(b: &Browser, id: &str, value: &str) {
    b.wait_for(&format!("#{id}")).await;
    b.eval(&format!(
        "document.querySelector('#{id}').value = '{value}'; return null;"
    ))
    .await;
    let got = b
        .eval(&format!("return document.querySelector('#{id}').value;"))
        .await;
    assert_eq!(got.as_str(), Some(value), "value of date input #{id}");
}

/// From the tree page, the address of a 党支部's detail page: the first row of
/// the children table whose kind is 党支部 and that has members; otherwise
/// descends into the first child with sub-organizations (bounded).
async fn find_branch(b: &Browser, base: &str) -> String {
    const SCRIPT: &str = r#"
        const rows = [...document.querySelectorAll('table.tree-children tbody tr')];
        for (const r of rows) {
            const a = r.querySelector('a[href^="/orgs/"]');
            const kind = r.cells[1] ? r.cells[1].textContent.trim() : '';
            const members = r.cells[4] ? parseInt(r.cells[4].textContent, 10) : 0;
            if (a && kind === '党支部' && members > 0) {
                return { branch: a.getAttribute('href') };
            }
        }
        const down = document.querySelector('table.tree-children a[href^="/orgs?id="]');
        return { down: down ? down.getAttribute('href') : null };
    "#;
    for _ in 0..6 {
        let found = b.eval(SCRIPT).await;
        if let Some(href) = found["branch"].as_str() {
            return format!("{base}{href}");
        }
        let Some(down) = found["down"].as_str() else {
            panic!("no 党支部 reachable from {}", b.current_url().await);
        };
        b.goto(&format!("{base}{down}")).await;
    }
    panic!("no 党支部 with members within 6 levels of the tree");
}

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
