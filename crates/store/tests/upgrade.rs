//! Migrations applied to a database that already holds data: migration
//! 0010 (issue 10, finding 1) turns the stored birth date into a birth
//! month, drops the date, and shortens the masks to the region code, on
//! SQLite and PostgreSQL.

use dangjian_store::{Store, testdb};
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;

/// The migrations up to and including `version`.
fn up_to(m: &Migrator, version: i64) -> Migrator {
    let mut out = Migrator::DEFAULT;
    out.migrations = m
        .migrations
        .iter()
        .filter(|x| x.version <= version)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    out
}

async fn old_member_becomes_region_and_month(url: &str, full: &Migrator) {
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    up_to(full, 9).run(&pool).await.unwrap();
    let now = "2026-01-01T00:00:00.000000Z";
    sqlx::query(
        "INSERT INTO orgs (id, parent_id, path, depth, name, kind, sector, created_at, updated_at) \
         VALUES (1, NULL, '/1/', 0, '县委', 'committee', 'organ', $1, $1)",
    )
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO members (org_id, org_path, name, gender, birth_date, category, joined_on, \
         id_card_enc, id_card_hmac, id_card_masked, created_at, updated_at) \
         VALUES (1, '/1/', '张三', 'male', '1979-11-23', 'full', '2005-07-01', 'x', 'h', \
         '360721********0155', $1, $1)",
    )
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let store = Store::connect(url).await.unwrap();
    let (month, masked): (String, String) =
        sqlx::query_as("SELECT birth_month, id_card_masked FROM members")
            .fetch_one(&store.pool)
            .await
            .unwrap();
    assert_eq!(month, "1979-11");
    assert_eq!(masked, "360721************");
    assert!(
        sqlx::query("SELECT birth_date FROM members")
            .fetch_all(&store.pool)
            .await
            .is_err(),
        "the birth date column is gone"
    );
    store.close().await;
}

#[tokio::test]
async fn migration_0010_keeps_only_region_and_birth_month_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    old_member_becomes_region_and_month(&url, &sqlx::migrate!("./migrations/sqlite")).await;
    if let Some(admin) = testdb::admin_url() {
        let db = testdb::create(&admin, "dj_upgrade").await;
        old_member_becomes_region_and_month(
            &testdb::url_of(&admin, &db),
            &sqlx::migrate!("./migrations/postgres"),
        )
        .await;
        testdb::drop_database(&admin, &db).await.unwrap();
    }
}
