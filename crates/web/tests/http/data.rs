//! Data in and out over HTTP: the import and export routes in the
//! authorization matrix (role × own / child / sibling / parent), the upload
//! report with its annotated file, CSRF and size refusals, and a clean
//! import showing up in the member roll. SQLite and PostgreSQL.

use crate::matrix::{Rel, check, in_scope, org_of};
use crate::support::TestApp;
use dangjian_domain::role::{Permission, Role};
use dangjian_service::fixture::new_id_card;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A member CSV (UTF-8) with the given rows after the header.
fn member_csv(rows: &[String]) -> Vec<u8> {
    let mut s = String::from("姓名,公民身份号码,人员类别,入党日期,转正日期,所在党组织,联系电话\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

fn good_row(name: &str, org: &str) -> String {
    format!(
        "{name},{},正式党员,2012-07-01,2013-07-01,{org},13800001111",
        new_id_card()
    )
}

#[tokio::test]
async fn data_routes_obey_role_and_scope() {
    data_matrix(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn data_routes_obey_role_and_scope_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        data_matrix(&app).await;
    }
}

async fn data_matrix(app: &TestApp) {
    for role in Role::ALL {
        let s = app.login(&format!("{}_town", role.code())).await;
        let read = role.can(Permission::ReadBusiness);
        let edit = role.can(Permission::EditMembers);
        let manage = role.can(Permission::ManageOrgs);
        let reveal = role.can(Permission::RevealSensitive);
        let r = s.get("/import/template/members").await;
        check(
            "GET /import/template/members",
            role,
            Rel::Own,
            edit,
            r.status().as_u16(),
            &[200],
        );
        if edit {
            assert_eq!(r.headers()["content-type"], XLSX);
            assert!(
                r.headers()["content-disposition"]
                    .to_str()
                    .unwrap()
                    .contains("attachment")
            );
        }
        for rel in [Rel::Own, Rel::Child, Rel::Sibling, Rel::Parent] {
            let id = org_of(app, rel);
            let scoped = in_scope(rel);
            let r = s.get(&format!("/import?org={id}")).await;
            check(
                "GET /import",
                role,
                rel,
                (edit || manage) && scoped,
                r.status().as_u16(),
                &[200],
            );
            let r = s.get(&format!("/members/export?org={id}")).await;
            check(
                "GET /members/export",
                role,
                rel,
                read && scoped,
                r.status().as_u16(),
                &[200],
            );
            if read && scoped {
                assert_eq!(r.headers()["content-type"], XLSX);
            }
            let r = s.post("/members/export", &[("org", &id.to_string())]).await;
            check(
                "POST /members/export",
                role,
                rel,
                reveal && scoped,
                r.status().as_u16(),
                &[200],
            );
            let r = s.get(&format!("/orgs/{id}/export")).await;
            check(
                "GET /orgs/{id}/export",
                role,
                rel,
                read && scoped,
                r.status().as_u16(),
                &[200],
            );
            // A file with one bad row: allowed users get the report (422), others 403.
            let bad =
                member_csv(&["无名,123,正式党员,2012-07-01,2013-07-01,中共甲村支部委员会,".into()]);
            let r = s.upload("/import/members", id, "党员.csv", bad, true).await;
            check(
                "POST /import/members",
                role,
                rel,
                edit && scoped,
                r.status().as_u16(),
                &[422],
            );
            let orgs = "党组织名称,上级党组织,组织类别,所属领域\n新支部,不存在的组织,党支部,农村\n";
            let r = s
                .upload(
                    "/import/orgs",
                    id,
                    "组织.csv",
                    orgs.as_bytes().to_vec(),
                    true,
                )
                .await;
            check(
                "POST /import/orgs",
                role,
                rel,
                manage && scoped,
                r.status().as_u16(),
                &[422],
            );
        }
    }
}

#[tokio::test]
async fn a_bad_file_is_reported_and_the_corrected_file_imports() {
    let app = TestApp::spawn().await;
    report_then_import(&app).await;
}

#[tokio::test]
async fn a_bad_file_is_reported_and_the_corrected_file_imports_on_postgres() {
    if let Some(app) = TestApp::spawn_pg().await {
        report_then_import(&app).await;
    }
}

async fn report_then_import(app: &TestApp) {
    let s = app.login("county_admin_town").await;
    let branch = "中共甲村支部委员会";
    let before = s
        .get(&format!("/members?org={}", app.fx.branch_a1))
        .await
        .text()
        .await
        .unwrap();
    assert!(before.contains("共 3 名党员"), "{before}");
    // Row 3 has a wrong check digit; row 4 names an organization outside town A.
    let mut bad_id = new_id_card();
    let last = if bad_id.ends_with('0') { '1' } else { '0' };
    bad_id.pop();
    bad_id.push(last);
    let rows = vec![
        good_row("赵一", branch),
        format!("钱二,{bad_id},正式党员,2012-07-01,2013-07-01,{branch},"),
        good_row("孙三", "中共乙村支部委员会"),
    ];
    let r = s
        .upload(
            "/import/members",
            app.fx.town_a,
            "党员名单.csv",
            member_csv(&rows),
            false,
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("未导入任何数据"), "{page}");
    assert!(
        page.contains("第 3 行") && page.contains("公民身份号码"),
        "{page}"
    );
    assert!(
        page.contains("第 4 行") && page.contains("所在党组织"),
        "{page}"
    );
    assert!(!page.contains("第 2 行"), "row 2 is clean: {page}");
    // The annotated file: for its owner only.
    let i = page.find("/import/result/").expect("annotated link");
    let href: String = page[i..].chars().take_while(|c| *c != '"').collect();
    let r = s.get(&href).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], XLSX);
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "an xlsx is a zip file");
    let other = app.login("unit_admin_town").await;
    assert_eq!(other.get(&href).await.status(), 404);
    // Nothing was written.
    let same = s
        .get(&format!("/members?org={}", app.fx.branch_a1))
        .await
        .text()
        .await
        .unwrap();
    assert!(same.contains("共 3 名党员"));

    // The corrected file imports in one go.
    let rows = vec![good_row("赵一", branch), good_row("钱二", branch)];
    let r = s
        .upload(
            "/import/members",
            app.fx.town_a,
            "党员名单.csv",
            member_csv(&rows),
            false,
        )
        .await;
    let page = r.text().await.unwrap();
    assert!(
        page.contains("导入成功") && page.contains("已导入 2 条"),
        "{page}"
    );
    let after = s
        .get(&format!("/members?org={}", app.fx.branch_a1))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        after.contains("共 5 名党员") && after.contains("赵一") && after.contains("钱二"),
        "{after}"
    );
    let v = dangjian_service::audit::verify(&app.svc).await.unwrap();
    assert!(
        matches!(v, dangjian_service::audit::Verification::Ok { .. }),
        "audit chain intact: {v:?}"
    );
}

#[tokio::test]
async fn uploads_without_csrf_or_too_large_are_refused() {
    let app = TestApp::spawn().await;
    let s = app.login("county_admin_town").await;
    let rows = vec![good_row("周五", "中共甲村支部委员会")];
    let form = reqwest::multipart::Form::new()
        .text("org", app.fx.town_a.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(member_csv(&rows)).file_name("a.csv"),
        );
    let r =
        s.c.post(format!("{}/import/members", s.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 403, "no CSRF token");
    let page = s
        .get(&format!("/members?org={}", app.fx.branch_a1))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("周五"), "nothing written");
    // Over the upload limit: refused before the service sees it.
    let big = vec![b'a'; dangjian_web::import::MAX_UPLOAD_BODY + 1024];
    let r = s
        .upload("/import/members", app.fx.town_a, "big.csv", big, true)
        .await;
    assert_eq!(r.status(), 413);
    // An empty file: the form again with a message.
    let r = s
        .upload(
            "/import/members",
            app.fx.town_a,
            "empty.csv",
            Vec::new(),
            true,
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请选择要导入的文件"));
}
