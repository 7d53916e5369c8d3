//! Test databases: a fresh SQLite file, and a fresh PostgreSQL database on
//! the server named by `DANGJIAN_TEST_PG` (required when `CI` is set).

#![allow(dead_code)]

use dangjian_store::{Store, testdb};

pub struct TestDb {
    pub name: &'static str,
    pub store: Store,
    /// The database's URL (a second store may connect to it).
    pub url: String,
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
            url,
            _dir: Some(dir),
            pg_drop: None,
        }
    }

    pub async fn postgres() -> Option<Self> {
        let admin = testdb::admin_url()?;
        let db = testdb::create(&admin, "dj_test").await;
        let url = testdb::url_of(&admin, &db);
        let store = Store::connect(&url).await.unwrap();
        Some(TestDb {
            name: "postgres",
            store,
            url,
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
            testdb::drop_database(&admin, &db).await.unwrap();
        }
    }
}
