//! Concurrent writers, on SQLite and PostgreSQL: a unique or foreign-key
//! violation is a typed conflict with a Chinese message whichever way the
//! error travelled, and writers of two "processes" (two stores on one
//! database, each with its own writer lock) that read before they write
//! queue behind each other instead of failing with "database is locked".

mod common;

use common::TestDb;
use dangjian_store::org::{self, OrgDetails};
use dangjian_store::user::{self, NewUser};
use dangjian_store::{ConflictKind, DbError, DbResult, Engine, Store, security};
use std::time::Duration;

const NOW: &str = "2026-11-29T08:00:00.000000Z";

fn new_user(username: &str, org_id: i64) -> NewUser<'_> {
    NewUser {
        username,
        display_name: "测试",
        password_hash: "x",
        role: "leader",
        org_id,
        must_change: false,
    }
}

/// A transaction that is not the store's writer: another process's.
async fn foreign_tx(store: &Store) -> sqlx::Transaction<'static, sqlx::Any> {
    match store.engine {
        Engine::Sqlite => store.pool.begin_with("BEGIN IMMEDIATE").await.unwrap(),
        Engine::Postgres => store.pool.begin().await.unwrap(),
    }
}

/// The plainest path there is: `?` on a raw query.
async fn raw_insert_user(conn: &mut sqlx::AnyConnection, username: &str, org: i64) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO users (username, display_name, password_hash, role, org_id, active, failed_attempts, created_at, must_change_password) \
         VALUES ($1, '测试', 'x', 'leader', $2, 1, 0, $3, 0)",
    )
    .bind(username)
    .bind(org)
    .bind(NOW)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writers_get_a_typed_conflict() {
    for db in TestDb::all().await {
        let store = &db.store;
        let root = {
            let mut w = store.begin_write().await.unwrap();
            let details = OrgDetails {
                name: "中共测试县委员会".into(),
                kind: "committee".into(),
                sector: "rural".into(),
                secretary_name: "张三".into(),
                secretary_vacant_since: None,
                unit_name: String::new(),
                population: None,
            };
            let root = org::insert_org(w.conn(), None, &details, NOW)
                .await
                .unwrap();
            w.commit().await.unwrap();
            root
        };

        // Two writers create the same username at once: the first commits
        // while the second is waiting (PostgreSQL: on the unique index;
        // SQLite: at BEGIN IMMEDIATE), and the second gets a conflict.
        for raw in [false, true] {
            let name = if raw { "racer_raw" } else { "racer" };
            let mut first = foreign_tx(store).await;
            user::insert_user(&mut first, &new_user(name, root.id), NOW)
                .await
                .unwrap();
            let second = async {
                let mut tx = store.begin_write().await?;
                if raw {
                    raw_insert_user(tx.conn(), name, root.id).await?;
                } else {
                    user::insert_user(tx.conn(), &new_user(name, root.id), NOW).await?;
                }
                tx.commit().await
            };
            let commit_first = async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                first.commit().await.unwrap();
            };
            let (got, ()) = tokio::join!(second, commit_first);
            let Err(DbError::Conflict(c)) = got else {
                panic!("{}: {got:?}", db.name);
            };
            assert_eq!(c.kind, ConflictKind::Unique, "{}: {c:?}", db.name);
            assert!(c.is_unique_on("users", "username"), "{}: {c:?}", db.name);
            assert_eq!(c.message, "该用户名已被使用", "{}", db.name);
            assert_eq!(
                DbError::Conflict(c).to_string(),
                "该用户名已被使用",
                "{}",
                db.name
            );
        }

        // A foreign key: the organization does not exist.
        let mut w = store.begin_write().await.unwrap();
        let orphan = raw_insert_user(w.conn(), "orphan", root.id + 1000).await;
        drop(w);
        let Err(DbError::Conflict(c)) = orphan else {
            panic!("{}: {orphan:?}", db.name);
        };
        assert_eq!(c.kind, ConflictKind::ForeignKey, "{}: {c:?}", db.name);
        assert!(c.message.contains("不存在或已被删除"), "{}: {c:?}", db.name);

        // A missing row is not found, not a server error.
        let mut conn = store.read().await.unwrap();
        let none = sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE username = 'nobody'")
            .fetch_one(&mut *conn)
            .await
            .map_err(DbError::from);
        assert!(
            matches!(none, Err(DbError::NotFound)),
            "{}: {none:?}",
            db.name
        );
        drop(conn);
        db.finish().await;
    }
}

/// Writers of two stores on one database (two servers, or a server and a
/// command-line tool) read, then write, all at once: none fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_of_two_processes_queue_instead_of_failing() {
    for db in TestDb::all().await {
        let other = Store::connect(&db.url).await.unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for k in 0..16 {
            let store = if k % 2 == 0 {
                db.store.clone()
            } else {
                other.clone()
            };
            tasks.spawn(async move {
                let mut w = store.begin_write().await?;
                let seen = security::count_alerts(w.conn()).await?;
                tokio::time::sleep(Duration::from_millis(5)).await;
                security::insert_alert(w.conn(), NOW, "test", "writer", &format!("{k}/{seen}"))
                    .await?;
                w.commit().await
            });
        }
        let mut failed = Vec::new();
        while let Some(r) = tasks.join_next().await {
            if let Err(e) = r.unwrap() {
                failed.push(e.to_string());
            }
        }
        assert!(failed.is_empty(), "{}: {failed:?}", db.name);
        let mut conn = db.store.read().await.unwrap();
        assert_eq!(
            security::count_alerts(&mut conn).await.unwrap(),
            16,
            "{}",
            db.name
        );
        drop(conn);
        other.close().await;
        db.finish().await;
    }
}
