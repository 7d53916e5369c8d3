//! Organizational-life record pages and API: the authorization matrix of
//! every route (each role bound to town A against its own organization, a
//! child, a sibling and the parent, with explicit 403s), entry with a
//! sign-in list and a photo over multipart, refusals with field messages
//! and nothing written, the served attachment's headers, confirmation by the
//! parent only, CSRF, and HTML escaping in search excerpts. SQLite always,
//! PostgreSQL when `DANGJIAN_TEST_PG` is set.

use crate::matrix::{BUSINESS, EDITORS, RELS, Rel, check, in_scope, org_of};
use crate::support::{Session, TestApp};
use dangjian_domain::role::Role;
use dangjian_service::records::{self, RecordForm, RecordQuery, Upload};
use reqwest::multipart::{Form, Part};

/// A valid 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

const ATTACHMENT_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'none'; sandbox";

/// A 党课 for `org`: the whole sign-in list present for a branch, typed-in
/// counts for a committee.
async fn lecture(app: &TestApp, org: i64, topics: &str) -> RecordForm {
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    let opts = records::form_options(&app.svc, &admin, org).await.unwrap();
    let mut f = RecordForm {
        record_type: "party_lecture".into(),
        held_on: opts.max_date.clone(),
        place: "党员活动室".into(),
        host: "张书记".into(),
        topics: topics.into(),
        minutes: "讲授了党章有关内容。".into(),
        ..RecordForm::default()
    };
    if opts.members.is_empty() {
        f.expected_count = "20".into();
        f.present_count = "18".into();
    } else {
        f.attendance = opts
            .members
            .iter()
            .map(|m| records::AttendanceForm {
                member_id: m.id,
                present: true,
                absent_reason: String::new(),
            })
            .collect();
    }
    f
}

/// A record with a photo in `org`, made by the county administrator;
/// returns (record id, attachment id).
async fn seeded(app: &TestApp, org: i64) -> (i64, i64) {
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    let f = lecture(app, org, "学习党章党课").await;
    let photo = Upload {
        file_name: "照片.png".into(),
        bytes: PNG.to_vec(),
    };
    let id = records::create(&app.svc, &admin, org, &f, &[photo])
        .await
        .unwrap()
        .id;
    let d = records::get(&app.svc, &admin, id).await.unwrap();
    (id, d.attachments[0].id)
}

/// The multipart form of the record pages: CSRF token first, then the
/// fields, then the files.
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

async fn record_count(app: &TestApp) -> i64 {
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    records::list(&app.svc, &admin, &RecordQuery::default())
        .await
        .unwrap()
        .total
}

#[tokio::test]
async fn record_pages_and_api_obey_role_and_scope() {
    matrix(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn record_pages_and_api_obey_role_and_scope_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        matrix(&app).await;
    }
}

#[allow(clippy::too_many_lines)] // one matrix, row by row
async fn matrix(app: &TestApp) {
    let mut seeds = Vec::new();
    for rel in RELS {
        seeds.push(seeded(app, org_of(app, rel)).await);
    }
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    let api = reqwest::Client::new();
    for role in Role::ALL {
        let user = format!("{}_town", role.code());
        let s = app.login(&user).await;
        let token = app.api_token(&user).await;
        for (i, rel) in RELS.into_iter().enumerate() {
            let org = org_of(app, rel);
            let (rid, aid) = seeds[i];
            let read = BUSINESS.contains(&role) && in_scope(rel);
            let edit = EDITORS.contains(&role) && in_scope(rel);
            let status = |r: reqwest::Response| r.status().as_u16();

            for path in [
                format!("/records?org={org}"),
                format!("/records/search?org={org}&q=党课"),
                format!("/records/{rid}"),
                format!("/records/attachments/{aid}"),
            ] {
                check(&path, role, rel, read, status(s.get(&path).await), &[200]);
            }
            for path in [
                format!("/records/new?org={org}"),
                format!("/records/{rid}/edit"),
                format!("/records/{rid}/delete"),
            ] {
                check(&path, role, rel, edit, status(s.get(&path).await), &[200]);
            }
            // Invalid forms: allowed users get them back (422), others 403.
            let org_s = org.to_string();
            let bad = [("org", org_s.as_str()), ("record_type", ""), ("place", "")];
            let r = post_multipart(&s, "/records/new", multipart(&s.csrf, &bad, &[])).await;
            check("POST /records/new", role, rel, edit, status(r), &[422]);
            let r = post_multipart(
                &s,
                &format!("/records/{rid}/edit"),
                multipart(&s.csrf, &bad, &[]),
            )
            .await;
            check(
                "POST /records/{id}/edit",
                role,
                rel,
                edit,
                status(r),
                &[422],
            );
            let r = post_multipart(
                &s,
                &format!("/records/{rid}/attachments"),
                multipart(&s.csrf, &[], &[("a.exe", b"MZ\x90\0")]),
            )
            .await;
            check(
                "POST /records/{id}/attachments",
                role,
                rel,
                edit,
                status(r),
                &[422],
            );
            // Confirmation: only strictly above the record's organization.
            let below = EDITORS.contains(&role) && rel == Rel::Child;
            let r = s.post(&format!("/records/{rid}/confirm"), &[]).await;
            check(
                "POST /records/{id}/confirm",
                role,
                rel,
                below,
                status(r),
                &[303, 422],
            );
            // Deletions act on fresh rows, so the matrix's own rows stay.
            let f = lecture(app, org, "待删除").await;
            let photo = Upload {
                file_name: "p.png".into(),
                bytes: PNG.to_vec(),
            };
            let victim = records::create(&app.svc, &admin, org, &f, &[photo])
                .await
                .unwrap()
                .id;
            let victim_file = records::get(&app.svc, &admin, victim)
                .await
                .unwrap()
                .attachments[0]
                .id;
            let r = s
                .post(
                    &format!("/records/{victim}/attachments/{victim_file}/delete"),
                    &[],
                )
                .await;
            check(
                "POST /records/{id}/attachments/{att}/delete",
                role,
                rel,
                edit,
                status(r),
                &[303],
            );
            let r = s.post(&format!("/records/{victim}/delete"), &[]).await;
            check(
                "POST /records/{id}/delete",
                role,
                rel,
                edit,
                status(r),
                &[303],
            );
            let gone = records::get(&app.svc, &admin, victim).await.is_err();
            assert_eq!(gone, edit, "{role:?} on {rel:?}: deleted only when allowed");

            // The API, for roles that may hold tokens.
            let Some(token) = &token else {
                assert!(role.is_system(), "{role:?} should hold an API token");
                continue;
            };
            let get = |path: String| {
                api.get(format!("{}/api/v1{path}", app.addr))
                    .bearer_auth(token)
                    .send()
            };
            for path in [
                format!("/records?org={org}"),
                format!("/records/{rid}"),
                format!("/records/search?org={org}&q=党课"),
            ] {
                let r = get(path.clone()).await.unwrap();
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
                .post(format!("{}/api/v1/records", app.addr))
                .bearer_auth(token)
                .json(&serde_json::json!({"org_id": org, "record_type": "", "held_on": ""}))
                .send()
                .await
                .unwrap();
            check("API POST /records", role, rel, edit, status(r), &[422]);
        }
    }
}

#[tokio::test]
async fn a_secretary_records_a_meeting_with_attendance_and_a_photo() {
    create_with_photo(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn a_secretary_records_a_meeting_with_attendance_and_a_photo_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        create_with_photo(&app).await;
    }
}

async fn create_with_photo(app: &TestApp) {
    let s = app.login("branch_secretary_branch").await;
    let page = s
        .get(&format!("/records/new?org={}", app.fx.branch_a1))
        .await
        .text()
        .await
        .unwrap();
    // The organization's page links to its records.
    let org_page = s
        .get(&format!("/orgs/{}", app.fx.branch_a1))
        .await
        .text()
        .await
        .unwrap();
    assert!(org_page.contains(&format!("href=\"/records?org={}\"", app.fx.branch_a1)));
    // Everyone is pre-checked present, with a reason box each.
    assert_eq!(page.matches("name=\"present\"").count(), 3, "{page}");
    assert_eq!(page.matches(" checked>").count(), 3);
    assert!(page.contains("accept=\"image/*,application/pdf\""));
    let sec = TestApp::actor(&app.svc, "branch_secretary_branch").await;
    let members = records::form_options(&app.svc, &sec, app.fx.branch_a1)
        .await
        .unwrap()
        .members;
    let [m0, m1, m2] = [0, 1, 2].map(|i| members[i].id.to_string());
    let today = app.svc.clock.today().to_string();
    let org = app.fx.branch_a1.to_string();
    let reason = format!("reason_{m2}");
    let fields = [
        ("org", org.as_str()),
        ("record_type", "branch_general_meeting"),
        ("held_on", &today),
        ("place", "村党群服务中心"),
        ("host", "张书记"),
        ("topics", "讨论发展党员"),
        ("minutes", "会议讨论了发展对象的培养情况。"),
        ("member", &m0),
        ("member", &m1),
        ("member", &m2),
        ("present", &m0),
        ("present", &m1),
        (&reason, "外出务工"),
    ];
    let r = post_multipart(
        &s,
        "/records/new",
        multipart(&s.csrf, &fields, &[("签到表.png", PNG)]),
    )
    .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with("/records/") && to.ends_with("?saved=1"),
        "{to}"
    );
    let page = s.get(&to).await.text().await.unwrap();
    assert!(page.contains("组织生活记录已保存"));
    assert!(page.contains("应到 3 人，实到 2 人"), "{page}");
    assert!(page.contains("外出务工"));
    assert!(
        !page.contains("未超过半数"),
        "2 of 3 voting members is a quorum"
    );
    let id: i64 = to["/records/".len()..to.find('?').unwrap()]
        .parse()
        .unwrap();
    let d = records::get(&app.svc, &sec, id).await.unwrap();
    assert_eq!(d.attachments.len(), 1);
    let aid = d.attachments[0].id;
    assert!(page.contains(&format!(
        "<img class=\"thumb\" src=\"/records/attachments/{aid}\""
    )));

    let r = s.get(&format!("/records/attachments/{aid}")).await;
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["content-security-policy"], ATTACHMENT_CSP);
    assert_eq!(h["x-content-type-options"], "nosniff");
    // Photos of members are not kept by the browser or a proxy, like pages.
    assert_eq!(h["cache-control"], "no-store");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline; ")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    // Ordinary pages keep the site's policy.
    let r = s.get(&to).await;
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'self'")
    );

    // A members' meeting with 1 of 3 present is saved, flagged.
    let fields = [
        ("org", org.as_str()),
        ("record_type", "branch_general_meeting"),
        ("held_on", &today),
        ("place", "村部"),
        ("host", "张书记"),
        ("topics", "换届准备"),
        ("minutes", "讨论换届准备工作。"),
        ("member", &m0),
        ("member", &m1),
        ("member", &m2),
        ("present", &m0),
    ];
    let r = post_multipart(&s, "/records/new", multipart(&s.csrf, &fields, &[])).await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    let page = s.get(&to).await.text().await.unwrap();
    assert!(
        page.contains("有表决权的党员应到3人、实到1人，未超过半数，本次党员大会无效"),
        "{page}"
    );
}

#[tokio::test]
async fn an_invalid_form_comes_back_with_messages_and_nothing_is_written() {
    invalid_form(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn an_invalid_form_comes_back_with_messages_and_nothing_is_written_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        invalid_form(&app).await;
    }
}

async fn invalid_form(app: &TestApp) {
    let s = app.login("branch_secretary_branch").await;
    let before = record_count(app).await;
    let org = app.fx.branch_a1.to_string();
    let fields = [
        ("org", org.as_str()),
        ("record_type", "branch_general_meeting"),
        ("held_on", "2999-01-01"),
        ("place", ""),
        ("host", "张书记"),
        ("topics", "<b>议题</b>"),
        ("minutes", ""),
    ];
    let r = post_multipart(
        &s,
        "/records/new",
        multipart(&s.csrf, &fields, &[("病毒.exe", b"MZ\x90\0\x03")]),
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    for (id, msg) in [
        ("held_on-error", "活动日期不能晚于今天"),
        ("place-error", "请填写活动地点"),
        ("minutes-error", "须填写会议记录"),
        ("attendance-error", "请在出席名单中勾选实到人员"),
        ("attachments-error", "不是可接受的格式"),
    ] {
        let at = page
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} missing: {page}"));
        assert!(page[at..].contains(msg), "{id}: {msg}");
    }
    // What was typed comes back, escaped (askama writes numeric entities);
    // the file must be chosen again.
    assert!(page.contains("&#60;b&#62;议题&#60;/b&#62;"), "{page}");
    assert!(page.contains("刚才选择的照片或文件没有上传"));
    assert_eq!(record_count(app).await, before, "nothing written");
}

#[tokio::test]
async fn only_the_parent_confirms_and_forged_posts_are_refused() {
    confirm_and_csrf(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn only_the_parent_confirms_and_forged_posts_are_refused_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        confirm_and_csrf(&app).await;
    }
}

async fn confirm_and_csrf(app: &TestApp) {
    let (rid, _) = seeded(app, app.fx.branch_a1).await;
    let sec = app.login("branch_secretary_branch").await;
    let page = sec
        .get(&format!("/records/{rid}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("审核确认</button>"),
        "no confirm button at own level"
    );
    let r = sec.post(&format!("/records/{rid}/confirm"), &[]).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("须由上级党组织审核确认"));

    let town = app.login("unit_admin_town").await;
    let page = town
        .get(&format!("/records/{rid}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("审核确认</button>"));
    // Without or with a wrong token: refused, still unconfirmed.
    let r = town
        .c
        .post(format!("{}/records/{rid}/confirm", app.addr))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = town.post(&format!("/records/{rid}/confirm"), &[]).await;
    assert_eq!(r.status(), 303);
    let page = town
        .get(r.headers()["location"].to_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("已审核确认"));
    // The secretary may no longer change or delete the confirmed record.
    assert_eq!(sec.get(&format!("/records/{rid}/edit")).await.status(), 403);
    assert_eq!(
        sec.post(&format!("/records/{rid}/delete"), &[])
            .await
            .status(),
        403
    );

    // Multipart: a wrong token, or the token after other fields, is refused
    // before anything is written.
    let before = record_count(app).await;
    let org = app.fx.branch_a1.to_string();
    let fields = [("org", org.as_str()), ("record_type", "party_lecture")];
    let r = post_multipart(&sec, "/records/new", multipart("forged", &fields, &[])).await;
    assert_eq!(r.status(), 403);
    let late = Form::new()
        .text("org", org.clone())
        .text("csrf_token", sec.csrf.clone());
    let r = post_multipart(&sec, "/records/new", late).await;
    assert_eq!(r.status(), 403);
    let r = post_multipart(
        &sec,
        &format!("/records/{rid}/attachments"),
        multipart("forged", &[], &[("p.png", PNG)]),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(record_count(app).await, before);
}

#[tokio::test]
async fn the_search_page_highlights_words_and_escapes_user_text() {
    search_page(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn the_search_page_highlights_words_and_escapes_user_text_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        search_page(&app).await;
    }
}

async fn search_page(app: &TestApp) {
    let sec = TestApp::actor(&app.svc, "branch_secretary_branch").await;
    let mut f = lecture(app, app.fx.branch_a1, "<script>alert(1)</script>专题党课").await;
    f.minutes = "会上对\"整改\"清单 <img src=x onerror=alert(2)> 逐项研究。".into();
    records::create(&app.svc, &sec, app.fx.branch_a1, &f, &[])
        .await
        .unwrap();
    let s = app.login("branch_secretary_branch").await;
    let page = s
        .get("/records/search?q=%E5%85%9A%E8%AF%BE")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("找到 1 条记录"), "{page}");
    assert!(page.contains("<mark>党课</mark>"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains("<script>alert"));
    let page = s
        .get("/records/search?q=%E6%95%B4%E6%94%B9")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<mark>整改</mark>"), "{page}");
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(!page.contains("<img src=x"));
    // The query itself is escaped where it is shown again.
    let page = s
        .get("/records/search?q=%3Cb%3E%E6%B2%A1%E6%9C%89%3C%2Fb%3E")
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<b>没有</b>"));
    assert!(page.contains("&#60;b&#62;没有&#60;/b&#62;"));
    // Town A's administrator may not search town B.
    let b = app.login("county_admin_town").await;
    let page = b
        .get(&format!(
            "/records/search?org={}&q=%E5%85%9A%E8%AF%BE",
            app.fx.town_b
        ))
        .await;
    assert_eq!(page.status(), 403, "town B is outside town A's scope");
}

#[tokio::test]
async fn the_api_records_a_meeting_and_reads_it_back() {
    api_round_trip(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn the_api_records_a_meeting_and_reads_it_back_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        api_round_trip(&app).await;
    }
}

async fn api_round_trip(app: &TestApp) {
    let token = app.api_token("branch_secretary_branch").await.unwrap();
    let sec = TestApp::actor(&app.svc, "branch_secretary_branch").await;
    let members = records::form_options(&app.svc, &sec, app.fx.branch_a1)
        .await
        .unwrap()
        .members;
    let c = reqwest::Client::new();
    let body = serde_json::json!({
        "org_id": app.fx.branch_a1,
        "record_type": "branch_general_meeting",
        "held_on": app.svc.clock.today().to_string(),
        "place": "村部",
        "host": "张书记",
        "topics": "专题学习整改方案",
        "minutes": "逐条研究整改措施。",
        "attendance": [
            {"member_id": members[0].id, "present": true},
            {"member_id": members[1].id, "present": false, "absent_reason": "生病"},
        ],
    });
    let r = c
        .post(format!("{}/api/v1/records", app.addr))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let created: serde_json::Value = r.json().await.unwrap();
    // 1 of 3 voting members: saved, but not counted.
    assert_eq!(created["valid"], false, "{created}");
    assert!(created["notice"].as_str().unwrap().contains("未超过半数"));
    let got: serde_json::Value = c
        .get(format!("{}{location}", app.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["type_label"], "支部党员大会");
    assert_eq!(
        (
            got["expected_count"].as_i64(),
            got["present_count"].as_i64()
        ),
        (Some(3), Some(1))
    );
    let absent = got["attendance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["member_id"] == members[1].id)
        .unwrap();
    assert_eq!(absent["absent_reason"], "生病");
    let list: serde_json::Value = c
        .get(format!(
            "{}/api/v1/records?type=branch_general_meeting",
            app.addr
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1, "{list}");
    let found: serde_json::Value = c
        .get(format!("{}/api/v1/records/search", app.addr))
        .query(&[("q", "整改")])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1, "{found}");
    assert!(
        found["items"][0]["topics_html"]
            .as_str()
            .unwrap()
            .contains("<mark>整改</mark>")
    );
    // An empty query is refused with the field named.
    let r = c
        .get(format!("{}/api/v1/records/search?q=", app.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["error"]["fields"][0]["field"], "q");
}
