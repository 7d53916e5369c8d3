//! The authorization matrix: every organization and member route, web and
//! API, for each role bound to town A, against its own organization (A),
//! a child (branch A1), a sibling (town B) and the parent (the county).
//! Each cell asserts either the allowed answer or an explicit 403. Every
//! matrix runs on SQLite and, when `DANGJIAN_TEST_PG` is set, PostgreSQL.

use crate::matrix::{BUSINESS, EDITORS, MANAGERS, RELS, REVEALERS, Rel, check, in_scope, org_of};
use crate::support::{TestApp, member_form};
use dangjian_domain::role::Role;

/// A member-holding organization for the relation (the parent relation
/// uses a branch created directly under the county).
fn member_of(app: &TestApp, rel: Rel) -> Option<i64> {
    match rel {
        Rel::Child => Some(app.fx.member_a1),
        Rel::Sibling => Some(app.fx.member_b1),
        _ => None,
    }
}

#[tokio::test]
async fn organization_pages_obey_role_and_scope() {
    organization_pages(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn organization_pages_obey_role_and_scope_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        organization_pages(&app).await;
    }
}

async fn organization_pages(app: &TestApp) {
    let today = app.svc.clock.today().to_string();
    for role in Role::ALL {
        let s = app.login(&format!("{}_town", role.code())).await;
        for rel in RELS {
            let id = org_of(app, rel);
            let read = BUSINESS.contains(&role) && in_scope(rel);
            check(
                "GET /orgs/{id}",
                role,
                rel,
                read,
                s.get(&format!("/orgs/{id}")).await.status().as_u16(),
                &[200],
            );
            check(
                "GET /orgs?id=",
                role,
                rel,
                read,
                s.get(&format!("/orgs?id={id}")).await.status().as_u16(),
                &[200],
            );
            check(
                "GET /members?org=",
                role,
                rel,
                read,
                s.get(&format!("/members?org={id}")).await.status().as_u16(),
                &[200],
            );

            let edit = EDITORS.contains(&role) && in_scope(rel);
            check(
                "GET /orgs/{id}/edit",
                role,
                rel,
                edit,
                s.get(&format!("/orgs/{id}/edit")).await.status().as_u16(),
                &[200],
            );
            // An invalid form: allowed users get the form back (422), others 403.
            let r = s
                .post(
                    &format!("/orgs/{id}/edit"),
                    &[("name", ""), ("kind", "branch"), ("sector", "rural")],
                )
                .await;
            check(
                "POST /orgs/{id}/edit",
                role,
                rel,
                edit,
                r.status().as_u16(),
                &[422],
            );

            let manage = MANAGERS.contains(&role) && in_scope(rel);
            check(
                "GET /orgs/{id}/new",
                role,
                rel,
                manage,
                s.get(&format!("/orgs/{id}/new")).await.status().as_u16(),
                &[200],
            );
            let r = s
                .post(
                    &format!("/orgs/{id}/new"),
                    &[("name", ""), ("kind", "branch"), ("sector", "rural")],
                )
                .await;
            check(
                "POST /orgs/{id}/new",
                role,
                rel,
                manage,
                r.status().as_u16(),
                &[422],
            );

            // Move and dissolve act only strictly below one's own organization.
            let below = MANAGERS.contains(&role) && rel == Rel::Child;
            let r = s
                .post(
                    &format!("/orgs/{id}/move"),
                    &[("parent_id", &app.fx.town_a.to_string())],
                )
                .await;
            check(
                "POST /orgs/{id}/move",
                role,
                rel,
                below,
                r.status().as_u16(),
                &[422],
            );
            let r = s
                .post(&format!("/orgs/{id}/dissolve"), &[("dissolved_on", &today)])
                .await;
            check(
                "POST /orgs/{id}/dissolve",
                role,
                rel,
                below,
                r.status().as_u16(),
                &[422],
            );
            let manage_page = MANAGERS.contains(&role) && in_scope(rel);
            let r = s.get(&format!("/orgs/{id}/move")).await;
            check(
                "GET /orgs/{id}/move",
                role,
                rel,
                manage_page,
                r.status().as_u16(),
                &[200],
            );
            let r = s
                .post(&format!("/orgs/{id}/terms"), &[("start_date", "")])
                .await;
            check(
                "POST /orgs/{id}/terms",
                role,
                rel,
                edit,
                r.status().as_u16(),
                &[422],
            );
        }
    }
}

#[tokio::test]
async fn member_pages_obey_role_and_scope() {
    member_pages(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn member_pages_obey_role_and_scope_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        member_pages(&app).await;
    }
}

async fn member_pages(app: &TestApp) {
    for role in Role::ALL {
        let s = app.login(&format!("{}_town", role.code())).await;
        for rel in RELS {
            let org = org_of(app, rel);
            // Creating a member: an invalid form (no name) to leave the data as it is.
            let mut form = member_form(org, "");
            form.name = String::new();
            let allowed = EDITORS.contains(&role) && in_scope(rel);
            let r = s.post_form("/members/new", &form).await;
            check(
                "POST /members/new",
                role,
                rel,
                allowed,
                r.status().as_u16(),
                &[422],
            );

            let Some(mid) = member_of(app, rel) else {
                continue;
            };
            let read = BUSINESS.contains(&role) && in_scope(rel);
            check(
                "GET /members/{id}",
                role,
                rel,
                read,
                s.get(&format!("/members/{mid}")).await.status().as_u16(),
                &[200],
            );
            check(
                "GET /members/{id}/edit",
                role,
                rel,
                allowed,
                s.get(&format!("/members/{mid}/edit"))
                    .await
                    .status()
                    .as_u16(),
                &[200],
            );
            let reveal = REVEALERS.contains(&role) && in_scope(rel);
            check(
                "POST /members/{id}/reveal",
                role,
                rel,
                reveal,
                s.post(&format!("/members/{mid}/reveal"), &[])
                    .await
                    .status()
                    .as_u16(),
                &[200],
            );
            let r = s
                .post(
                    &format!("/members/{mid}/transfer"),
                    &[
                        ("org_id", &org.to_string()),
                        ("on_date", "2026-01-01"),
                        ("reason", ""),
                    ],
                )
                .await;
            check(
                "POST /members/{id}/transfer",
                role,
                rel,
                allowed,
                r.status().as_u16(),
                &[],
            );
            // Invalid or inapplicable input: allowed users get 422, nothing changes.
            let empty = member_form(org, "");
            let mut empty = empty;
            empty.name = String::new();
            let r = s.post_form(&format!("/members/{mid}/edit"), &empty).await;
            check(
                "POST /members/{id}/edit",
                role,
                rel,
                allowed,
                r.status().as_u16(),
                &[422],
            );
            let r = s
                .post(&format!("/members/{mid}/full"), &[("full_on", "")])
                .await;
            check(
                "POST /members/{id}/full",
                role,
                rel,
                allowed,
                r.status().as_u16(),
                &[422],
            );
            let r = s.post(&format!("/members/{mid}/extend"), &[]).await;
            check(
                "POST /members/{id}/extend",
                role,
                rel,
                allowed,
                r.status().as_u16(),
                &[422],
            );
        }
    }
}

#[tokio::test]
async fn the_api_obeys_role_and_scope() {
    the_api(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn the_api_obeys_role_and_scope_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        the_api(&app).await;
    }
}

async fn the_api(app: &TestApp) {
    let c = reqwest::Client::new();
    for role in Role::ALL {
        let token = app.api_token(&format!("{}_town", role.code())).await;
        let Some(token) = token else {
            // System roles cannot hold API tokens at all.
            assert!(
                role.is_system(),
                "{role:?} should be able to create an API token"
            );
            continue;
        };
        for rel in RELS {
            let org = org_of(app, rel);
            let read = BUSINESS.contains(&role) && in_scope(rel);
            let get = |path: String| {
                c.get(format!("{}/api/v1{path}", app.addr))
                    .bearer_auth(&token)
                    .send()
            };
            check(
                "API GET /orgs/{id}",
                role,
                rel,
                read,
                get(format!("/orgs/{org}")).await.unwrap().status().as_u16(),
                &[200],
            );
            check(
                "API GET /orgs?parent=",
                role,
                rel,
                read,
                get(format!("/orgs?parent={org}"))
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
                &[200],
            );
            check(
                "API GET /members?org=",
                role,
                rel,
                read,
                get(format!("/members?org={org}"))
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
                &[200],
            );
            if let Some(mid) = member_of(app, rel) {
                check(
                    "API GET /members/{id}",
                    role,
                    rel,
                    read,
                    get(format!("/members/{mid}"))
                        .await
                        .unwrap()
                        .status()
                        .as_u16(),
                    &[200],
                );
            }
            let allowed = EDITORS.contains(&role) && in_scope(rel);
            let mut form = member_form(org, "");
            form.name = String::new();
            let r = c
                .post(format!("{}/api/v1/members", app.addr))
                .bearer_auth(&token)
                .json(&form)
                .send()
                .await
                .unwrap();
            check(
                "API POST /members",
                role,
                rel,
                allowed,
                r.status().as_u16(),
                &[422],
            );
            let body = serde_json::json!({"name": "", "kind": "branch", "sector": "rural"});
            let r = c
                .put(format!("{}/api/v1/orgs/{org}", app.addr))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .unwrap();
            check(
                "API PUT /orgs/{id}",
                role,
                rel,
                allowed,
                r.status().as_u16(),
                &[422],
            );
            let api = |method: reqwest::Method, path: String, body: serde_json::Value| {
                c.request(method, format!("{}/api/v1{path}", app.addr))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
            };
            let manage = MANAGERS.contains(&role) && in_scope(rel);
            let below = MANAGERS.contains(&role) && rel == Rel::Child;
            let bad_org = serde_json::json!({"parent_id": org, "name": "", "kind": "branch", "sector": "rural"});
            let r = api(reqwest::Method::POST, "/orgs".into(), bad_org)
                .await
                .unwrap();
            check(
                "API POST /orgs",
                role,
                rel,
                manage,
                r.status().as_u16(),
                &[422],
            );
            let r = api(
                reqwest::Method::POST,
                format!("/orgs/{org}/move"),
                serde_json::json!({"parent_id": app.fx.town_a}),
            )
            .await
            .unwrap();
            check(
                "API POST /orgs/{id}/move",
                role,
                rel,
                below,
                r.status().as_u16(),
                &[422],
            );
            let today = app.svc.clock.today().to_string();
            let r = api(
                reqwest::Method::POST,
                format!("/orgs/{org}/dissolve"),
                serde_json::json!({"dissolved_on": today}),
            )
            .await
            .unwrap();
            check(
                "API POST /orgs/{id}/dissolve",
                role,
                rel,
                below,
                r.status().as_u16(),
                &[422],
            );
            if let Some(mid) = member_of(app, rel) {
                let r = api(
                    reqwest::Method::PUT,
                    format!("/members/{mid}"),
                    serde_json::to_value(&form).unwrap(),
                )
                .await
                .unwrap();
                check(
                    "API PUT /members/{id}",
                    role,
                    rel,
                    allowed,
                    r.status().as_u16(),
                    &[422],
                );
                let body =
                    serde_json::json!({"org_id": org, "on_date": "2026-01-01", "reason": ""});
                let r = api(
                    reqwest::Method::POST,
                    format!("/members/{mid}/transfer"),
                    body,
                )
                .await
                .unwrap();
                check(
                    "API POST /members/{id}/transfer",
                    role,
                    rel,
                    allowed,
                    r.status().as_u16(),
                    &[422],
                );
            }
        }
    }
    // Search answers only inside the caller's scope: the sibling town is not found.
    let token = app.api_token("unit_admin_town").await.unwrap();
    let r = c
        .get(format!("{}/api/v1/orgs/search", app.addr))
        .query(&[("q", "乙")])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["items"].as_array().map(Vec::len), Some(0), "{body}");
    // No token, a wrong token: 401 with a JSON error.
    let r = c
        .get(format!("{}/api/v1/orgs", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .get(format!("{}/api/v1/orgs", app.addr))
        .bearer_auth("dj_wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");
}

#[tokio::test]
async fn system_roles_see_no_business_data_but_do_their_jobs() {
    system_roles(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn system_roles_see_no_business_data_but_do_their_jobs_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        system_roles(&app).await;
    }
}

async fn system_roles(app: &TestApp) {
    let s = app.login("system_admin_root").await;
    assert_eq!(s.get("/users").await.status(), 200);
    assert_eq!(s.get("/audit").await.status(), 403);
    assert_eq!(s.get(&format!("/orgs/{}", app.fx.root)).await.status(), 403);
    let s = app.login("audit_admin_root").await;
    assert_eq!(s.get("/audit").await.status(), 200);
    assert_eq!(s.get("/users").await.status(), 403);
    assert_eq!(
        s.get(&format!("/members?org={}", app.fx.root))
            .await
            .status(),
        403
    );
    let s = app.login("security_admin_root").await;
    assert_eq!(s.get("/users").await.status(), 200);
    assert_eq!(s.get(&format!("/orgs/{}", app.fx.root)).await.status(), 403);
}
