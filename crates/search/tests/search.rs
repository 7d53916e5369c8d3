//! The search index through its public API, in memory and on disk.

use dangjian_search::{MAX_QUERY_CHARS, RecordDoc, SearchError, SearchIndex, SearchPage};
use proptest::prelude::*;

/// County 1; towns 2 and 3; village 4 under town 2, village 5 under town 3.
fn record(id: i64, org_path: &str, topics: &str, minutes: &str) -> RecordDoc {
    let org_id = org_path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    RecordDoc {
        id,
        org_id,
        org_path: org_path.to_owned(),
        record_type: "支部党员大会".to_owned(),
        held_on: format!("2025-03-{:02}", id % 28 + 1),
        title_or_topics: topics.to_owned(),
        minutes: minutes.to_owned(),
        ..RecordDoc::default()
    }
}

fn county() -> Vec<RecordDoc> {
    vec![
        record(
            1,
            "/1/2/4/",
            "三月份支部党员大会",
            "会议由支部书记主持，书记为全体党员上党课，题目是《牢记初心使命》。会后开展了专题党课讨论。",
        ),
        record(
            2,
            "/1/2/",
            "专题组织生活会",
            "对照检查材料逐条梳理，针对查摆出的问题制定问题整改落实清单，明确整改时限。",
        ),
        record(
            3,
            "/1/3/5/",
            "支部委员会会议",
            "研究下半年工作安排，开展谈心谈话活动，覆盖全体党员和入党积极分子。",
        ),
        record(
            4,
            "/1/3/",
            "党建工作会议",
            "部署全镇党建工作会议精神的贯彻落实，要求各村党组织认真学习。",
        ),
        record(
            5,
            "/1/",
            "县委组织部专题党课",
            "县委组织部部长讲授专题党课，全县党组织书记参加。",
        ),
    ]
}

fn index_with_county() -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    index.upsert(&county()).unwrap();
    index
}

fn ids(page: &SearchPage) -> Vec<i64> {
    let mut ids: Vec<i64> = page.hits.iter().map(|h| h.id).collect();
    ids.sort_unstable();
    ids
}

fn find(index: &SearchIndex, query: &str, scope: &str) -> Vec<i64> {
    ids(&index.search(query, scope, 20, 0).unwrap())
}

#[test]
fn two_character_words_are_found_inside_longer_sentences() {
    let index = index_with_county();
    assert_eq!(find(&index, "党课", "/"), [1, 5]);
    assert_eq!(find(&index, "整改", "/"), [2]);
    assert_eq!(find(&index, "谈心谈话", "/"), [3]);
    assert_eq!(find(&index, "谈心", "/"), [3]);
    // A word and a longer word containing it.
    assert_eq!(find(&index, "党建", "/"), [4]);
    assert_eq!(find(&index, "党建工作", "/"), [4]);
    // Topics are searched as well as minutes.
    assert_eq!(find(&index, "组织生活会", "/"), [2]);
}

#[test]
fn all_words_must_match_across_topics_and_minutes() {
    let index = index_with_county();
    // 专题 appears in 1, 2 and 5; 党课 in 1 and 5.
    let page = index.search("专题 党课", "/", 20, 0).unwrap();
    assert_eq!(ids(&page), [1, 5]);
    assert!(!page.relaxed);
    // 支部 in the topics, 党课 in the minutes of record 1.
    assert_eq!(find(&index, "支部党员大会 上党课", "/"), [1]);
}

#[test]
fn a_word_not_present_finds_nothing() {
    let index = index_with_county();
    let page = index.search("脱贫攻坚", "/", 20, 0).unwrap();
    assert_eq!(page.total, 0);
    assert!(page.hits.is_empty());
    assert!(!page.relaxed);
    assert!(find(&index, "xyzzy", "/").is_empty());
}

#[test]
fn when_no_record_has_every_word_the_relaxed_page_says_so() {
    let index = index_with_county();
    let page = index.search("整改 脱贫攻坚", "/", 20, 0).unwrap();
    assert!(page.relaxed);
    assert_eq!(ids(&page), [2]);
}

#[test]
fn a_single_character_does_not_match_every_record() {
    let index = index_with_county();
    // 党 occurs in every record, but never as a word of its own.
    assert!(find(&index, "党", "/").is_empty());
}

#[test]
fn scope_limits_results_to_the_subtree() {
    let index = index_with_county();
    // The county sees all records about Party lessons; town 2 sees its village's.
    assert_eq!(find(&index, "党课", "/1/"), [1, 5]);
    assert_eq!(find(&index, "党课", "/1/2/"), [1]);
    assert_eq!(find(&index, "党课", "/1/3/"), Vec::<i64>::new());
    // Town 3 sees its own record and its village's, not town 2's.
    assert_eq!(find(&index, "党员", "/1/3/"), [3]);
    assert_eq!(find(&index, "党员", "/1/2/"), [1]);
    assert_eq!(find(&index, "整改", "/1/3/5/"), Vec::<i64>::new());
    // A scope without the trailing slash is not a prefix match on "/1/2".
    assert!(matches!(
        index.search("党课", "/1/2", 20, 0),
        Err(SearchError::InvalidScope(_))
    ));
    assert!(matches!(
        index.search("党课", "", 20, 0),
        Err(SearchError::InvalidScope(_))
    ));
    // "/1/2/" must not match "/1/22/".
    index
        .upsert(&[record(6, "/1/22/", "党课", "党课")])
        .unwrap();
    assert_eq!(find(&index, "党课", "/1/2/"), [1]);
}

#[test]
fn upsert_replaces_and_delete_removes() {
    let index = index_with_county();
    assert_eq!(index.doc_count().unwrap(), 5);
    let mut changed = county()[1].clone();
    changed.minutes = "会议学习了新修订的纪律处分条例。".to_owned();
    index.upsert(&[changed]).unwrap();
    assert_eq!(index.doc_count().unwrap(), 5);
    assert!(find(&index, "整改", "/").is_empty());
    assert_eq!(find(&index, "纪律处分条例", "/"), [2]);

    index.delete(&[1, 99]).unwrap();
    assert_eq!(index.doc_count().unwrap(), 4);
    assert_eq!(find(&index, "党课", "/"), [5]);
}

#[test]
fn an_invalid_path_writes_nothing() {
    let index = index_with_county();
    let bad = record(7, "1/2", "党课", "党课");
    let good = record(8, "/1/2/", "党课", "党课");
    assert!(matches!(
        index.upsert(&[good.clone(), bad.clone()]),
        Err(SearchError::InvalidOrgPath { id: 7, .. })
    ));
    assert_eq!(index.doc_count().unwrap(), 5);
    assert!(index.rebuild(vec![good, bad].into_iter()).is_err());
    assert_eq!(index.doc_count().unwrap(), 5);
    assert_eq!(find(&index, "党课", "/"), [1, 5]);
}

#[test]
fn snippets_mark_matches_and_escape_html() {
    let index = SearchIndex::in_memory().unwrap();
    index
        .upsert(&[record(
            1,
            "/1/",
            "专题党课 <b>",
            "<script>alert(\"x\")</script>书记讲专题党课 & 开展谈心谈话",
        )])
        .unwrap();
    let page = index.search("党课", "/", 10, 0).unwrap();
    let hit = &page.hits[0];
    assert_eq!(hit.topics_html, "专题<mark>党课</mark> &lt;b&gt;");
    assert!(
        hit.minutes_html.contains("<mark>党课</mark>"),
        "{}",
        hit.minutes_html
    );
    assert!(
        hit.minutes_html
            .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"),
        "{}",
        hit.minutes_html
    );
    assert!(hit.minutes_html.contains("&amp;"));
    assert!(!hit.minutes_html.contains("<script"));

    // Overlapping bigram matches become one mark.
    let page = index.search("谈心谈话", "/", 10, 0).unwrap();
    assert!(page.hits[0].minutes_html.contains("<mark>谈心谈话</mark>"));
    // Only the topics matched: the minutes start is shown, unmarked.
    assert_eq!(page.hits[0].topics_html, "专题党课 &lt;b&gt;");
}

#[test]
fn long_minutes_are_cut_around_the_match() {
    let index = SearchIndex::in_memory().unwrap();
    let filler = "会议传达学习了上级文件精神。".repeat(30);
    let minutes = format!("{filler}会议决定开展问题整改。{filler}");
    index
        .upsert(&[record(1, "/1/", "支部委员会会议", &minutes)])
        .unwrap();
    let hit = &index.search("整改", "/", 10, 0).unwrap().hits[0];
    assert!(hit.minutes_html.contains("<mark>整改</mark>"));
    assert!(hit.minutes_html.ends_with('…'));
    assert!(
        hit.minutes_html.chars().count() < 200,
        "{}",
        hit.minutes_html
    );
    // Only the minutes matched: the topics are shown whole.
    assert_eq!(hit.topics_html, "支部委员会会议");
}

#[test]
fn paging_and_total() {
    let index = SearchIndex::in_memory().unwrap();
    let docs: Vec<RecordDoc> = (1..=30)
        .map(|i| record(i, "/1/2/", &format!("第{i}次支部党员大会"), "书记讲党课"))
        .collect();
    index.upsert(&docs).unwrap();
    let first = index.search("党课", "/1/", 10, 0).unwrap();
    let third = index.search("党课", "/1/", 10, 20).unwrap();
    let beyond = index.search("党课", "/1/", 10, 40).unwrap();
    assert_eq!((first.total, first.hits.len()), (30, 10));
    assert_eq!((third.total, third.hits.len()), (30, 10));
    assert_eq!((beyond.total, beyond.hits.len()), (30, 0));
    let count_only = index.search("党课", "/1/", 0, 0).unwrap();
    assert_eq!((count_only.total, count_only.hits.len()), (30, 0));
    let mut all: Vec<i64> = [first, index.search("党课", "/1/", 10, 10).unwrap(), third]
        .iter()
        .flat_map(|p| p.hits.iter().map(|h| h.id))
        .collect();
    all.sort_unstable();
    assert_eq!(all, (1..=30).collect::<Vec<_>>());
}

#[test]
fn hits_carry_the_record_fields() {
    let index = index_with_county();
    let page = index.search("谈心谈话", "/", 10, 0).unwrap();
    let hit = &page.hits[0];
    assert_eq!(hit.id, 3);
    assert_eq!(hit.org_id, 5);
    assert_eq!(hit.held_on, "2025-03-04");
    assert_eq!(hit.record_type, "支部党员大会");
    assert!(hit.score > 0.0);
}

#[test]
fn empty_and_over_long_queries_are_errors_with_chinese_messages() {
    let index = index_with_county();
    let empty = index.search("  \t\n ", "/", 10, 0).unwrap_err();
    assert!(matches!(empty, SearchError::EmptyQuery));
    assert_eq!(empty.to_string(), "请输入要查找的内容");
    let long = "党".repeat(MAX_QUERY_CHARS + 1);
    let too_long = index.search(&long, "/", 10, 0).unwrap_err();
    assert!(matches!(too_long, SearchError::QueryTooLong));
    assert_eq!(too_long.to_string(), "查找内容过长，请不超过100个字");
    // Exactly the limit is fine.
    assert!(
        index
            .search(&"党".repeat(MAX_QUERY_CHARS), "/", 10, 0)
            .is_ok()
    );
}

#[test]
fn odd_queries_never_error() {
    let index = index_with_county();
    for query in [
        "\"党课\"",
        "“党课”",
        "topics:党课",
        "党课:",
        "(党课",
        "[整改}",
        "党课 AND 整改",
        "党课 OR 整改",
        "NOT 党课",
        "-党课",
        "+整改",
        "党课*",
        "党?课",
        "~党课^2",
        "\\",
        "🎉🎉",
        "党课🎉",
        "，。！？、；：",
        "!!!",
        "ＡＮＤ",
        "a",
        "0",
        "党",
        "/1/2/",
        "<script>",
    ] {
        let page = index
            .search(query, "/", 10, 0)
            .unwrap_or_else(|e| panic!("{query}: {e}"));
        assert!(page.total as usize >= page.hits.len(), "{query}");
    }
    // Quotes and operators are plain separators: the words still match.
    assert_eq!(find(&index, "“党课”", "/"), [1, 5]);
    // Field names and operators are words like any other: no record has
    // "topics" or "and", so the page is the relaxed one (any of the words).
    let page = index.search("topics:党课", "/", 10, 0).unwrap();
    assert!(page.relaxed);
    assert_eq!(ids(&page), [1, 5]);
    let page = index.search("党课 AND 整改", "/", 10, 0).unwrap();
    assert!(page.relaxed);
    assert_eq!(ids(&page), [1, 2, 5]);
    assert_eq!(find(&index, "(整改)", "/"), [2]);
    assert!(find(&index, "，。！？、；：", "/").is_empty());
    let long: String = "党课整改".repeat(50);
    assert!(matches!(
        index.search(&long, "/", 10, 0),
        Err(SearchError::QueryTooLong)
    ));
}

#[test]
fn latin_words_are_case_and_width_insensitive() {
    let index = SearchIndex::in_memory().unwrap();
    index
        .upsert(&[record(1, "/1/", "学习PPT材料", "观看Video课件")])
        .unwrap();
    assert_eq!(find(&index, "ppt", "/"), [1]);
    assert_eq!(find(&index, "ＰＰＴ", "/"), [1]);
    assert_eq!(find(&index, "VIDEO", "/"), [1]);
}

#[test]
fn on_disk_index_survives_reopen_and_rebuild_replaces_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let index = SearchIndex::open(&path).unwrap();
        assert!(index.was_created());
        index.upsert(&county()).unwrap();
        assert_eq!(find(&index, "整改", "/"), [2]);
    }
    let index = SearchIndex::open(&path).unwrap();
    assert!(!index.was_created());
    assert_eq!(index.doc_count().unwrap(), 5);
    assert_eq!(find(&index, "党课", "/1/2/"), [1]);

    let mut seen = 0;
    let count = index
        .rebuild_with_progress(county().into_iter().skip(2), |n| seen = n)
        .unwrap();
    assert_eq!((count, seen), (3, 3));
    assert_eq!(index.doc_count().unwrap(), 3);
    assert!(find(&index, "整改", "/").is_empty());
    assert_eq!(find(&index, "谈心谈话", "/"), [3]);
    // Clones share the index.
    let clone = index.clone();
    clone.delete(&[3]).unwrap();
    assert_eq!(index.doc_count().unwrap(), 2);
}

#[test]
fn a_stale_schema_version_starts_an_empty_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    std::fs::write(path.join("keep.txt"), "not ours").unwrap();
    SearchIndex::open(&path).unwrap().upsert(&county()).unwrap();
    std::fs::write(path.join("dangjian-search.version"), "0\n").unwrap();
    let index = SearchIndex::open(&path).unwrap();
    assert!(index.was_created());
    assert_eq!(index.doc_count().unwrap(), 0);
    assert!(path.join("keep.txt").exists());
    assert_eq!(index.rebuild(county().into_iter()).unwrap(), 5);
    assert_eq!(find(&index, "整改", "/"), [2]);
}

#[test]
fn shared_between_threads() {
    let index = index_with_county();
    std::thread::scope(|s| {
        for t in 0..4_i64 {
            let index = index.clone();
            s.spawn(move || {
                let id = 100 + t;
                index
                    .upsert(&[record(id, "/1/2/", "党课", "谈心谈话")])
                    .unwrap();
                assert!(index.search("谈心谈话", "/1/", 50, 0).unwrap().total >= 2);
            });
        }
    });
    assert_eq!(index.doc_count().unwrap(), 9);
}

/// One index for all property-test cases.
static SHARED: std::sync::LazyLock<SearchIndex> = std::sync::LazyLock::new(index_with_county);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_queries_never_panic(query in "\\PC{0,120}") {
        match SHARED.search(&query, "/1/", 10, 0) {
            Ok(page) => prop_assert!(page.total as usize >= page.hits.len()),
            Err(SearchError::EmptyQuery) => prop_assert!(query.trim().is_empty()),
            Err(SearchError::QueryTooLong) => {
                prop_assert!(query.trim().chars().count() > MAX_QUERY_CHARS);
            }
            Err(other) => prop_assert!(false, "{query:?}: {other}"),
        }
    }

    #[test]
    fn arbitrary_chinese_queries_never_panic(query in "[\\u{4e00}-\\u{9fff}党课整改 ，。“”:()]{0,60}") {
        let result = SHARED.search(&query, "/", 10, 0);
        prop_assert!(result.is_ok() || query.trim().is_empty());
    }
}
