//! Work-item pages and API (督办/整改事项, 督办任务, 通知): the authorization
//! matrix of every route (each role bound to town A against items and tasks
//! of its own organization, a child, a sibling and the parent, with explicit
//! 403s), CSRF refusals that change nothing, and a journey through the
//! pages — dispatch a task, start, note with a photo, submit, a refused
//! action shown with its Chinese message (422), return, accept, remind.
//! SQLite always, PostgreSQL when `DANGJIAN_TEST_PG` is set.

use crate::matrix::{BUSINESS, EDITORS, MANAGERS, RELS, Rel, check, in_scope, org_of};
use crate::support::{Session, TestApp};
use dangjian_domain::role::Role;
use dangjian_service::work::{self, NewWorkItem, WorkKind};
use reqwest::multipart::{Form, Part};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";

/// An item dispatched by the county to `org`, due in ten days.
async fn seed_item(app: &TestApp, org: i64, title: &str) -> i64 {
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    let deadline = app
        .svc
        .clock
        .today()
        .checked_add(jiff::Span::new().days(10))
        .unwrap();
    work::create(
        &app.svc,
        &admin,
        &NewWorkItem {
            kind: WorkKind::Rectification,
            title: title.into(),
            detail: String::new(),
            owner_org: app.fx.root,
            assignee_org: org,
            deadline,
            source: None,
            task_id: None,
        },
    )
    .await
    .unwrap()
}

/// A note with a photo on `item` by the county; returns the attachment id.
async fn seed_photo(app: &TestApp, item: i64) -> i64 {
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    let up = dangjian_service::records::Upload {
        file_name: "现场.png".into(),
        bytes: PNG.to_vec(),
    };
    let action = dangjian_domain::work::Action::Note {
        text: "请按期整改".into(),
        attachments: 0,
    };
    work::act_with(&app.svc, &admin, item, action, &[up])
        .await
        .unwrap();
    let d = work::detail(&app.svc, &admin, item).await.unwrap();
    d.timeline[0].attachments[0].id
}

/// A task record dispatched by `org` (no units: the matrix checks who may
/// read and remind, not the dispatch itself).
async fn seed_task(app: &TestApp, org: i64) -> i64 {
    let mut conn = app.svc.store.read().await.unwrap();
    let path: String = sqlx::query_scalar("SELECT path FROM orgs WHERE id = $1")
        .bind(org)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let mut tx = app.svc.store.begin_write().await.unwrap();
    let id = dangjian_service::store::work::insert_task(
        tx.conn(),
        &dangjian_service::store::work::NewTask {
            title: "报送主题党日开展情况",
            detail: "",
            deadline: "2099-12-31",
            dispatcher_org_id: org,
            dispatcher_path: &path,
        },
        "setup",
        "2026-01-01T00:00:00.000000Z",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

fn multipart(csrf: &str, fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Form {
    let mut form = Form::new().text("csrf_token", csrf.to_owned());
    for (k, v) in fields {
        form = form.text((*k).to_owned(), (*v).to_owned());
    }
    for (name, bytes) in files {
        form = form.part(
            "attachments",
            Part::bytes(bytes.to_vec()).file_name((*name).to_owned()),
        );
    }
    form
}

async fn post_multipart(s: &Session, path: &str, form: Form) -> reqwest::Response {
    s.c.post(format!("{}{path}", s.base))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn events_of(app: &TestApp, item: i64) -> i64 {
    let mut conn = app.svc.store.read().await.unwrap();
    dangjian_service::store::work::count_events(&mut conn, item)
        .await
        .unwrap()
}

#[tokio::test]
async fn work_pages_and_api_obey_role_and_scope() {
    matrix(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn work_pages_and_api_obey_role_and_scope_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        matrix(&app).await;
    }
}

#[allow(clippy::too_many_lines)] // one matrix, row by row
async fn matrix(app: &TestApp) {
    let mut seeds = Vec::new();
    for rel in RELS {
        let org = org_of(app, rel);
        let item = seed_item(app, org, "补齐会议记录").await;
        let att = seed_photo(app, item).await;
        seeds.push((item, att, seed_task(app, org).await));
    }
    let api = reqwest::Client::new();
    for role in Role::ALL {
        let user = format!("{}_town", role.code());
        let s = app.login(&user).await;
        let token = app.api_token(&user).await;
        let status = |r: reqwest::Response| r.status().as_u16();
        let business = BUSINESS.contains(&role);
        let manager = MANAGERS.contains(&role);

        // Pages that do not depend on a target organization.
        for path in [
            "/work",
            "/work?tab=dispatched",
            "/work?tab=escalated&overdue=1",
            "/notices",
        ] {
            check(path, role, "-", business, status(s.get(path).await), &[200]);
        }
        check(
            "/tasks/new",
            role,
            "-",
            manager,
            status(s.get("/tasks/new").await),
            &[200],
        );
        let r = s
            .post("/tasks/new", &[("title", ""), ("deadline", "")])
            .await;
        check("POST /tasks/new", role, "-", manager, status(r), &[422]);
        let r = s.post("/notices/read", &[]).await;
        check("POST /notices/read", role, "-", business, status(r), &[303]);
        let r = s.post("/notices/1/read", &[]).await;
        check(
            "POST /notices/{id}/read",
            role,
            "-",
            business,
            status(r),
            &[303],
        );

        for (i, rel) in RELS.into_iter().enumerate() {
            let (item, att, task) = seeds[i];
            let read = business && in_scope(rel);
            let edit = EDITORS.contains(&role) && in_scope(rel);
            for path in [
                format!("/work/{item}"),
                format!("/work/attachments/{att}"),
                format!("/tasks/{task}"),
            ] {
                check(&path, role, rel, read, status(s.get(&path).await), &[200]);
            }
            // A refused transition: the page again with the message (422).
            let r = s
                .post(&format!("/work/{item}/act"), &[("action", "accept")])
                .await;
            check("POST /work/{id}/act", role, rel, edit, status(r), &[422]);
            // A note: the assignee's editors write it (303), editors above
            // an item not escalated to them are refused (422).
            let before = events_of(app, item).await;
            let r = s
                .post(
                    &format!("/work/{item}/act"),
                    &[("action", "note"), ("text", "已部署")],
                )
                .await;
            let ok: &[u16] = if rel == Rel::Own { &[303] } else { &[422] };
            check("POST /work/{id}/act note", role, rel, edit, status(r), ok);
            let wrote = events_of(app, item).await - before;
            assert_eq!(
                wrote,
                i64::from(edit && rel == Rel::Own),
                "{role:?} on {rel:?}"
            );
            let r = post_multipart(
                &s,
                &format!("/work/{item}/note"),
                multipart(&s.csrf, &[("text", "照片")], &[("a.exe", b"MZ\x90\0")]),
            )
            .await;
            check("POST /work/{id}/note", role, rel, edit, status(r), &[422]);
            // Only the dispatcher's administrators remind.
            let r = s.post(&format!("/tasks/{task}/remind"), &[]).await;
            check(
                "POST /tasks/{id}/remind",
                role,
                rel,
                manager && rel == Rel::Own,
                status(r),
                &[303],
            );

            let Some(token) = &token else {
                assert!(role.is_system(), "{role:?} should hold an API token");
                continue;
            };
            for path in [format!("/work/{item}"), format!("/tasks/{task}")] {
                let r = api
                    .get(format!("{}/api/v1{path}", app.addr))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                check(
                    &format!("API GET {path}"),
                    role,
                    rel,
                    read,
                    status(r),
                    &[200],
                );
            }
            let r = api
                .post(format!("{}/api/v1/work/{item}/actions", app.addr))
                .bearer_auth(token)
                .json(&serde_json::json!({"action": "return", "text": "补充"}))
                .send()
                .await
                .unwrap();
            check(
                "API POST /work/{id}/actions",
                role,
                rel,
                edit,
                status(r),
                &[422],
            );
        }
        if let Some(token) = &token {
            let r = api
                .get(format!("{}/api/v1/work?tab=mine", app.addr))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            check("API GET /work", role, "-", business, status(r), &[200]);
        }
    }
}

#[tokio::test]
async fn posts_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let item = seed_item(&app, app.fx.town_a, "核对党员信息").await;
    let task = seed_task(&app, app.fx.town_a).await;
    let s = app.login("unit_admin_town").await;
    let bad = Session {
        c: s.c.clone(),
        csrf: "forged".into(),
        base: s.base.clone(),
    };
    for (path, fields) in [
        (format!("/work/{item}/act"), vec![("action", "start")]),
        (format!("/tasks/{task}/remind"), vec![]),
        (
            "/tasks/new".to_owned(),
            vec![
                ("title", "x"),
                ("deadline", "2099-01-01"),
                ("all_townships", "1"),
            ],
        ),
        ("/notices/read".to_owned(), vec![]),
        ("/notices/1/read".to_owned(), vec![]),
    ] {
        let r = bad.post(&path, &fields).await;
        assert_eq!(r.status(), 403, "{path}");
    }
    let r = post_multipart(
        &s,
        &format!("/work/{item}/note"),
        multipart("forged", &[("text", "x")], &[]),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(events_of(&app, item).await, 0);
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    let d = work::detail(&app.svc, &admin, item).await.unwrap();
    assert_eq!(d.item.state, "assigned");
    let n = dangjian_service::work::notices::list(&app.svc, &admin, 1)
        .await
        .unwrap();
    assert_eq!(n.total, 0, "no task was dispatched");
}

#[tokio::test]
async fn a_task_is_dispatched_reported_reviewed_and_reminded_through_the_pages() {
    journey(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn a_task_is_dispatched_reported_reviewed_and_reminded_through_the_pages_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        journey(&app).await;
    }
}

async fn journey(app: &TestApp) {
    let county = app.login("county_admin_root").await;
    let town = app.login("unit_admin_town").await;
    let deadline = app
        .svc
        .clock
        .today()
        .checked_add(jiff::Span::new().days(7))
        .unwrap()
        .to_string();
    // The form lists the townships; a bad form comes back with messages.
    let page = county.get("/tasks/new").await.text().await.unwrap();
    assert!(page.contains("中共甲镇委员会") && page.contains("全部乡镇"));
    let r = county
        .post(
            "/tasks/new",
            &[("title", "开展主题党日"), ("deadline", &deadline)],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请至少选择一个承办单位"));
    let r = county
        .post(
            "/tasks/new",
            &[
                ("title", "开展主题党日"),
                ("detail", "各乡镇报送开展情况"),
                ("deadline", &deadline),
                ("all_townships", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(loc.starts_with("/tasks/"), "{loc}");
    let task_page = county.get(&loc).await.text().await.unwrap();
    assert!(task_page.contains("督办任务已下发至2个单位"));
    assert!(task_page.contains("state-bar") && task_page.contains("一键催办"));
    // Town A finds it in its 待办 list and a notice.
    let list = town.get("/work").await.text().await.unwrap();
    assert!(list.contains("开展主题党日"));
    let notices = town.get("/notices").await.text().await.unwrap();
    assert!(notices.contains("新交办") && notices.contains("1</strong> 条未读"));
    let item: i64 = list
        .split("href=\"/work/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("an item link");
    // Start, a note with a photo, submit.
    let r = town
        .post(&format!("/work/{item}/act"), &[("action", "start")])
        .await;
    assert_eq!(r.status(), 303);
    let r = post_multipart(
        &town,
        &format!("/work/{item}/note"),
        multipart(
            &town.csrf,
            &[("text", "已组织各村开展\n共120人参加")],
            &[("活动.png", PNG)],
        ),
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = town
        .post(&format!("/work/{item}/act"), &[("action", "submit")])
        .await;
    assert_eq!(r.status(), 303);
    // A refused action: the town may not accept what it submitted.
    let r = town
        .post(&format!("/work/{item}/act"), &[("action", "accept")])
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("承办单位无权验收销号：只有交办单位可以验收销号"),
        "{body}"
    );
    // The county returns it without a reason (422), then with one.
    let r = county
        .post(
            &format!("/work/{item}/act"),
            &[("action", "return"), ("text", " ")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请填写退回理由"));
    let r = county
        .post(
            &format!("/work/{item}/act"),
            &[("action", "return"), ("text", "请补充照片说明")],
        )
        .await;
    assert_eq!(r.status(), 303);
    town.post(&format!("/work/{item}/act"), &[("action", "submit")])
        .await;
    let r = county
        .post(&format!("/work/{item}/act"), &[("action", "accept")])
        .await;
    assert_eq!(r.status(), 303);
    let detail = town
        .get(&format!("/work/{item}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(detail.contains("已验收") && detail.contains("请补充照片说明"));
    assert!(detail.contains("/work/attachments/") && detail.contains("共120人参加"));
    // The county reminds town B, which has not reported.
    let task: i64 = loc
        .trim_start_matches("/tasks/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let r = county.post(&format!("/tasks/{task}/remind"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("/tasks/{task}?reminded=1")
    );
    let page = county
        .get(&format!("/tasks/{task}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("中共乙镇委员会") && page.contains("已验收"));
    // The API shows the same table.
    let token = app.api_token("county_admin_root").await.unwrap();
    let v: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/tasks/{task}", app.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v["units"].as_u64(), v["accepted"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(v["not_reported"], serde_json::json!(["中共乙镇委员会"]));
}
