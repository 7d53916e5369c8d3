//! The views' pure helpers: children's counts, pages, roll-ups, covering
//! paths.

use super::run::rollups_of;
use super::*;

fn view(id: i64, path: &str, level: Level, no_data: bool) -> OrgWarningView {
    OrgWarningView {
        org_id: id,
        org_name: format!("组织{id}"),
        org_path: path.to_owned(),
        level,
        score: 0,
        reasons: Vec::new(),
        no_data: if no_data {
            vec![NoDataView {
                indicator: "satisfaction".into(),
                label: "群众满意度低于60%".into(),
            }]
        } else {
            Vec::new()
        },
    }
}

fn run_of(results: Vec<OrgWarningView>) -> WarningRunView {
    WarningRunView {
        run_id: 1,
        profile_version: 1,
        profile_hash: String::new(),
        as_of: "2026-11-29".into(),
        scope_org_id: 1,
        created_by: "t".into(),
        created_at: String::new(),
        counts: counts_of(&results),
        results,
    }
}

#[test]
fn children_count_everything_below_them_and_not_the_parent() {
    let run = run_of(vec![
        view(1, "/1/", Level::Red, false),
        view(2, "/1/2/", Level::Green, false),
        view(3, "/1/2/3/", Level::Red, true),
        view(4, "/1/2/4/", Level::Yellow, false),
        view(5, "/1/5/", Level::Orange, true),
    ]);
    let c = by_child(&run, "/1/");
    assert_eq!(c.len(), 2);
    assert_eq!((c[0].org_id, c[0].org_name.as_str()), (2, "组织2"));
    assert_eq!(
        (
            c[0].counts.green,
            c[0].counts.yellow,
            c[0].counts.red,
            c[0].counts.incomplete
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(
        (c[1].org_id, c[1].counts.orange, c[1].counts.total()),
        (5, 1, 1)
    );
    assert!(by_child(&run, "/1/5/").is_empty());
}

#[test]
fn pages_filter_by_level_and_count_the_matches() {
    let run = run_of(
        (1..=45)
            .map(|i| {
                view(
                    i,
                    &format!("/{i}/"),
                    if i % 3 == 0 { Level::Red } else { Level::Green },
                    false,
                )
            })
            .collect(),
    );
    let (page, total) = page_of(&run, None, 3, 20);
    assert_eq!((page.len(), total), (5, 45));
    let (page, total) = page_of(&run, Some(Level::Red), 1, 20);
    assert_eq!((page.len(), total), (15, 15));
    assert!(page.iter().all(|r| r.level == Level::Red));
    let (page, _) = page_of(&run, Some(Level::Red), 2, 20);
    assert!(page.is_empty());
}

type RollupTuple<'a> = (i64, &'a str, Option<i64>, [i64; 4], i64);

#[test]
fn rollups_count_each_result_in_every_ancestor_within_the_scope() {
    let results = vec![
        view(2, "/1/2/", Level::Green, false),
        view(3, "/1/2/3/", Level::Red, true),
        view(4, "/1/2/3/4/", Level::Yellow, false),
        view(5, "/1/2/5/", Level::Orange, true),
    ];
    let mut r = rollups_of(&results, "/1/2/");
    r.sort_by_key(|x| x.org_id);
    let got: Vec<RollupTuple<'_>> = r
        .iter()
        .map(|x| {
            (
                x.org_id,
                x.org_path.as_str(),
                x.parent_id,
                x.counts,
                x.incomplete,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (2, "/1/2/", None, [1, 1, 1, 1], 2),
            (3, "/1/2/3/", Some(2), [0, 1, 0, 1], 1),
            (4, "/1/2/3/4/", Some(3), [0, 1, 0, 0], 0),
            (5, "/1/2/5/", Some(2), [0, 0, 1, 0], 1),
        ]
    );
}

#[test]
fn covering_paths_are_the_org_and_its_ancestors() {
    assert_eq!(covering_paths("/1/7/42/"), ["/1/", "/1/7/", "/1/7/42/"]);
}
