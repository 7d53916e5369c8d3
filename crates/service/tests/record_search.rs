//! Full-text search over organizational-life records on SQLite and
//! PostgreSQL: two-character words (党课, 整改) found in topics and minutes,
//! results limited to the user's subtree, edits and deletions reflected at
//! once, and a rebuild from the database after the index was lost.

mod common;
mod support;

use dangjian_search::SearchIndex;
use dangjian_service::ServiceError;
use dangjian_service::records::{self, RecordForm};
use support::{fixed, forbidden, form, invalid, members_of, sheet};

fn ids(r: &records::SearchResults) -> Vec<i64> {
    let mut v: Vec<i64> = r.hits.iter().map(|h| h.id).collect();
    v.sort_unstable();
    v
}

#[tokio::test]
async fn records_are_found_by_two_character_words_within_the_users_scope() {
    for t in fixed().await {
        let sec = t.actor("branch_secretary_branch").await;
        let county = t.actor("county_admin_root").await;
        let a = members_of(&t, t.fx.branch_a1).await;
        let b = members_of(&t, t.fx.branch_b1).await;
        let lecture = RecordForm {
            topics: "书记讲专题党课：学习贯彻党的二十届四中全会精神".into(),
            marks: vec!["by_secretary".into()],
            attendance: sheet(&a, &[]),
            ..form("party_lecture", "2026-11-10")
        };
        let lecture = records::create(&t.svc, &sec, t.fx.branch_a1, &lecture, &[])
            .await
            .unwrap()
            .id;
        let fixes = RecordForm {
            topics: "对照检查".into(),
            minutes: "会议研究了巡察反馈问题的整改落实，明确责任人和时限。".into(),
            attendance: sheet(&b, &[]),
            ..form("theme_party_day", "2026-11-12")
        };
        let fixes = records::create(&t.svc, &county, t.fx.branch_b1, &fixes, &[])
            .await
            .unwrap()
            .id;

        // 党课 inside a longer sentence, with the organization and type named.
        let r = records::search(&t.svc, &sec, "党课", None, 1)
            .await
            .unwrap();
        assert_eq!(ids(&r), vec![lecture], "{}", t.engine);
        let h = &r.hits[0];
        assert_eq!(h.org_name, "中共甲村支部委员会");
        assert_eq!(h.type_label, "党课");
        assert!(
            h.topics_html.contains("<mark>党课</mark>"),
            "{}",
            h.topics_html
        );
        assert_eq!((r.total, r.page, r.relaxed), (1, 1, false));

        // 整改 is in B1's minutes: the county sees it, A1's secretary does not.
        let r = records::search(&t.svc, &county, "整改", None, 1)
            .await
            .unwrap();
        assert_eq!(ids(&r), vec![fixes]);
        assert!(r.hits[0].minutes_html.contains("<mark>整改</mark>"));
        let r = records::search(&t.svc, &sec, "整改", None, 1)
            .await
            .unwrap();
        assert!(r.hits.is_empty() && r.total == 0, "{:?}", r.hits);
        // Narrowing to town B from the county; town B from A1: refused.
        let r = records::search(&t.svc, &county, "整改 党课", Some(t.fx.town_b), 1)
            .await
            .unwrap();
        assert_eq!(ids(&r), vec![fixes]);
        assert!(r.relaxed, "only some of the words match");
        forbidden(records::search(&t.svc, &sec, "整改", Some(t.fx.branch_b1), 1).await);
        let town = t.actor("unit_admin_town").await;
        forbidden(records::search(&t.svc, &town, "整改", Some(t.fx.root), 1).await);
        // System roles read no business data.
        let sys = t.actor("system_admin_root").await;
        assert!(matches!(
            records::search(&t.svc, &sys, "党课", None, 1).await,
            Err(ServiceError::Forbidden(_))
        ));
        // A1 moves under town B: its 党课 is found there, and no longer by
        // town A's administrator.
        dangjian_service::orgs::move_org(&t.svc, &county, t.fx.branch_a1, t.fx.town_b)
            .await
            .unwrap();
        let r = records::search(&t.svc, &county, "党课", Some(t.fx.town_b), 1)
            .await
            .unwrap();
        assert_eq!(
            ids(&r),
            vec![lecture],
            "{}: scope follows the move",
            t.engine
        );
        let r = records::search(&t.svc, &town, "党课", None, 1)
            .await
            .unwrap();
        assert!(r.hits.is_empty(), "{:?}", r.hits);
        // An empty query is a field error.
        assert_eq!(
            invalid(records::search(&t.svc, &county, "  ", None, 1).await)[0].0,
            "q"
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn edits_and_deletions_are_reflected_and_a_lost_index_is_rebuilt() {
    for mut t in fixed().await {
        let sec = t.actor("branch_secretary_branch").await;
        let a = members_of(&t, t.fx.branch_a1).await;
        let f = RecordForm {
            topics: "开展谈心谈话".into(),
            attendance: sheet(&a, &[]),
            ..form("theme_party_day", "2026-11-01")
        };
        let id = records::create(&t.svc, &sec, t.fx.branch_a1, &f, &[])
            .await
            .unwrap()
            .id;
        let other = records::create(
            &t.svc,
            &sec,
            t.fx.branch_a1,
            &RecordForm {
                topics: "清理党费收缴".into(),
                ..f.clone()
            },
            &[],
        )
        .await
        .unwrap()
        .id;
        assert_eq!(
            ids(&records::search(&t.svc, &sec, "谈心", None, 1)
                .await
                .unwrap()),
            vec![id]
        );
        let edited = RecordForm {
            topics: "讨论整改方案".into(),
            ..f.clone()
        };
        records::update(&t.svc, &sec, id, &edited).await.unwrap();
        assert!(
            records::search(&t.svc, &sec, "谈心", None, 1)
                .await
                .unwrap()
                .hits
                .is_empty(),
            "{}: the old topics are gone",
            t.engine
        );
        assert_eq!(
            ids(&records::search(&t.svc, &sec, "整改", None, 1)
                .await
                .unwrap()),
            vec![id]
        );

        // The index is lost (a new, empty one): stale, then rebuilt from the database.
        t.svc.search = SearchIndex::in_memory().unwrap();
        assert!(records::index_is_stale(&t.svc).await.unwrap());
        assert_eq!(records::rebuild_index(&t.svc).await.unwrap(), 2);
        assert_eq!(
            ids(&records::search(&t.svc, &sec, "整改", None, 1)
                .await
                .unwrap()),
            vec![id]
        );
        assert_eq!(
            ids(&records::search(&t.svc, &sec, "党费", None, 1)
                .await
                .unwrap()),
            vec![other]
        );

        records::delete(&t.svc, &sec, id).await.unwrap();
        assert!(
            records::search(&t.svc, &sec, "整改", None, 1)
                .await
                .unwrap()
                .hits
                .is_empty()
        );
        assert_eq!(t.svc.search.doc_count().unwrap(), 1);
        t.finish().await;
    }
}
