//! 组织生活 and 政策配置 over HTTP: the authorization matrix of every new
//! page and API endpoint (each role bound to town A against its own
//! organization, a child, a sibling and the parent, with explicit 403s),
//! the matrix and the landing page on records created through the service,
//! and the profile upload (line-precise refusal that changes nothing, a
//! good version that the pages then name, CSRF). SQLite and PostgreSQL.

use crate::matrix::{BUSINESS, RELS, Rel, check, org_of};
use crate::support::{Session, TestApp};
use dangjian_domain::policy::DEFAULT_PROFILE_TOML;
use dangjian_domain::role::Role;
use dangjian_service::records::{self, AttendanceForm, RecordForm};
use jiff::ToSpan;

/// A profile upload as the page's form sends it: the CSRF token first.
async fn upload_profile(s: &Session, csrf: &str, text: &str) -> reqwest::Response {
    upload_profile_with(s, csrf, text, &[]).await
}

/// Like [`upload_profile`], with more form fields (生效日期, 追溯适用).
async fn upload_profile_with(
    s: &Session,
    csrf: &str,
    text: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name("profile.toml"),
        );
    for (k, v) in fields {
        form = form.text((*k).to_owned(), (*v).to_owned());
    }
    s.c.post(format!("{}/policy/upload", s.base))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A profile with one unknown record type, and the line it is on.
fn bad_profile() -> (String, usize) {
    let bad = DEFAULT_PROFILE_TOML.replacen(
        "record_type = \"theme_party_day\"",
        "record_type = \"theme_day\"",
        1,
    );
    let line = bad
        .lines()
        .position(|l| l.contains("\"theme_day\""))
        .unwrap()
        + 1;
    (bad, line)
}

#[tokio::test]
async fn life_and_policy_pages_obey_role_and_scope() {
    pages_matrix(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn life_and_policy_pages_obey_role_and_scope_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        pages_matrix(&app).await;
    }
}

async fn pages_matrix(app: &TestApp) {
    let (bad, _) = bad_profile();
    for role in Role::ALL {
        let s = app.login(&format!("{}_town", role.code())).await;
        let business = BUSINESS.contains(&role);
        for rel in RELS {
            let id = org_of(app, rel);
            let read = business && matches!(rel, Rel::Own | Rel::Child);
            for path in [
                format!("/life?org={id}"),
                format!("/life/compliance?org={id}"),
                format!(
                    "/life/compliance?org={id}&from=2026-01&to=2026-03&ob=party_lecture_quarterly"
                ),
                format!("/life/compliance/export?org={id}"),
                format!("/life/study?org={id}"),
                format!("/life/inactive?org={id}&months=6"),
            ] {
                let status = s.get(&path).await.status().as_u16();
                check(
                    &format!("GET {path}"),
                    role,
                    Some(rel),
                    read,
                    status,
                    &[200],
                );
            }
        }
        // The user's own organization by default.
        for path in ["/life", "/life/compliance", "/life/study", "/life/inactive"] {
            check(
                path,
                role,
                None::<Rel>,
                business,
                s.get(path).await.status().as_u16(),
                &[200],
            );
        }
        // The rules are readable by every business role, loadable by county administrators only.
        check(
            "GET /policy",
            role,
            None::<Rel>,
            business,
            s.get("/policy").await.status().as_u16(),
            &[200],
        );
        let r = s.get("/policy/1/download").await;
        check(
            "GET /policy/1/download",
            role,
            None::<Rel>,
            business,
            r.status().as_u16(),
            &[200],
        );
        let r = upload_profile(&s, &s.csrf, &bad).await;
        if role == Role::CountyAdmin {
            assert_eq!(
                r.status(),
                422,
                "a bad profile is refused with its messages"
            );
        } else {
            assert_eq!(
                r.status(),
                403,
                "POST /policy/upload: {role:?} must be denied"
            );
        }
        // The navigation: business roles have 组织生活 and 政策配置, system roles neither.
        let home = s.get("/tokens").await.text().await.unwrap_or_default();
        let home = if home.contains("<nav") {
            home
        } else {
            s.get("/users").await.text().await.unwrap()
        };
        assert_eq!(home.contains("href=\"/life\""), business, "{role:?} nav");
        assert_eq!(home.contains("href=\"/policy\""), business, "{role:?} nav");
    }
    // Nothing was loaded by the refused uploads.
    let s = app.login("leader_town").await;
    assert!(
        s.get("/policy")
            .await
            .text()
            .await
            .unwrap()
            .contains("第1版（jiangxi-county-2026.1）")
    );
}

#[tokio::test]
async fn the_compliance_api_obeys_role_and_scope() {
    api_matrix(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn the_compliance_api_obeys_role_and_scope_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        api_matrix(&app).await;
    }
}

async fn api_matrix(app: &TestApp) {
    let c = reqwest::Client::new();
    for role in Role::ALL {
        let Some(token) = app.api_token(&format!("{}_town", role.code())).await else {
            assert!(role.is_system(), "{role:?} should be able to use the API");
            continue;
        };
        let get = async |path: String| {
            c.get(format!("{}/api/v1{path}", app.addr))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        };
        let business = BUSINESS.contains(&role);
        for rel in RELS {
            let id = org_of(app, rel);
            let read = business && matches!(rel, Rel::Own | Rel::Child);
            for path in [
                format!("/compliance?org={id}"),
                format!("/compliance?org={id}&from=2026-01&to=2026-06"),
                format!("/compliance/due?org={id}"),
            ] {
                let status = get(path.clone()).await;
                check(
                    &format!("API GET {path}"),
                    role,
                    Some(rel),
                    read,
                    status,
                    &[200],
                );
            }
        }
        check(
            "API GET /policy",
            role,
            None::<Rel>,
            business,
            get("/policy".into()).await,
            &[200],
        );
        assert_eq!(get("/compliance?from=2026-13".into()).await, 422);
        assert_eq!(get("/compliance?org=abc".into()).await, 422);
    }
}

/// The fixture members of an organization, in id order.
async fn members_of(app: &TestApp, org: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM members WHERE org_id = $1 ORDER BY id")
        .bind(org)
        .fetch_all(&app.svc.store.pool)
        .await
        .unwrap()
}

fn record(record_type: &str, held_on: &str) -> RecordForm {
    RecordForm {
        record_type: record_type.into(),
        held_on: held_on.into(),
        place: "村党群服务中心".into(),
        host: "张书记".into(),
        topics: "学习党的二十届四中全会精神".into(),
        minutes: "会议传达学习了有关精神，并结合实际进行了讨论。".into(),
        ..RecordForm::default()
    }
}

/// The inside of the matrix cell for `obligation`, `period` (YYYY-MM) and `org`.
fn cell<'a>(page: &'a str, obligation: &str, period: &str, org: i64) -> &'a str {
    let tag =
        format!("data-obligation=\"{obligation}\" data-period=\"{period}\" data-org=\"{org}\"");
    let i = page.find(&tag).unwrap_or_else(|| panic!("no cell {tag}"));
    let start = page[..i].rfind("<td").unwrap();
    let rest = &page[start..];
    &rest[..rest.find("</td>").unwrap()]
}

#[tokio::test]
async fn the_matrix_shows_the_records_entered() {
    the_matrix(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn the_matrix_shows_the_records_entered_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        the_matrix(&app).await;
    }
}

async fn the_matrix(app: &TestApp) {
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    let today = app.svc.clock.today();
    let a1 = app.fx.branch_a1;
    let members = members_of(app, a1).await;
    let f = RecordForm {
        attendance: vec![AttendanceForm {
            member_id: members[0],
            present: true,
            absent_reason: String::new(),
        }],
        ..record("theme_party_day", &today.to_string())
    };
    records::create(&app.svc, &admin, a1, &f, &[])
        .await
        .unwrap();
    let study = RecordForm {
        expected_count: "7".into(),
        present_count: "7".into(),
        ..record("ideology_work_study", &today.to_string())
    };
    records::create(&app.svc, &admin, app.fx.town_a, &study, &[])
        .await
        .unwrap();

    let month = today.strftime("%Y-%m").to_string();
    let last_month = (today.first_of_month() - 1.day())
        .strftime("%Y-%m")
        .to_string();
    let s = app.login("branch_secretary_branch").await;
    let page = s
        .get(&format!("/life/compliance?org={a1}"))
        .await
        .text()
        .await
        .unwrap();
    let now = cell(&page, "theme_party_day_monthly", &month, a1);
    assert!(now.contains("st-met") && now.contains("已完成"), "{now}");
    let link = format!(
        "/records?org={a1}&type=theme_party_day&from={}&to={}",
        today.first_of_month(),
        today.last_of_month()
    );
    // Askama escapes `&` in the href; the browser reads it back.
    assert!(now.replace("&#38;", "&").contains(&link), "{now}");
    let before = cell(&page, "theme_party_day_monthly", &last_month, a1);
    assert!(
        before.contains("st-missed") && before.contains("未完成"),
        "{before}"
    );
    assert!(
        page.contains("按政策配置第1版（jiangxi-county-2026.1，最初起）计算"),
        "profile version shown"
    );
    // Committees' obligations do not bind a branch.
    assert!(!page.contains("data-obligation=\"ideology_work_study_half_yearly\""));

    // Town A: the branch is a child row, the roll-up counts it.
    let s = app.login("unit_admin_town").await;
    let page = s
        .get(&format!(
            "/life/compliance?org={}&ob=theme_party_day_monthly",
            app.fx.town_a
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(cell(&page, "theme_party_day_monthly", &month, a1).contains("已完成"));
    assert!(
        page.contains(&format!("data-total=\"{month}\">1/1 已完成")),
        "roll-up"
    );
    assert!(
        page.contains(&format!("href=\"/life/compliance?org={a1}&amp;")),
        "child links to its matrix"
    );
    assert!(
        !page.contains("id=\"ob-party_lecture_quarterly\""),
        "the filter keeps one obligation"
    );
    let export = s
        .get(&format!("/life/compliance/export?org={}", app.fx.town_a))
        .await;
    assert_eq!(export.status(), 200);
    assert!(
        export.bytes().await.unwrap().starts_with(b"PK"),
        "an .xlsx file"
    );

    // The landing page: what is still due, not what is done.
    let s = app.login("branch_secretary_branch").await;
    let life = s.get("/life").await.text().await.unwrap();
    assert!(
        life.contains(&format!("href=\"/records/new?org={a1}\"")),
        "登记 link"
    );
    assert!(life.contains(&format!("href=\"/life/compliance?org={a1}\"")));
    assert!(life.contains("还需讲党课 1 次"), "{life}");
    assert!(!life.contains("开展主题党日"), "the 主题党日 is done");

    // The study record names town A's 专题研究 of today.
    let s = app.login("unit_admin_town").await;
    let study = s.get("/life/study").await.text().await.unwrap();
    assert!(
        study.contains(&format!(">{today}</a>")),
        "record date listed"
    );
    assert!(study.contains("中共甲镇委员会"));

    // Two of the three members of A1 attended nothing.
    let inactive = s
        .get(&format!("/life/inactive?org={a1}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(inactive.contains("共 2 名党员"), "{inactive}");
    assert!(inactive.contains("甲二") && inactive.contains("甲三") && !inactive.contains(">甲一<"));

    // The API gives the same statuses.
    let token = app.api_token("unit_admin_town").await.unwrap();
    let v: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/compliance?org={a1}", app.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["profile_version"], 1);
    let td = v["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "theme_party_day_monthly")
        .unwrap();
    assert_eq!(td["rows"][0]["own"][5]["status"], "met", "{td}");
    assert_eq!(td["rows"][0]["own"][4]["status"], "missed", "{td}");
    let due: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/compliance/due?org={a1}", app.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = due["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["obligation"].as_str())
        .collect();
    assert!(
        codes.contains(&"party_lecture_quarterly") && !codes.contains(&"theme_party_day_monthly")
    );
}

#[tokio::test]
async fn a_profile_upload_is_checked_and_named_by_the_pages() {
    profile_upload(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn a_profile_upload_is_checked_and_named_by_the_pages_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        profile_upload(&app).await;
    }
}

async fn profile_upload(app: &TestApp) {
    let s = app.login("county_admin_town").await;
    let page = s.get("/policy").await.text().await.unwrap();
    assert!(
        page.contains("action=\"/policy/upload\""),
        "the upload form"
    );
    assert!(
        page.contains("支部委员会") && page.contains("每月至少1次"),
        "rules summary"
    );

    // A bad profile: every message with its line, and version 1 stays.
    let (bad, line) = bad_profile();
    let r = upload_profile(&s, &s.csrf, &bad).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&format!("第{line}行第15列：未知的记录类型")),
        "{page}"
    );
    assert!(page.contains("当前生效的仍是第1版"));
    assert!(
        s.get("/policy")
            .await
            .text()
            .await
            .unwrap()
            .contains("第1版（jiangxi-county-2026.1）")
    );

    // CSRF: a wrong token, or the file before the token, is refused.
    let r = upload_profile(&s, "wrong", DEFAULT_PROFILE_TOML).await;
    assert_eq!(r.status(), 403);
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("p.toml"),
        )
        .text("csrf_token", s.csrf.clone());
    let r =
        s.c.post(format!("{}/policy/upload", s.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 403);

    // A good profile becomes version 2, in force from next month: version
    // 1 stays in force today and the pages keep computing with it.
    let today = app.svc.clock.today();
    let next_month = today.first_of_month() + 1.month();
    let good = DEFAULT_PROFILE_TOML.replacen(
        "version = \"jiangxi-county-2026.1\"",
        "version = \"jiangxi-county-2026.2\"",
        1,
    );
    let r = upload_profile(&s, &s.csrf, &good).await;
    assert_eq!(r.status(), 200);
    let notice = r.text().await.unwrap();
    assert!(
        notice.contains(&format!(
            "已上传政策配置第2版（jiangxi-county-2026.2），自{next_month}起生效"
        )),
        "{notice}"
    );
    let page = s.get("/policy").await.text().await.unwrap();
    assert!(
        page.contains("第1版（jiangxi-county-2026.1）"),
        "still in force"
    );
    assert!(page.contains("待生效") && page.contains(&format!("{next_month}起")));
    assert!(page.contains(&format!("name=\"effective_from\" value=\"{next_month}\"")));

    // Before today: refused naming the field unless 追溯适用 is ticked
    // with a reason; then accepted, and the page shows the reason.
    let last_month = today.first_of_month() - 1.month();
    let third = good.replacen("jiangxi-county-2026.2", "jiangxi-county-2026.3", 1);
    let since = last_month.to_string();
    let r = upload_profile_with(&s, &s.csrf, &third, &[("effective_from", &since)]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains(&format!("生效日期{since}早于今天")), "{page}");
    let r = upload_profile_with(
        &s,
        &s.csrf,
        &third,
        &[("effective_from", &since), ("retroactive", "1")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("追溯适用须填写理由"));
    let r = upload_profile_with(
        &s,
        &s.csrf,
        &third,
        &[
            ("effective_from", &since),
            ("retroactive", "1"),
            ("retroactive_reason", "县委组织部通知：上月起执行"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("已上传政策配置第3版"));
    let page = s.get("/policy").await.text().await.unwrap();
    assert!(page.contains("第3版（jiangxi-county-2026.3）"));
    assert!(page.contains("追溯适用，理由：县委组织部通知：上月起执行"));
    assert!(page.contains("href=\"/policy/1/download\"") && page.contains("已停用"));

    // The matrix over the last months names both versions (version 3 is in
    // force until version 2 takes over next month); each period names its
    // own.
    let leader = app.login("leader_town").await;
    let matrix = leader.get("/life/compliance").await.text().await.unwrap();
    assert!(
        matrix.contains("第1版（jiangxi-county-2026.1，最初至")
            && matrix.contains(&format!("第3版（jiangxi-county-2026.3，{since}至"))
            && matrix.contains("每个周期按其开始时适用的版本"),
        "{matrix}"
    );
    assert!(matrix.contains("data-version=\"3\"") && matrix.contains("data-version=\"1\""));
    assert!(!matrix.contains("非正式结果"));
    // What if: every period by version 2, labelled, and nothing stored.
    let what_if = leader
        .get("/life/compliance?version=2")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        what_if.contains("假设按第2版规则计算（非正式结果）") && what_if.contains("id=\"what-if\""),
        "{what_if}"
    );
    assert!(what_if.contains("&amp;version=2") || what_if.contains("&#38;version=2"));
    let d = leader.get("/policy/2/download").await;
    assert_eq!(d.status(), 200);
    assert_eq!(d.headers()["content-type"], "text/plain; charset=utf-8");
    let disposition = d.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment;")
            && disposition.contains("policy-v2-jiangxi-county-2026.2.toml")
    );
    assert_eq!(d.text().await.unwrap(), good);
    assert_eq!(leader.get("/policy/99/download").await.status(), 404);
    // A leader reads the rules but gets no upload form.
    assert!(
        !leader
            .get("/policy")
            .await
            .text()
            .await
            .unwrap()
            .contains("action=\"/policy/upload\"")
    );

    let token = app.api_token("leader_town").await.unwrap();
    let v: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/policy", app.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v["version"].as_i64(), v["label"].as_str()),
        (Some(3), Some("jiangxi-county-2026.3"))
    );
    assert_eq!(v["content"].as_str(), Some(third.as_str()));
    assert_eq!(v["created_by"], "county_admin_town");
    assert_eq!(v["effective_from"].as_str(), Some(since.as_str()));
    // The API's matrix names both versions; what if is labelled.
    let v: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/compliance", app.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let versions: Vec<i64> = v["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 3], "{v}");
    assert!(v["what_if"].is_null());
    let v: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/compliance?version=2", app.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["what_if"].as_i64(), Some(2));
    assert!(v["basis"].as_str().unwrap().contains("非正式结果"));
}

/// After logging in, `/` sends each role to its home: a branch secretary to
/// what is due (组织生活), other business roles to the tree, the system
/// roles to the pages they have.
#[tokio::test]
async fn each_role_lands_on_its_home_page() {
    let app = TestApp::spawn().await;
    for (user, home) in [
        ("branch_secretary_branch", "/life"),
        ("county_admin_root", "/orgs"),
        ("leader_town", "/orgs"),
        ("audit_admin_root", "/audit"),
        ("system_admin_root", "/users"),
        ("security_admin_root", "/users"),
    ] {
        let s = app.login(user).await;
        let r = s.get("/").await;
        assert_eq!(r.status(), 303, "{user}");
        assert_eq!(r.headers()["location"], home, "{user}");
        let page = s.get(home).await;
        assert_eq!(page.status(), 200, "{user} on {home}");
    }
}
