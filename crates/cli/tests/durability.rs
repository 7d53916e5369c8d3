//! Durability of acknowledged writes: the real binary is initialised,
//! served, fed a stream of organization creations, killed with SIGKILL
//! while writes are still in flight, and restarted on the same database.
//! Every write the server acknowledged (303) must still be there, and the
//! audit hash chain must verify.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_dangjian");
const PASSWORD: &str = "Admin2026pw";

fn common_args(dir: &Path) -> Vec<String> {
    vec![
        "--database".into(),
        format!("sqlite://{}", dir.join("d.db").display()),
        "--key-file".into(),
        dir.join("k").display().to_string(),
    ]
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A running server, killed (SIGKILL) when dropped so a failing test
/// leaves no process behind.
struct Server(Child);

impl Server {
    fn kill(&mut self) {
        let _ = self.0.kill(); // SIGKILL on Unix
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `serve` and waits (bounded) until /healthz answers 200.
async fn start(dir: &Path) -> (Server, String) {
    let port = free_port();
    let child = Server(
        Command::new(BIN)
            .args(common_args(dir))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let c = client();
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        if let Ok(r) = c.get(format!("{base}/healthz")).send().await
            && r.status() == 200
        {
            break;
        }
        assert!(Instant::now() < deadline, "the server did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (child, base)
}

/// Logs the administrator in; returns the client and the CSRF token.
async fn login(base: &str) -> (reqwest::Client, String) {
    let c = client();
    // The login form carries its own CSRF token (cookie and hidden field).
    let form = c
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let i = form.find(marker).expect("a CSRF token on /login") + marker.len();
    let login_csrf = form[i..i + form[i..].find('"').unwrap()].to_owned();
    let r = c
        .post(format!("{base}/login"))
        .form(&[
            ("username", "admin"),
            ("password", PASSWORD),
            ("csrf_token", login_csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login should redirect");
    let page = c
        .get(format!("{base}/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let i = page.find(marker).expect("a CSRF token on /tokens") + marker.len();
    let j = page[i..].find('"').unwrap();
    (c, page[i..i + j].to_owned())
}

/// Creates 测试支部N under the county; Some((id, name)) when acknowledged.
async fn create(c: &reqwest::Client, base: &str, csrf: &str, n: u32) -> Option<(i64, String)> {
    let name = format!("测试支部{n}");
    let r = c
        .post(format!("{base}/orgs/1/new"))
        .form(&[
            ("name", name.as_str()),
            ("kind", "branch"),
            ("sector", "rural"),
            ("secretary_name", "张三"),
            ("csrf_token", csrf),
        ])
        .send()
        .await
        .ok()?;
    if r.status() != 303 {
        return None;
    }
    let location = r.headers().get("location")?.to_str().ok()?;
    let id = location.strip_prefix("/orgs/")?.parse().ok()?;
    Some((id, name))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(BIN)
        .args(common_args(dir.path()))
        .args([
            "init",
            "--county",
            "中共测试县委员会",
            "--admin",
            "admin",
            "--password",
            PASSWORD,
        ])
        .status()
        .unwrap();
    assert!(status.success(), "init should succeed");

    let (mut child, base) = start(dir.path()).await;
    let (c, csrf) = login(&base).await;
    let acked: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();

    // Two writers keep going until the server dies under them.
    let mut writers = Vec::new();
    for w in 0..2u32 {
        let (c, base, csrf, acked) = (c.clone(), base.clone(), csrf.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            let mut n = w;
            let mut failures = 0;
            while failures < 3 {
                match create(&c, &base, &csrf, n).await {
                    Some(ok) => acked.lock().unwrap().push(ok),
                    None => failures += 1,
                }
                n += 2;
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_mins(2);
    while acked.lock().unwrap().len() < 30 {
        assert!(Instant::now() < deadline, "too few writes acknowledged");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 30);

    let (mut child, base) = start(dir.path()).await;
    let (c, _) = login(&base).await;
    for (id, name) in &acked {
        let r = c.get(format!("{base}/orgs/{id}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "acknowledged org {id} ({name}) is gone");
        let page = r.text().await.unwrap();
        assert!(
            page.contains(name.as_str()),
            "org {id} should be named {name}"
        );
    }
    child.kill();

    let out = Command::new(BIN)
        .args(common_args(dir.path()))
        .args(["audit", "verify"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "audit verify failed: {stdout}");
    assert!(stdout.starts_with("OK"), "{stdout}");
}
