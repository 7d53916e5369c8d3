//! Search latency at county scale: 100,000 synthetic records of ~2,000
//! organizations (20 towns of 100 organizations), topics and minutes made of
//! party-building phrases with a seeded RNG, in an index on disk.
//!
//! `cargo bench -p dangjian-search`; the index build time is printed first.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use dangjian_search::{RecordDoc, SearchIndex};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const RECORDS: i64 = 100_000;
const TOWNS: i64 = 20;
const ORGS_PER_TOWN: i64 = 100;

const MEETINGS: &[&str] = &[
    "支部党员大会",
    "支部委员会",
    "党小组会",
    "党课",
    "主题党日",
    "组织生活会",
    "民主评议党员",
];

const TOPICS: &[&str] = &[
    "学习贯彻党的二十届三中全会精神",
    "专题学习党章党规",
    "书记讲党课",
    "讨论发展党员事宜",
    "开展批评与自我批评",
    "部署乡村振兴重点工作",
    "研究基层党组织建设",
    "通报巡察反馈问题整改情况",
    "学习《中国共产党纪律处分条例》",
    "组织党员志愿服务活动",
    "收缴党费并公示",
    "讨论预备党员转正",
    "谈心谈话工作安排",
    "党风廉政建设警示教育",
];

const PHRASES: &[&str] = &[
    "会议由支部书记主持",
    "应到党员二十三人，实到二十一人",
    "两名党员因外出务工请假",
    "全体党员认真学习了上级文件精神",
    "书记为全体党员上了一堂专题党课",
    "围绕牢记初心使命进行了交流发言",
    "大家结合自身实际谈了心得体会",
    "会议对照检查材料逐条梳理问题",
    "针对查摆出的问题制定了整改清单",
    "明确了整改责任人和整改时限",
    "支部委员之间开展了谈心谈话",
    "会议讨论了入党积极分子的培养考察情况",
    "经过举手表决，同意接收为预备党员",
    "会议强调要加强党员日常教育管理",
    "村党组织要发挥战斗堡垒作用",
    "党员要发挥先锋模范作用",
    "组织党员到村广场开展志愿服务",
    "为困难群众送去慰问品",
    "参观了县廉政教育基地",
    "观看了警示教育片",
    "按时足额交纳党费",
    "会议通报了上季度工作完成情况",
    "部署了下一阶段的重点任务",
    "推进乡村振兴和产业发展",
    "加强农村人居环境整治",
    "做好防汛抗旱和安全生产工作",
    "落实三会一课制度",
    "严肃党内政治生活",
    "开展主题党日活动",
    "学习习近平新时代中国特色社会主义思想",
    "与会党员进行了批评与自我批评",
    "会议记录经与会人员确认",
    "流动党员通过线上方式参加学习",
    "老党员讲述了入党经历",
    "会议研究了党建工作述职评议",
    "持续深化作风建设",
];

const NAMES: &[&str] = &[
    "王建国",
    "李秀英",
    "张伟",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "黄敏",
    "周强",
    "吴丽",
];

fn records() -> impl Iterator<Item = RecordDoc> {
    let mut rng = ChaCha8Rng::seed_from_u64(20_251_129);
    (1..=RECORDS).map(move |id| {
        let town = rng.random_range(0..TOWNS);
        let org = rng.random_range(0..ORGS_PER_TOWN);
        let town_id = 2 + town;
        let org_id = 100 + town * ORGS_PER_TOWN + org;
        let meeting = MEETINGS[rng.random_range(0..MEETINGS.len())];
        let topic = TOPICS[rng.random_range(0..TOPICS.len())];
        let mut minutes = String::new();
        for _ in 0..rng.random_range(6..16) {
            minutes.push_str(PHRASES[rng.random_range(0..PHRASES.len())]);
            minutes.push('。');
            if rng.random_bool(0.2) {
                minutes.push_str(NAMES[rng.random_range(0..NAMES.len())]);
                minutes.push_str("同志发言。");
            }
        }
        RecordDoc {
            id,
            org_id,
            org_path: format!("/1/{town_id}/{org_id}/"),
            record_type: meeting.to_owned(),
            type_label: meeting.to_owned(),
            org_name: format!("中共第{org_id}村支部委员会"),
            held_on: format!(
                "{}-{:02}-{:02}",
                rng.random_range(2024..2026),
                rng.random_range(1..13),
                rng.random_range(1..29)
            ),
            title_or_topics: format!("{meeting}：{topic}"),
            minutes,
        }
    })
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let index = SearchIndex::open(dir.path()).expect("open index");
    let started = Instant::now();
    let count = index.rebuild(records()).expect("rebuild");
    eprintln!(
        "built the index of {count} records in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    for (name, query, scope) in [
        ("county 党课", "党课", "/1/"),
        ("county 整改", "整改", "/1/"),
        ("county 谈心谈话", "谈心谈话", "/1/"),
        ("county 志愿服务 困难群众", "志愿服务 困难群众", "/1/"),
        ("county 王建国 发言", "王建国 发言", "/1/"),
        ("town 党课", "党课", "/1/7/"),
        ("town 整改落实", "整改落实", "/1/7/"),
        ("county relaxed 党课 脱贫攻坚", "党课 脱贫攻坚", "/1/"),
    ] {
        let page = index.search(query, scope, 20, 0).expect("search");
        eprintln!("{name}: {} matches", page.total);
        c.bench_function(name, |b| {
            b.iter(|| {
                index
                    .search(black_box(query), scope, 20, 0)
                    .expect("search")
            });
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
