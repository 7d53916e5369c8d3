//! Fresh PostgreSQL databases for the test suites (store, service and HTTP
//! tests all use these): the server is named by `DANGJIAN_TEST_PG`, an admin
//! URL such as `postgres://postgres@127.0.0.1:5432/postgres`; each test gets
//! a database of its own and drops it at the end.

use std::sync::atomic::{AtomicU32, Ordering};

/// The admin URL from `DANGJIAN_TEST_PG`, or `None` (with a note) when it
/// is unset outside CI. Under CI it must be set: `scripts/test.sh` sets it.
pub fn admin_url() -> Option<String> {
    if let Ok(admin) = std::env::var("DANGJIAN_TEST_PG") {
        return Some(admin);
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI must set DANGJIAN_TEST_PG (scripts/test.sh does)"
    );
    eprintln!("DANGJIAN_TEST_PG not set: PostgreSQL half of this test skipped");
    None
}

/// Creates an empty database named `<prefix>_<pid>_<n>` on the admin
/// server and returns its name.
pub async fn create(admin: &str, prefix: &str) -> String {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let db = format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    );
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin)
        .await
        .expect("connect to DANGJIAN_TEST_PG");
    sqlx::Executor::execute(
        &mut conn,
        sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")),
    )
    .await
    .expect("create a test database");
    let _ = sqlx::Connection::close(conn).await;
    db
}

/// The URL of database `db` on the admin URL's server.
pub fn url_of(admin: &str, db: &str) -> String {
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    format!("{base}/{db}")
}

/// Drops database `db` (with `FORCE`: a pool may still hold connections).
pub async fn drop_database(admin: &str, db: &str) -> Result<(), sqlx::Error> {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin).await?;
    sqlx::Executor::execute(
        &mut conn,
        sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")),
    )
    .await?;
    Ok(())
}
