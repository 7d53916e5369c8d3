//! Proves the browser harness end to end: a Chinese page with a form, served
//! on 127.0.0.1, filled in and submitted in headless Chromium at phone width,
//! with a screenshot in artifacts/screenshots/.

#[path = "support/browser.rs"]
mod browser;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Form;
use axum::response::Html;
use axum::routing::{get, post};
use browser::{Browser, DESKTOP, PHONE};

const FORM_PAGE: &str = r#"<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>党员信息登记</title>
<style>
  body { font-family: "Noto Sans CJK SC", sans-serif; margin: 16px; }
  h1 { color: #c00; font-size: 22px; }
  label { display: block; margin-top: 12px; }
  input, select, button { font-size: 16px; width: 100%; padding: 8px; box-sizing: border-box; }
  button { margin-top: 16px; background: #c00; color: #fff; border: 0; }
</style>
</head>
<body>
<h1 id="title">党员信息登记</h1>
<p>请填写姓名并选择所在党支部。</p>
<form method="post" action="/submit">
  <label for="name">姓名</label>
  <input id="name" name="name" placeholder="请输入姓名">
  <label for="branch">党支部</label>
  <select id="branch" name="branch">
    <option value="">请选择</option>
    <option value="一支部">第一党支部</option>
    <option value="二支部">第二党支部</option>
  </select>
  <button id="submit" type="submit">提交</button>
</form>
</body>
</html>"#;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn submit(Form(form): Form<HashMap<String, String>>) -> Html<String> {
    let name = escape(form.get("name").map_or("", String::as_str));
    let branch = escape(form.get("branch").map_or("", String::as_str));
    Html(format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登记成功</title>
<style>body {{ font-family: "Noto Sans CJK SC", sans-serif; margin: 16px; }}</style></head>
<body><h1>登记成功</h1><p id="result">欢迎{name}同志加入{branch}！</p>
<p>中国共产党党员教育管理工作条例</p></body></html>"#
    ))
}

/// Serves the test pages on 127.0.0.1:<free port>; returns the base URL.
async fn serve() -> String {
    let app = Router::new()
        .route("/", get(|| async { Html(FORM_PAGE) }))
        .route("/submit", post(submit));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind test server");
    let addr = listener.local_addr().expect("test server address");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("test server");
    });
    format!("http://{addr}")
}

/// Processes whose command line mentions `needle` (Linux /proc).
fn processes_mentioning(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Ok(raw) = std::fs::read(entry.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&raw).replace('\0', " ");
            if cmd.contains(needle) {
                found.push(format!("{pid}: {cmd}"));
            }
        }
    }
    found
}

/// Waits (bounded) until no process mentions `needle`.
async fn assert_processes_gone(needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left = processes_mentioning(needle);
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "browser processes still running after the browser ended:\n{}",
            left.join("\n")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_form_round_trip_renders_chinese() {
    let base = serve().await;
    let b = Browser::start().await;
    let profile = b.profile_dir().display().to_string();

    b.set_viewport(PHONE.0, PHONE.1).await;
    b.goto(&format!("{base}/")).await;
    assert_eq!(b.text("#title").await, "党员信息登记");
    assert!(b.page_source().await.contains("请填写姓名"));
    let width = b.eval("return document.documentElement.clientWidth;").await;
    assert_eq!(
        width.as_u64(),
        Some(u64::from(PHONE.0)),
        "phone layout width"
    );

    b.fill("#name", "张三").await;
    b.select("#branch", "二支部").await;
    b.screenshot("browser-smoke-form-phone").await;
    b.click("#submit").await;

    let result = b.wait_for_text("#result", "张三").await;
    assert_eq!(result, "欢迎张三同志加入二支部！");
    assert!(b.current_url().await.ends_with("/submit"));
    let shot = b.screenshot("browser-smoke-result-phone").await;
    let png = std::fs::read(&shot).expect("read screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "screenshot is a PNG");

    b.set_viewport(DESKTOP.0, DESKTOP.1).await;
    b.screenshot("browser-smoke-result-desktop").await;

    let driver = b.driver_pid().expect("chromedriver runs");
    b.close().await;
    assert_processes_gone(&profile).await;
    assert!(
        !std::path::Path::new(&format!("/proc/{driver}")).exists(),
        "chromedriver {driver} was not reaped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_browser_stops_chromium_and_chromedriver() {
    let base = serve().await;
    let b = Browser::start().await;
    let profile = b.profile_dir().display().to_string();
    let driver = b.driver_pid().expect("chromedriver runs");
    b.goto(&format!("{base}/")).await;
    assert!(
        !processes_mentioning(&profile).is_empty(),
        "chromium runs with the harness's profile directory"
    );
    drop(b);
    assert_processes_gone(&profile).await;
    // Reaped, not a zombie: the pid has no /proc entry at all.
    assert!(
        !std::path::Path::new(&format!("/proc/{driver}")).exists(),
        "chromedriver {driver} was not reaped"
    );
}
