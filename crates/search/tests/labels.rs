//! The words users type besides the topics and minutes: the record type's
//! label and the organization's name find records, without outranking
//! records whose text matches; the stamp of a rebuild survives later writes
//! and a reopen.

use dangjian_search::{RecordDoc, SearchIndex};

fn doc(id: i64, org: (i64, &str), label: &str, topics: &str, minutes: &str) -> RecordDoc {
    RecordDoc {
        id,
        org_id: org.0,
        org_path: format!("/1/{}/", org.0),
        record_type: "code".to_owned(),
        type_label: label.to_owned(),
        org_name: org.1.to_owned(),
        held_on: "2026-03-01".to_owned(),
        title_or_topics: topics.to_owned(),
        minutes: minutes.to_owned(),
    }
}

const JIA: (i64, &str) = (2, "中共甲村支部委员会");
const YI: (i64, &str) = (3, "中共乙村支部委员会");
const PLAIN: &str = "会议传达学习了有关精神。";

fn found(index: &SearchIndex, query: &str, scope: &str) -> Vec<i64> {
    index
        .search(query, scope, 100, 0)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id)
        .collect()
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort_unstable();
    v
}

#[test]
fn type_labels_and_organization_names_find_records() {
    let index = SearchIndex::in_memory().unwrap();
    index
        .upsert(&[
            doc(1, JIA, "党课", "学习贯彻党的二十届四中全会精神", PLAIN),
            doc(2, JIA, "主题党日", "重温入党誓词", PLAIN),
            doc(3, YI, "党课", "弘扬井冈山精神", PLAIN),
            doc(4, YI, "屋场贴心会", "收集群众诉求", PLAIN),
        ])
        .unwrap();
    assert_eq!(sorted(found(&index, "党课", "/")), [1, 3]);
    assert_eq!(found(&index, "主题党日", "/"), [2]);
    assert_eq!(found(&index, "屋场贴心会", "/"), [4]);
    // A village by its short name, or the organization's full name.
    assert_eq!(sorted(found(&index, "甲村", "/")), [1, 2]);
    assert_eq!(sorted(found(&index, "中共乙村支部委员会", "/")), [3, 4]);
    // Every word must match, in whichever field.
    assert_eq!(found(&index, "甲村 党课", "/"), [1]);
    // Typed as one run: jieba's 乙村 is found inside the name.
    assert_eq!(found(&index, "乙村党课", "/"), [3]);
    assert!(!index.search("乙村党课", "/", 10, 0).unwrap().relaxed);
    // Neither 丙村 nor 丁村 is there: some words only, the page says so.
    let page = index.search("丙村 党课", "/", 10, 0).unwrap();
    assert!(page.relaxed);
    assert_eq!(sorted(page.hits.iter().map(|h| h.id).collect()), [1, 3]);
    assert_eq!(found(&index, "乙村 井冈山", "/"), [3]);
    // The scope still limits.
    assert_eq!(found(&index, "党课", "/1/3/"), [3]);
    assert!(found(&index, "甲村", "/1/3/").is_empty());
    // The snippets show the topics; the label is not highlighted in them.
    let hit = &index.search("党课", "/1/2/", 10, 0).unwrap().hits[0];
    assert_eq!(hit.topics_html, "学习贯彻党的二十届四中全会精神");
}

#[test]
fn a_label_or_name_match_never_outranks_a_text_match() {
    let index = SearchIndex::in_memory().unwrap();
    let mut docs: Vec<RecordDoc> = (10..40)
        .map(|id| doc(id, YI, "党课", "学习党章党规", PLAIN))
        .collect();
    // 党课 in the topics of another type, in the minutes, and both.
    docs.push(doc(1, JIA, "主题党日", "书记讲专题党课", PLAIN));
    docs.push(doc(
        2,
        JIA,
        "支部委员会",
        "研究本月工作",
        "会议安排下季度党课，请各位委员准备。",
    ));
    docs.push(doc(3, JIA, "党课", "书记讲专题党课", PLAIN));
    index.upsert(&docs).unwrap();
    let order = found(&index, "党课", "/");
    assert_eq!(order.len(), 33);
    assert_eq!(order[..3], [3, 1, 2], "text matches first: {order:?}");
    // A village's name matches many records; the topics still rank.
    index
        .upsert(&[doc(4, YI, "主题党日", "乙村人居环境整治", PLAIN)])
        .unwrap();
    let order = found(&index, "乙村", "/");
    assert_eq!(order.len(), 31);
    assert_eq!(order[0], 4, "{order:?}");
}

#[test]
fn the_stamp_of_a_rebuild_is_kept_by_later_writes_and_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(index.stamp().unwrap(), None);
        let docs = [doc(1, JIA, "党课", "专题党课", PLAIN)];
        assert_eq!(
            index
                .rebuild_stamped(docs.clone().into_iter(), "labels:1")
                .unwrap(),
            1
        );
        assert_eq!(index.stamp().unwrap().as_deref(), Some("labels:1"));
        index
            .upsert(&[doc(2, YI, "主题党日", "重温入党誓词", PLAIN)])
            .unwrap();
        index.delete(&[1]).unwrap();
        index.rebuild(docs.into_iter()).unwrap();
        assert_eq!(index.stamp().unwrap().as_deref(), Some("labels:1"));
    }
    let index = SearchIndex::open(dir.path()).unwrap();
    assert!(!index.was_created());
    assert_eq!(index.stamp().unwrap().as_deref(), Some("labels:1"));
    index
        .rebuild_stamped(std::iter::empty(), "labels:2")
        .unwrap();
    assert_eq!(index.stamp().unwrap().as_deref(), Some("labels:2"));
}
