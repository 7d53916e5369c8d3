//! 预警 over HTTP: the authorization matrix of every warning page, the
//! 村情 form, 重新研判 and the two API endpoints (each role bound to town A
//! against its own organization, a child, a sibling and the parent, with
//! explicit 403s), CSRF refusals that change nothing, what the pages show
//! (empty state, counts, reasons linking to their evidence, 无数据, the
//! history chart and profile version), the form's Chinese messages, and a
//! saved form re-evaluated in the background after the answer. SQLite and
//! PostgreSQL.

use crate::matrix::{BUSINESS, MANAGERS, RELS, Rel, check, in_scope, org_of};
use crate::support::TestApp;
use dangjian_domain::role::Role;
use dangjian_service::{reeval, warnings};
use std::time::Duration;

async fn run_county(app: &TestApp) -> i64 {
    let county = TestApp::actor(&app.svc, "county_admin_root").await;
    warnings::evaluate_scope(&app.svc, &county, app.fx.root)
        .await
        .unwrap()
        .run_id
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&app.svc.store.pool)
        .await
        .unwrap()
}

const FACTS: [(&str, &str); 5] = [
    ("year", ""),
    ("petitions", "2"),
    ("satisfaction", "90"),
    ("disclosure", "是"),
    ("supervision", "是"),
];

fn facts_form(year: &str) -> Vec<(&str, &str)> {
    FACTS
        .iter()
        .map(|(k, v)| (*k, if *k == "year" { year } else { *v }))
        .collect()
}

#[tokio::test]
async fn warning_pages_and_api_obey_role_and_scope() {
    matrix(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn warning_pages_and_api_obey_role_and_scope_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        matrix(&app).await;
    }
}

async fn matrix(app: &TestApp) {
    run_county(app).await;
    let year = app.svc.clock.today().year().to_string();
    for role in Role::ALL {
        let user = format!("{}_town", role.code());
        let s = app.login(&user).await;
        let token = app.api_token(&user).await;
        let business = BUSINESS.contains(&role);
        let manager = MANAGERS.contains(&role);
        for rel in RELS {
            let id = org_of(app, rel);
            let read = business && in_scope(rel);
            for path in [
                format!("/warnings?org={id}"),
                format!("/warnings?org={id}&level=red&page=2"),
                format!("/warnings/org/{id}"),
                format!("/warnings/facts/{id}"),
                format!("/warnings/facts/{id}?year=2025"),
            ] {
                let status = s.get(&path).await.status().as_u16();
                check(&format!("GET {path}"), role, rel, read, status, &[200]);
            }
            let write = manager && in_scope(rel);
            let r = s.post("/warnings/run", &[("org", &id.to_string())]).await;
            check(
                "POST /warnings/run",
                role,
                rel,
                write,
                r.status().as_u16(),
                &[303],
            );
            let r = s
                .post(&format!("/warnings/facts/{id}"), &facts_form(&year))
                .await;
            check(
                "POST /warnings/facts/{id}",
                role,
                rel,
                write,
                r.status().as_u16(),
                &[303],
            );
            if let Some(token) = &token {
                for path in [
                    format!("/api/v1/warnings?org={id}"),
                    format!("/api/v1/warnings?org={id}&level=orange&page=1"),
                    format!("/api/v1/orgs/{id}/warnings"),
                ] {
                    let status =
                        s.c.get(format!("{}{path}", app.addr))
                            .bearer_auth(token)
                            .send()
                            .await
                            .unwrap()
                            .status()
                            .as_u16();
                    check(&format!("GET {path}"), role, rel, read, status, &[200]);
                }
            } else {
                assert!(!business, "{role:?} should have an API token");
            }
        }
        // The user's own organization by default.
        let status = s.get("/warnings").await.status().as_u16();
        check("GET /warnings", role, None::<Rel>, business, status, &[200]);
        // The import of facts: managers only, within scope.
        let csv = format!("组织编号,年度,信访件数\n{},{year},1\n", app.fx.branch_a1);
        let r = s
            .upload(
                "/import/org_facts",
                app.fx.town_a,
                "村情.csv",
                csv.into_bytes(),
                true,
            )
            .await;
        check(
            "POST /import/org_facts",
            role,
            Rel::Own,
            manager,
            r.status().as_u16(),
            &[200],
        );
        let r = s
            .upload(
                "/import/org_facts",
                app.fx.town_b,
                "村情.csv",
                "组织名称,年度\nx,2026\n".as_bytes().to_vec(),
                true,
            )
            .await;
        check(
            "POST /import/org_facts",
            role,
            Rel::Sibling,
            false,
            r.status().as_u16(),
            &[],
        );
    }
    // Unknown ids and levels are not found.
    let s = app.login("county_admin_town").await;
    assert_eq!(s.get("/warnings/org/999999").await.status(), 404);
    assert_eq!(s.get("/warnings/org/abc").await.status(), 404);
    assert_eq!(s.get("/warnings?level=purple").await.status(), 404);
    assert_eq!(s.get("/warnings/facts/0").await.status(), 404);
}

#[tokio::test]
async fn posts_without_the_csrf_token_change_nothing() {
    let app = TestApp::spawn().await;
    let s = app.login("unit_admin_town").await;
    let year = app.svc.clock.today().year().to_string();
    let (runs, facts) = (
        count(&app, "warning_runs").await,
        count(&app, "org_facts").await,
    );
    for token in ["", "wrong"] {
        let mut f = facts_form(&year);
        f.push(("csrf_token", token));
        let r =
            s.c.post(format!("{}/warnings/facts/{}", s.base, app.fx.branch_a1))
                .form(&f)
                .send()
                .await
                .unwrap();
        assert_eq!(r.status(), 403, "facts with token {token:?}");
        let town = app.fx.town_a.to_string();
        let r =
            s.c.post(format!("{}/warnings/run", s.base))
                .form(&[("org", town.as_str()), ("csrf_token", token)])
                .send()
                .await
                .unwrap();
        assert_eq!(r.status(), 403, "run with token {token:?}");
    }
    assert_eq!(count(&app, "warning_runs").await, runs);
    assert_eq!(count(&app, "org_facts").await, facts);
}

#[tokio::test]
async fn the_pages_show_levels_reasons_evidence_and_history() {
    let app = TestApp::spawn().await;
    let s = app.login("county_admin_root").await;
    // Before any run: the empty state with the button.
    let page = s.get("/warnings").await.text().await.unwrap();
    assert!(page.contains("id=\"warn-empty\""), "{page}");
    assert!(page.contains("重新研判"));
    let page = s
        .get(&format!("/warnings/org/{}", app.fx.branch_b1))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"warn-history-empty\""));

    // The form refuses bad input with Chinese messages and writes nothing.
    let r = s
        .post(
            &format!("/warnings/facts/{}", app.fx.branch_b1),
            &[
                ("year", "2026"),
                ("petitions", "很多"),
                ("satisfaction", "120"),
                ("disclosure", ""),
                ("supervision", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("信访件数应为0到9999之间的整数"), "{page}");
    assert!(page.contains("满意度应为0到100之间的百分数，最多一位小数，如85.5"));
    assert!(page.contains("value=\"很多\""), "the typed value is kept");
    assert_eq!(count(&app, "org_facts").await, 0);

    // Good facts for this year make branch B1 worse.
    let year = app.svc.clock.today().year().to_string();
    let r = s
        .post(
            &format!("/warnings/facts/{}", app.fx.branch_b1),
            &[
                ("year", year.as_str()),
                ("petitions", "12"),
                ("satisfaction", "45.5"),
                ("disclosure", "否"),
                ("supervision", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    let page = s.get(&to).await.text().await.unwrap();
    assert!(page.contains("已保存"), "{page}");
    assert!(page.contains("45.5%") && page.contains("12 件"), "{page}");

    let r = s
        .post("/warnings/run", &[("org", &app.fx.root.to_string())])
        .await;
    assert_eq!(r.status(), 303);
    let page = s
        .get(r.headers()["location"].to_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("已完成重新研判"));
    assert!(page.contains("id=\"warn-counts\""));
    assert!(
        page.contains("按<a href=\"/policy\">政策配置</a>第1版"),
        "{page}"
    );
    // One row per township.
    assert!(page.contains("id=\"warn-children\""));
    assert!(page.contains(&format!("/warnings?org={}\"", app.fx.town_a)));
    assert!(page.contains(&format!("/warnings?org={}\"", app.fx.town_b)));
    // Reasons with their evidence pages.
    assert!(
        page.contains("本年度信访和矛盾纠纷12件（超过5件）"),
        "{page}"
    );
    assert!(page.contains("群众满意度45.5%（低于60%）"));
    assert!(page.contains(&format!("href=\"/warnings/facts/{}\"", app.fx.branch_b1)));
    assert!(page.contains(&format!(
        "href=\"/life/compliance?org={}\"",
        app.fx.branch_b1
    )));
    assert!(page.contains("无数据："), "missing data is shown as such");
    // The level filter keeps only that level.
    let red = s
        .get(&format!("/warnings?org={}&level=red", app.fx.root))
        .await
        .text()
        .await
        .unwrap();
    assert!(red.contains("预警排名（红色预警）"));
    assert!(!red.contains("<li class=\"lv-green\">"));
    let green = s
        .get(&format!("/warnings?org={}&level=green", app.fx.root))
        .await
        .text()
        .await
        .unwrap();
    assert!(!green.contains("<li class=\"lv-red\">"));

    // The history: chart, table, profile version, current reasons, no data.
    run_county(&app).await;
    let page = s
        .get(&format!("/warnings/org/{}", app.fx.branch_b1))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<svg class=\"lv-chart\""), "{page}");
    assert_eq!(page.matches("<circle").count(), 2, "one point per run");
    assert!(page.contains("<polyline points=\""));
    assert!(page.contains("id=\"warn-history\""));
    assert!(page.contains("<td>第1版</td>"));
    assert!(page.contains("id=\"warn-no-data\""));
    assert!(
        page.contains("村务监督委员会"),
        "supervision is no data: {page}"
    );

    // The API says the same.
    let token = app.api_token("county_admin_root").await.unwrap();
    let body: serde_json::Value =
        s.c.get(format!(
            "{}/api/v1/warnings?org={}&level=red",
            app.addr, app.fx.root
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["profile_version"], 1);
    assert!(body["counts"]["red"].as_u64().unwrap() >= 1);
    let items = body["items"].as_array().unwrap();
    assert!(items.iter().all(|i| i["level"] == "red"));
    let b1 = items
        .iter()
        .find(|i| i["org_id"] == app.fx.branch_b1)
        .unwrap();
    let petitions = b1["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "petitions_disputes")
        .unwrap();
    assert_eq!(
        petitions["evidence_href"],
        format!("/warnings/facts/{}", app.fx.branch_b1)
    );
    let r =
        s.c.get(format!("{}/api/v1/warnings?level=purple", app.addr))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 422);
    let h: serde_json::Value =
        s.c.get(format!(
            "{}/api/v1/orgs/{}/warnings",
            app.addr, app.fx.branch_b1
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h.as_array().unwrap().len(), 2);
    assert_eq!(h[0]["profile_version"], 1);
}

#[tokio::test]
async fn a_saved_form_is_re_evaluated_in_the_background_after_the_answer() {
    let app = TestApp::spawn().await;
    let worker = reeval::start(&app.svc, Duration::from_millis(500));
    let s = app.login("unit_admin_town").await;
    let year = app.svc.clock.today().year().to_string();
    let r = s
        .post(
            &format!("/warnings/facts/{}", app.fx.branch_a1),
            &facts_form(&year),
        )
        .await;
    assert_eq!(r.status(), 303);
    // The answer came before any run.
    assert_eq!(count(&app, "warning_runs").await, 0);
    let mut waited = 0;
    while count(&app, "warning_runs").await == 0 {
        assert!(waited < 200, "no background run after 20 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let page = s.get("/warnings").await.text().await.unwrap();
    assert!(page.contains("系统自动研判"), "{page}");
    worker.abort();
}
