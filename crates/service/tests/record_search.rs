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

#[tokio::test]
async fn type_labels_and_organization_names_find_records_within_the_users_scope() {
    for t in fixed().await {
        let sec = t.actor("branch_secretary_branch").await;
        let county = t.actor("county_admin_root").await;
        let town = t.actor("unit_admin_town").await;
        let a = members_of(&t, t.fx.branch_a1).await;
        let b = members_of(&t, t.fx.branch_b1).await;
        // Topics and minutes name neither the type nor the village.
        let new = async |org: i64, who: &dangjian_service::Actor, f: RecordForm| {
            records::create(&t.svc, who, org, &f, &[]).await.unwrap().id
        };
        let a_lecture = RecordForm {
            attendance: sheet(&a, &[]),
            ..form("party_lecture", "2026-11-10")
        };
        let a_lecture = new(t.fx.branch_a1, &sec, a_lecture).await;
        let a_day = RecordForm {
            topics: "重温入党誓词".into(),
            attendance: sheet(&a, &[]),
            ..form("theme_party_day", "2026-11-12")
        };
        let a_day = new(t.fx.branch_a1, &sec, a_day.clone()).await;
        let b_lecture = RecordForm {
            attendance: sheet(&b, &[]),
            ..form("party_lecture", "2026-11-14")
        };
        let b_lecture = new(t.fx.branch_b1, &county, b_lecture).await;
        let find = async |who: &dangjian_service::Actor, q: &str| {
            ids(&records::search(&t.svc, who, q, None, 1).await.unwrap())
        };

        // 党课 is the type's label: the county sees both villages', the
        // secretary and town A only A1's.
        assert_eq!(
            find(&county, "党课").await,
            vec![a_lecture, b_lecture],
            "{}",
            t.engine
        );
        assert_eq!(find(&sec, "党课").await, vec![a_lecture]);
        assert_eq!(find(&town, "党课").await, vec![a_lecture]);
        assert_eq!(find(&county, "主题党日").await, vec![a_day]);
        // The village by its name, short or full; B1 is outside A's scope.
        assert_eq!(find(&county, "甲村").await, vec![a_lecture, a_day]);
        assert_eq!(find(&county, "中共乙村支部委员会").await, vec![b_lecture]);
        assert!(find(&sec, "乙村").await.is_empty());
        assert!(find(&town, "乙村").await.is_empty());
        assert_eq!(find(&county, "乙村党课").await, vec![b_lecture]);
        assert_eq!(find(&county, "甲村 主题党日").await, vec![a_day]);
        // The hit names the organization and the type from the database.
        let r = records::search(&t.svc, &county, "乙村 党课", None, 1)
            .await
            .unwrap();
        assert_eq!(
            (r.hits[0].org_name.as_str(), r.hits[0].type_label.as_str()),
            ("中共乙村支部委员会", "党课")
        );
        assert!(!r.relaxed);

        // The record's type changes: found by the new label only.
        let changed = RecordForm {
            topics: "重温入党誓词".into(),
            attendance: sheet(&a, &[]),
            ..form("party_lecture", "2026-11-12")
        };
        records::update(&t.svc, &sec, a_day, &changed)
            .await
            .unwrap();
        assert!(find(&county, "主题党日").await.is_empty(), "{}", t.engine);
        assert_eq!(find(&sec, "党课").await, vec![a_lecture, a_day]);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_renamed_organization_is_found_by_its_new_name_only() {
    for t in fixed().await {
        let sec = t.actor("branch_secretary_branch").await;
        let county = t.actor("county_admin_root").await;
        let a = members_of(&t, t.fx.branch_a1).await;
        let id = records::create(
            &t.svc,
            &sec,
            t.fx.branch_a1,
            &RecordForm {
                attendance: sheet(&a, &[]),
                ..form("theme_party_day", "2026-11-10")
            },
            &[],
        )
        .await
        .unwrap()
        .id;
        let find =
            async |q: &str| ids(&records::search(&t.svc, &county, q, None, 1).await.unwrap());
        assert_eq!(find("甲村").await, vec![id]);
        let row = dangjian_service::orgs::get(&t.svc, &county, t.fx.branch_a1)
            .await
            .unwrap();
        let renamed = dangjian_service::orgs::OrgForm {
            name: "中共丙村支部委员会".into(),
            ..dangjian_service::orgs::OrgForm::from_row(&row)
        };
        dangjian_service::orgs::update(&t.svc, &county, t.fx.branch_a1, &renamed)
            .await
            .unwrap();
        assert_eq!(find("丙村").await, vec![id], "{}", t.engine);
        assert!(
            find("甲村").await.is_empty(),
            "{}: the old name is gone",
            t.engine
        );
        // A rebuild from the database agrees.
        assert_eq!(records::rebuild_index(&t.svc).await.unwrap(), 1);
        assert_eq!(find("丙村").await, vec![id]);
        assert!(find("甲村").await.is_empty());
        t.finish().await;
    }
}

#[tokio::test]
async fn a_profile_relabelling_a_type_rebuilds_the_index() {
    use dangjian_domain::policy::DEFAULT_PROFILE_TOML;
    for t in fixed().await {
        let county = t.actor("county_admin_root").await;
        let sec = t.actor("branch_secretary_branch").await;
        let a = members_of(&t, t.fx.branch_a1).await;
        let id = records::create(
            &t.svc,
            &sec,
            t.fx.branch_a1,
            &RecordForm {
                attendance: sheet(&a, &[]),
                ..form("wuchang_meeting", "2026-11-10")
            },
            &[],
        )
        .await
        .unwrap()
        .id;
        assert_eq!(records::rebuild_index(&t.svc).await.unwrap(), 1);
        let stamp = t.svc.search.stamp().unwrap();
        assert!(stamp.is_some());
        let find =
            async |q: &str| ids(&records::search(&t.svc, &county, q, None, 1).await.unwrap());
        assert_eq!(find("屋场贴心会").await, vec![id]);
        let relabelled = DEFAULT_PROFILE_TOML
            .replacen("label = \"屋场贴心会\"", "label = \"屋场夜话\"", 1)
            .replacen(
                "version = \"jiangxi-county-2026.1\"",
                "version = \"relabel\"",
                1,
            );
        // In force at once (an upload takes effect next month by default,
        // and the index holds the labels in force).
        let today = dangjian_service::policy::Effective {
            from: Some(t.svc.clock.today().to_string()),
            ..Default::default()
        };
        dangjian_service::policy::upload_with(&t.svc, &county, relabelled.as_bytes(), &today)
            .await
            .unwrap();
        // The rebuild runs in the background; until it commits, 屋场夜话
        // matches the old label only partly (屋场).
        let mut waited = 0;
        while records::search(&t.svc, &county, "屋场夜话", None, 1)
            .await
            .unwrap()
            .relaxed
        {
            assert!(waited < 200, "{}: not rebuilt within 20 s", t.engine);
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            waited += 1;
        }
        assert_eq!(find("屋场夜话").await, vec![id]);
        // The old label matches no more than partly (屋场).
        let old = records::search(&t.svc, &county, "屋场贴心会", None, 1)
            .await
            .unwrap();
        assert!(old.relaxed, "{}", t.engine);
        let relabelled_stamp = t.svc.search.stamp().unwrap();
        assert!(relabelled_stamp.is_some() && relabelled_stamp != stamp);
        t.finish().await;
    }
}

/// Every example the search box suggests (如：党课、整改、谈心谈话) finds
/// records in the demo county, for the county and for the demo township.
#[tokio::test]
async fn every_suggested_example_finds_records_in_the_demo_county() {
    use dangjian_domain::demo::{DemoOptions, generate};
    use dangjian_service::{Crypto, Services, Store};
    let template = include_str!("../../web/templates/records/search.html");
    let examples: Vec<&str> = template
        .split("placeholder=\"如：")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the search box suggests examples")
        .split('、')
        .collect();
    assert!(examples.len() >= 3, "{examples:?}");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("d.db").display()))
        .await
        .unwrap();
    let svc = Services::new(store, Crypto::random());
    let county = generate(&DemoOptions {
        seed: 7,
        scale: 1,
        today: svc.clock.today(),
    });
    dangjian_service::demo::load(&svc, &county, "demo2026pw", &|_, _| {})
        .await
        .unwrap();
    let indexed = records::rebuild_index(&svc).await.unwrap();
    assert_eq!(indexed, county.records.len() as u64);
    for user in ["county_admin", "town_admin"] {
        let actor = dangjian_service::fixture::actor(&svc, user, "demo2026pw")
            .await
            .unwrap();
        for q in &examples {
            let r = records::search(&svc, &actor, q, None, 1).await.unwrap();
            assert!(r.total > 0 && !r.relaxed, "{user}: {q} finds nothing");
            assert!(!r.hits.is_empty());
        }
    }
    // A village by its name: its records come first (the name is the whole
    // match of each hit, so every hit is of an organization bearing it).
    let admin = dangjian_service::fixture::actor(&svc, "county_admin", "demo2026pw")
        .await
        .unwrap();
    let village = county
        .records
        .iter()
        .map(|r| &county.orgs[r.org].name)
        .find(|n| n.contains('村'))
        .expect("records of a village");
    let r = records::search(&svc, &admin, village, None, 1)
        .await
        .unwrap();
    assert!(r.total > 0 && !r.relaxed, "{village}");
    assert!(
        r.hits.iter().all(|h| h.org_name.contains(village.as_str())),
        "{village}: {:?}",
        r.hits.iter().map(|h| &h.org_name).collect::<Vec<_>>()
    );
    svc.store.close().await;
}
