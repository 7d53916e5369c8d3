//! `TestApp`: a fixture county in a fresh SQLite file (`spawn`) or a fresh
//! PostgreSQL database on the server named by `DANGJIAN_TEST_PG`
//! (`spawn_pg`, required when `CI` is set), the application served on a
//! free port with a clock the test can move forward, and typed helpers to
//! log in and submit forms.
//!
//! Fixture: `dangjian_service::fixture` (two townships with a branch each,
//! one account per role at root, town A and branch A1).

#![allow(dead_code)]

pub use dangjian_service::fixture::{Fixture, member_form, org_form};
use dangjian_service::store::testdb;
use dangjian_service::{Actor, Clock, Crypto, Services, Store, auth, fixture};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub const PASSWORD: &str = "test2026pw";

pub struct TestApp {
    pub addr: String,
    pub svc: Services,
    pub fx: Fixture,
    /// `"sqlite"` or `"postgres"`.
    pub engine: &'static str,
    /// Seconds added to the system time by the application's clock.
    offset: Arc<AtomicI64>,
    server: tokio::task::JoinHandle<()>,
    dir: Option<tempfile::TempDir>,
    /// The admin URL and the database to drop when the app is dropped.
    pg_drop: Option<(String, String)>,
}

impl Drop for TestApp {
    /// Stops the server and, on PostgreSQL, drops the test database (best
    /// effort: a failure is reported, never a panic, so a failing test
    /// still shows its own message).
    fn drop(&mut self) {
        self.server.abort();
        if let Some((admin, db)) = self.pg_drop.take() {
            // The test's runtime cannot be blocked on; use a thread of our own.
            let done = std::thread::spawn(move || drop_pg_database(&admin, &db)).join();
            if done.is_err() {
                eprintln!("dropping the PostgreSQL test database panicked");
            }
        }
    }
}

fn drop_pg_database(admin: &str, db: &str) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot drop test database {db}: {e}");
            return;
        }
    };
    if let Err(e) = rt.block_on(testdb::drop_database(admin, db)) {
        eprintln!("cannot drop test database {db}: {e}");
    }
}

impl TestApp {
    /// The application on a fresh SQLite file.
    pub async fn spawn() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("app.db").display());
        let store = Store::connect(&url).await.unwrap();
        Self::start(store, "sqlite", Some(dir), None).await
    }

    /// The application on a fresh PostgreSQL database, or `None` (with a
    /// note) when `DANGJIAN_TEST_PG` is not set outside CI.
    pub async fn spawn_pg() -> Option<Self> {
        let admin = testdb::admin_url()?;
        let db = testdb::create(&admin, "dj_http").await;
        let url = testdb::url_of(&admin, &db);
        // From here on the database is dropped even if the fixture fails.
        let guard = PgDropGuard(Some((admin, db)));
        let store = Store::connect(&url).await.unwrap();
        Some(Self::start(store, "postgres", None, guard.disarm()).await)
    }

    /// Moves the application's clock `minutes` forward.
    /// The folder of the SQLite file (None on PostgreSQL).
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        self.dir.as_ref().map(tempfile::TempDir::path)
    }

    pub fn advance(&self, minutes: i64) {
        self.offset.fetch_add(minutes * 60, Ordering::SeqCst);
    }

    async fn start(
        store: Store,
        engine: &'static str,
        dir: Option<tempfile::TempDir>,
        pg_drop: Option<(String, String)>,
    ) -> Self {
        let guard = PgDropGuard(pg_drop);
        let (clock, offset) = Clock::shifted();
        let mut svc = Services::new(store, Crypto::random());
        svc.clock = clock;
        let fx = fixture::build(&svc, PASSWORD).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let app = dangjian_web::app(dangjian_web::AppState::new(svc.clone()))
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        TestApp {
            addr,
            svc,
            engine,
            offset,
            server,
            pg_drop: guard.disarm(),
            fx,
            dir,
        }
    }

    pub async fn actor(svc: &Services, username: &str) -> Actor {
        auth::login(svc, username, PASSWORD)
            .await
            .unwrap()
            .unwrap()
            .0
            .actor()
            .unwrap()
    }

    /// A browser-like client (cookies, no redirects followed).
    pub fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Posts the login form (with the login page's CSRF token) on `c`.
    pub async fn post_login(
        &self,
        c: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let form = c
            .get(format!("{}/login", self.addr))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_of(&form).expect("a CSRF token on the login form");
        c.post(format!("{}/login", self.addr))
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf_token", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap()
    }

    /// Logs `username` in with `password`; returns the client and the
    /// session's CSRF token (read from the password page, which every
    /// account reaches).
    pub async fn login_with(&self, username: &str, password: &str) -> Session {
        let c = Self::client();
        let r = self.post_login(&c, username, password).await;
        assert_eq!(r.status(), 303, "login of {username} should redirect");
        let page = c
            .get(format!("{}/account/password", self.addr))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        Session {
            csrf: csrf_of(&page).expect("a CSRF token on the password page"),
            c,
            base: self.addr.clone(),
        }
    }

    /// Logs `username` in; returns the client and the session's CSRF token.
    pub async fn login(&self, username: &str) -> Session {
        let c = Self::client();
        let r = self.post_login(&c, username, PASSWORD).await;
        assert_eq!(r.status(), 303, "login of {username} should redirect");
        // Every framed page carries the token; which pages a role has differs.
        let mut csrf = String::new();
        for path in ["/tokens", "/users", "/audit"] {
            let page = c
                .get(format!("{}{path}", self.addr))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if let Some(t) = csrf_of(&page) {
                csrf = t;
                break;
            }
        }
        Session {
            c,
            csrf,
            base: self.addr.clone(),
        }
    }

    /// Creates an API token for `username` through the service.
    pub async fn api_token(&self, username: &str) -> Option<String> {
        let a = Self::actor(&self.svc, username).await;
        auth::create_api_token(&self.svc, &a, "测试").await.ok()
    }
}

/// Drops the PostgreSQL database if the fixture panics before a `TestApp`
/// owns it.
struct PgDropGuard(Option<(String, String)>);

impl PgDropGuard {
    fn disarm(mut self) -> Option<(String, String)> {
        self.0.take()
    }
}

impl Drop for PgDropGuard {
    fn drop(&mut self) {
        if let Some((admin, db)) = self.0.take() {
            let _ = std::thread::spawn(move || drop_pg_database(&admin, &db)).join();
        }
    }
}

pub fn csrf_of(page: &str) -> Option<String> {
    let i = page.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    let j = page[i..].find('"')?;
    Some(page[i..i + j].to_owned())
}

pub struct Session {
    pub c: reqwest::Client,
    pub csrf: String,
    pub base: String,
}

impl Session {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.c
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// POSTs a form with the session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut f: Vec<(&str, &str)> = fields.to_vec();
        f.push(("csrf_token", &self.csrf));
        self.c
            .post(format!("{}{path}", self.base))
            .form(&f)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_form<T: serde::Serialize>(&self, path: &str, form: &T) -> reqwest::Response {
        let mut body = serde_urlencoded::to_string(form).unwrap();
        body.push_str("&csrf_token=");
        body.push_str(&self.csrf);
        self.c
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
    }
}

impl Session {
    /// Uploads `bytes` as the import form does (multipart, CSRF token first).
    pub async fn upload(
        &self,
        path: &str,
        org: i64,
        file_name: &str,
        bytes: Vec<u8>,
        dry_run: bool,
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new()
            .text("csrf_token", self.csrf.clone())
            .text("org", org.to_string());
        if dry_run {
            form = form.text("dry_run", "1");
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
        );
        self.c
            .post(format!("{}{path}", self.base))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }
}
