//! Page-level security and robustness: account lockout, CSRF, escaping of
//! stored markup, limits on input, the audit chain, security headers and
//! the health check; idle-session and lockout expiry, by moving the
//! application's clock forward. The tests that touch stored time or the
//! audit chain also run on PostgreSQL when `DANGJIAN_TEST_PG` is set.

use crate::support::{PASSWORD, TestApp};
use dangjian_service::audit::Verification;
use dangjian_service::store::audit::AuditFilter;
use dangjian_service::{audit, orgs, store};

async fn login_attempt(app: &TestApp, username: &str, password: &str) -> (u16, String) {
    let r = app.post_login(&TestApp::client(), username, password).await;
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account() {
    let app = TestApp::spawn().await;
    for n in 1..=4 {
        let (status, page) = login_attempt(&app, "leader_town", "wrong2026pw").await;
        assert_ne!(status, 303, "attempt {n} with a wrong password must fail");
        assert!(page.contains("用户名或密码错误"), "attempt {n}: {page}");
        assert!(!page.contains("已锁定"), "attempt {n} must not lock yet");
    }
    let (status, page) = login_attempt(&app, "leader_town", "wrong2026pw").await;
    assert_ne!(status, 303);
    assert!(page.contains("已锁定"), "the 5th failure locks: {page}");
    let (status, page) = login_attempt(&app, "leader_town", PASSWORD).await;
    assert_ne!(
        status, 303,
        "a locked account is refused even with the right password"
    );
    assert!(
        page.contains("已锁定"),
        "the page says it is locked: {page}"
    );
}

#[tokio::test]
async fn a_lockout_ends_after_thirty_minutes() {
    lockout_expiry(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn a_lockout_ends_after_thirty_minutes_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        lockout_expiry(&app).await;
    }
}

async fn lockout_expiry(app: &TestApp) {
    for n in 1..=5 {
        let (status, _) = login_attempt(app, "leader_town", "wrong2026pw").await;
        assert_ne!(status, 303, "attempt {n} with a wrong password must fail");
    }
    let (status, page) = login_attempt(app, "leader_town", PASSWORD).await;
    assert_ne!(status, 303, "locked right after the 5th failure");
    assert!(page.contains("已锁定"), "{page}");
    app.advance(29);
    let (status, page) = login_attempt(app, "leader_town", PASSWORD).await;
    assert_ne!(status, 303, "still locked after 29 minutes");
    assert!(page.contains("已锁定"), "{page}");
    app.advance(2);
    let (status, page) = login_attempt(app, "leader_town", PASSWORD).await;
    assert_eq!(status, 303, "the lock is over after 31 minutes: {page}");
}

#[tokio::test]
async fn an_idle_session_expires_after_thirty_minutes() {
    idle_session(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn an_idle_session_expires_after_thirty_minutes_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        idle_session(&app).await;
    }
}

async fn idle_session(app: &TestApp) {
    let s = app.login("county_admin_root").await;
    assert_eq!(s.get("/orgs").await.status(), 200);
    app.advance(29);
    // Still in time; this request also touches the session.
    assert_eq!(s.get("/orgs").await.status(), 200, "29 idle minutes");
    app.advance(31);
    let r = s.get("/orgs").await;
    assert!(
        matches!(r.status().as_u16(), 302 | 303 | 307),
        "31 idle minutes after the last request: {}",
        r.status()
    );
    assert_eq!(r.headers()["location"], "/login?expired=1");
    // The session is gone, not merely refused once.
    let r = s.get("/orgs").await;
    assert_ne!(r.status(), 200, "an expired session stays expired");
}

#[tokio::test]
async fn a_form_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let s = app.login("county_admin_root").await;
    let r =
        s.c.post(format!("{}/orgs/{}/edit", app.addr, app.fx.town_a))
            .form(&[
                ("name", "被篡改的名称"),
                ("kind", "committee"),
                ("sector", "rural"),
                ("secretary_name", "张书记"),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 403);
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    let org = orgs::get(&app.svc, &admin, app.fx.town_a).await.unwrap();
    assert_eq!(org.name, "中共甲镇委员会");
}

#[tokio::test]
async fn injected_markup_is_stored_as_text_and_shown_escaped() {
    injected_markup(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn injected_markup_is_stored_as_text_and_shown_escaped_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        injected_markup(&app).await;
    }
}

async fn injected_markup(app: &TestApp) {
    let s = app.login("county_admin_root").await;
    let r = s
        .post(
            &format!("/orgs/{}/new", app.fx.town_a),
            &[
                ("name", "<script>alert(1)</script>支部"),
                ("kind", "branch"),
                ("sector", "rural"),
                ("secretary_name", "张三"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/orgs/"), "{location}");
    let page = s.get(&location).await.text().await.unwrap();
    // Askama escapes `<` and `>` as numeric references; either form is text.
    assert!(
        page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"),
        "the name is shown escaped: {page}"
    );
    assert!(!page.contains("<script>alert(1)"), "no live markup");
}

#[tokio::test]
async fn oversized_and_malformed_input_is_refused() {
    let app = TestApp::spawn().await;
    let s = app.login("county_admin_root").await;
    let path = format!("/orgs/{}/new", app.fx.town_a);

    let huge = "a".repeat(3 * 1024 * 1024);
    let r = s
        .post(
            &path,
            &[("name", &huge), ("kind", "branch"), ("sector", "rural")],
        )
        .await;
    assert_eq!(r.status(), 413, "a 3 MB body is too large");

    // ASCII, so the encoded body (1 MB) stays under the 2 MB limit.
    let long = "a".repeat(1024 * 1024);
    let r = s
        .post(
            &path,
            &[("name", &long), ("kind", "branch"), ("sector", "rural")],
        )
        .await;
    assert_eq!(r.status(), 422, "a 1 MB name is invalid");
    assert!(r.text().await.unwrap().contains("组织名称"));

    assert_eq!(s.get("/orgs/abc").await.status(), 404);
    assert_eq!(s.get("/members?page=-1").await.status(), 422);
    assert_eq!(s.get("/members?category=x'--").await.status(), 422);
}

#[tokio::test]
async fn every_change_is_audited_and_the_chain_verifies() {
    audit_chain(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn every_change_is_audited_and_the_chain_verifies_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        audit_chain(&app).await;
    }
}

async fn audit_chain(app: &TestApp) {
    let (status, _) = login_attempt(app, "county_admin_root", "wrong2026pw").await;
    assert_ne!(status, 303);
    let s = app.login("county_admin_root").await;
    let r = s
        .post(
            &format!("/orgs/{}/edit", app.fx.town_a),
            &[
                ("name", "中共甲镇委员会（新）"),
                ("kind", "committee"),
                ("sector", "rural"),
                ("secretary_name", "李书记"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "the edit is accepted");
    let r = s
        .post(&format!("/members/{}/reveal", app.fx.member_a1), &[])
        .await;
    assert_eq!(r.status(), 200, "the reveal is shown");

    assert!(matches!(
        audit::verify(&app.svc).await.unwrap(),
        Verification::Ok { .. }
    ));
    let mut conn = app.svc.store.read().await.unwrap();
    let rows = store::audit::list(&mut conn, &AuditFilter::default(), 10_000, 0)
        .await
        .unwrap();
    for action in [
        "org.update",
        "member.reveal",
        "login.success",
        "login.failure",
    ] {
        assert!(
            rows.iter()
                .any(|r| r.action == action && r.source_addr == "127.0.0.1"),
            "{action} is in the audit log with the client's address"
        );
    }
    // The fixture was written by the service directly: the console.
    assert!(rows.iter().any(|r| r.source_addr == "console"));
    // The audit administrator sees the source address; a forged
    // X-Forwarded-For is ignored when no trusted proxy is configured.
    let auditor = app.login("audit_admin_root").await;
    let page = auditor
        .c
        .get(format!("{}/audit", app.addr))
        .header("x-forwarded-for", "203.0.113.66")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<th>来源地址</th>"), "{page}");
    assert!(page.contains("<td>127.0.0.1</td>"));
    assert!(page.contains("<td>控制台</td>"));
    drop(conn);
    let mut conn = app.svc.store.read().await.unwrap();
    let rows = store::audit::list(&mut conn, &AuditFilter::default(), 10_000, 0)
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.source_addr != "203.0.113.66"));
}

#[tokio::test]
async fn security_headers_are_set() {
    let app = TestApp::spawn().await;
    let r = TestApp::client()
        .get(format!("{}/login", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h.contains_key("referrer-policy"));
}

#[tokio::test]
async fn healthz_answers_ok() {
    let app = TestApp::spawn().await;
    let r = TestApp::client()
        .get(format!("{}/healthz", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn an_exact_id_search_is_posted_scoped_and_audited() {
    let app = TestApp::spawn().await;
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    let (a1_id, _) = dangjian_service::members::reveal(&app.svc, &admin, app.fx.member_a1)
        .await
        .unwrap();
    let (b1_id, _) = dangjian_service::members::reveal(&app.svc, &admin, app.fx.member_b1)
        .await
        .unwrap();

    let s = app.login("unit_admin_town").await;
    // Found inside the scope: straight to the member.
    let r = s.post("/members/find", &[("id_card", &a1_id)]).await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(to, format!("/members/{}", app.fx.member_a1));
    // A member of the sibling town is "not found", exactly like a stranger.
    let r = s.post("/members/find", &[("id_card", &b1_id)]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("没有找到"), "{page}");
    // A malformed number: the field message, and nothing looked up.
    let r = s
        .post("/members/find", &[("id_card", "360721198506150011")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("校验位"));
    // Never through a URL.
    let r = s.get(&format!("/members/find?id_card={a1_id}")).await;
    assert_eq!(r.status(), 405);
    // A role that may not see full numbers may not search by them.
    let leader = app.login("leader_town").await;
    assert_eq!(
        leader
            .post("/members/find", &[("id_card", &a1_id)])
            .await
            .status(),
        403
    );

    let mut conn = app.svc.store.read().await.unwrap();
    let f = dangjian_service::store::audit::AuditFilter {
        action_prefix: Some("member.lookup".into()),
        ..Default::default()
    };
    assert_eq!(
        dangjian_service::store::audit::count(&mut conn, &f)
            .await
            .unwrap(),
        2,
        "found and not-found lookups are audited"
    );
}

#[tokio::test]
async fn identity_numbers_are_encrypted_at_rest_and_masked_on_pages() {
    let app = TestApp::spawn().await;
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    let (id_card, phone) = dangjian_service::members::reveal(&app.svc, &admin, app.fx.member_a1)
        .await
        .unwrap();
    let phone = phone.unwrap();
    // Nowhere in the database files, WAL included, does the number stand in clear.
    let mut found = Vec::new();
    for entry in std::fs::read_dir(app.data_dir().unwrap()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for needle in [id_card.as_bytes(), phone.as_bytes()] {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(path.display().to_string());
            }
        }
    }
    assert!(found.is_empty(), "plaintext identity found in {found:?}");
    // Pages show the masked forms; a role without the reveal right sees only those.
    let s = app.login("branch_secretary_town").await;
    let page = s
        .get(&format!("/members/{}", app.fx.member_a1))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("{}************", &id_card[..6])),
        "masked ID shown"
    );
    assert!(!page.contains(&id_card), "full ID hidden");
    assert!(!page.contains(&phone), "full phone hidden");
    assert_eq!(
        s.post(&format!("/members/{}/reveal", app.fx.member_a1), &[])
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn a_long_list_of_children_is_paged() {
    let app = TestApp::spawn().await;
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    for i in 0..105 {
        let form = crate::support::org_form(&format!("测试第{i:03}党支部"), "branch", "rural");
        dangjian_service::orgs::create(&app.svc, &admin, app.fx.town_a, &form)
            .await
            .unwrap();
    }
    let s = app.login("unit_admin_town").await;
    let first = s
        .get(&format!("/orgs?id={}", app.fx.town_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        first.contains("下级组织（106个）"),
        "the total counts every child"
    );
    assert_eq!(
        first.matches("<tr>").count() - 1,
        100,
        "one page holds 100 children"
    );
    assert!(first.contains("第 1/2 页"));
    let second = s
        .get(&format!("/orgs?id={}&page=2", app.fx.town_a))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(second.matches("<tr>").count() - 1, 6);
    // Past the end: the last page, not an empty one.
    let past = s
        .get(&format!("/orgs?id={}&page=9", app.fx.town_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(past.contains("第 2/2 页"));
    // The API pages the same way.
    let token = app.api_token("unit_admin_town").await.unwrap();
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/orgs?parent={}&page=2",
            app.addr, app.fx.town_a
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (body["children_total"].as_i64(), body["pages"].as_i64()),
        (Some(106), Some(2))
    );
    assert_eq!(body["children"].as_array().map(Vec::len), Some(6));
}
