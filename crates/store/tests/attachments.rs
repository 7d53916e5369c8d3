//! The one attachments query set, on SQLite and PostgreSQL: each owner kind
//! reads, lists, counts and deletes only its own attachments, even by an id
//! that another kind also uses.

mod common;

use common::TestDb;
use dangjian_store::attachments::{self as att, NewAttachment, Owner, OwnerKind};
use dangjian_store::org::{self, OrgDetails};
use dangjian_store::record::{self, RecordFields};
use dangjian_store::{DbError, work};

const NOW: &str = "2026-11-29T08:00:00.000000Z";

fn file<'a>(name: &'a str, data: &'a [u8]) -> NewAttachment<'a> {
    NewAttachment {
        file_name: name,
        content_type: "application/pdf",
        sha256: "0",
        data,
    }
}

#[tokio::test]
async fn an_owner_kind_never_reads_another_kinds_attachment() {
    for db in TestDb::all().await {
        let mut tx = db.store.begin_write().await.unwrap();
        let c = tx.conn();
        let details = OrgDetails {
            name: "县委".into(),
            kind: "county_committee".into(),
            sector: "organ".into(),
            secretary_name: "张三".into(),
            secretary_vacant_since: None,
            unit_name: String::new(),
            population: None,
        };
        let o = org::insert_org(c, None, &details, NOW).await.unwrap();
        let fields = RecordFields {
            record_type: "theme_party_day".into(),
            held_on: "2026-11-05".into(),
            profile_version: 1,
            ..RecordFields::default()
        };
        let rec = record::insert_record(c, o.id, &o.path, &fields, "u", NOW)
            .await
            .unwrap();
        let item = work::insert_item(
            c,
            &work::NewItemRow {
                kind: "task",
                title: "事项",
                detail: "",
                owner_org_id: o.id,
                owner_path: &o.path,
                assignee_org_id: o.id,
                assignee_path: &o.path,
                deadline: "2026-12-31",
                source: None,
                task_id: None,
            },
            "u",
            NOW,
        )
        .await
        .unwrap();
        let event = work::insert_event(
            c,
            &work::NewEvent {
                item_id: item,
                action: "note",
                from_state: "assigned",
                to_state: "assigned",
                party: "assignee",
                body: "进展",
                actor: "u",
                actor_org_id: o.id,
                at: NOW,
            },
        )
        .await
        .unwrap();
        let of_record = Owner {
            kind: OwnerKind::Record,
            id: rec,
            part: None,
        };
        let of_item = Owner {
            kind: OwnerKind::WorkItem,
            id: item,
            part: Some(event),
        };
        // Two record files, one note file: the ids overlap at the first.
        let r1 = att::insert(c, &of_record, &file("r1.pdf", b"%PDF-r1"), "u", NOW)
            .await
            .unwrap();
        let r2 = att::insert(c, &of_record, &file("r2.pdf", b"%PDF-r2"), "u", NOW)
            .await
            .unwrap();
        let w1 = att::insert(c, &of_item, &file("w1.pdf", b"%PDF-w1"), "u", NOW)
            .await
            .unwrap();
        assert_eq!((r1, w1), (1, 1), "{}: both tables start at 1", db.name);

        // The same id reads each kind's own row, never the other's.
        let m = att::meta(c, OwnerKind::WorkItem, w1).await.unwrap();
        assert_eq!(
            (m.owner_id, m.part_id, m.file_name.as_str(), m.size),
            (item, Some(event), "w1.pdf", 7)
        );
        let m = att::meta(c, OwnerKind::Record, r1).await.unwrap();
        assert_eq!(
            (m.owner_id, m.part_id, m.file_name.as_str()),
            (rec, None, "r1.pdf")
        );
        assert_eq!(
            att::data(c, OwnerKind::WorkItem, w1).await.unwrap(),
            b"%PDF-w1"
        );
        assert_eq!(
            att::data(c, OwnerKind::Record, r1).await.unwrap(),
            b"%PDF-r1"
        );
        // A record attachment's id that no note file has is not found as one.
        assert!(matches!(
            att::meta(c, OwnerKind::WorkItem, r2).await,
            Err(DbError::NotFound)
        ));
        assert!(matches!(
            att::data(c, OwnerKind::WorkItem, r2).await,
            Err(DbError::NotFound)
        ));

        let names =
            |v: Vec<att::AttachmentMeta>| v.into_iter().map(|a| a.file_name).collect::<Vec<_>>();
        assert_eq!(
            names(att::list(c, OwnerKind::Record, rec).await.unwrap()),
            ["r1.pdf", "r2.pdf"]
        );
        assert_eq!(
            names(att::list(c, OwnerKind::WorkItem, item).await.unwrap()),
            ["w1.pdf"]
        );
        assert_eq!(att::count(c, OwnerKind::Record, rec).await.unwrap(), 2);

        // Deleting by id touches only its kind's table.
        att::delete(c, OwnerKind::WorkItem, r1).await.unwrap();
        assert_eq!(att::count(c, OwnerKind::Record, rec).await.unwrap(), 2);
        assert_eq!(att::count(c, OwnerKind::WorkItem, item).await.unwrap(), 0);
        record::delete_record(c, rec).await.unwrap();
        assert_eq!(att::count(c, OwnerKind::Record, rec).await.unwrap(), 0);
        tx.commit().await.unwrap();
        db.finish().await;
    }
}
