//! Data out and back in: the organization and member exports of one county,
//! imported into a fresh county with the same root, export again to the
//! very same cells. Covers repeated organization names (written as
//! "上级全称/名称"), probationary members, empty optional fields and text
//! that looks like a formula. SQLite and PostgreSQL.

mod common;

use calamine::{Reader, Xlsx};
use common::TestSvc;
use dangjian_service::fixture::{member_form, org_form};
use dangjian_service::import::{self, ImportOptions, SheetKind};
use dangjian_service::members::MemberQuery;
use dangjian_service::{Actor, Services, export, members, orgs};

/// The cells of the first sheet, as text.
fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect()
}

async fn export_all(svc: &Services, actor: &Actor, root: i64) -> (export::Export, export::Export) {
    let orgs = export::orgs_xlsx(svc, actor, root, "").await.unwrap();
    let q = MemberQuery {
        org: root.to_string(),
        ..MemberQuery::default()
    };
    let members = export::members_xlsx(svc, actor, &q, true).await.unwrap();
    (orgs, members)
}

#[tokio::test]
async fn an_export_re_imports_into_a_fresh_county_unchanged() {
    for t in TestSvc::all().await {
        let admin = t.actor("county_admin_root").await;
        // A second 甲村 branch under town B: its name repeats in the county.
        let twin = orgs::create(
            &t.svc,
            &admin,
            t.fx.town_b,
            &orgs::OrgForm {
                population: "1234".into(),
                unit_name: "乙镇甲村村民委员会".into(),
                ..org_form("中共甲村支部委员会", "branch", "rural")
            },
        )
        .await
        .unwrap()
        .id;
        let mut p = member_form(twin, "钱预备");
        p.category = "probationary".into();
        p.joined_on = "2026-03-01".into();
        p.full_on = String::new();
        p.phone = String::new();
        p.ethnicity = "回族".into();
        p.address = "=HYPERLINK(\"http://x\")".into();
        p.post = "-村务监督委员".into();
        members::create(&t.svc, &admin, &p).await.unwrap();

        let (orgs1, members1) = export_all(&t.svc, &admin, t.fx.root).await;
        assert_eq!(orgs1.rows, 5, "{}: two towns, three branches", t.engine);
        assert_eq!(members1.rows, 6, "{}", t.engine);

        let fresh = t.bare_like().await;
        let setup = fresh.actor("setup").await;
        for (kind, file) in [(SheetKind::Orgs, &orgs1), (SheetKind::Members, &members1)] {
            let opts = ImportOptions {
                kind,
                file_name: file.file_name.clone(),
                within_org: fresh.fx.root,
                dry_run: false,
            };
            let r = import::import(&fresh.svc, &setup, &opts, &file.bytes, &|_, _| {})
                .await
                .unwrap();
            assert!(r.is_clean(), "{} {kind:?}: {:?}", t.engine, r.errors);
            assert!(r.unknown_columns.is_empty(), "{:?}", r.unknown_columns);
            assert_eq!(r.imported, file.rows, "{} {kind:?}", t.engine);
        }

        let (orgs2, members2) = export_all(&fresh.svc, &setup, fresh.fx.root).await;
        assert_eq!(
            cells(&orgs1.bytes),
            cells(&orgs2.bytes),
            "{}: organizations",
            t.engine
        );
        assert_eq!(
            cells(&members1.bytes),
            cells(&members2.bytes),
            "{}: members",
            t.engine
        );
        fresh.finish().await;
        t.finish().await;
    }
}
