//! Issue 10, findings 1 and 4: nothing a role is shown, nothing an export
//! or the API returns, and nothing stored in clear in the database file
//! rebuilds a member's ID number; a duplicate number outside the user's
//! scope is answered without saying where, every hit is audited, and past
//! the daily limit the request is refused and the security administrator
//! alerted.

use crate::support::{Session, TestApp, member_form};
use dangjian_domain::member::{IdCardNo, id_check_char};
use dangjian_service::{members, security};
use std::fmt::Write as _;
use std::io::Read;

/// A member born 1979-11-23 (male) in branch A1; returns (member id, number).
async fn distinctive_member(app: &TestApp) -> (i64, String) {
    let first = "36072119791123015";
    let raw = format!("{first}{}", id_check_char(first.as_bytes()) as char);
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    let mut form = member_form(app.fx.branch_a1, "钟明远");
    form.id_card.clone_from(&raw);
    let id = members::create(&app.svc, &admin, &form).await.unwrap();
    (id, raw)
}

/// What an attacker holding `text` knows about the number, as the count of
/// valid numbers consistent with it. The region code is taken as known
/// (every mask shows it) and so is the gender (shown beside it); the birth
/// month or day and the sequence digits count as known when the text holds
/// them in any of the usual spellings.
fn candidates(text: &str, id: &IdCardNo) -> usize {
    let raw = id.as_str();
    if text.contains(raw) {
        return 1;
    }
    let b = id.birth_date();
    let (y, m, d) = (b.year(), b.month(), b.day());
    let day_known = [
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{y:04}{m:02}{d:02}"),
        format!("{y}年{m}月{d}日"),
        format!("{y}/{m}/{d}"),
        format!("{y:04}.{m:02}.{d:02}"),
    ]
    .iter()
    .any(|s| text.contains(s.as_str()));
    let month_known = day_known
        || [format!("{y:04}-{m:02}"), format!("{y}年{m}月")]
            .iter()
            .any(|s| text.contains(s.as_str()));
    // The old mask showed the last four characters after the stars.
    let tail_known = text.contains(&format!("*{}", &raw[14..]));
    let days: usize = if day_known {
        1
    } else if month_known {
        28
    } else {
        365
    };
    let seqs: usize = if tail_known { 1 } else { 500 };
    days * seqs
}

fn assert_not_rebuildable(what: &str, text: &str, id: &IdCardNo) {
    let n = candidates(text, id);
    assert!(
        n >= 1000,
        "{what}: the number is one of only {n} candidates"
    );
    // Any masked number shown hides everything after the region code.
    for (i, _) in text.match_indices(&id.as_str()[..6]) {
        let rest: String = text[i + 6..].chars().take(12).collect();
        if rest.starts_with('*') {
            assert_eq!(rest, "*".repeat(12), "{what}: mask {rest}");
        }
    }
}

/// The text of every worksheet of an .xlsx.
fn xlsx_text(bytes: &[u8]) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        if f.name().unwrap().ends_with(".xml") {
            f.read_to_string(&mut out).unwrap();
        }
    }
    out
}

async fn text_of(s: &Session, path: &str) -> String {
    s.get(path).await.text().await.unwrap()
}

async fn api_text(app: &TestApp, user: &str, path: &str) -> String {
    let Some(token) = app.api_token(user).await else {
        return String::new();
    };
    TestApp::client()
        .get(format!("{}{path}", app.addr))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn no_view_export_api_answer_or_database_file_rebuilds_a_number() {
    let app = TestApp::spawn().await;
    let (mid, raw) = distinctive_member(&app).await;
    let id = IdCardNo::parse(&raw).unwrap();
    let branch = app.fx.branch_a1;
    for user in [
        "county_admin_root",
        "unit_admin_town",
        "branch_secretary_branch",
        "discipline_root",
        "leader_root",
        "audit_admin_root",
    ] {
        let s = app.login(user).await;
        let mut seen = String::new();
        for path in [
            format!("/members?org={branch}"),
            format!("/members/{mid}"),
            format!("/members/{mid}/edit"),
            "/audit".to_owned(),
        ] {
            let t = text_of(&s, &path).await;
            assert_not_rebuildable(&format!("{user} {path}"), &t, &id);
            seen.push_str(&t);
        }
        let r = s.get(&format!("/members/export?org={branch}")).await;
        if r.status() == 200 {
            let t = xlsx_text(&r.bytes().await.unwrap());
            assert!(t.contains("钟明远"), "{user}: the export holds the member");
            assert_not_rebuildable(&format!("{user} masked export"), &t, &id);
            seen.push_str(&t);
        }
        for path in [
            format!("/api/v1/members?org={branch}"),
            format!("/api/v1/members/{mid}"),
        ] {
            let t = api_text(&app, user, &path).await;
            assert_not_rebuildable(&format!("{user} {path}"), &t, &id);
            seen.push_str(&t);
        }
        // Everything one role sees, taken together.
        assert_not_rebuildable(&format!("{user}, all answers"), &seen, &id);
    }

    // The database file and its WAL, read without the key: the number is
    // nowhere in clear, and the clear columns of the member and the audit
    // rows together leave thousands of candidates.
    let dir = app.data_dir().unwrap();
    let mut bytes = Vec::new();
    for name in ["app.db", "app.db-wal"] {
        if let Ok(b) = std::fs::read(dir.join(name)) {
            bytes.extend(b);
        }
    }
    let file = String::from_utf8_lossy(&bytes);
    assert!(
        !file.contains(raw.as_str()),
        "the full number is in the file"
    );
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
        "sqlite://{}",
        dir.join("app.db").display()
    ))
    .await
    .unwrap();
    let row: (String, String, String, String) = sqlx::query_as(
        "SELECT id_card_masked, birth_month, gender, name || ' ' || joined_on || ' ' || post || ' ' || address \
         FROM members WHERE id = ?",
    )
    .bind(mid)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let audit: Vec<String> = sqlx::query_scalar("SELECT summary FROM audit_log")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let clear = format!(
        "{} {} {} {} {}",
        row.0,
        row.1,
        row.2,
        row.3,
        audit.join(" ")
    );
    assert_eq!(row.0, "360721************");
    assert_eq!(row.1, "1979-11");
    assert_not_rebuildable("database file without the key", &clear, &id);
    // The masked exports above are audited with the members they held.
    let exports: Vec<String> =
        sqlx::query_scalar("SELECT summary FROM audit_log WHERE action = 'export.members'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert!(!exports.is_empty(), "masked exports are audited");
    assert!(
        exports.iter().all(|s| s.contains("\"members\"")),
        "{exports:?}"
    );

    // Revealing is what shows the number and the date, and it is audited.
    let s = app.login("county_admin_root").await;
    let page = s
        .post(&format!("/members/{mid}/reveal"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(raw.as_str()) && page.contains("1979-11-23"));
}

#[tokio::test]
async fn a_number_registered_elsewhere_says_nothing_about_where_and_probes_are_limited() {
    let app = TestApp::spawn().await;
    let admin = TestApp::actor(&app.svc, "county_admin_root").await;
    // Numbers registered in town B, outside town A's scope.
    let mut elsewhere = Vec::new();
    for k in 0..=(security::DAILY_PROBE_LIMIT as usize) {
        let form = member_form(app.fx.branch_b1, &format!("乙村党员{k}"));
        members::create(&app.svc, &admin, &form).await.unwrap();
        elsewhere.push(form.id_card);
    }
    let s = app.login("branch_secretary_branch").await;
    let mut form = member_form(app.fx.branch_a1, "试探者");
    form.id_card.clone_from(&elsewhere[0]);
    let r = s.post_form("/members/new", &form).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains(security::HIDDEN_DUPLICATE), "{page}");
    assert!(
        !page.contains("乙村") && !page.contains("其他党组织"),
        "the answer names no place: {page}"
    );

    // An import dry run of the others: hidden answers until the day's
    // limit, then the whole file is refused and the alert written.
    let t = app.login("unit_admin_town").await;
    let mut csv = String::from("姓名,公民身份号码,人员类别,入党日期,转正日期,所在党组织\n");
    for (k, n) in elsewhere.iter().enumerate() {
        writeln!(
            csv,
            "试探{k},{n},正式党员,2012-07-01,2013-07-01,中共甲村支部委员会"
        )
        .unwrap();
    }
    let r = t
        .upload(
            "/import/members",
            app.fx.town_a,
            "名单.csv",
            csv.into_bytes(),
            true,
        )
        .await;
    let page = r.text().await.unwrap();
    assert!(page.contains("已达上限"), "{page}");
    assert!(
        !page.contains("乙村党员"),
        "no row answers past the limit: {page}"
    );

    // The form past the limit is refused the same way.
    for n in &elsewhere[1..] {
        let mut form = member_form(app.fx.branch_a1, "试探者");
        form.id_card.clone_from(n);
        let page = s
            .post_form("/members/new", &form)
            .await
            .text()
            .await
            .unwrap();
        if page.contains("已达上限") {
            break;
        }
        assert!(page.contains(security::HIDDEN_DUPLICATE), "{page}");
    }

    // Every hit is audited; the security administrator sees the alerts,
    // nobody else does.
    let sec = app.login("security_admin_root").await;
    let alerts = text_of(&sec, "/security/alerts").await;
    assert!(
        alerts.contains("unit_admin_town") && alerts.contains("身份号码查重超限"),
        "{alerts}"
    );
    for user in ["county_admin_root", "audit_admin_root", "system_admin_root"] {
        let r = app.login(user).await.get("/security/alerts").await;
        assert_eq!(r.status(), 403, "{user}");
    }
    let auditor = TestApp::actor(&app.svc, "audit_admin_root").await;
    let hits = dangjian_service::audit::browse(
        &app.svc,
        &auditor,
        &dangjian_service::store::audit::AuditFilter {
            action_prefix: Some("member.duplicate_hit".into()),
            ..Default::default()
        },
        100,
        0,
    )
    .await
    .unwrap();
    assert!(hits.0.len() >= 3, "{:?}", hits.0.len());
}
