//! Backup and restore with the real binary. The restore drill: a demo
//! county is served, backed up while writes keep arriving, changed, then
//! restored — refused while the server runs, refused for a tampered or
//! corrupt backup (the live database untouched), and finally accepted, after
//! which every table holds exactly what the backup held. For PostgreSQL, the
//! README's pg_dump/pg_restore procedure round-trips a database.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sqlx::{Column, Connection, Row};

const BIN: &str = env!("CARGO_BIN_EXE_dangjian");
const PASSWORD: &str = "demo2026pw";

fn args(db: &str, dir: &Path) -> Vec<String> {
    vec![
        "--database".into(),
        db.into(),
        "--key-file".into(),
        dir.join("k").display().to_string(),
    ]
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Runs the binary to completion.
fn run(db: &str, dir: &Path, rest: &[&str]) -> Output {
    Command::new(BIN)
        .args(args(db, dir))
        .args(rest)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
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

/// The running server; killed and reaped on drop.
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

async fn serve(db: &str, dir: &Path) -> Server {
    let port = free_port();
    let mut server = Server {
        child: Command::new(BIN)
            .args(args(db, dir))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
        base: format!("http://127.0.0.1:{port}"),
    };
    let c = client();
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        assert!(
            server.child.try_wait().unwrap().is_none(),
            "the server exited during start-up"
        );
        if let Ok(r) = c.get(format!("{}/healthz", server.base)).send().await
            && r.status() == 200
        {
            return server;
        }
        assert!(Instant::now() < deadline, "the server did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Logs the county administrator in; returns the client and its CSRF token.
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
            ("username", "county_admin"),
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

/// Creates 备份测试支部N under the county root (id 1 in the demo county).
async fn create_org(c: &reqwest::Client, base: &str, csrf: &str, n: u32) {
    let r = c
        .post(format!("{base}/orgs/1/new"))
        .form(&[
            ("name", format!("备份测试支部{n}").as_str()),
            ("kind", "branch"),
            ("sector", "rural"),
            ("secretary_name", "张三"),
            ("csrf_token", csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "organization {n} should be created");
}

/// Every table's rows (sorted) as text, `_sqlx_migrations` aside (its
/// timestamps differ by engine; restore checks it separately).
async fn contents(url: &str) -> BTreeMap<String, Vec<Vec<String>>> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(if url.starts_with("sqlite") {
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    } else {
        "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
         WHERE table_schema = 'public' ORDER BY table_name"
    })
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut all = BTreeMap::new();
    for t in tables.into_iter().filter(|t| t != "_sqlx_migrations") {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {t}")))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let mut out: Vec<Vec<String>> = rows
            .iter()
            .map(|r| (0..r.columns().len()).map(|i| cell(r, i)).collect())
            .collect();
        out.sort();
        all.insert(t, out);
    }
    conn.close().await.unwrap();
    assert!(all["audit_log"].len() > 1 && all["members"].len() > 1000);
    all
}

fn cell(r: &sqlx::any::AnyRow, i: usize) -> String {
    if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
        return format!("{v:?}");
    }
    if let Ok(v) = r.try_get::<Option<String>, _>(i) {
        return format!("{v:?}");
    }
    if let Ok(v) = r.try_get::<Option<f64>, _>(i) {
        return format!("{v:?}");
    }
    match r.try_get::<Option<Vec<u8>>, _>(i) {
        Ok(v) => format!("{v:?}"),
        Err(e) => panic!("column {} undecodable: {e}", r.column(i).name()),
    }
}

/// Reads a SQLite file's contents from a scratch copy, so the file itself
/// is not touched.
async fn file_contents(path: &Path, scratch: &Path) -> BTreeMap<String, Vec<Vec<String>>> {
    let copy = scratch.join(format!(
        "read-{}.db",
        path.file_name().unwrap().to_string_lossy()
    ));
    std::fs::copy(path, &copy).unwrap();
    for side in ["-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{side}", path.display()));
        if from.exists() {
            std::fs::copy(&from, format!("{}{side}", copy.display())).unwrap();
        }
    }
    let c = contents(&sqlite_url(&copy)).await;
    std::fs::remove_file(&copy).unwrap();
    c
}

fn kept_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".before-restore-"))
        .filter(|p| {
            !p.to_string_lossy().ends_with("-wal") && !p.to_string_lossy().ends_with("-shm")
        })
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_drill_backup_change_restore_gives_back_the_backup() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scratch = d.join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    let live = d.join("d.db");
    let db = sqlite_url(&live);
    let out = run(&db, d, &["demo", "--no-serve", "--demo-password", PASSWORD]);
    assert!(out.status.success(), "{}", text(&out));

    // Back up while the server runs and a writer keeps writing.
    let server = serve(&db, d).await;
    let (c, csrf) = login(&server.base).await;
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU32::new(0));
    let writer = {
        let (c, base, csrf, stop, written) = (
            c.clone(),
            server.base.clone(),
            csrf.clone(),
            stop.clone(),
            written.clone(),
        );
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let n = written.fetch_add(1, Ordering::SeqCst);
                create_org(&c, &base, &csrf, n).await;
            }
        })
    };
    while written.load(Ordering::SeqCst) < 3 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let backup = d.join("b.db");
    let out = tokio::process::Command::new(BIN)
        .args(args(&db, d))
        .arg("backup")
        .arg(&backup)
        .output()
        .await
        .unwrap();
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("备份完成") && said.contains("哈希链完整"),
        "{said}"
    );
    // An existing file is never overwritten.
    let again = run(&db, d, &["backup", backup.to_str().unwrap()]);
    assert!(!again.status.success() && text(&again).contains("已存在"));

    // Change the data after the backup.
    for n in 1000..1003 {
        create_org(&c, &server.base, &csrf, n).await;
    }

    // Refused while the server runs: nothing changes.
    let refused = run(&db, d, &["restore", backup.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("正被运行中的"),
        "{}",
        text(&refused)
    );
    assert!(kept_files(d).is_empty());
    drop(server);

    let before = file_contents(&live, &scratch).await;
    let backed_up = file_contents(&backup, &scratch).await;
    assert_ne!(before, backed_up, "the data changed after the backup");
    assert!(backed_up["orgs"].len() < before["orgs"].len());

    // A backup with one audit row altered is refused; the live file stays.
    let tampered = d.join("tampered.db");
    std::fs::copy(&backup, &tampered).unwrap();
    {
        let mut conn = sqlx::AnyConnection::connect(&sqlite_url(&tampered))
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET summary = '{\"tampered\":true}' WHERE id = 3")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let out = run(&db, d, &["restore", tampered.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out).contains("审计日志第 3 行"), "{}", text(&out));
    // A file that is not a database at all is refused too.
    let junk = d.join("junk.db");
    std::fs::write(&junk, vec![7u8; 100_000]).unwrap();
    let out = run(&db, d, &["restore", junk.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out).contains("备份校验未通过"), "{}", text(&out));
    assert!(kept_files(d).is_empty(), "nothing moved aside");
    assert!(!d.join("d.db.restoring").exists(), "no copy left behind");
    assert_eq!(
        file_contents(&live, &scratch).await,
        before,
        "live untouched"
    );

    // The real restore: the state is the backup's; the old one is kept.
    let out = run(&db, d, &["restore", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("恢复完成"), "{}", text(&out));
    assert_eq!(file_contents(&live, &scratch).await, backed_up);
    let kept = kept_files(d);
    assert_eq!(kept.len(), 1);
    assert_eq!(file_contents(&kept[0], &scratch).await, before);
    let out = run(&db, d, &["audit", "verify"]);
    assert!(
        out.status.success() && text(&out).starts_with("OK"),
        "{}",
        text(&out)
    );

    // The restored instance serves, and the key still opens its members.
    let server = serve(&db, d).await;
    login(&server.base).await;
    drop(server);
    let out = run(
        &db,
        d,
        &[
            "export",
            "members",
            "--user",
            "county_admin",
            "--unmasked",
            "--out",
            d.join("m.xlsx").to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_a_backup_the_instance_key_cannot_open() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = sqlite_url(&d.join("d.db"));
    let out = run(&db, d, &["demo", "--no-serve", "--demo-password", PASSWORD]);
    assert!(out.status.success(), "{}", text(&out));
    let backup = d.join("b.db");
    assert!(
        run(&db, d, &["backup", backup.to_str().unwrap()])
            .status
            .success()
    );
    // Another instance, with its own key.
    let other = d.join("other");
    std::fs::create_dir(&other).unwrap();
    let other_db = sqlite_url(&other.join("d.db"));
    let out = run(
        &other_db,
        &other,
        &[
            "init",
            "--county",
            "中共另一县委员会",
            "--password",
            "Admin2026pw",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = run(&other_db, &other, &["restore", backup.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out).contains("密钥"), "{}", text(&out));
    assert!(kept_files(&other).is_empty());
}

/// The README's PostgreSQL procedure: pg_dump -Fc, a new database,
/// pg_restore, `dangjian audit verify`, and the same contents.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_round_trips_through_pg_dump_and_pg_restore() {
    let Ok(admin) = std::env::var("DANGJIAN_TEST_PG") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set DANGJIAN_TEST_PG (scripts/test.sh does)"
        );
        eprintln!("DANGJIAN_TEST_PG not set: PostgreSQL backup round trip skipped");
        return;
    };
    sqlx::any::install_default_drivers();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let tag = format!("{}_{nanos}", std::process::id());
    let (src, dst) = (format!("dj_bk_src_{tag}"), format!("dj_bk_dst_{tag}"));
    let mut conn = sqlx::AnyConnection::connect(&admin).await.unwrap();
    for db in [&src, &dst] {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (src_url, dst_url) = (format!("{base}/{src}"), format!("{base}/{dst}"));
    let out = run(
        &src_url,
        d,
        &[
            "demo",
            "--no-serve",
            "--demo-password",
            PASSWORD,
            // Never the default `data/search`, which is relative to the
            // test's working directory (the source tree).
            "--search-dir",
            d.join("search").to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    // `dangjian backup` points PostgreSQL users at the procedure.
    let out = run(&src_url, d, &["backup", d.join("x").to_str().unwrap()]);
    assert!(!out.status.success() && text(&out).contains("pg_dump"));

    let dump = d.join("dangjian.dump");
    let out = Command::new("pg_dump")
        .args(["-Fc", "-f", dump.to_str().unwrap(), &src_url])
        .output()
        .unwrap();
    assert!(out.status.success(), "pg_dump: {}", text(&out));
    let out = Command::new("pg_restore")
        .args([
            "--no-owner",
            "--exit-on-error",
            "-d",
            &dst_url,
            dump.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "pg_restore: {}", text(&out));

    let out = run(&dst_url, d, &["audit", "verify"]);
    assert!(
        out.status.success() && text(&out).starts_with("OK"),
        "{}",
        text(&out)
    );
    assert_eq!(contents(&src_url).await, contents(&dst_url).await);

    for db in [&src, &dst] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
    }
}
