//! Concurrency over HTTP (issue 11, items 7 and 11), SQLite and PostgreSQL:
//!
//! - a member number registered by a second writer while a request is past
//!   the service's duplicate check is answered with a Chinese message (409
//!   `conflict` on PostgreSQL, where the two transactions overlap; 422 on
//!   SQLite, where `BEGIN IMMEDIATE` serializes them and the check sees the
//!   other row), never a 500;
//! - a soak: six clients creating organizations (pages and API) while eight
//!   read pages and the API, the background re-evaluation runs after every
//!   burst and the clock moves a minute every half second (so that session
//!   and token bookkeeping writes happen throughout): no request fails, and
//!   every acknowledged write is in the database afterwards.

use crate::support::{Session, TestApp};
use dangjian_service::fixture::{member_form, new_id_card};
use dangjian_service::store::member::{self as mdb, MemberFields};
use dangjian_service::store::org as odb;
use dangjian_service::{Engine, reeval};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The stored fields of a member with ID number `id_card`, as the service
/// would write them (same key, so the same HMAC).
fn stored_fields(app: &TestApp, id_card: &str) -> MemberFields {
    MemberFields {
        name: "抢先登记".into(),
        gender: "male".into(),
        birth_month: "1985-06".into(),
        ethnicity: "汉族".into(),
        education: "本科".into(),
        category: "full".into(),
        joined_on: "2010-07-01".into(),
        full_on: Some("2011-07-01".into()),
        probation_extended: false,
        post: "教师".into(),
        address: String::new(),
        id_card_enc: app.svc.crypto.encrypt(id_card),
        id_card_hmac: app.svc.crypto.mac("id_card", id_card),
        id_card_masked: "360721************".into(),
        phone_enc: None,
        phone_masked: String::new(),
    }
}

/// Another writer (a second server, an external tool: no writer lock of
/// this process) registers `id_card` in branch A1 and commits `hold` after
/// it began, while `request` runs. Returns the request's status and body.
async fn race<F>(app: &TestApp, id_card: &str, request: F) -> (u16, String)
where
    F: Future<Output = reqwest::Response>,
{
    let pool = &app.svc.store.pool;
    let mut other = match app.svc.store.engine {
        Engine::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await.unwrap(),
        Engine::Postgres => pool.begin().await.unwrap(),
    };
    let branch = odb::get_org(&mut other, app.fx.branch_a1).await.unwrap();
    mdb::insert_member(
        &mut other,
        branch.id,
        &branch.path,
        &stored_fields(app, id_card),
        "2026-11-29T08:00:00.000000Z",
    )
    .await
    .unwrap();
    let commit_later = async {
        // Long enough for the request to pass its duplicate check (on
        // PostgreSQL it then waits on the unique index; on SQLite at BEGIN).
        tokio::time::sleep(Duration::from_millis(600)).await;
        other.commit().await.unwrap();
    };
    let answer = async {
        let r = request.await;
        (r.status().as_u16(), r.text().await.unwrap())
    };
    let ((), got) = tokio::join!(commit_later, answer);
    got
}

async fn members_with(app: &TestApp, id_card: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE id_card_hmac = $1")
        .bind(app.svc.crypto.mac("id_card", id_card))
        .fetch_one(&app.svc.store.pool)
        .await
        .unwrap()
}

async fn racing_member_numbers(app: &TestApp) {
    let pg = app.svc.store.engine == Engine::Postgres;
    let s = app.login("county_admin_root").await;
    // The page.
    let mut form = member_form(app.fx.branch_a1, "后到者");
    form.id_card = new_id_card();
    let (status, page) = race(app, &form.id_card, s.post_form("/members/new", &form)).await;
    if pg {
        assert_eq!(status, 409, "{page}");
        assert!(page.contains("操作冲突"), "{page}");
        assert!(page.contains("可能刚被同时提交"), "{page}");
    } else {
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("该公民身份号码已登记"), "{page}");
    }
    assert_eq!(members_with(app, &form.id_card).await, 1);

    // The API.
    let token = app.api_token("county_admin_root").await.unwrap();
    let mut form = member_form(app.fx.branch_a1, "后到者");
    form.id_card = new_id_card();
    let request = TestApp::client()
        .post(format!("{}/api/v1/members", app.addr))
        .bearer_auth(&token)
        .json(&form)
        .send();
    let (status, body) = race(app, &form.id_card, async { request.await.unwrap() }).await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    if pg {
        assert_eq!(status, 409, "{body}");
        assert_eq!(json["error"]["code"], "conflict", "{body}");
        let message = json["error"]["message"].as_str().unwrap();
        assert!(message.contains("可能刚被同时提交"), "{body}");
    } else {
        assert_eq!(status, 422, "{body}");
        assert_eq!(json["error"]["code"], "invalid", "{body}");
        assert_eq!(json["error"]["fields"][0]["field"], "id_card", "{body}");
    }
    assert_eq!(members_with(app, &form.id_card).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_member_numbers_never_answer_500() {
    racing_member_numbers(&TestApp::spawn().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_member_numbers_never_answer_500_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        racing_member_numbers(&app).await;
    }
}

/// How long each engine is soaked.
const SOAK: Duration = Duration::from_secs(12);

#[derive(Default)]
struct Tally {
    acknowledged: std::sync::Mutex<Vec<String>>,
    failed_writes: std::sync::Mutex<Vec<String>>,
    reads: AtomicUsize,
    failed_reads: std::sync::Mutex<Vec<String>>,
}

/// Creates organizations under `parent` until `stop`, through the page
/// form (`api` None) or the API.
async fn writer(
    app: &TestApp,
    who: usize,
    parent: i64,
    page: Option<&Session>,
    api: Option<&str>,
    stop: &AtomicBool,
    tally: &Tally,
) {
    let c = TestApp::client();
    let mut n = 0;
    while !stop.load(Ordering::Acquire) {
        n += 1;
        let name = format!("中共浸泡{who}号{n}村支部委员会");
        let (status, body) = if let Some(s) = page {
            let fields = [
                ("name", name.as_str()),
                ("kind", "branch"),
                ("sector", "rural"),
                ("secretary_name", "张书记"),
            ];
            let r = s.post(&format!("/orgs/{parent}/new"), &fields).await;
            (r.status().as_u16(), r.text().await.unwrap_or_default())
        } else {
            let body = serde_json::json!({
                "parent_id": parent, "name": name, "kind": "branch", "sector": "rural",
                "secretary_name": "张书记",
            });
            let r = c
                .post(format!("{}/api/v1/orgs", app.addr))
                .bearer_auth(api.unwrap())
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap_or_default())
        };
        let ok = if page.is_some() {
            status == 303
        } else {
            status == 201
        };
        if ok {
            tally.acknowledged.lock().unwrap().push(name);
        } else {
            let mut body = body;
            body.truncate(300);
            tally
                .failed_writes
                .lock()
                .unwrap()
                .push(format!("{name}: {status} {body}"));
        }
    }
}

/// Reads pages (or the API) in a loop until `stop`.
async fn reader(
    app: &TestApp,
    own: i64,
    page: Option<&Session>,
    api: Option<&str>,
    stop: &AtomicBool,
    tally: &Tally,
) {
    let c = TestApp::client();
    let pages = [
        "/".to_owned(),
        "/orgs".to_owned(),
        format!("/orgs/{own}"),
        "/members".to_owned(),
        "/warnings".to_owned(),
    ];
    let apis = ["/orgs", "/members", "/policy"];
    let mut i = 0;
    while !stop.load(Ordering::Acquire) {
        i += 1;
        let (path, r) = if let Some(s) = page {
            let path = &pages[i % pages.len()];
            (path.clone(), s.get(path).await)
        } else {
            let path = apis[i % apis.len()];
            let r = c
                .get(format!("{}/api/v1{path}", app.addr))
                .bearer_auth(api.unwrap())
                .send()
                .await
                .unwrap();
            (path.to_owned(), r)
        };
        let status = r.status().as_u16();
        let to_login = r
            .headers()
            .get("location")
            .is_some_and(|l| l.to_str().unwrap_or_default().contains("login"));
        if status >= 400 || to_login {
            let mut body = r.text().await.unwrap_or_default();
            body.truncate(300);
            tally
                .failed_reads
                .lock()
                .unwrap()
                .push(format!("{path}: {status} {body}"));
        } else {
            tally.reads.fetch_add(1, Ordering::AcqRel);
        }
    }
}

async fn soak(app: &TestApp) {
    let worker = reeval::start(&app.svc, Duration::from_millis(20));
    let (root, town_a, town_b) = (app.fx.root, app.fx.town_a, app.fx.town_b);
    // Writers: four on the pages, two on the API; at most three sessions an
    // account (the profile's cap).
    let w_pages = [
        (app.login("county_admin_root").await, root),
        (app.login("county_admin_root").await, town_b),
        (app.login("unit_admin_town").await, town_a),
        (app.login("county_admin_town").await, town_a),
    ];
    let w_api = [
        (app.api_token("county_admin_root").await.unwrap(), root),
        (app.api_token("unit_admin_town").await.unwrap(), town_a),
    ];
    // Readers: six on the pages, two on the API.
    let mut r_pages = Vec::new();
    for (user, org) in [
        ("leader_root", root),
        ("leader_town", town_a),
        ("discipline_root", root),
        ("county_admin_branch", app.fx.branch_a1),
        ("unit_admin_root", root),
        ("leader_branch", app.fx.branch_a1),
    ] {
        r_pages.push((app.login(user).await, org));
    }
    let r_api = [
        app.api_token("leader_root").await.unwrap(),
        app.api_token("discipline_root").await.unwrap(),
    ];

    let stop = AtomicBool::new(false);
    let tally = Tally::default();
    let started = Instant::now();
    let mut tasks: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send + '_>>> = Vec::new();
    for (who, (s, parent)) in w_pages.iter().enumerate() {
        tasks.push(Box::pin(writer(
            app,
            who,
            *parent,
            Some(s),
            None,
            &stop,
            &tally,
        )));
    }
    for (k, (t, parent)) in w_api.iter().enumerate() {
        let who = w_pages.len() + k;
        tasks.push(Box::pin(writer(
            app,
            who,
            *parent,
            None,
            Some(t),
            &stop,
            &tally,
        )));
    }
    for (s, org) in &r_pages {
        tasks.push(Box::pin(reader(app, *org, Some(s), None, &stop, &tally)));
    }
    for t in &r_api {
        tasks.push(Box::pin(reader(app, root, None, Some(t), &stop, &tally)));
    }
    // The clock: a minute every half second, so that sessions are touched
    // and token uses recorded throughout (each at most once a minute).
    tasks.push(Box::pin(async {
        while !stop.load(Ordering::Acquire) {
            tokio::time::sleep(Duration::from_millis(500)).await;
            app.advance(1);
        }
    }));
    tasks.push(Box::pin(async {
        tokio::time::sleep(SOAK).await;
        stop.store(true, Ordering::Release);
    }));
    futures_join_all(tasks).await;
    let elapsed = started.elapsed();

    // Let the last burst's re-evaluation finish, then stop the worker.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let runs = app.svc.reeval.runs();
    worker.abort();
    let auto_runs: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'warning.run.auto'")
            .fetch_one(&app.svc.store.pool)
            .await
            .unwrap();

    let acknowledged = tally.acknowledged.lock().unwrap().clone();
    let failed_writes = tally.failed_writes.lock().unwrap().clone();
    let failed_reads = tally.failed_reads.lock().unwrap().clone();
    let reads = tally.reads.load(Ordering::Acquire);
    eprintln!(
        "soak on {}: {:.1} s, writes acknowledged {}, failed {}; reads {}, failed {}; background re-evaluations {runs} ({auto_runs} audited)",
        app.engine,
        elapsed.as_secs_f64(),
        acknowledged.len(),
        failed_writes.len(),
        reads,
        failed_reads.len(),
    );
    assert!(
        failed_writes.is_empty(),
        "failed writes: {failed_writes:#?}"
    );
    assert!(failed_reads.is_empty(), "failed reads: {failed_reads:#?}");
    assert!(
        acknowledged.len() >= 12,
        "too few writes to mean anything: {}",
        acknowledged.len()
    );
    assert!(reads >= 16, "too few reads to mean anything: {reads}");
    assert!(runs >= 1, "the background re-evaluation never ran");
    assert!(
        u64::try_from(auto_runs).unwrap() >= runs,
        "a background re-evaluation failed: {runs} runs, {auto_runs} stored"
    );

    // Every acknowledged write is there.
    let names: BTreeSet<String> = sqlx::query_scalar("SELECT name FROM orgs")
        .fetch_all(&app.svc.store.pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|n| !names.contains(*n))
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged but not stored: {missing:?}"
    );
    // And the audit chain still verifies after all of it.
    let verified = dangjian_service::audit::verify(&app.svc).await.unwrap();
    assert!(
        matches!(verified, dangjian_service::audit::Verification::Ok { .. }),
        "{verified:?}"
    );
}

/// Runs every future to completion concurrently on the current task.
async fn futures_join_all(tasks: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send + '_>>>) {
    let mut tasks = tasks;
    std::future::poll_fn(|cx| {
        tasks.retain_mut(|t| t.as_mut().poll(cx).is_pending());
        if tasks.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_writers_readers_and_reevaluation() {
    soak(&TestApp::spawn().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_writers_readers_and_reevaluation_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        soak(&app).await;
    }
}
