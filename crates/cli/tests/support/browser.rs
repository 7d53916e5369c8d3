//! Headless Chromium for integration tests, driven over WebDriver.
//!
//! Debian's `chromedriver` (package `chromium-driver`) drives Debian's
//! `chromium`; fantoccini talks to it over plain HTTP on 127.0.0.1 (no TLS
//! stack is compiled in). Each [`Browser`] owns one chromedriver process on a
//! free port and one browser with a fresh, temporary profile.
//!
//! ```ignore
//! #[path = "support/browser.rs"]
//! mod browser;
//! use browser::{Browser, PHONE};
//!
//! let mut b = Browser::start().await;
//! b.set_viewport(PHONE.0, PHONE.1).await;
//! b.goto(&format!("{base}/login")).await;
//! b.fill("input[name=username]", "张三").await;
//! b.click("button[type=submit]").await;
//! assert!(b.text("h1").await.contains("首页"));
//! b.screenshot("login-phone").await; // <workspace>/artifacts/screenshots/login-phone.png
//! b.close().await;
//! ```
//!
//! Missing binaries are a test failure, never a silent skip: `scripts/test.sh`
//! installs them. Environment: `DANGJIAN_CHROMEDRIVER` (default
//! `/usr/bin/chromedriver`), `DANGJIAN_CHROMIUM` (default `/usr/bin/chromium`),
//! `DANGJIAN_BROWSER_MAX` (browsers alive at once in one test binary, default 2).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Phone viewport (CSS pixels): the layout most 支部 members use.
pub const PHONE: (u32, u32) = (375, 812);
/// Desktop viewport (CSS pixels).
pub const DESKTOP: (u32, u32) = (1280, 900);

/// How long [`Browser::wait_for`] and the element helpers wait for an element.
pub const WAIT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long chromedriver may take to answer `/status` with `ready: true`.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long chromedriver may take to exit after `/shutdown`.
const DRIVER_STOP_TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

/// Chromium flags: headless as root in a container, with no traffic beyond
/// 127.0.0.1 (the machine's network is closed; background fetches would be
/// refused many at a time).
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--lang=zh-CN",
    "--window-size=1280,900",
];

/// Limits how many browsers one test binary keeps alive at once (2 cores).
static SLOTS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let max = std::env::var("DANGJIAN_BROWSER_MAX")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(2);
    Arc::new(Semaphore::new(max))
});

/// A chromedriver process, stopped (and reaped) on drop.
struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Driver {
    fn spawn(exe: &Path, log: &Path) -> Result<Self, String> {
        let port = free_port().map_err(|e| format!("cannot find a free port: {e}"))?;
        let log_file = std::fs::File::create(log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let log_err = log_file
            .try_clone()
            .map_err(|e| format!("cannot clone log handle: {e}"))?;
        let child = Command::new(exe)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        Ok(Self {
            child,
            port,
            log: log.to_path_buf(),
        })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Polls `/status` until chromedriver reports ready, it exits, or the
    /// start-up timeout passes.
    async fn wait_ready(&mut self) -> Result<(), String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .map_err(|e| e.to_string())?;
        let status = format!("{}/status", self.url());
        let deadline = Instant::now() + DRIVER_START_TIMEOUT;
        loop {
            if let Ok(Some(code)) = self.child.try_wait() {
                return Err(format!(
                    "chromedriver exited during start-up ({code}); its log:\n{}",
                    self.log_tail()
                ));
            }
            if let Ok(resp) = http.get(&status).send().await
                && let Ok(body) = resp.json::<Value>().await
                && body["value"]["ready"].as_bool() == Some(true)
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "chromedriver did not become ready within {DRIVER_START_TIMEOUT:?}; its log:\n{}",
                    self.log_tail()
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Asks chromedriver to quit every session (so Chromium exits) and then
    /// itself; kills it if it lingers. Always reaps the process.
    fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = blocking_request(self.port, "GET", "/shutdown");
            let deadline = Instant::now() + DRIVER_STOP_TIMEOUT;
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(POLL);
            }
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One headless Chromium session behind its own chromedriver.
pub struct Browser {
    // Field order is drop order: the WebDriver client first, then the driver
    // (which quits Chromium and is reaped), then the profile directory.
    client: Option<Client>,
    session_id: Option<String>,
    driver: Option<Driver>,
    profile: tempfile::TempDir,
    _slot: OwnedSemaphorePermit,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile.
    ///
    /// Panics with an explanation if chromedriver or Chromium is missing or
    /// does not start: browser tests fail rather than skip.
    pub async fn start() -> Self {
        match Self::try_start().await {
            Ok(b) => b,
            Err(e) => panic!("browser test harness: {e}"),
        }
    }

    /// As [`Browser::start`], returning the reason instead of panicking.
    pub async fn try_start() -> Result<Self, String> {
        let driver_exe = find_binary(
            "DANGJIAN_CHROMEDRIVER",
            "/usr/bin/chromedriver",
            "chromedriver",
        )?;
        let chromium_exe = find_binary("DANGJIAN_CHROMIUM", "/usr/bin/chromium", "chromium")?;
        let slot = Arc::clone(&SLOTS)
            .acquire_owned()
            .await
            .map_err(|e| e.to_string())?;
        let profile = tempfile::Builder::new()
            .prefix("dangjian-chromium-")
            .tempdir()
            .map_err(|e| format!("cannot create a profile directory: {e}"))?;
        let log = profile.path().join("chromedriver.log");
        let user_data = profile.path().join("profile");

        // A free port can be taken between our probe and chromedriver's bind:
        // retry with a new port if chromedriver exits during start-up.
        let mut last_err = String::new();
        for _ in 0..3 {
            let mut driver = Driver::spawn(&driver_exe, &log)?;
            match driver.wait_ready().await {
                Ok(()) => {
                    let client = connect(&driver, &chromium_exe, &user_data).await?;
                    let session_id = client.session_id().await.ok().flatten();
                    return Ok(Self {
                        client: Some(client),
                        session_id,
                        driver: Some(driver),
                        profile,
                        _slot: slot,
                    });
                }
                Err(e) => last_err = e,
            }
        }
        Err(last_err)
    }

    /// The underlying fantoccini client, for anything the helpers lack.
    pub fn client(&self) -> &Client {
        self.client
            .as_ref()
            .expect("browser session already closed")
    }

    /// Opens `url` and waits for the page load to finish.
    pub async fn goto(&self, url: &str) {
        self.client()
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    /// Sets the layout viewport (CSS pixels, `window.innerWidth/innerHeight`)
    /// to `width` x `height`, e.g. [`PHONE`] or [`DESKTOP`].
    pub async fn set_viewport(&self, width: u32, height: u32) {
        // The window may be larger than its viewport (frame, toolbars), and a
        // resize may land a moment late: adjust by the difference, bounded.
        let (mut outer_w, mut outer_h) = (width, height);
        let mut got = (0, 0);
        for _ in 0..10 {
            self.client()
                .set_window_size(outer_w, outer_h)
                .await
                .unwrap_or_else(|e| panic!("set window size {outer_w}x{outer_h}: {e}"));
            got = self.inner_size().await;
            if got == (width, height) {
                return;
            }
            outer_w = (i64::from(outer_w) + i64::from(width) - i64::from(got.0)).max(100) as u32;
            outer_h = (i64::from(outer_h) + i64::from(height) - i64::from(got.1)).max(100) as u32;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "viewport is {}x{} after asking for {width}x{height}",
            got.0, got.1
        );
    }

    async fn inner_size(&self) -> (u32, u32) {
        let v = self
            .eval("return [window.innerWidth, window.innerHeight];")
            .await;
        let dim = |i: usize| {
            v[i].as_u64()
                .unwrap_or_else(|| panic!("window size from script: {v}")) as u32
        };
        (dim(0), dim(1))
    }

    /// Runs `script` (a function body; use `return`) in the page.
    pub async fn eval(&self, script: &str) -> Value {
        self.client()
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script {script:?}: {e}"))
    }

    /// Waits (at most [`WAIT_TIMEOUT`]) for an element matching `css`.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client()
            .wait()
            .at_most(WAIT_TIMEOUT)
            .every(Duration::from_millis(100))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el,
            Err(e) => panic!(
                "no element matches {css:?} within {WAIT_TIMEOUT:?} on {} ({e})\npage source starts:\n{}",
                self.current_url().await,
                self.page_source()
                    .await
                    .chars()
                    .take(2000)
                    .collect::<String>()
            ),
        }
    }

    /// Waits until the element matching `css` contains `needle` in its text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + WAIT_TIMEOUT;
        loop {
            let text = match self.client().find(Locator::Css(css)).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{css:?} did not come to contain {needle:?} within {WAIT_TIMEOUT:?} on {}; its text: {text:?}",
                self.current_url().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether an element matches `css` right now (no waiting).
    pub async fn exists(&self, css: &str) -> bool {
        self.client().find(Locator::Css(css)).await.is_ok()
    }

    /// Replaces the value of the input or textarea matching `css` by typing `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.wait_for(css).await;
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css:?}: {e}"));
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css:?}: {e}"));
    }

    /// Chooses the `<option value=value>` of the `<select>` matching `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.wait_for(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("select {value:?} in {css:?}: {e}"));
    }

    /// Clicks the element matching `css` (waits for a navigation it starts).
    pub async fn click(&self, css: &str) {
        self.wait_for(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css:?}: {e}"));
    }

    /// The rendered text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("text of {css:?}: {e}"))
    }

    /// The texts of all elements matching `css` (possibly none; no waiting).
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let els = self
            .client()
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find all {css:?}: {e}"));
        let mut out = Vec::with_capacity(els.len());
        for el in els {
            out.push(
                el.text()
                    .await
                    .unwrap_or_else(|e| panic!("text of {css:?}: {e}")),
            );
        }
        out
    }

    /// The value of attribute `name` on the element matching `css`.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.wait_for(css)
            .await
            .attr(name)
            .await
            .unwrap_or_else(|e| panic!("attribute {name:?} of {css:?}: {e}"))
    }

    /// The current DOM serialized as HTML.
    pub async fn page_source(&self) -> String {
        self.client()
            .source()
            .await
            .unwrap_or_else(|e| panic!("page source: {e}"))
    }

    /// The address of the current page.
    pub async fn current_url(&self) -> String {
        self.client()
            .current_url()
            .await
            .unwrap_or_else(|e| panic!("current url: {e}"))
            .to_string()
    }

    /// Saves a PNG of the viewport as `<workspace>/artifacts/screenshots/<name>.png`
    /// and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .client()
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("screenshot {name:?}: {e}"));
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        let safe: String = name
            .chars()
            .map(|c| {
                if matches!(c, '/' | '\\' | '\0') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let path = dir.join(format!("{safe}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// Ends the WebDriver session (Chromium exits) and stops chromedriver.
    /// Dropping a `Browser` does the same, less gracefully.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
        if let Some(mut driver) = self.driver.take() {
            driver.stop();
        }
    }

    /// Chooses `file` in the `<input type=file>` matching `css`.
    pub async fn choose_file(&self, css: &str, file: &Path) {
        let path = file
            .canonicalize()
            .unwrap_or_else(|e| panic!("file to upload {}: {e}", file.display()));
        self.wait_for(css)
            .await
            .send_keys(&path.display().to_string())
            .await
            .unwrap_or_else(|e| panic!("choose {} in {css:?}: {e}", path.display()));
    }

    /// The folder this browser saves downloads in.
    pub fn download_dir(&self) -> PathBuf {
        download_dir_of(&self.profile.path().join("profile"))
    }

    /// Waits (at most [`WAIT_TIMEOUT`]) for a finished download whose name
    /// ends with `suffix` and returns its path.
    pub async fn wait_for_download(&self, suffix: &str) -> PathBuf {
        let dir = self.download_dir();
        let deadline = Instant::now() + WAIT_TIMEOUT;
        loop {
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    // Chromium writes `*.crdownload` until the file is complete.
                    if name.ends_with(suffix) && !name.ends_with(".crdownload") {
                        return e.path();
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "no download ending in {suffix:?} in {} within {WAIT_TIMEOUT:?}",
                dir.display()
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// The process id of this browser's chromedriver, while it runs.
    pub fn driver_pid(&self) -> Option<u32> {
        self.driver.as_ref().map(|d| d.child.id())
    }

    /// The temporary profile directory (`--user-data-dir` lives inside it).
    pub fn profile_dir(&self) -> &Path {
        self.profile.path()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // No async context here: delete the session with a blocking request
        // (Chromium quits and chromedriver reaps it), then stop chromedriver.
        if let Some(client) = self.client.take() {
            if let (Some(id), Some(driver)) = (&self.session_id, &self.driver) {
                let _ = blocking_request(driver.port, "DELETE", &format!("/session/{id}"));
            }
            drop(client);
        }
        drop(self.driver.take());
    }
}

/// `<workspace>/artifacts/screenshots`.
pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("artifacts")
        .join("screenshots")
}

async fn connect(driver: &Driver, chromium: &Path, user_data: &Path) -> Result<Client, String> {
    let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|s| (*s).to_string()).collect();
    args.push(format!("--user-data-dir={}", user_data.display()));
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium.display().to_string(),
            "args": args,
            "prefs": {
                "intl.accept_languages": "zh-CN,zh",
                "download.default_directory": download_dir_of(user_data).display().to_string(),
                "download.prompt_for_download": false,
            },
        },
    });
    let Value::Object(caps) = caps else {
        unreachable!("capabilities literal is an object")
    };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url())
        .await
        .map_err(|e| {
            format!(
                "chromedriver could not start {} ({e}); chromedriver log:\n{}",
                chromium.display(),
                driver.log_tail()
            )
        })
}

/// Where downloads of the browser whose profile is `user_data` land.
fn download_dir_of(user_data: &Path) -> PathBuf {
    user_data.with_file_name("downloads")
}

/// Resolves a binary from `env_var`, else `default`, else `name` on PATH.
fn find_binary(env_var: &str, default: &str, name: &str) -> Result<PathBuf, String> {
    let hint = "install Debian's chromium, chromium-driver and fonts-noto-cjk \
                (scripts/test.sh does: `bash scripts/test.sh`, or \
                `apt-get install chromium chromium-driver fonts-noto-cjk`)";
    if let Ok(v) = std::env::var(env_var)
        && !v.is_empty()
    {
        let p = PathBuf::from(&v);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("{env_var}={v} does not exist; {hint}"))
        };
    }
    let p = PathBuf::from(default);
    if p.is_file() {
        return Ok(p);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(format!(
        "{name} not found (looked at ${env_var}, {default} and PATH); {hint}"
    ))
}

fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    Ok(listener.local_addr()?.port())
}

/// A minimal blocking HTTP request without a body to 127.0.0.1 (used where
/// no async runtime is at hand). Returns once the response's headers and
/// `Content-Length` bytes of body have arrived, the peer closes, or reads
/// time out.
fn blocking_request(port: u16, method: &str, path: &str) -> std::io::Result<String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if response_complete(&buf) {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn response_complete(buf: &[u8]) -> bool {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    length.is_some_and(|len| buf.len() >= end + 4 + len)
}
