//! The real `dangjian demo` server for browser journeys: a fresh SQLite
//! database in a temporary folder, a free port, demo accounts with
//! [`PASSWORD`]; killed and reaped on drop (also on panic).

#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "demo2026pw";
const READY_TIMEOUT: Duration = Duration::from_mins(1);

/// The real server process; killed and reaped on drop (also on panic).
pub struct Server {
    child: Child,
    pub base: String,
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
pub async fn start_server(dir: &Path) -> Server {
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
