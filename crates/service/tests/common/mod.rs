//! Service tests' databases: the fixture county (`dangjian_service::fixture`)
//! in a fresh SQLite file, and in a fresh PostgreSQL database on the server
//! named by `DANGJIAN_TEST_PG` (required when `CI` is set).

#![allow(dead_code)]

use dangjian_service::fixture::{self, Fixture};
use dangjian_service::store::testdb;
use dangjian_service::{Actor, Crypto, Services, Store};

pub const PASSWORD: &str = "test2026pw";

pub struct TestSvc {
    /// `"sqlite"` or `"postgres"`.
    pub engine: &'static str,
    pub svc: Services,
    pub fx: Fixture,
    pub dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestSvc {
    pub async fn sqlite() -> Self {
        Self::sqlite_with(true).await
    }

    async fn sqlite_with(fixture: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::connect(&url).await.unwrap();
        Self::start(store, "sqlite", Some(dir), None, fixture).await
    }

    /// Another database of the same engine holding only the fixture's root
    /// organization (same name) and its county administrator `setup`; the
    /// other fixture ids are 0. For tests that load data into a fresh county.
    pub async fn bare_like(&self) -> TestSvc {
        if self.engine == "sqlite" {
            Self::sqlite_with(false).await
        } else {
            Self::postgres_with(false).await.unwrap()
        }
    }

    pub async fn postgres() -> Option<Self> {
        Self::postgres_with(true).await
    }

    async fn postgres_with(fixture: bool) -> Option<Self> {
        let admin = testdb::admin_url()?;
        let db = testdb::create(&admin, "dj_svc").await;
        let store = Store::connect(&testdb::url_of(&admin, &db)).await.unwrap();
        Some(Self::start(store, "postgres", None, Some((admin, db)), fixture).await)
    }

    /// SQLite always, PostgreSQL when configured.
    pub async fn all() -> Vec<TestSvc> {
        let mut v = vec![Self::sqlite().await];
        if let Some(pg) = Self::postgres().await {
            v.push(pg);
        }
        v
    }

    async fn start(
        store: Store,
        engine: &'static str,
        dir: Option<tempfile::TempDir>,
        pg_drop: Option<(String, String)>,
        with_fixture: bool,
    ) -> Self {
        let svc = Services::new(store, Crypto::random());
        let fx = if with_fixture {
            fixture::build(&svc, PASSWORD).await.unwrap()
        } else {
            let root = dangjian_service::orgs::create_root(&svc, fixture::ROOT_NAME)
                .await
                .unwrap();
            dangjian_service::users::bootstrap(
                &svc,
                "setup",
                "初始化",
                dangjian_domain::role::Role::CountyAdmin,
                root,
                PASSWORD,
            )
            .await
            .unwrap();
            Fixture {
                root,
                town_a: 0,
                branch_a1: 0,
                town_b: 0,
                branch_b1: 0,
                member_a1: 0,
                member_b1: 0,
            }
        };
        TestSvc {
            engine,
            svc,
            fx,
            dir,
            pg_drop,
        }
    }

    /// The actor of a fixture account, e.g. `"county_admin_town"`.
    pub async fn actor(&self, username: &str) -> Actor {
        fixture::actor(&self.svc, username, PASSWORD).await.unwrap()
    }

    /// Closes the pool and drops the PostgreSQL database.
    pub async fn finish(mut self) {
        self.svc.store.close().await;
        if let Some((admin, db)) = self.pg_drop.take() {
            testdb::drop_database(&admin, &db).await.unwrap();
        }
    }
}

impl Drop for TestSvc {
    /// A test that ends without `finish` (or panics) still drops its
    /// PostgreSQL database, from a thread of its own (the test's runtime
    /// cannot be blocked on).
    fn drop(&mut self) {
        if let Some((admin, db)) = self.pg_drop.take() {
            let done = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime to drop the test database");
                rt.block_on(testdb::drop_database(&admin, &db))
            })
            .join();
            if !matches!(done, Ok(Ok(()))) {
                eprintln!("cannot drop a PostgreSQL test database");
            }
        }
    }
}
