//! Store stories, each run on SQLite and on PostgreSQL: the organization
//! tree with moves and roll-ups, members with filters and transfers, the
//! audit table, and schema parity between the two migration folders.

#![allow(clippy::many_single_char_names)] // short names keep the stories readable

mod common;

use common::TestDb;
use dangjian_store::member::{self, MemberFields, MemberFilter};
use dangjian_store::org::{self, OrgDetails, OrgRow};
use dangjian_store::{Conn, DbError, audit, user};

const NOW: &str = "2026-11-29T08:00:00.000000Z";

fn details(name: &str, kind: &str) -> OrgDetails {
    OrgDetails {
        name: name.into(),
        kind: kind.into(),
        sector: "rural".into(),
        secretary_name: "张三".into(),
        secretary_vacant_since: None,
        unit_name: String::new(),
        population: None,
    }
}

fn fields(name: &str, id_key: &str, category: &str) -> MemberFields {
    MemberFields {
        name: name.into(),
        gender: "male".into(),
        birth_month: "1980-01".into(),
        ethnicity: "汉族".into(),
        education: "高中".into(),
        category: category.into(),
        joined_on: "2005-07-01".into(),
        full_on: (category == "full").then(|| "2006-07-01".into()),
        probation_extended: false,
        post: "农民".into(),
        address: String::new(),
        id_card_enc: format!("enc-{id_key}"),
        id_card_hmac: format!("hmac-{id_key}"),
        id_card_masked: "360102************".into(),
        phone_enc: None,
        phone_masked: String::new(),
    }
}

async fn add(conn: &mut Conn, parent: Option<&OrgRow>, name: &str, kind: &str) -> OrgRow {
    org::insert_org(conn, parent, &details(name, kind), NOW)
        .await
        .unwrap()
}

/// The incremental counters equal a recomputation from the rows.
async fn assert_rollups_consistent(conn: &mut Conn) {
    let before: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT id, sub_orgs, sub_members, sub_full, sub_probationary FROM orgs ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let changed = org::recompute_rollups(conn).await.unwrap();
    assert_eq!(changed, 0, "incremental roll-ups drifted: {before:?}");
}

#[tokio::test]
async fn a_subtree_moves_with_its_members_and_counts() {
    for db in TestDb::all().await {
        let mut tx = db.store.begin_write().await.unwrap();
        let c = tx.conn();
        let county = add(c, None, "中共测试县委员会", "committee").await;
        let town_a = add(c, Some(&county), "甲镇党委", "committee").await;
        let town_b = add(c, Some(&county), "乙镇党委", "committee").await;
        let village = add(c, Some(&town_a), "桃源村党总支", "general_branch").await;
        let branch = add(c, Some(&village), "桃源村第一党支部", "branch").await;
        let group = add(c, Some(&branch), "第一党小组", "group").await;
        assert_eq!(
            group.path,
            format!(
                "/{}/{}/{}/{}/{}/",
                county.id, town_a.id, village.id, branch.id, group.id
            )
        );
        member::insert_member(
            c,
            branch.id,
            &branch.path,
            &fields("李四", "a", "full"),
            NOW,
        )
        .await
        .unwrap();
        member::insert_member(
            c,
            branch.id,
            &branch.path,
            &fields("王五", "b", "probationary"),
            NOW,
        )
        .await
        .unwrap();
        member::insert_member(
            c,
            village.id,
            &village.path,
            &fields("赵六", "c", "full"),
            NOW,
        )
        .await
        .unwrap();
        assert_rollups_consistent(c).await;
        let a = org::get_org(c, town_a.id).await.unwrap();
        assert_eq!(
            (a.sub_orgs, a.sub_members, a.sub_full, a.sub_probationary),
            (3, 3, 2, 1),
            "{}",
            db.name
        );

        let village = org::get_org(c, village.id).await.unwrap();
        org::move_subtree(c, &village, &town_b, NOW).await.unwrap();
        let moved_group = org::get_org(c, group.id).await.unwrap();
        assert_eq!(
            moved_group.path,
            format!(
                "/{}/{}/{}/{}/{}/",
                county.id, town_b.id, village.id, branch.id, group.id
            )
        );
        assert_eq!(moved_group.depth, 4);
        let a = org::get_org(c, town_a.id).await.unwrap();
        let b = org::get_org(c, town_b.id).await.unwrap();
        assert_eq!((a.sub_orgs, a.sub_members), (0, 0), "{}", db.name);
        assert_eq!(
            (b.sub_orgs, b.sub_members, b.sub_probationary),
            (3, 3, 1),
            "{}",
            db.name
        );
        let root = org::get_org(c, county.id).await.unwrap();
        assert_eq!((root.sub_orgs, root.sub_members), (5, 3));
        // Members' path copies followed the move: a range query under town B finds them.
        let f = MemberFilter {
            scope_path: b.path.clone(),
            scope_upper: org::upper_of(&b.path),
            ..MemberFilter::default()
        };
        assert_eq!(
            member::count_members(c, &f, 100).await.unwrap(),
            3,
            "{}",
            db.name
        );
        let f = MemberFilter {
            scope_path: a.path.clone(),
            scope_upper: org::upper_of(&a.path),
            ..MemberFilter::default()
        };
        assert_eq!(member::count_members(c, &f, 100).await.unwrap(), 0);
        assert_rollups_consistent(c).await;

        // Dissolving keeps the row and lowers the ancestors' counts.
        let g = org::get_org(c, group.id).await.unwrap();
        org::dissolve(c, &g, "2026-11-01", NOW).await.unwrap();
        assert_eq!(org::get_org(c, group.id).await.unwrap().status, "dissolved");
        assert_eq!(org::get_org(c, county.id).await.unwrap().sub_orgs, 4);
        assert_rollups_consistent(c).await;
        tx.commit().await.unwrap();
        db.finish().await;
    }
}

#[tokio::test]
async fn sibling_paths_with_a_common_prefix_stay_apart() {
    for db in TestDb::all().await {
        let mut tx = db.store.begin_write().await.unwrap();
        let c = tx.conn();
        let root = add(c, None, "中共测试县委员会", "committee").await;
        // Create enough siblings that ids 2 and 20..29 exist: '/1/2/' must not match '/1/20/'.
        let mut kids = Vec::new();
        for i in 0..25 {
            kids.push(add(c, Some(&root), &format!("第{i}党支部"), "branch").await);
        }
        let two = &kids[0];
        assert_eq!(two.path, format!("/{}/{}/", root.id, two.id));
        let sub = org::subtree(c, &two.path, &org::upper_of(&two.path))
            .await
            .unwrap();
        assert_eq!(
            sub.len(),
            1,
            "{}: {:?}",
            db.name,
            sub.iter().map(|o| &o.path).collect::<Vec<_>>()
        );
        let found = org::search_orgs(c, &root.path, &org::upper_of(&root.path), "第1", 100)
            .await
            .unwrap();
        assert_eq!(found.len(), 11, "{}", db.name); // 第1, 第10..第19
        let none = org::search_orgs(c, &root.path, &org::upper_of(&root.path), "%", 100)
            .await
            .unwrap();
        assert!(none.is_empty(), "LIKE wildcards are escaped ({})", db.name);
        tx.commit().await.unwrap();
        db.finish().await;
    }
}

#[tokio::test]
async fn members_filter_page_transfer_and_stay_unique() {
    for db in TestDb::all().await {
        let mut tx = db.store.begin_write().await.unwrap();
        let c = tx.conn();
        let root = add(c, None, "中共测试县委员会", "committee").await;
        let b1 = add(c, Some(&root), "一支部", "branch").await;
        let b2 = add(c, Some(&root), "二支部", "branch").await;
        for i in 0..30 {
            let cat = if i % 10 == 0 { "probationary" } else { "full" };
            member::insert_member(
                c,
                b1.id,
                &b1.path,
                &fields(&format!("党员{i:02}"), &format!("k{i}"), cat),
                NOW,
            )
            .await
            .unwrap();
        }
        // A refused write aborts a PostgreSQL transaction: try it in a savepoint.
        let mut sp = sqlx::Connection::begin(&mut *c).await.unwrap();
        let dup =
            member::insert_member(&mut sp, b2.id, &b2.path, &fields("重复", "k1", "full"), NOW)
                .await;
        assert!(
            matches!(dup, Err(DbError::Conflict(_))),
            "{}: {dup:?}",
            db.name
        );
        sp.rollback().await.unwrap();

        let all = MemberFilter {
            scope_path: root.path.clone(),
            scope_upper: org::upper_of(&root.path),
            ..MemberFilter::default()
        };
        assert_eq!(member::count_members(c, &all, 1000).await.unwrap(), 30);
        assert_eq!(
            member::count_members(c, &all, 10).await.unwrap(),
            10,
            "count stops at the cap"
        );
        let page2 = member::list_members(c, &all, 20, 20).await.unwrap();
        assert_eq!(page2.len(), 10);
        let prob = MemberFilter {
            category: Some("probationary".into()),
            ..all.clone()
        };
        assert_eq!(member::count_members(c, &prob, 1000).await.unwrap(), 3);
        let named = MemberFilter {
            name_contains: Some("党员0".into()),
            ..all.clone()
        };
        assert_eq!(member::count_members(c, &named, 1000).await.unwrap(), 10);
        let injected = MemberFilter {
            name_contains: Some("' OR 1=1 --".into()),
            ..all.clone()
        };
        assert_eq!(member::count_members(c, &injected, 1000).await.unwrap(), 0);

        let m = member::find_by_id_card_hmac(c, "hmac-k3")
            .await
            .unwrap()
            .unwrap();
        member::transfer(c, &m, b2.id, &b2.path, "2026-10-01", "工作调动", NOW)
            .await
            .unwrap();
        let moved = member::get_member(c, m.id).await.unwrap();
        assert_eq!(
            (moved.org_id, moved.org_path.as_str()),
            (b2.id, b2.path.as_str())
        );
        let history = member::transfers(c, m.id).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(
            (
                history[0].from_org_name.as_str(),
                history[0].to_org_name.as_str()
            ),
            ("一支部", "二支部")
        );
        assert_eq!(org::get_org(c, b2.id).await.unwrap().sub_members, 1);
        assert_eq!(org::get_org(c, b1.id).await.unwrap().sub_members, 29);
        assert_rollups_consistent(c).await;
        tx.commit().await.unwrap();
        db.finish().await;
    }
}

#[tokio::test]
async fn audit_rows_append_and_read_in_order() {
    use dangjian_domain::audit::{AuditEntry, GENESIS, Hashing, Head, StoredAudit, verify_chain};
    let key = [3u8; 32];
    for db in TestDb::all().await {
        let mut tx = db.store.begin_write().await.unwrap();
        let c = tx.conn();
        assert_eq!(audit::last(c).await.unwrap(), (0, GENESIS.to_owned()));
        for i in 1..=3 {
            let (last_id, prev) = audit::last(c).await.unwrap();
            let entry = AuditEntry {
                id: last_id + 1,
                at: NOW.into(),
                actor: "甲".into(),
                action: format!("member.create{i}"),
                target: "member:1".into(),
                org_path: "/1/".into(),
                summary: "{\"a\":\"<b>\"}".into(),
                source_addr: "203.0.113.9".into(),
            };
            let hash = dangjian_domain::audit::keyed_hash(&key, &prev, &entry);
            audit::insert(
                c,
                &StoredAudit {
                    entry,
                    prev_hash: prev,
                    hash,
                },
            )
            .await
            .unwrap();
        }
        let rows: Vec<_> = audit::batch_after(c, 0, 10)
            .await
            .unwrap()
            .into_iter()
            .map(audit::AuditRow::into_stored)
            .collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].entry.source_addr, "203.0.113.9");
        verify_chain(Hashing::Keyed(&key), Head::genesis(), &rows).unwrap();
        let f = audit::AuditFilter {
            action_prefix: Some("member.".into()),
            ..Default::default()
        };
        assert_eq!(audit::count(c, &f).await.unwrap(), 3, "{}", db.name);
        let f = audit::AuditFilter {
            action_prefix: Some("login.".into()),
            ..Default::default()
        };
        assert_eq!(audit::count(c, &f).await.unwrap(), 0);
        tx.commit().await.unwrap();
        db.finish().await;
    }
}

#[tokio::test]
async fn users_sessions_and_lockout() {
    for db in TestDb::all().await {
        let mut tx = db.store.begin_write().await.unwrap();
        let c = tx.conn();
        let root = add(c, None, "中共测试县委员会", "committee").await;
        let id = user::insert_user(
            c,
            &user::NewUser {
                username: "a",
                display_name: "甲",
                password_hash: "h",
                role: "leader",
                org_id: root.id,
                must_change: false,
            },
            NOW,
        )
        .await
        .unwrap();
        let mut sp = sqlx::Connection::begin(&mut *c).await.unwrap();
        let again = user::insert_user(
            &mut sp,
            &user::NewUser {
                username: "a",
                display_name: "乙",
                password_hash: "h",
                role: "leader",
                org_id: root.id,
                must_change: false,
            },
            NOW,
        )
        .await;
        assert!(matches!(again, Err(DbError::Conflict(_))));
        sp.rollback().await.unwrap();
        for n in 1..=4 {
            assert_eq!(
                user::record_failed_login(c, id, 5, "2026-11-29T09:00:00.000000Z")
                    .await
                    .unwrap(),
                n
            );
        }
        user::record_failed_login(c, id, 5, "2026-11-29T09:00:00.000000Z")
            .await
            .unwrap();
        let u = user::get_user(c, id).await.unwrap();
        assert_eq!(
            u.locked_until.as_deref(),
            Some("2026-11-29T09:00:00.000000Z"),
            "{}",
            db.name
        );
        user::insert_session(c, "th", id, "csrf", NOW)
            .await
            .unwrap();
        assert!(user::get_session(c, "th").await.unwrap().is_some());
        assert_eq!(
            user::delete_idle_sessions(c, "2026-11-29T08:30:00.000000Z")
                .await
                .unwrap(),
            1
        );
        tx.commit().await.unwrap();
        db.finish().await;
    }
}

/// Both migration folders must give the same tables and columns.
#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    let sqlite = TestDb::sqlite().await;
    let Some(pg) = TestDb::postgres().await else {
        sqlite.finish().await;
        return;
    };
    let mut c = sqlite.store.read().await.unwrap();
    let tables: Vec<(String,)> = sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name")
        .fetch_all(&mut *c)
        .await
        .unwrap();
    let mut lite = Vec::new();
    for (t,) in &tables {
        let cols: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{t}') ORDER BY cid"
        )))
        .fetch_all(&mut *c)
        .await
        .unwrap();
        lite.extend(cols.into_iter().map(|(n,)| format!("{t}.{n}")));
    }
    let mut p = pg.store.read().await.unwrap();
    let pgcols: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '\\_%' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&mut *p)
    .await
    .unwrap();
    let pg_list: Vec<String> = pgcols
        .into_iter()
        .map(|(t, n)| format!("{t}.{n}"))
        .collect();
    assert_eq!(lite, pg_list);
    drop(c);
    drop(p);
    sqlite.finish().await;
    pg.finish().await;
}

/// The SQLite file runs with WAL, foreign keys and synchronous=FULL on every
/// pooled connection.
#[tokio::test]
async fn sqlite_connections_are_durable_and_checked() {
    let db = TestDb::sqlite().await;
    for _ in 0..3 {
        let mut c = db.store.read().await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        assert_eq!((mode.as_str(), fk, sync), ("wal", 1, 2));
    }
    let mut tx = db.store.begin_write().await.unwrap();
    let orphan =
        member::insert_member(tx.conn(), 999, "/999/", &fields("无组织", "z", "full"), NOW).await;
    assert!(
        matches!(orphan, Err(DbError::Conflict(_))),
        "foreign keys are enforced: {orphan:?}"
    );
    drop(tx);
    db.finish().await;
}

#[tokio::test]
async fn after_a_bulk_load_the_tables_are_vacuumed_outside_the_transaction() {
    for db in TestDb::all().await {
        let mut tx = db.store.begin_write().await.unwrap();
        add(tx.conn(), None, "中共测试县委员会", "committee").await;
        dangjian_store::bulk::after_load(tx.conn(), db.store.engine)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut conn = db.store.read().await.unwrap();
        dangjian_store::bulk::vacuum_after_load(&mut conn, db.store.engine)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", db.name));
        // (VACUUM inside a transaction block fails on PostgreSQL: the call
        // succeeding is the point.)
        drop(conn);
        db.finish().await;
    }
}
