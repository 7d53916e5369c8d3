//! The account-security queries on both engines: tokens revoked for good
//! on disable, the password history newest first, sessions oldest first,
//! roles granted and withdrawn, the security administrator's token list.

mod common;

use common::TestDb;
use dangjian_store::org::{self, OrgDetails};
use dangjian_store::{user, user_security as sec};

const NOW: &str = "2026-11-29T08:00:00.000000Z";
const LATER: &str = "2026-11-29T09:00:00.000000Z";

#[tokio::test]
async fn tokens_history_sessions_and_roles_on_both_engines() {
    for db in TestDb::all().await {
        let mut tx = db.store.begin_write().await.unwrap();
        let c = tx.conn();
        let root = org::insert_org(
            c,
            None,
            &OrgDetails {
                name: "中共测试县委员会".into(),
                kind: "committee".into(),
                sector: "rural".into(),
                secretary_name: String::new(),
                secretary_vacant_since: None,
                unit_name: String::new(),
                population: None,
            },
            NOW,
        )
        .await
        .unwrap();
        let id = user::insert_user(
            c,
            &user::NewUser {
                username: "a",
                display_name: "甲",
                password_hash: "h0",
                role: "",
                org_id: root.id,
                must_change: true,
            },
            NOW,
        )
        .await
        .unwrap();
        let u = user::get_user(c, id).await.unwrap();
        assert_eq!(
            (u.role.as_str(), u.must_change_password),
            ("", 1),
            "{}",
            db.name
        );
        assert_eq!(u.password_changed_at, None);
        sec::set_role(c, id, "leader", root.id).await.unwrap();
        assert_eq!(user::get_user(c, id).await.unwrap().role, "leader");

        // Tokens: an expiry is stored; disabling revokes for good.
        let t1 = user::insert_api_token(c, id, "t1", "hash1", NOW, LATER)
            .await
            .unwrap();
        let row = user::user_of_api_token(c, "hash1").await.unwrap().unwrap();
        assert_eq!((row.id, row.expires_at.as_deref()), (t1, Some(LATER)));
        user::set_active(c, id, false, LATER).await.unwrap();
        user::set_active(c, id, true, LATER).await.unwrap();
        assert!(user::user_of_api_token(c, "hash1").await.unwrap().is_none());
        let listed = sec::tokens_in(c, &root.path, "/~", 50, 0).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].token.revoked_reason, "disabled");
        assert_eq!(listed[0].username, "a");
        assert_eq!(sec::count_tokens_in(c, &root.path, "/~").await.unwrap(), 1);
        let t2 = user::insert_api_token(c, id, "t2", "hash2", NOW, LATER)
            .await
            .unwrap();
        assert!(
            sec::revoke_token(c, t2, "security_admin", LATER)
                .await
                .unwrap()
        );
        assert!(
            !sec::revoke_token(c, t2, "security_admin", LATER)
                .await
                .unwrap()
        );

        // Password history, newest first; a chosen password clears must_change.
        for h in ["h1", "h2", "h3"] {
            sec::push_history(c, id, h, NOW).await.unwrap();
        }
        assert_eq!(sec::recent_hashes(c, id, 2).await.unwrap(), ["h3", "h2"]);
        user::set_password(c, id, "h3", false, LATER).await.unwrap();
        let u = user::get_user(c, id).await.unwrap();
        assert_eq!(u.must_change_password, 0);
        assert_eq!(u.password_changed_at.as_deref(), Some(LATER));

        // Sessions oldest first; all but one end.
        user::insert_session(c, "s2", id, "c", LATER).await.unwrap();
        user::insert_session(c, "s1", id, "c", NOW).await.unwrap();
        assert_eq!(sec::sessions_of(c, id).await.unwrap(), ["s1", "s2"]);
        sec::delete_other_sessions(c, id, "s2").await.unwrap();
        assert_eq!(sec::sessions_of(c, id).await.unwrap(), ["s2"]);
        sec::lock(c, id, "9999-12-31T23:59:59.000000Z")
            .await
            .unwrap();
        assert!(sec::sessions_of(c, id).await.unwrap().is_empty());
        tx.commit().await.unwrap();
        db.finish().await;
    }
}
