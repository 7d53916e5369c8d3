//! The keyed audit chain on both engines: the re-keying of an old plain
//! chain (with a detail rewrite), edits and deletions by someone who can
//! write the database but lacks the key, removed tails caught by the
//! checkpoint file, and the source address of each row.

mod common;

use common::TestSvc;
use dangjian_domain::audit::{ChainBreak, GENESIS, StoredAudit, plain_hash};
use dangjian_service::audit::checkpoint::{self, CheckpointError};
use dangjian_service::audit::rechain::RechainError;
use dangjian_service::audit::{self, Verification};
use dangjian_service::store::audit as db;

async fn rows(t: &TestSvc) -> Vec<StoredAudit> {
    let mut conn = t.svc.store.read().await.unwrap();
    db::batch_after(&mut conn, 0, 1_000_000)
        .await
        .unwrap()
        .into_iter()
        .map(db::AuditRow::into_stored)
        .collect()
}

/// Recomputes the whole chain with the plain (unkeyed) hash, as the old
/// version wrote it, or as anyone without the key could after an edit.
async fn rewrite_plain(t: &TestSvc) {
    let mut tx = t.svc.store.begin_write().await.unwrap();
    let mut prev = GENESIS.to_owned();
    for mut r in rows(t).await {
        r.prev_hash.clone_from(&prev);
        r.hash = plain_hash(&prev, &r.entry);
        db::rechain(tx.conn(), &r).await.unwrap();
        prev = r.hash;
    }
    tx.commit().await.unwrap();
}

async fn exec(t: &TestSvc, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&t.svc.store.pool)
        .await
        .unwrap();
}

async fn add_rows(t: &TestSvc, n: usize) {
    for i in 0..n {
        audit::record(
            &t.svc,
            "tester",
            "test.row",
            &format!("row:{i}"),
            "/1/",
            &serde_json::json!({"i": i, "name": "张三"}),
        )
        .await
        .unwrap();
    }
}

async fn verify(t: &TestSvc) -> Verification {
    audit::verify(&t.svc).await.unwrap()
}

#[tokio::test]
async fn an_old_plain_chain_is_verified_and_rechained_under_the_key_once() {
    for mut t in TestSvc::all().await {
        let dir = tempfile::tempdir().unwrap();
        t.svc.audit_checkpoints = Some(dir.path().join("cp.log"));
        add_rows(&t, 5).await;
        rewrite_plain(&t).await;
        let before = rows(&t).await;
        assert_eq!(verify(&t).await, Verification::Broken(ChainBreak::Unkeyed));

        // The hook of a later upgrade sees every row's details first.
        let redact = |v: &mut serde_json::Value| {
            if let Some(o) = v.as_object_mut()
                && o.contains_key("name")
            {
                o.insert("name".into(), "*".into());
            }
        };
        let done = audit::upgrade_plain_chain(&t.svc, Some(&redact))
            .await
            .unwrap()
            .expect("a plain chain is re-chained");
        assert_eq!(done.rows, before.len() as u64, "{}", t.engine);
        assert_eq!(done.rewritten, 5);
        assert_eq!(done.from, "plain");
        let after = rows(&t).await;
        assert_eq!(after.len(), before.len() + 1);
        let last = after.last().unwrap();
        assert_eq!(last.entry.action, "audit.rechain");
        assert_eq!(
            verify(&t).await,
            Verification::Ok {
                rows: after.len() as u64
            }
        );
        assert!(after.iter().all(|r| !r.entry.summary.contains("张三")));
        // The untouched rows keep their details; only hashes change.
        assert_eq!(after[0].entry.summary, before[0].entry.summary);
        assert_ne!(after[0].hash, before[0].hash);
        // A checkpoint of the new head was written, and it holds.
        let (head, cp) = checkpoint::verify_with(&t.svc, &dir.path().join("cp.log"))
            .await
            .unwrap();
        assert_eq!(cp.unwrap().id, head.id);
        // Once only.
        assert_eq!(
            audit::upgrade_plain_chain(&t.svc, None).await.unwrap(),
            None
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_broken_plain_chain_or_one_with_keyed_checkpoints_is_not_rekeyed() {
    for t in TestSvc::all().await {
        add_rows(&t, 3).await;
        rewrite_plain(&t).await;
        exec(&t, "UPDATE audit_log SET summary = '{}' WHERE id = 2").await;
        let before = rows(&t).await;
        let err = audit::upgrade_plain_chain(&t.svc, None).await.unwrap_err();
        assert!(
            matches!(err, RechainError::Broken(ChainBreak::BadHash { id: 2 })),
            "{err:?}"
        );
        assert!(err.to_string().contains("第 2 行"), "{err}");
        assert_eq!(rows(&t).await.len(), before.len(), "nothing changed");

        // An intact plain chain, but checkpoints say the log was keyed: a
        // wholesale replacement of the log is not blessed with the key.
        let dir = tempfile::tempdir().unwrap();
        let mut keyed = t.svc.clone();
        keyed.audit_checkpoints = Some(dir.path().join("cp.log"));
        exec(&t, "DELETE FROM audit_log").await;
        add_rows(&t, 2).await;
        checkpoint::write(&keyed, "manual").await.unwrap();
        rewrite_plain(&t).await;
        let err = audit::upgrade_plain_chain(&keyed, None).await.unwrap_err();
        assert!(matches!(err, RechainError::CheckpointsExist(_)), "{err:?}");
        t.finish().await;
    }
}

#[tokio::test]
async fn edits_and_deletions_without_the_key_are_found() {
    for t in TestSvc::all().await {
        add_rows(&t, 120).await;
        let n = rows(&t).await.len() as i64;
        assert!(matches!(verify(&t).await, Verification::Ok { .. }));

        // 100 rows deleted and the chain recomputed (without the key).
        exec(&t, "DELETE FROM audit_log WHERE id > 10 AND id <= 110").await;
        exec(&t, "UPDATE audit_log SET id = id - 100 WHERE id > 110").await;
        rewrite_plain(&t).await;
        assert!(
            matches!(verify(&t).await, Verification::Broken(_)),
            "{}",
            t.engine
        );
        // Deleted rows without renumbering leave a gap.
        exec(&t, "DELETE FROM audit_log").await;
        add_rows(&t, 10).await;
        exec(&t, "DELETE FROM audit_log WHERE id = 4").await;
        assert_eq!(
            verify(&t).await,
            Verification::Broken(ChainBreak::Gap { id: 5, expected: 4 })
        );
        assert!(n > 100);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_removed_tail_is_caught_by_the_checkpoint() {
    for mut t in TestSvc::all().await {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("checkpoints.log");
        t.svc.audit_checkpoints = Some(file.clone());
        add_rows(&t, 60).await;
        let cp = checkpoint::write(&t.svc, "manual").await.unwrap().unwrap();
        let total = rows(&t).await.len() as i64;
        assert_eq!(cp.id, total);
        checkpoint::verify_with(&t.svc, &file).await.unwrap();

        // 50 rows cut from the end: the shorter chain is intact on its own…
        exec(
            &t,
            &format!("DELETE FROM audit_log WHERE id > {}", total - 50),
        )
        .await;
        assert!(matches!(verify(&t).await, Verification::Ok { .. }));
        // …but does not reach the checkpoint.
        let err = checkpoint::verify_with(&t.svc, &file).await.unwrap_err();
        assert!(
            matches!(
                err,
                CheckpointError::Broken(ChainBreak::Truncated { checkpoint_id, last_id })
                    if checkpoint_id == total && last_id == total - 50
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("末尾记录被删除"), "{err}");

        // A forged checkpoint line is refused.
        std::fs::write(&file, "v1 2026-01-01T00:00:00Z 1 00 manual 00\n").unwrap();
        let err = checkpoint::verify_with(&t.svc, &file).await.unwrap_err();
        assert!(matches!(err, CheckpointError::Bad(_)), "{err:?}");
        t.finish().await;
    }
}

#[tokio::test]
async fn checkpoints_are_written_when_due() {
    for mut t in TestSvc::all().await {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/checkpoints.log");
        t.svc.audit_checkpoints = Some(file.clone());
        assert!(checkpoint::write_if_due(&t.svc).await.unwrap().is_some());
        assert!(checkpoint::write_if_due(&t.svc).await.unwrap().is_none());
        add_rows(&t, checkpoint::EVERY_ROWS as usize).await;
        let cp = checkpoint::write_if_due(&t.svc).await.unwrap().unwrap();
        assert_eq!(cp.reason, "rows");
        assert_eq!(checkpoint::read(&t.svc, &file).unwrap().len(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&file), 0o600);
            assert_eq!(mode(file.parent().unwrap()), 0o700);
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn every_row_records_its_source_address_under_the_key() {
    for t in TestSvc::all().await {
        add_rows(&t, 1).await;
        audit::with_source("198.51.100.4", add_rows(&t, 1)).await;
        let all = rows(&t).await;
        let [.., console, web] = all.as_slice() else {
            panic!("two rows")
        };
        assert_eq!(console.entry.source_addr, "console");
        assert_eq!(web.entry.source_addr, "198.51.100.4");
        let id = web.entry.id;
        exec(
            &t,
            &format!("UPDATE audit_log SET source_addr = '10.0.0.1' WHERE id = {id}"),
        )
        .await;
        assert_eq!(
            verify(&t).await,
            Verification::Broken(ChainBreak::BadHash { id })
        );
        t.finish().await;
    }
}
