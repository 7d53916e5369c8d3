//! Organizational-life records on SQLite and PostgreSQL: entry with a
//! sign-in list, the quorum flag, every refusal with its field and message
//! while nothing is written, confirmation by the parent organization only,
//! and records following their organization when it moves.

mod common;
mod support;

use dangjian_service::records::{self, AttendanceForm, RecordForm, RecordQuery};
use dangjian_service::{ServiceError, orgs};
use support::{chain_ok, counted, counts, fe, fixed, forbidden, form, invalid, members_of, sheet};

#[tokio::test]
async fn a_secretary_records_a_members_meeting_with_its_sign_in_list() {
    for t in fixed().await {
        let sec = t.actor("branch_secretary_branch").await;
        let m = members_of(&t, t.fx.branch_a1).await;
        let opts = records::form_options(&t.svc, &sec, t.fx.branch_a1)
            .await
            .unwrap();
        assert_eq!(opts.members.iter().map(|e| e.id).collect::<Vec<_>>(), m);
        assert!(
            opts.record_types
                .iter()
                .any(|o| o.code == "branch_general_meeting" && o.members_meeting)
        );
        assert!(
            !opts
                .record_types
                .iter()
                .any(|o| o.code == "ideology_work_study")
        );
        assert_eq!(opts.max_date, "2026-11-29");

        let f = RecordForm {
            attendance: sheet(&[m[0], m[1]], &[m[2]]),
            ..form("branch_general_meeting", "2026-11-20")
        };
        let saved = records::create(&t.svc, &sec, t.fx.branch_a1, &f, &[])
            .await
            .unwrap();
        assert!(saved.valid && saved.notice.is_none(), "{}", t.engine);
        let d = records::get(&t.svc, &sec, saved.id).await.unwrap();
        let r = &d.record;
        assert_eq!(
            (
                r.expected_count,
                r.present_count,
                r.voting_count,
                r.voting_present,
                r.valid
            ),
            (3, 2, 3, 2, 1)
        );
        assert_eq!((r.status.as_str(), r.profile_version), ("submitted", 1));
        assert_eq!(d.type_label, "支部党员大会");
        assert_eq!(d.attendance.len(), 3);
        let absent = d.attendance.iter().find(|a| a.present == 0).unwrap();
        assert_eq!(
            (absent.member_id, absent.absent_reason.as_str()),
            (m[2], "外出务工")
        );
        assert!(d.can_edit && !d.can_confirm);
        // A member left off the list counts as absent.
        let f = RecordForm {
            attendance: sheet(&[m[0], m[1]], &[]),
            marks: vec!["by_secretary".into()],
            ..form("party_lecture", "2026-11-21")
        };
        let id = records::create(&t.svc, &sec, t.fx.branch_a1, &f, &[])
            .await
            .unwrap()
            .id;
        let d = records::get(&t.svc, &sec, id).await.unwrap();
        assert_eq!((d.record.expected_count, d.record.present_count), (3, 2));
        assert_eq!(
            d.marks,
            vec![("by_secretary".to_owned(), "书记讲党课".to_owned())]
        );
        let page = records::list(&t.svc, &sec, &RecordQuery::default())
            .await
            .unwrap();
        assert_eq!(page.total, 2);
        assert_eq!(page.rows[0].held_on, "2026-11-21");
        chain_ok(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn a_members_meeting_with_half_or_fewer_present_is_saved_but_flagged() {
    for t in fixed().await {
        let sec = t.actor("branch_secretary_branch").await;
        let m = members_of(&t, t.fx.branch_a1).await;
        let f = RecordForm {
            attendance: sheet(&[m[0]], &[m[1], m[2]]),
            ..form("branch_general_meeting", "2026-10-10")
        };
        let saved = records::create(&t.svc, &sec, t.fx.branch_a1, &f, &[])
            .await
            .unwrap();
        assert!(!saved.valid);
        assert_eq!(
            saved.notice.as_deref(),
            Some(
                "有表决权的党员应到3人、实到1人，未超过半数，本次党员大会无效，不计入规定动作完成情况"
            )
        );
        let d = records::get(&t.svc, &sec, saved.id).await.unwrap();
        assert_eq!(d.record.valid, 0);
        // Two members' meetings of B1 (2 voting members): 1 present is half, not more.
        let admin = t.actor("county_admin_root").await;
        let b = members_of(&t, t.fx.branch_b1).await;
        let f = RecordForm {
            attendance: sheet(&[b[0]], &[b[1]]),
            ..form("branch_general_meeting", "2026-10-11")
        };
        assert!(
            !records::create(&t.svc, &admin, t.fx.branch_b1, &f, &[])
                .await
                .unwrap()
                .valid
        );
        // Other types are never flagged.
        let f = RecordForm {
            attendance: sheet(&[m[0]], &[]),
            ..form("theme_party_day", "2026-10-12")
        };
        assert!(
            records::create(&t.svc, &sec, t.fx.branch_a1, &f, &[])
                .await
                .unwrap()
                .valid
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn bad_forms_are_refused_with_field_messages_and_nothing_written() {
    for t in fixed().await {
        let sec = t.actor("branch_secretary_branch").await;
        let town = t.actor("unit_admin_town").await;
        let m = members_of(&t, t.fx.branch_a1).await;
        let other = members_of(&t, t.fx.branch_b1).await;
        let before = counts(&t).await;
        let ok = || RecordForm {
            attendance: sheet(&[m[0], m[1]], &[m[2]]),
            ..form("branch_general_meeting", "2026-11-01")
        };
        let cases: Vec<(RecordForm, Vec<(String, String)>)> = vec![
            (
                RecordForm {
                    held_on: "2026-11-30".into(),
                    ..ok()
                },
                fe("held_on", "活动日期不能晚于今天"),
            ),
            (
                RecordForm {
                    held_on: "1999-12-31".into(),
                    ..ok()
                },
                fe("held_on", "活动日期不能早于2000年1月1日"),
            ),
            (
                RecordForm {
                    held_on: "2026/11/01".into(),
                    ..ok()
                },
                fe("held_on", "活动日期格式应为 2024-07-01 这样的日期"),
            ),
            (
                RecordForm {
                    minutes: "  ".into(),
                    ..ok()
                },
                fe("minutes", "“支部党员大会”须填写会议记录"),
            ),
            (
                RecordForm {
                    record_type: "tea_party".into(),
                    ..ok()
                },
                fe("record_type", "当前政策配置中没有这种记录类型"),
            ),
            (
                RecordForm {
                    record_type: String::new(),
                    ..ok()
                },
                fe("record_type", "请选择记录类型"),
            ),
            (
                RecordForm {
                    record_type: "ideology_work_study".into(),
                    ..ok()
                },
                fe(
                    "record_type",
                    "党支部不能开展“党委（党组）专题研究意识形态工作”",
                ),
            ),
            (
                RecordForm {
                    place: String::new(),
                    ..ok()
                },
                fe("place", "请填写活动地点"),
            ),
            (
                RecordForm {
                    host: "主".repeat(31),
                    ..ok()
                },
                fe("host", "主持人不能超过30个字"),
            ),
            (
                RecordForm {
                    marks: vec!["by_secretary".into()],
                    ..ok()
                },
                fe("marks", "“支部党员大会”没有“by_secretary”这一标记"),
            ),
            (
                RecordForm {
                    attendance: sheet(&[m[0], m[1], m[2], other[0]], &[]),
                    ..ok()
                },
                fe(
                    "attendance",
                    &format!(
                        "出席名单中的人员（编号{}）不是本组织的在册党员，实到人数不能超过本组织党员人数（3人）",
                        other[0]
                    ),
                ),
            ),
            (
                RecordForm {
                    attendance: sheet(&[m[0], m[0]], &[]),
                    ..ok()
                },
                fe("attendance", "出席名单中甲一重复出现"),
            ),
            (
                RecordForm {
                    attendance: vec![
                        AttendanceForm {
                            member_id: m[0],
                            present: true,
                            absent_reason: String::new(),
                        },
                        AttendanceForm {
                            member_id: m[1],
                            present: false,
                            absent_reason: "因".repeat(201),
                        },
                    ],
                    ..ok()
                },
                fe("attendance", "甲二的缺席原因不能超过200个字"),
            ),
            (
                RecordForm {
                    attendance: sheet(&[], &[m[0]]),
                    ..ok()
                },
                fe("attendance", "请在出席名单中勾选实到人员"),
            ),
        ];
        for (f, want) in cases {
            let got = invalid(records::create(&t.svc, &sec, t.fx.branch_a1, &f, &[]).await);
            assert_eq!(got, want, "{}", t.engine);
        }
        // Several errors at once, each on its field.
        let f = RecordForm {
            held_on: "2027-01-01".into(),
            minutes: String::new(),
            topics: String::new(),
            ..ok()
        };
        assert_eq!(
            invalid(records::create(&t.svc, &sec, t.fx.branch_a1, &f, &[]).await),
            vec![
                ("held_on".to_owned(), "活动日期不能晚于今天".to_owned()),
                ("topics".to_owned(), "请填写主题或议题".to_owned()),
                (
                    "minutes".to_owned(),
                    "“支部党员大会”须填写会议记录".to_owned()
                ),
            ]
        );
        // A committee without members of its own types in the figures.
        let study = |e: &str, p: &str| RecordForm {
            expected_count: e.into(),
            present_count: p.into(),
            ..form("central_group_study", "2026-11-02")
        };
        assert_eq!(
            invalid(records::create(&t.svc, &town, t.fx.town_a, &study("7", "9"), &[]).await),
            fe("present_count", "实到人数（9）不能超过应到人数（7）")
        );
        assert_eq!(
            invalid(records::create(&t.svc, &town, t.fx.town_a, &study("", "3"), &[]).await),
            fe("expected_count", "请填写应到人数")
        );
        assert_eq!(
            invalid(records::create(&t.svc, &town, t.fx.town_a, &study("0", "0"), &[]).await),
            fe("expected_count", "应到人数应为1到10000之间的整数")
        );
        let listed = RecordForm {
            attendance: sheet(&[m[0]], &[]),
            ..study("7", "5")
        };
        assert_eq!(
            invalid(records::create(&t.svc, &town, t.fx.town_a, &listed, &[]).await),
            fe(
                "attendance",
                "本组织没有直属党员，请填写应到和实到人数，不能逐人登记"
            )
        );
        assert_eq!(
            counts(&t).await,
            before,
            "{}: something was written",
            t.engine
        );
        // The same form is accepted once corrected.
        let saved = records::create(&t.svc, &town, t.fx.town_a, &study("7", "5"), &[])
            .await
            .unwrap();
        let d = records::get(&t.svc, &town, saved.id).await.unwrap();
        assert_eq!(
            (
                d.record.expected_count,
                d.record.present_count,
                d.attendance.len()
            ),
            (7, 5, 0)
        );
        chain_ok(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn roles_and_scope_decide_who_records_and_who_reads() {
    for t in fixed().await {
        let m = members_of(&t, t.fx.branch_a1).await;
        let f = RecordForm {
            attendance: sheet(&[m[0], m[1]], &[]),
            ..form("theme_party_day", "2026-11-05")
        };
        // A read-only leader and the system roles record nothing.
        for name in [
            "leader_root",
            "system_admin_root",
            "audit_admin_root",
            "discipline_root",
        ] {
            let a = t.actor(name).await;
            assert!(
                matches!(
                    records::create(&t.svc, &a, t.fx.branch_a1, &f, &[]).await,
                    Err(ServiceError::Forbidden(_))
                ),
                "{name}"
            );
        }
        // A branch secretary records nothing for a neighbouring branch.
        let sec = t.actor("branch_secretary_branch").await;
        assert_eq!(
            forbidden(records::create(&t.svc, &sec, t.fx.branch_b1, &f, &[]).await),
            "该组织不在您的管辖范围内"
        );
        let admin = t.actor("county_admin_root").await;
        let b = members_of(&t, t.fx.branch_b1).await;
        let fb = RecordForm {
            attendance: sheet(&[b[0], b[1]], &[]),
            ..form("theme_party_day", "2026-11-05")
        };
        let id_b = records::create(&t.svc, &admin, t.fx.branch_b1, &fb, &[])
            .await
            .unwrap()
            .id;
        assert!(matches!(
            records::get(&t.svc, &sec, id_b).await,
            Err(ServiceError::Forbidden(_))
        ));
        let leader = t.actor("leader_root").await;
        assert_eq!(
            records::get(&t.svc, &leader, id_b).await.unwrap().record.id,
            id_b
        );
        let sys = t.actor("system_admin_root").await;
        assert!(matches!(
            records::get(&t.svc, &sys, id_b).await,
            Err(ServiceError::Forbidden(_))
        ));
        t.finish().await;
    }
}

#[tokio::test]
async fn only_a_parent_organization_confirms_and_an_edit_needs_confirming_again() {
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
        // Not at the same level.
        assert_eq!(
            forbidden(records::confirm(&t.svc, &sec, id).await),
            "组织生活记录须由上级党组织审核确认，不能由本级确认"
        );
        // Not from outside the scope: town B's administrator would be, but the
        // fixture's town administrator belongs to town A; a record of B1 is
        // outside its scope.
        let admin = t.actor("county_admin_root").await;
        let b = members_of(&t, t.fx.branch_b1).await;
        let fb = RecordForm {
            attendance: sheet(&[b[0]], &[]),
            ..form("theme_party_day", "2026-11-05")
        };
        let id_b = records::create(&t.svc, &admin, t.fx.branch_b1, &fb, &[])
            .await
            .unwrap()
            .id;
        assert_eq!(
            forbidden(records::confirm(&t.svc, &town, id_b).await),
            "该组织不在您的管辖范围内"
        );
        // The parent confirms once.
        assert!(records::get(&t.svc, &town, id).await.unwrap().can_confirm);
        records::confirm(&t.svc, &town, id).await.unwrap();
        let d = records::get(&t.svc, &sec, id).await.unwrap();
        assert_eq!(
            (d.record.status.as_str(), d.record.reviewed_by.as_deref()),
            ("confirmed", Some("unit_admin_town"))
        );
        assert_eq!(
            invalid(records::confirm(&t.svc, &town, id).await),
            fe("status", "该记录已经审核确认")
        );
        // The branch may not delete a confirmed record; an edit sends it back.
        assert_eq!(
            forbidden(records::delete(&t.svc, &sec, id).await),
            "已审核确认的记录不能由本级删除，请联系上级党组织"
        );
        let edited = RecordForm {
            topics: "更正后的议题".into(),
            ..f.clone()
        };
        records::update(&t.svc, &sec, id, &edited).await.unwrap();
        let d = records::get(&t.svc, &sec, id).await.unwrap();
        assert_eq!(
            (d.record.status.as_str(), d.record.topics.as_str()),
            ("submitted", "更正后的议题")
        );
        assert_eq!(d.record.reviewed_by, None);
        records::delete(&t.svc, &sec, id).await.unwrap();
        assert!(matches!(
            records::get(&t.svc, &sec, id).await,
            Err(ServiceError::NotFound)
        ));
        chain_ok(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn records_follow_their_organization_when_it_moves() {
    for t in fixed().await {
        let admin = t.actor("county_admin_root").await;
        let m = members_of(&t, t.fx.branch_a1).await;
        let f = RecordForm {
            attendance: sheet(&[m[0], m[1]], &[]),
            ..form("theme_party_day", "2026-11-05")
        };
        let id = records::create(&t.svc, &admin, t.fx.branch_a1, &f, &[])
            .await
            .unwrap()
            .id;
        let moved = orgs::move_org(&t.svc, &admin, t.fx.branch_a1, t.fx.town_b)
            .await
            .unwrap();
        let d = records::get(&t.svc, &admin, id).await.unwrap();
        assert_eq!(d.record.org_path, moved.path, "{}", t.engine);
        let q = |org| RecordQuery {
            org_id: Some(org),
            ..RecordQuery::default()
        };
        assert_eq!(
            records::list(&t.svc, &admin, &q(t.fx.town_b))
                .await
                .unwrap()
                .total,
            1
        );
        assert_eq!(
            records::list(&t.svc, &admin, &q(t.fx.town_a))
                .await
                .unwrap()
                .total,
            0
        );
        // Town A's administrator no longer sees it.
        let town = t.actor("unit_admin_town").await;
        assert!(matches!(
            records::get(&t.svc, &town, id).await,
            Err(ServiceError::Forbidden(_))
        ));
        chain_ok(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn committee_types_take_headcounts() {
    for t in fixed().await {
        let town = t.actor("unit_admin_town").await;
        let id = records::create(
            &t.svc,
            &town,
            t.fx.town_a,
            &counted("ideology_work_study", "2026-06-30", 9, 8),
            &[],
        )
        .await
        .unwrap()
        .id;
        let d = records::get(&t.svc, &town, id).await.unwrap();
        assert_eq!(d.type_label, "党委（党组）专题研究意识形态工作");
        assert_eq!(
            (
                d.record.expected_count,
                d.record.present_count,
                d.record.valid
            ),
            (9, 8, 1)
        );
        t.finish().await;
    }
}
