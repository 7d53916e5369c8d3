//! `SearchIndex::discard`: after a database restore the index files go,
//! other files in the folder stay, and the next open starts an empty index.

use dangjian_search::{RecordDoc, SearchIndex};

#[test]
fn a_discarded_index_opens_empty_and_other_files_stay() {
    let dir = tempfile::tempdir().unwrap();
    let index_dir = dir.path().join("search");
    {
        let index = SearchIndex::open(&index_dir).unwrap();
        index
            .upsert(&[RecordDoc {
                id: 1,
                org_id: 7,
                org_path: "/1/7/".into(),
                record_type: "party_lecture".into(),
                held_on: "2026-11-20".into(),
                title_or_topics: "专题党课".into(),
                minutes: String::new(),
                ..RecordDoc::default()
            }])
            .unwrap();
    }
    std::fs::write(index_dir.join("README.txt"), "kept").unwrap();
    let reopened = SearchIndex::open(&index_dir).unwrap();
    assert!(!reopened.was_created());
    assert_eq!(reopened.doc_count().unwrap(), 1);
    drop(reopened);

    SearchIndex::discard(&index_dir).unwrap();
    let fresh = SearchIndex::open(&index_dir).unwrap();
    assert!(fresh.was_created());
    assert_eq!(fresh.doc_count().unwrap(), 0);
    assert_eq!(
        std::fs::read_to_string(index_dir.join("README.txt")).unwrap(),
        "kept"
    );
    // A folder that does not exist is nothing to discard.
    SearchIndex::discard(&dir.path().join("missing")).unwrap();
}
