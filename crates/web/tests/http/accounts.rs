//! 三员分立 and the account rules (issue 10, finding 2): each refusal of the
//! matrix — the system administrator granting roles or resetting an
//! administrator's password, the security administrator reading business
//! pages or managing accounts, the audit administrator doing anything but
//! audit, business administrators touching system accounts — is a 403 (or a
//! 422 naming the field) that changes nothing; and the path of a new
//! account: created without a role, one-time password, forced change,
//! granted by the security administrator.

use crate::support::{Session, TestApp};
use dangjian_service::store::audit::{AuditFilter, list as audit_list};
use dangjian_service::store::user as udb;

async fn user_id(app: &TestApp, username: &str) -> i64 {
    let mut conn = app.svc.store.read().await.unwrap();
    udb::find_by_username(&mut conn, username)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{username} exists"))
        .id
}

async fn user_count(app: &TestApp) -> i64 {
    let mut conn = app.svc.store.read().await.unwrap();
    udb::count_users(&mut conn, "/", "/~").await.unwrap()
}

async fn actions(app: &TestApp) -> Vec<String> {
    let mut conn = app.svc.store.read().await.unwrap();
    audit_list(&mut conn, &AuditFilter::default(), 10_000, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect()
}

async fn status_get(s: &Session, path: &str) -> u16 {
    s.get(path).await.status().as_u16()
}

const NEW_PW: &str = "Hongqi-2026-Lu";

#[tokio::test]
async fn the_system_administrator_creates_accounts_but_grants_no_role_and_resets_no_administrator()
{
    let app = TestApp::spawn().await;
    let s = app.login("system_admin_root").await;
    let before = user_count(&app).await;
    let r = s
        .post(
            "/users/new",
            &[
                ("username", "sneaky"),
                ("display_name", "某人"),
                ("role", "county_admin"),
                ("org_id", &app.fx.root.to_string()),
                ("password", NEW_PW),
                ("password_confirm", NEW_PW),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("系统管理员不能授予角色"));
    assert_eq!(user_count(&app).await, before, "nothing was created");

    let leader = user_id(&app, "leader_town").await;
    let r = s
        .post(
            &format!("/users/{leader}/role"),
            &[
                ("role", "county_admin"),
                ("org_id", &app.fx.root.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 403, "the system administrator grants no role");
    assert_eq!(status_get(&s, &format!("/users/{leader}/role")).await, 403);
    assert_eq!(
        s.post(&format!("/users/{leader}/withdraw"), &[])
            .await
            .status(),
        403
    );
    assert_eq!(
        s.post(&format!("/users/{leader}/lock"), &[]).await.status(),
        403
    );
    for admin in [
        "audit_admin_town",
        "security_admin_town",
        "system_admin_town",
        "county_admin_town",
    ] {
        let id = user_id(&app, admin).await;
        let r = s
            .post(
                &format!("/users/{id}/password"),
                &[("password", NEW_PW), ("password_confirm", NEW_PW)],
            )
            .await;
        assert_eq!(r.status(), 403, "resetting {admin}'s password");
        // The old password still works: nothing changed.
        app.login(admin).await;
    }
    let own = user_id(&app, "system_admin_root").await;
    let r = s
        .post(
            &format!("/users/{own}/password"),
            &[("password", NEW_PW), ("password_confirm", NEW_PW)],
        )
        .await;
    assert_eq!(r.status(), 403, "one's own password is changed, not reset");
    assert!(
        !actions(&app)
            .await
            .iter()
            .any(|a| a == "user.password_reset")
    );
}

#[tokio::test]
async fn the_security_administrator_reads_no_business_data_and_manages_no_account_life_cycle() {
    let app = TestApp::spawn().await;
    let s = app.login("security_admin_root").await;
    for path in [
        "/orgs".to_owned(),
        format!("/orgs/{}", app.fx.town_a),
        format!("/members?org={}", app.fx.root),
        "/life".to_owned(),
        "/warnings".to_owned(),
        "/rectify".to_owned(),
        "/work".to_owned(),
        "/policy".to_owned(),
        "/tokens".to_owned(),
        "/audit".to_owned(),
        "/users/new".to_owned(),
    ] {
        assert_eq!(status_get(&s, &path).await, 403, "{path}");
    }
    let leader = user_id(&app, "leader_town").await;
    assert_eq!(
        s.post(
            &format!("/users/{leader}/password"),
            &[("password", NEW_PW), ("password_confirm", NEW_PW)]
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        s.post(&format!("/users/{leader}/disable"), &[])
            .await
            .status(),
        403
    );
    let own = user_id(&app, "security_admin_root").await;
    let r = s
        .post(
            &format!("/users/{own}/role"),
            &[
                ("role", "audit_admin"),
                ("org_id", &app.fx.root.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 403, "no role for oneself: no account holds two");
    assert_eq!(status_get(&s, "/users").await, 200);
    assert_eq!(status_get(&s, "/security/tokens").await, 200);
}

#[tokio::test]
async fn the_audit_administrator_does_nothing_but_audit() {
    let app = TestApp::spawn().await;
    let s = app.login("audit_admin_root").await;
    let leader = user_id(&app, "leader_town").await;
    for path in [
        "/users".to_owned(),
        "/users/new".to_owned(),
        format!("/users/{leader}/role"),
        format!("/users/{leader}/password"),
        "/security/tokens".to_owned(),
        "/tokens".to_owned(),
        "/orgs".to_owned(),
        "/policy".to_owned(),
    ] {
        assert_eq!(status_get(&s, &path).await, 403, "{path}");
    }
    for path in [
        format!("/users/{leader}/disable"),
        format!("/users/{leader}/unlock"),
        format!("/users/{leader}/lock"),
        format!("/users/{leader}/withdraw"),
    ] {
        assert_eq!(s.post(&path, &[]).await.status(), 403, "{path}");
    }
    assert_eq!(status_get(&s, "/audit").await, 200);
    assert_eq!(status_get(&s, "/account/password").await, 200);
}

#[tokio::test]
async fn business_administrators_never_touch_system_accounts() {
    let app = TestApp::spawn().await;
    let s = app.login("county_admin_root").await;
    let before = user_count(&app).await;
    let r = s
        .post(
            "/users/new",
            &[
                ("username", "fakeaudit"),
                ("display_name", "某人"),
                ("role", "audit_admin"),
                ("org_id", &app.fx.root.to_string()),
                ("password", NEW_PW),
                ("password_confirm", NEW_PW),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("不能创建审计管理员账号"));
    assert_eq!(user_count(&app).await, before);
    for admin in [
        "system_admin_town",
        "security_admin_town",
        "audit_admin_town",
    ] {
        let id = user_id(&app, admin).await;
        assert_eq!(
            s.post(&format!("/users/{id}/disable"), &[]).await.status(),
            403,
            "{admin}"
        );
        assert_eq!(
            s.post(
                &format!("/users/{id}/password"),
                &[("password", NEW_PW), ("password_confirm", NEW_PW)]
            )
            .await
            .status(),
            403,
            "{admin}"
        );
    }
    let county = user_id(&app, "county_admin_town").await;
    assert_eq!(
        s.post(
            &format!("/users/{county}/password"),
            &[("password", NEW_PW), ("password_confirm", NEW_PW)]
        )
        .await
        .status(),
        403,
        "another county administrator's password"
    );
    assert_eq!(status_get(&s, &format!("/users/{county}/role")).await, 403);
    assert_eq!(status_get(&s, "/security/tokens").await, 403);
    // A business role in scope: allowed, and one-time.
    let leader = user_id(&app, "leader_town").await;
    let r = s
        .post(
            &format!("/users/{leader}/password"),
            &[("password", NEW_PW), ("password_confirm", NEW_PW)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let c = TestApp::client();
    let r = app.post_login(&c, "leader_town", NEW_PW).await;
    assert_eq!(r.headers()["location"], "/account/password");
}

#[tokio::test]
async fn a_new_account_reaches_nothing_until_its_password_is_its_own_and_a_role_is_granted() {
    let app = TestApp::spawn().await;
    let sys = app.login("system_admin_root").await;
    let r = sys
        .post(
            "/users/new",
            &[
                ("username", "clerk"),
                ("display_name", "新办事员"),
                ("password", "short1"),
                ("password_confirm", "short1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("密码至少需要12个字符"));
    let r = sys
        .post(
            "/users/new",
            &[
                ("username", "clerk"),
                ("display_name", "新办事员"),
                ("password", NEW_PW),
                ("password_confirm", NEW_PW),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let id = user_id(&app, "clerk").await;

    let s = app.login_with("clerk", NEW_PW).await;
    for path in ["/", "/orgs", "/tokens", "/users"] {
        let r = s.get(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()["location"], "/account/password", "{path}");
    }
    let page = s.get("/account/password").await.text().await.unwrap();
    assert!(page.contains("须先设置新密码"), "{page}");
    // Bad input names the field and changes nothing.
    for (new, msg) in [
        ("abc", "至少需要12个字符"),
        ("password1234", "常见密码"),
        ("clerk-2026-Xyz", "不能包含用户名"),
        (NEW_PW, "最近5次"),
    ] {
        let r = s
            .post(
                "/account/password",
                &[
                    ("current_password", NEW_PW),
                    ("new_password", new),
                    ("new_password_confirm", new),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "{new}");
        assert!(r.text().await.unwrap().contains(msg), "{new}: {msg}");
    }
    let r = s
        .post(
            "/account/password",
            &[
                ("current_password", "wrong-Password-1"),
                ("new_password", "Jinggang 2026 shan!"),
                ("new_password_confirm", "Jinggang 2026 shan!"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("当前密码不正确"));
    let mine = "Jinggang 2026 shan!";
    let r = s
        .post(
            "/account/password",
            &[
                ("current_password", NEW_PW),
                ("new_password", mine),
                ("new_password_confirm", mine),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?changed=1");
    assert_eq!(
        s.get("/account/password").await.status(),
        303,
        "the session ended"
    );

    // Its own password, but no role yet.
    let s = app.login_with("clerk", mine).await;
    assert_eq!(
        s.get("/orgs").await.headers()["location"],
        "/account/password"
    );
    assert!(
        s.get("/account/password")
            .await
            .text()
            .await
            .unwrap()
            .contains("尚未被授予角色")
    );

    // The security administrator grants; a bad organization names the field.
    let sec = app.login("security_admin_root").await;
    let r = sec
        .post(
            &format!("/users/{id}/role"),
            &[("role", "leader"), ("org_id", "abc")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("所属党组织的编号"));
    let r = sec
        .post(
            &format!("/users/{id}/role"),
            &[("role", "leader"), ("org_id", &app.fx.town_a.to_string())],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        s.get("/orgs").await.status(),
        303,
        "the grant ended its sessions"
    );
    let s = app.login_with("clerk", mine).await;
    assert_eq!(s.get("/").await.headers()["location"], "/orgs");
    assert_eq!(
        status_get(&s, &format!("/orgs/{}", app.fx.town_a)).await,
        200
    );
    assert_eq!(
        status_get(&s, &format!("/orgs/{}", app.fx.town_b)).await,
        403
    );

    // Withdrawn again: back to nothing.
    assert_eq!(
        sec.post(&format!("/users/{id}/withdraw"), &[])
            .await
            .status(),
        303
    );
    let s = app.login_with("clerk", mine).await;
    assert_eq!(
        s.get("/orgs").await.headers()["location"],
        "/account/password"
    );
    let acts = actions(&app).await;
    for a in [
        "user.create",
        "user.password_change",
        "user.grant",
        "user.withdraw",
    ] {
        assert!(acts.iter().any(|x| x == a), "{a} is audited");
    }
}

#[tokio::test]
async fn only_the_security_administrator_changes_the_security_table_and_nothing_else() {
    use dangjian_domain::policy::DEFAULT_PROFILE_TOML;
    use dangjian_service::policy;
    let app = TestApp::spawn().await;
    let county = TestApp::actor(&app.svc, "county_admin_root").await;
    let sec = TestApp::actor(&app.svc, "security_admin_root").await;
    let sys = TestApp::actor(&app.svc, "system_admin_root").await;
    let tighter =
        DEFAULT_PROFILE_TOML.replace("token_lifetime_days = 90", "token_lifetime_days = 30");
    let other_rules =
        DEFAULT_PROFILE_TOML.replace("escalate_after_days = 3", "escalate_after_days = 4");
    let refused = |r: Result<_, dangjian_service::ServiceError>, what: &str| match r {
        Err(dangjian_service::ServiceError::Invalid(f)) => f[0].message.clone(),
        Err(e) => e.to_string(),
        Ok(_) => panic!("{what} must be refused"),
    };
    let m = refused(
        policy::upload(&app.svc, &county, tighter.as_bytes()).await,
        "county [security]",
    );
    assert!(m.contains("由安全管理员设置"), "{m}");
    let m = refused(
        policy::upload(&app.svc, &sec, other_rules.as_bytes()).await,
        "security other rules",
    );
    assert!(m.contains("安全管理员只能修改"), "{m}");
    refused(
        policy::upload(&app.svc, &sys, tighter.as_bytes()).await,
        "system administrator",
    );
    assert_eq!(
        policy::active(&app.svc).await.unwrap().version,
        1,
        "nothing changed"
    );
    // In force today (by default it would wait for next month).
    let today = policy::Effective {
        from: Some(app.svc.clock.today().to_string()),
        ..policy::Effective::default()
    };
    policy::upload_with(&app.svc, &sec, tighter.as_bytes(), &today)
        .await
        .unwrap();
    let active = policy::active(&app.svc).await.unwrap();
    assert_eq!(active.profile.security().token_lifetime_days, 30);
    policy::upload(
        &app.svc,
        &county,
        tighter
            .replace("escalate_after_days = 3", "escalate_after_days = 4")
            .as_bytes(),
    )
    .await
    .unwrap();
}
