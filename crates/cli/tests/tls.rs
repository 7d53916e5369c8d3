//! `serve` over HTTPS with a self-signed certificate (made here with rcgen):
//! the session cookie is `Secure` and pages carry Strict-Transport-Security;
//! `--behind-https` does the same over plain HTTP for a TLS-terminating
//! proxy; a plain server has neither. The requests are plain HTTP/1.1
//! written over TCP or rustls, so that the headers are seen as sent.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_rustls::rustls;

const BIN: &str = env!("CARGO_BIN_EXE_dangjian");
const PASSWORD: &str = "tls2026pass";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn base_args(dir: &Path) -> Vec<String> {
    vec![
        "--database".into(),
        format!("sqlite://{}", dir.join("dj.db").display()),
        "--key-file".into(),
        dir.join("dj.key").display().to_string(),
    ]
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A county with its administrator `admin`.
fn init(dir: &Path) {
    let out = Command::new(BIN)
        .args(base_args(dir))
        .args([
            "init",
            "--county",
            "中共测试县委员会",
            "--password",
            PASSWORD,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

fn start(dir: &Path, port: u16, extra: &[&str]) -> Server {
    Server(
        Command::new(BIN)
            .args(base_args(dir))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

/// A TLS client that trusts only `cert` (DER).
fn connector(cert: &[u8]) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.to_vec().into()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, request: &str) -> String {
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    // A TLS peer may close without close_notify; what was read counts.
    let _ = s.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// One request; `tls` with the server certificate's DER.
async fn request(port: u16, tls: Option<&[u8]>, request: &str) -> Option<String> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    Some(match tls {
        Some(cert) => {
            let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
            let stream = connector(cert).connect(name, tcp).await.ok()?;
            exchange(stream, request).await
        }
        None => exchange(tcp, request).await,
    })
}

async fn wait_ready(server: &mut Server, port: u16, tls: Option<&[u8]>) {
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        assert!(
            server.0.try_wait().unwrap().is_none(),
            "the server exited during start-up"
        );
        let get = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        if let Some(r) = request(port, tls, get).await
            && r.starts_with("HTTP/1.1 200")
        {
            return;
        }
        assert!(Instant::now() < deadline, "the server did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Logs in and returns the response head (status line and headers),
/// lower-cased.
async fn login(port: u16, tls: Option<&[u8]>) -> String {
    // The login form's own CSRF token: a cookie and the same value in the form.
    let page = request(
        port,
        tls,
        "GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await
    .expect("the login page");
    let marker = "name=\"csrf_token\" value=\"";
    let at = page.find(marker).expect("a CSRF field") + marker.len();
    let token: String = page[at..].chars().take_while(|c| *c != '"').collect();
    let body = format!("username=admin&password={PASSWORD}&csrf_token={token}");
    let req = format!(
        "POST /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Cookie: dj_login_csrf={token}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let r = request(port, tls, &req).await.expect("a response");
    let head = r.split("\r\n\r\n").next().unwrap().to_ascii_lowercase();
    assert!(
        head.starts_with("http/1.1 303"),
        "login should redirect: {head}"
    );
    head
}

fn session_cookie(head: &str) -> &str {
    head.lines()
        .find(|l| l.starts_with("set-cookie: dj_session="))
        .unwrap_or_else(|| panic!("a session cookie: {head}"))
}

fn has_secure(cookie: &str) -> bool {
    cookie.split(';').any(|p| p.trim() == "secure")
}

#[tokio::test]
async fn https_serves_secure_cookies_and_hsts() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_file, cert.cert.pem()).unwrap();
    std::fs::write(&key_file, cert.signing_key.serialize_pem()).unwrap();
    let der = cert.cert.der().to_vec();

    let port = free_port();
    let mut server = start(
        dir.path(),
        port,
        &[
            "--tls-cert",
            cert_file.to_str().unwrap(),
            "--tls-key",
            key_file.to_str().unwrap(),
        ],
    );
    wait_ready(&mut server, port, Some(&der)).await;
    let head = login(port, Some(&der)).await;
    assert!(has_secure(session_cookie(&head)), "{head}");
    assert!(
        head.contains("strict-transport-security: max-age=31536000"),
        "{head}"
    );
    let page = request(
        port,
        Some(&der),
        "GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("<html"), "a page over HTTPS");
    // Plain HTTP to the TLS port gets no page.
    let plain = request(
        port,
        None,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap_or_default();
    assert!(!plain.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn behind_https_marks_cookies_secure_and_plain_http_does_not() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());

    let port = free_port();
    let mut proxied = start(dir.path(), port, &["--behind-https"]);
    wait_ready(&mut proxied, port, None).await;
    let head = login(port, None).await;
    assert!(has_secure(session_cookie(&head)), "{head}");
    assert!(head.contains("strict-transport-security"), "{head}");
    drop(proxied);

    let port = free_port();
    let mut plain = start(dir.path(), port, &[]);
    wait_ready(&mut plain, port, None).await;
    let head = login(port, None).await;
    assert!(!has_secure(session_cookie(&head)), "{head}");
    assert!(!head.contains("strict-transport-security"), "{head}");
    // The plain server warns that it must stay on loopback or behind a proxy.
    drop(plain.0.stdin.take());
    let _ = plain.0.kill();
    let out = plain.0.wait_with_output_ref();
    assert!(out.contains("plain HTTP"), "{out}");
}

trait WaitOutput {
    fn wait_with_output_ref(&mut self) -> String;
}

impl WaitOutput for Child {
    fn wait_with_output_ref(&mut self) -> String {
        let _ = self.wait();
        let mut s = String::new();
        if let Some(mut e) = self.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut s);
        }
        s
    }
}
