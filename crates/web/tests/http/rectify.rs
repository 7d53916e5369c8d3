//! Rectification pages and API (软弱涣散排查与整改): the authorization
//! matrix of every route (each role bound to town A against its own
//! organization, a child, a sibling and the parent, with explicit 403s),
//! the CSRF refusal, and the procedure through the pages: a proposal with
//! a reasoned addition, the county's confirmation, a plan refused for a
//! missing part and then filed. SQLite always, PostgreSQL when
//! `DANGJIAN_TEST_PG` is set.

use crate::matrix::{BUSINESS, EDITORS, MANAGERS, RELS, Rel, check, in_scope, org_of};
use crate::support::TestApp;
use dangjian_domain::role::Role;
use dangjian_service::rectify::ledger::{self, ItemForm};
use dangjian_service::rectify::{PlanForm, screening};
use dangjian_service::{fixture, orgs, warnings};

const YEAR: i32 = 2026;

/// What the matrix acts on: the two townships' proposals, branch A2 (not
/// flagged), and the ledgers of branches A1 (below town A) and B1 (below
/// town B), each with a plan and one open rectification item.
struct Seeded {
    town_a: i64,
    town_b: i64,
    a2: i64,
    ledger_a1: i64,
    ledger_b1: i64,
    item_a1: i64,
    item_b1: i64,
}

fn plan() -> PlanForm {
    PlanForm {
        analysis: "书记缺职，组织生活不经常".into(),
        goal: "配齐书记，组织生活按规定开展".into(),
        measures: "选派第一书记，镇党委包村指导".into(),
        deadline: "2099-06-30".into(),
        responsible: "镇党委".into(),
        contact_leader: "李建国（县委常委、组织部部长）".into(),
    }
}

fn item() -> ItemForm {
    ItemForm {
        title: "配齐村党组织书记".into(),
        detail: String::new(),
        deadline: "2099-03-31".into(),
        owner_org: String::new(),
    }
}

/// A1's vacancy and a warning run over the county (A1 red, B1 orange);
/// branch A2 created after the run.
async fn warned(app: &TestApp) -> i64 {
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    let row = orgs::get(&app.svc, &admin, app.fx.branch_a1).await.unwrap();
    let form = orgs::OrgForm {
        secretary_name: String::new(),
        secretary_vacant_since: "2020-01-01".into(),
        ..orgs::OrgForm::from_row(&row)
    };
    orgs::update(&app.svc, &admin, app.fx.branch_a1, &form)
        .await
        .unwrap();
    warnings::evaluate_scope(&app.svc, &admin, app.fx.root)
        .await
        .unwrap();
    orgs::create(
        &app.svc,
        &admin,
        app.fx.town_a,
        &fixture::org_form("中共甲二村支部委员会", "branch", "rural"),
    )
    .await
    .unwrap()
    .id
}

async fn seed(app: &TestApp) -> Seeded {
    let a2 = warned(app).await;
    let county = TestApp::actor(&app.svc, "county_admin_root").await;
    let mut ids = Vec::new();
    for town in [app.fx.town_a, app.fx.town_b] {
        let id = screening::start(&app.svc, &county, YEAR, town)
            .await
            .unwrap();
        screening::submit(&app.svc, &county, id).await.unwrap();
        let ledgers = screening::confirm(&app.svc, &county, id).await.unwrap();
        ledger::file_plan(&app.svc, &county, ledgers[0], &plan())
            .await
            .unwrap();
        let item = ledger::add_item(&app.svc, &county, ledgers[0], &item())
            .await
            .unwrap();
        ids.push((ledgers[0], item));
    }
    // Fresh proposals for the matrix's POSTs (the confirmed ones are done):
    // a new year, the townships' editable drafts.
    let town_a = screening::start(&app.svc, &county, YEAR + 1, app.fx.town_a)
        .await
        .unwrap();
    let town_b = screening::start(&app.svc, &county, YEAR + 1, app.fx.town_b)
        .await
        .unwrap();
    Seeded {
        town_a,
        town_b,
        a2,
        ledger_a1: ids[0].0,
        ledger_b1: ids[1].0,
        item_a1: ids[0].1,
        item_b1: ids[1].1,
    }
}

#[tokio::test]
async fn rectification_pages_and_api_obey_role_and_scope() {
    matrix(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn rectification_pages_and_api_obey_role_and_scope_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        matrix(&app).await;
    }
}

/// The proposal, ledger and item a relation reaches, if any: proposals
/// exist for town A (own) and town B (sibling); ledgers for branch A1
/// (child) and branch B1 (below the sibling). A ledger's organization is
/// always strictly below the township that proposed it, and the county
/// root proposes nothing, so town A and the county have no ledger.
fn targets(sd: &Seeded, rel: Rel) -> (Option<i64>, Option<(i64, i64)>) {
    match rel {
        Rel::Own => (Some(sd.town_a), None),
        Rel::Child => (None, Some((sd.ledger_a1, sd.item_a1))),
        Rel::Sibling => (Some(sd.town_b), Some((sd.ledger_b1, sd.item_b1))),
        Rel::Parent => (None, None),
    }
}

#[allow(clippy::too_many_lines)] // one matrix, row by row
async fn matrix(app: &TestApp) {
    let sd = seed(app).await;
    let api = reqwest::Client::new();
    let status = |r: reqwest::Response| r.status().as_u16();
    let next = (YEAR + 1).to_string();
    for role in Role::ALL {
        let user = format!("{}_town", role.code());
        let s = app.login(&user).await;
        let token = app.api_token(&user).await;
        let business = BUSINESS.contains(&role);
        for path in [
            format!("/rectify?year={YEAR}"),
            format!("/rectify/export?year={YEAR}"),
        ] {
            check(
                &path,
                role,
                "own scope",
                business,
                status(s.get(&path).await),
                &[200],
            );
        }
        for rel in RELS {
            let org = org_of(app, rel);
            let read = business && in_scope(rel);
            let manage = MANAGERS.contains(&role) && in_scope(rel);
            for path in [
                format!("/rectify/screening?year={YEAR}&org={org}"),
                format!("/rectify/export?year={YEAR}&org={org}"),
            ] {
                check(&path, role, rel, read, status(s.get(&path).await), &[200]);
            }
            // Starting: town A has a proposal already (422), A1 lies under it (422).
            let org_s = org.to_string();
            let r = s
                .post(
                    "/rectify/screening/start",
                    &[("year", next.as_str()), ("org", org_s.as_str())],
                )
                .await;
            check(
                "POST /rectify/screening/start",
                role,
                rel,
                manage,
                status(r),
                &[422],
            );

            let (proposal, ledger) = targets(&sd, rel);
            if let Some(sid) = proposal {
                let a2 = sd.a2.to_string();
                let a1 = app.fx.branch_a1.to_string();
                let r = s
                    .post(
                        &format!("/rectify/screening/{sid}/add"),
                        &[("org", a2.as_str()), ("reason", "")],
                    )
                    .await;
                check("POST …/add", role, rel, manage, status(r), &[422]);
                let r = s
                    .post(
                        &format!("/rectify/screening/{sid}/remove"),
                        &[("org", a1.as_str()), ("reason", "")],
                    )
                    .await;
                check("POST …/remove", role, rel, manage, status(r), &[422]);
                // The first allowed role submits it; later ones find it submitted.
                let r = s
                    .post(&format!("/rectify/screening/{sid}/submit"), &[])
                    .await;
                check("POST …/submit", role, rel, manage, status(r), &[303, 422]);
                // Confirmation and return are the county's, above the township:
                // nobody bound to town A may.
                let r = s
                    .post(&format!("/rectify/screening/{sid}/confirm"), &[])
                    .await;
                check("POST …/confirm", role, rel, false, status(r), &[]);
                let r = s
                    .post(
                        &format!("/rectify/screening/{sid}/return"),
                        &[("reason", "")],
                    )
                    .await;
                check("POST …/return", role, rel, false, status(r), &[]);
            }
            if let Some((lid, item)) = ledger {
                let base = format!("/rectify/ledger/{lid}");
                check(&base, role, rel, read, status(s.get(&base).await), &[200]);
                let path = format!("{base}/export");
                check(&path, role, rel, read, status(s.get(&path).await), &[200]);
                let r = s.post(&format!("{base}/plan"), &[("goal", "")]).await;
                check("POST …/plan", role, rel, manage, status(r), &[422]);
                let r = s.post(&format!("{base}/items"), &[("title", "")]).await;
                check("POST …/items", role, rel, manage, status(r), &[422]);
                // Accepting an item still 已分派: refused by the state machine.
                let edit = EDITORS.contains(&role) && in_scope(rel);
                let r = s
                    .post(&format!("{base}/items/{item}/act"), &[("action", "accept")])
                    .await;
                check(
                    "POST …/items/{item}/act",
                    role,
                    rel,
                    edit,
                    status(r),
                    &[422],
                );
                let r = s.post(&format!("{base}/recheck"), &[]).await;
                check("POST …/recheck", role, rel, manage, status(r), &[303]);
                // Acceptance: the county administrator above the organization,
                // refused while the item is open.
                let county = role == Role::CountyAdmin && in_scope(rel);
                let r = s.post(&format!("{base}/accept"), &[("note", "同意")]).await;
                check("POST …/accept", role, rel, county, status(r), &[422]);

                if let Some(token) = &token {
                    let r = api
                        .get(format!("{}/api/v1/rectify/ledgers/{lid}", app.addr))
                        .bearer_auth(token)
                        .send()
                        .await
                        .unwrap();
                    check(
                        "API GET /rectify/ledgers/{id}",
                        role,
                        rel,
                        read,
                        status(r),
                        &[200],
                    );
                }
            }
        }
        match &token {
            Some(token) => {
                let r = api
                    .get(format!("{}/api/v1/rectify?year={YEAR}", app.addr))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                check(
                    "API GET /rectify",
                    role,
                    "own scope",
                    business,
                    status(r),
                    &[200],
                );
            }
            None => assert!(role.is_system(), "{role:?} should hold an API token"),
        }
    }
}

#[tokio::test]
async fn a_forged_post_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    warned(&app).await;
    let county = TestApp::actor(&app.svc, "county_admin_root").await;
    let id = screening::start(&app.svc, &county, YEAR, app.fx.town_a)
        .await
        .unwrap();
    let mut s = app.login("unit_admin_town").await;
    s.csrf = "forged".into();
    let r = s
        .post(&format!("/rectify/screening/{id}/submit"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.text().await.unwrap().contains("页面已过期"));
    let row = screening::get(&app.svc, &county, id).await.unwrap();
    assert_eq!(row.status, "draft");
}

#[tokio::test]
async fn a_township_proposes_the_county_confirms_and_the_plan_is_filed_through_the_pages() {
    let app = TestApp::spawn().await;
    let a2 = warned(&app).await;
    let town = app.login("unit_admin_town").await;
    let page = town.get(&format!("/rectify/screening?year={YEAR}")).await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("开始2026年度排查"));
    let town_a = app.fx.town_a.to_string();
    let r = town
        .post(
            "/rectify/screening/start",
            &[("year", "2026"), ("org", town_a.as_str())],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let county = TestApp::actor(&app.svc, "county_admin_root").await;
    let sid = screening::review(&app.svc, &county, YEAR)
        .await
        .unwrap()
        .lines
        .iter()
        .find(|l| l.org_id == app.fx.town_a)
        .and_then(|l| l.screening.as_ref())
        .unwrap()
        .id;
    // The addition without a reason comes back with the message.
    let a2s = a2.to_string();
    let r = town
        .post(
            &format!("/rectify/screening/{sid}/add"),
            &[("org", a2s.as_str()), ("reason", " ")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("请填写列入理由"));
    let r = town
        .post(
            &format!("/rectify/screening/{sid}/add"),
            &[
                ("org", a2s.as_str()),
                ("reason", "班子不团结，群众反映强烈"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = town
        .post(&format!("/rectify/screening/{sid}/submit"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);

    let cs = app.login("county_admin_root").await;
    let review = cs.get(&format!("/rectify/screening?year={YEAR}")).await;
    let html = review.text().await.unwrap();
    assert!(html.contains("中共甲镇委员会") && html.contains("待县委审核"));
    let r = cs
        .post(&format!("/rectify/screening/{sid}/confirm"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let overview = ledger::overview(&app.svc, &county, YEAR).await.unwrap();
    assert_eq!(overview.ledgers.len(), 2);
    let lid = overview.ledgers[0].ledger.id;

    // A plan without its 责任主体: 422 with the message, nothing saved.
    let mut form = plan();
    form.responsible.clear();
    let r = town
        .post_form(&format!("/rectify/ledger/{lid}/plan"), &form)
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("请填写责任主体"));
    assert!(html.contains(&form.goal), "the typed form comes back");
    let l = ledger::get(&app.svc, &county, lid).await.unwrap();
    assert!(l.ledger.goal.is_empty());
    let r = town
        .post_form(&format!("/rectify/ledger/{lid}/plan"), &plan())
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let page = town.get(&format!("/rectify/ledger/{lid}")).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("整改中"));
    assert!(html.contains("李建国（县委常委、组织部部长）"));
    // The API gives the same: the township's numbers and the ledger.
    let token = app.api_token("county_admin_root").await.unwrap();
    let api = reqwest::Client::new();
    let o: serde_json::Value = api
        .get(format!("{}/api/v1/rectify?year={YEAR}", app.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let town = o["townships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["org_id"] == app.fx.town_a)
        .unwrap();
    assert_eq!(town["status"], "confirmed");
    assert_eq!(
        (
            town["flagged"].as_u64(),
            town["proposed"].as_u64(),
            town["added"].as_u64()
        ),
        (Some(1), Some(2), Some(1))
    );
    assert_eq!(o["ledgers"].as_array().unwrap().len(), 2);
    let l: serde_json::Value = api
        .get(format!("{}/api/v1/rectify/ledgers/{lid}", app.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(l["status"], "in_progress");
    assert_eq!(l["status_label"], "整改中");
    assert_eq!(l["deadline"], "2099-06-30");
    assert_eq!(l["contact_leader"], "李建国（县委常委、组织部部长）");
    assert_eq!(l["at_screening"]["level"], "red");
    // The overview's numbers for the county.
    let html = cs
        .get(&format!("/rectify?year={YEAR}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("中共甲二村支部委员会"));
    assert!(html.contains("乡镇增补"));
}

#[tokio::test]
async fn the_acceptance_form_warns_when_the_re_check_still_finds_a_warning() {
    let app = TestApp::spawn().await;
    let sd = seed(&app).await;
    let actor = |name: &'static str| TestApp::actor(&app.svc, name);
    let (branch, town) = (
        actor("branch_secretary_branch").await,
        actor("unit_admin_town").await,
    );
    let county = actor("county_admin_root").await;
    // The item was dispatched from the township, which accepts it.
    for (who, action) in [(&branch, "start"), (&branch, "submit"), (&town, "accept")] {
        ledger::act_on_item(&app.svc, who, sd.ledger_a1, sd.item_a1, action, "")
            .await
            .unwrap();
    }
    let s = app.login("county_admin_root").await;
    let html = s
        .get(&format!("/rectify/ledger/{}", sd.ledger_a1))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("待验收"));
    assert!(html.contains("当前指标仍为红色预警，请核实整改成效后再验收销号"));
    // A note is required; the form comes back with the message beside it.
    let r = s
        .post(
            &format!("/rectify/ledger/{}/accept", sd.ledger_a1),
            &[("note", "")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("请填写验收意见"));
    let r = s
        .post(
            &format!("/rectify/ledger/{}/accept", sd.ledger_a1),
            &[("note", "经复核同意销号")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let l = ledger::get(&app.svc, &county, sd.ledger_a1).await.unwrap();
    assert_eq!(l.ledger.status, "closed");
}
