//! Attachments (type sniffed from the bytes, size and count limits, safe
//! serving, scope) and policy profile versions (a bad upload refused with
//! line numbers and the active version kept; a good one becomes version 2
//! and results carry it), on SQLite and PostgreSQL.

mod common;
mod support;

use dangjian_domain::obligations::Window;
use dangjian_domain::policy::DEFAULT_PROFILE_TOML;
use dangjian_service::records::{self, MAX_ATTACHMENT_BYTES, RecordForm, Upload};
use dangjian_service::{ServiceError, compliance, policy, work};
use jiff::civil::date;
use support::{chain_ok, counts, fe, fixed, forbidden, form, invalid, members_of, sheet};

fn jpeg(n: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.resize(n, 7);
    v
}

fn up(name: &str, bytes: Vec<u8>) -> Upload {
    Upload {
        file_name: name.into(),
        bytes,
    }
}

#[tokio::test]
async fn attachments_are_sniffed_limited_and_served_safely() {
    for t in fixed().await {
        let sec = t.actor("branch_secretary_branch").await;
        let m = members_of(&t, t.fx.branch_a1).await;
        let f = RecordForm {
            attendance: sheet(&[m[0], m[1]], &[]),
            ..form("theme_party_day", "2026-11-05")
        };
        let before = counts(&t).await;
        // A disguised HTML file and an oversized photo: the record is refused whole.
        let bad = [
            up("签到表.jpg", b"<html><script>alert(1)</script>".to_vec()),
            up("大照片.jpg", jpeg(MAX_ATTACHMENT_BYTES + 1)),
            up("空.pdf", Vec::new()),
        ];
        assert_eq!(
            invalid(records::create(&t.svc, &sec, t.fx.branch_a1, &f, &bad).await),
            vec![
                (
                    "attachments".to_owned(),
                    "文件“签到表.jpg”不是可接受的格式：只能上传 JPG、PNG、WebP 图片或 PDF 文件"
                        .to_owned()
                ),
                (
                    "attachments".to_owned(),
                    "文件“大照片.jpg”超过10MB，请压缩后再上传".to_owned()
                ),
                ("attachments".to_owned(), "文件“空.pdf”是空的".to_owned()),
            ]
        );
        assert_eq!(counts(&t).await, before);
        let good = [
            up("C:\\照片\\会场.JPG", jpeg(MAX_ATTACHMENT_BYTES)),
            up("纪要.exe", b"%PDF-1.7\n...".to_vec()),
        ];
        let id = records::create(&t.svc, &sec, t.fx.branch_a1, &f, &good)
            .await
            .unwrap()
            .id;
        let d = records::get(&t.svc, &sec, id).await.unwrap();
        let names: Vec<(&str, &str, i64)> = d
            .attachments
            .iter()
            .map(|a| (a.file_name.as_str(), a.content_type.as_str(), a.size))
            .collect();
        assert_eq!(
            names,
            vec![
                ("会场.jpg", "image/jpeg", MAX_ATTACHMENT_BYTES as i64),
                ("纪要.pdf", "application/pdf", 12),
            ]
        );
        let pdf = records::attachment(&t.svc, &sec, d.attachments[1].id)
            .await
            .unwrap();
        assert_eq!(pdf.content_type, "application/pdf");
        assert_eq!(pdf.bytes, b"%PDF-1.7\n...");
        assert_eq!(
            pdf.content_disposition,
            "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E7%BA%AA%E8%A6%81.pdf"
        );
        let photo = records::attachment(&t.svc, &sec, d.attachments[0].id)
            .await
            .unwrap();
        assert!(photo.content_disposition.starts_with("inline; "));
        assert_eq!(photo.bytes.len(), MAX_ATTACHMENT_BYTES);
        // At most 20 a record.
        let many: Vec<Upload> = (0..19)
            .map(|i| up(&format!("{i}.png"), b"\x89PNG\r\n\x1a\nxx".to_vec()))
            .collect();
        assert_eq!(
            invalid(records::add_attachments(&t.svc, &sec, id, &many).await),
            fe("attachments", "每条记录最多20个附件（已有2个）")
        );
        let webp = up("x.webp", b"RIFF\0\0\0\0WEBPVP8 ".to_vec());
        let added = records::add_attachments(&t.svc, &sec, id, &[webp])
            .await
            .unwrap();
        assert_eq!(added[0].content_type, "image/webp");
        // Out of scope: another branch's attachment is not served.
        let admin = t.actor("county_admin_root").await;
        let b = members_of(&t, t.fx.branch_b1).await;
        let fb = RecordForm {
            attendance: sheet(&[b[0]], &[]),
            ..form("theme_party_day", "2026-11-05")
        };
        let id_b = records::create(
            &t.svc,
            &admin,
            t.fx.branch_b1,
            &fb,
            &[up("a.png", b"\x89PNG\r\n\x1a\n..".to_vec())],
        )
        .await
        .unwrap()
        .id;
        let att_b = records::get(&t.svc, &admin, id_b)
            .await
            .unwrap()
            .attachments[0]
            .id;
        assert_eq!(
            forbidden(records::attachment(&t.svc, &sec, att_b).await),
            "该组织不在您的管辖范围内"
        );
        records::delete_attachment(&t.svc, &sec, added[0].id)
            .await
            .unwrap();
        assert_eq!(
            records::get(&t.svc, &sec, id)
                .await
                .unwrap()
                .attachments
                .len(),
            2
        );
        chain_ok(&t).await;
        t.finish().await;
    }
}

/// Records and work notes keep their files in tables of their own whose
/// ids overlap: an id is read only as the kind its page asks for.
#[tokio::test]
async fn an_attachment_id_is_read_only_as_its_own_owner_kind() {
    for t in fixed().await {
        let town = t.actor("unit_admin_town").await;
        let sec = t.actor("branch_secretary_branch").await;
        let m = members_of(&t, t.fx.branch_a1).await;
        let f = RecordForm {
            attendance: sheet(&[m[0]], &[]),
            ..form("theme_party_day", "2026-11-05")
        };
        let photos = [up("一.jpg", jpeg(100)), up("二.jpg", jpeg(200))];
        let rec = records::create(&t.svc, &sec, t.fx.branch_a1, &f, &photos)
            .await
            .unwrap()
            .id;
        let rec_atts = records::get(&t.svc, &town, rec).await.unwrap().attachments;
        let item = work::create(
            &t.svc,
            &town,
            &work::NewWorkItem {
                kind: work::WorkKind::Task,
                title: "上传材料".into(),
                detail: String::new(),
                owner_org: t.fx.town_a,
                assignee_org: t.fx.branch_a1,
                deadline: date(2026, 12, 10),
                source: None,
                task_id: None,
            },
        )
        .await
        .unwrap();
        let note = work::parse_action("note", "材料已上传").unwrap();
        let pdf = up("材料.pdf", b"%PDF-1.7\nnote".to_vec());
        work::act_with(&t.svc, &sec, item, note, &[pdf])
            .await
            .unwrap();
        let detail = work::detail(&t.svc, &town, item).await.unwrap();
        let note_att = detail.timeline.last().unwrap().attachments[0].id;
        assert_eq!(rec_atts[0].id, note_att, "{}: the ids overlap", t.engine);
        // The same id serves each kind's own file.
        let from_record = records::attachment(&t.svc, &town, note_att).await.unwrap();
        assert_eq!(from_record.file_name, "一.jpg");
        let from_work = work::attachment(&t.svc, &town, note_att).await.unwrap();
        assert_eq!(
            (from_work.file_name.as_str(), from_work.bytes.as_slice()),
            ("材料.pdf", b"%PDF-1.7\nnote".as_slice())
        );
        // A record's attachment id that no note file has is not found as one.
        assert!(matches!(
            work::attachment(&t.svc, &town, rec_atts[1].id).await,
            Err(ServiceError::NotFound)
        ));
        t.finish().await;
    }
}

#[tokio::test]
async fn a_bad_profile_is_refused_with_line_numbers_and_the_active_one_stays() {
    for t in fixed().await {
        let admin = t.actor("county_admin_root").await;
        let town = t.actor("county_admin_town").await;
        let unit = t.actor("unit_admin_town").await;
        let v1 = policy::active(&t.svc).await.unwrap();
        assert_eq!(
            (v1.version, v1.profile.version()),
            (1, "jiangxi-county-2026.1")
        );
        let audit_before = support::count(&t, "audit_log").await;
        // An unknown record type in an obligation, found on its line.
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
        let errs = invalid(policy::upload(&t.svc, &admin, bad.as_bytes()).await);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].0, "profile");
        assert!(
            errs[0]
                .1
                .starts_with(&format!("第{line}行第15列：未知的记录类型“theme_day”")),
            "{}",
            errs[0].1
        );
        // A syntax error.
        let errs = invalid(policy::upload(&t.svc, &admin, b"[profile]\nversion = \"x").await);
        assert!(errs[0].1.starts_with("第2行"), "{errs:?}");
        assert_eq!(
            invalid(policy::upload(&t.svc, &admin, &[0xFF, 0xFE, 0x00]).await),
            fe("profile", "配置文件应为 UTF-8 编码的文本（TOML）")
        );
        assert_eq!(
            invalid(policy::upload(&t.svc, &admin, DEFAULT_PROFILE_TOML.as_bytes()).await),
            fe(
                "profile",
                "与2026-12-01起适用的第1版配置完全相同，无需重复上传"
            )
        );
        // Only the county administrator loads profiles.
        assert!(matches!(
            policy::upload(&t.svc, &unit, b"x").await,
            Err(ServiceError::Forbidden(_))
        ));
        assert_eq!(policy::active(&t.svc).await.unwrap().version, 1);
        assert_eq!(support::count(&t, "audit_log").await, audit_before);

        // A good profile becomes version 2; later results and records carry it.
        let good = DEFAULT_PROFILE_TOML.replacen(
            "version = \"jiangxi-county-2026.1\"",
            "version = \"jiangxi-county-2026.2\"",
            1,
        );
        // From the fourth quarter on, chosen retroactively (today is
        // 2026-11-29), so today's records and Q4's results use it.
        let q4 = policy::Effective {
            from: Some("2026-10-01".into()),
            retroactive: true,
            reason: "测试：第四季度起适用".into(),
        };
        let v2 = policy::upload_with(&t.svc, &town, good.as_bytes(), &q4)
            .await
            .unwrap();
        assert_eq!(
            (v2.version, v2.profile.version()),
            (2, "jiangxi-county-2026.2")
        );
        let view = policy::view(&t.svc, &admin).await.unwrap();
        assert_eq!(view.active.version, 2);
        assert_eq!(
            view.versions
                .iter()
                .map(|v| (v.version, v.active))
                .collect::<Vec<_>>(),
            vec![(2, 1), (1, 0)]
        );
        let file = policy::download(&t.svc, &admin, Some(1)).await.unwrap();
        assert_eq!(
            (file.file_name.as_str(), file.content.as_str()),
            ("policy-v1-jiangxi-county-2026.1.toml", DEFAULT_PROFILE_TOML)
        );
        assert_eq!(
            policy::download(&t.svc, &admin, None)
                .await
                .unwrap()
                .content,
            good
        );
        let window = Window {
            from: date(2026, 10, 1),
            to: date(2026, 12, 31),
        };
        let c = compliance::for_scope(&t.svc, &admin, t.fx.root, window)
            .await
            .unwrap();
        assert_eq!(
            (c.profile_version, c.profile_label.as_str()),
            (2, "jiangxi-county-2026.2")
        );
        let m = members_of(&t, t.fx.branch_a1).await;
        let f = RecordForm {
            attendance: sheet(&[m[0]], &[]),
            ..form("theme_party_day", "2026-11-05")
        };
        let id = records::create(&t.svc, &admin, t.fx.branch_a1, &f, &[])
            .await
            .unwrap()
            .id;
        assert_eq!(
            records::get(&t.svc, &admin, id)
                .await
                .unwrap()
                .record
                .profile_version,
            2
        );
        chain_ok(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn a_confirmed_record_takes_no_new_attachments() {
    for t in fixed().await {
        let sec = t.actor("branch_secretary_branch").await;
        let town = t.actor("unit_admin_town").await;
        let m = members_of(&t, t.fx.branch_a1).await;
        let f = RecordForm {
            attendance: sheet(&[m[0], m[1]], &[]),
            ..form("theme_party_day", "2026-11-05")
        };
        let id = records::create(&t.svc, &sec, t.fx.branch_a1, &f, &[])
            .await
            .unwrap()
            .id;
        records::confirm(&t.svc, &town, id).await.unwrap();
        let before = counts(&t).await;
        for who in [&sec, &town] {
            assert_eq!(
                invalid(
                    records::add_attachments(&t.svc, who, id, &[up("现场.jpg", jpeg(2_000))]).await
                ),
                fe(
                    "attachments",
                    "该记录已审核确认，不能再添加附件；如需补充，请先修改记录，修改后将重新提交审核"
                )
            );
        }
        assert_eq!(counts(&t).await, before, "{}: nothing written", t.engine);
        // After an edit (back to 待审核) the evidence may be added.
        records::update(&t.svc, &sec, id, &f).await.unwrap();
        records::add_attachments(&t.svc, &sec, id, &[up("现场.jpg", jpeg(2_000))])
            .await
            .unwrap();
        chain_ok(&t).await;
        t.finish().await;
    }
}
