//! Test databases: a fresh SQLite file, and a fresh PostgreSQL database on
//! the server named by `DANGJIAN_TEST_PG` (required when `CI` is set).

#![allow(dead_code)]

use dangjian_store::Store;

pub struct TestDb {
    pub name: &'static str,
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::connect(&url).await.unwrap();
        TestDb {
            name: "sqlite",
            store,
            _dir: Some(dir),
            pg_drop: None,
        }
    }

    pub async fn postgres() -> Option<Self> {
        let Ok(admin) = std::env::var("DANGJIAN_TEST_PG") else {
            assert!(
                std::env::var("CI").is_err(),
                "CI must set DANGJIAN_TEST_PG (scripts/test.sh does)"
            );
            eprintln!("DANGJIAN_TEST_PG not set: PostgreSQL half of this test skipped");
            return None;
        };
        let db = format!("dj_test_{}_{}", std::process::id(), rand::random::<u32>());
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
            .await
            .unwrap();
        sqlx::Executor::execute(
            &mut conn,
            sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")),
        )
        .await
        .unwrap();
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(b, _)| b)
            .to_owned();
        let store = Store::connect(&format!("{base}/{db}")).await.unwrap();
        Some(TestDb {
            name: "postgres",
            store,
            _dir: None,
            pg_drop: Some((admin, db)),
        })
    }

    /// SQLite always, PostgreSQL when configured.
    pub async fn all() -> Vec<TestDb> {
        let mut v = vec![Self::sqlite().await];
        if let Some(pg) = Self::postgres().await {
            v.push(pg);
        }
        v
    }

    pub async fn finish(self) {
        self.store.close().await;
        if let Some((admin, db)) = self.pg_drop {
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                .await
                .unwrap();
            sqlx::Executor::execute(
                &mut conn,
                sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db}")),
            )
            .await
            .unwrap();
        }
    }
}
