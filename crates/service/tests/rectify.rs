//! The annual screening and the rectification ledger on the fixture county,
//! on SQLite and PostgreSQL. Today is 2026-11-29. Branch A1's secretary
//! post is vacant (red), branch B1 holds no organizational life (orange);
//! branch A2 is created under town A after the warning run, so the engine
//! did not flag it: town A adds it with a reason.

mod common;
mod support;

use common::TestSvc;
use dangjian_domain::rectify::{LedgerStatus, ScreeningNumbers, ScreeningStatus};
use dangjian_service::fixture::org_form;
use dangjian_service::rectify::{PlanForm, ledger, screening};
use dangjian_service::{ServiceError, orgs, warnings};
use support::{chain_ok, count, fe, fixed, forbidden, invalid};

const YEAR: i32 = 2026;

/// Blanks one part of a plan.
type Blank = fn(&mut PlanForm);

/// The vacancy in A1, a warning run over the county, then branch A2.
async fn seed(t: &TestSvc) -> i64 {
    let admin = t.actor("county_admin_root").await;
    let row = orgs::get(&t.svc, &admin, t.fx.branch_a1).await.unwrap();
    let form = orgs::OrgForm {
        secretary_name: String::new(),
        secretary_vacant_since: "2026-08-21".into(),
        ..orgs::OrgForm::from_row(&row)
    };
    orgs::update(&t.svc, &admin, t.fx.branch_a1, &form)
        .await
        .unwrap();
    warnings::evaluate_scope(&t.svc, &admin, t.fx.root)
        .await
        .unwrap();
    orgs::create(
        &t.svc,
        &admin,
        t.fx.town_a,
        &org_form("中共甲二村支部委员会", "branch", "rural"),
    )
    .await
    .unwrap()
    .id
}

fn plan() -> PlanForm {
    PlanForm {
        analysis: "书记长期缺职，班子战斗力不强，组织生活不经常".into(),
        goal: "半年内配齐村党组织书记，组织生活全部按规定开展".into(),
        measures: "选派第一书记；镇党委班子成员包村指导；每月督查三会一课".into(),
        deadline: "2027-06-30".into(),
        responsible: "甲镇党委".into(),
        contact_leader: "李建国（县委常委、组织部部长）".into(),
    }
}

/// Town A's proposal: A1 flagged, A2 added; confirmed by the county.
async fn confirmed(t: &TestSvc) -> (i64, Vec<i64>) {
    let a2 = seed(t).await;
    let town = t.actor("unit_admin_town").await;
    let county = t.actor("county_admin_root").await;
    let id = screening::start(&t.svc, &town, YEAR, t.fx.town_a)
        .await
        .unwrap();
    screening::add(&t.svc, &town, id, a2, "村“两委”班子不团结，群众反映强烈")
        .await
        .unwrap();
    screening::submit(&t.svc, &town, id).await.unwrap();
    let ledgers = screening::confirm(&t.svc, &county, id).await.unwrap();
    (a2, ledgers)
}

#[tokio::test]
async fn a_township_proposes_with_reasons_and_the_county_sees_its_numbers() {
    for t in fixed().await {
        let e = t.engine;
        let a2 = seed(&t).await;
        let town = t.actor("unit_admin_town").await;
        let id = screening::start(&t.svc, &town, YEAR, t.fx.town_a)
            .await
            .unwrap();
        let p = screening::proposal(&t.svc, &town, YEAR, t.fx.town_a, false)
            .await
            .unwrap();
        assert_eq!(p.status, Some(ScreeningStatus::Draft), "{e}");
        let a1 = p.rows.iter().find(|r| r.org_id == t.fx.branch_a1).unwrap();
        assert!(
            a1.flagged && a1.included,
            "{e}: the red branch is preselected"
        );
        assert!(p.rows.iter().all(|r| r.org_id != t.fx.town_a), "{e}");

        // An addition and a removal each need a reason; nothing is written without.
        let audit_before = count(&t, "audit_log").await;
        assert_eq!(
            invalid(screening::add(&t.svc, &town, id, a2, " ").await),
            fe("reason", "请填写列入理由"),
            "{e}"
        );
        assert_eq!(
            invalid(screening::remove(&t.svc, &town, id, t.fx.branch_a1, "").await),
            fe("reason", "请填写移出理由"),
            "{e}"
        );
        assert_eq!(count(&t, "audit_log").await, audit_before, "{e}");
        // Only organizations below the township.
        assert_eq!(
            invalid(screening::add(&t.svc, &town, id, t.fx.town_a, "理由").await),
            fe("org", "只能列入中共甲镇委员会下属的党组织"),
            "{e}"
        );
        screening::add(&t.svc, &town, id, a2, "村“两委”班子不团结")
            .await
            .unwrap();
        screening::remove(
            &t.svc,
            &town,
            id,
            t.fx.branch_a1,
            "已选派第一书记，书记到岗",
        )
        .await
        .unwrap();
        let p = screening::proposal(&t.svc, &town, YEAR, t.fx.town_a, true)
            .await
            .unwrap();
        assert_eq!(
            p.numbers,
            ScreeningNumbers {
                flagged: 1,
                proposed: 1,
                added: 1,
                removed: 1
            },
            "{e}"
        );
        let a1 = p.rows.iter().find(|r| r.org_id == t.fx.branch_a1).unwrap();
        assert_eq!(a1.reason, "已选派第一书记，书记到岗", "{e}");
        // Put back, without a reason.
        screening::add(&t.svc, &town, id, t.fx.branch_a1, "")
            .await
            .unwrap();
        screening::submit(&t.svc, &town, id).await.unwrap();
        assert_eq!(
            invalid(screening::add(&t.svc, &town, id, a2, "x").await),
            fe(
                "status",
                "排查名单当前为“待县委审核”，不能修改；只有拟定中或已退回的名单可以修改"
            ),
            "{e}"
        );

        // The county's review: per-township numbers, town B not started.
        let county = t.actor("county_admin_root").await;
        let rv = screening::review(&t.svc, &county, YEAR).await.unwrap();
        let town_line = rv.lines.iter().find(|l| l.org_id == t.fx.town_a).unwrap();
        assert_eq!(town_line.status, Some(ScreeningStatus::Submitted), "{e}");
        assert_eq!(
            town_line.numbers,
            ScreeningNumbers {
                flagged: 1,
                proposed: 2,
                added: 1,
                removed: 0
            },
            "{e}"
        );
        let town_b = rv.lines.iter().find(|l| l.org_id == t.fx.town_b).unwrap();
        assert_eq!(town_b.status, None, "{e}");
        assert_eq!(rv.total.proposed, 2, "{e}");

        // The township cannot confirm its own list; the county can.
        assert!(
            forbidden(screening::confirm(&t.svc, &town, id).await).contains("县级管理员"),
            "{e}"
        );
        let county_town = t.actor("county_admin_town").await;
        forbidden(screening::confirm(&t.svc, &county_town, id).await);
        let ledgers = screening::confirm(&t.svc, &county, id).await.unwrap();
        assert_eq!(ledgers.len(), 2, "{e}");
        assert_eq!(count(&t, "rectify_ledgers").await, 2, "{e}");
        let overview = ledger::overview(&t.svc, &county, YEAR).await.unwrap();
        assert_eq!(overview.by_status, [2, 0, 0, 0], "{e}");
        let actions: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM audit_log WHERE action LIKE 'screening.%' ORDER BY id",
        )
        .fetch_all(&t.svc.store.pool)
        .await
        .unwrap();
        assert_eq!(
            actions,
            [
                "screening.start",
                "screening.add",
                "screening.remove",
                "screening.restore",
                "screening.submit",
                "screening.confirm"
            ],
            "{e}"
        );
        chain_ok(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn the_county_returns_a_list_with_a_reason_and_the_township_edits_it_again() {
    for t in fixed().await {
        let e = t.engine;
        seed(&t).await;
        let town = t.actor("unit_admin_town").await;
        let county = t.actor("county_admin_root").await;
        let id = screening::start(&t.svc, &town, YEAR, t.fx.town_a)
            .await
            .unwrap();
        assert_eq!(
            invalid(screening::confirm(&t.svc, &county, id).await),
            fe(
                "status",
                "排查名单当前为“拟定中”，不能审核；只有已报送（待县委审核）的名单可以确认或退回"
            ),
            "{e}"
        );
        screening::submit(&t.svc, &town, id).await.unwrap();
        assert_eq!(
            invalid(screening::send_back(&t.svc, &county, id, "").await),
            fe("reason", "请填写退回理由"),
            "{e}"
        );
        screening::send_back(&t.svc, &county, id, "请补充排查社区党组织")
            .await
            .unwrap();
        let p = screening::proposal(&t.svc, &town, YEAR, t.fx.town_a, false)
            .await
            .unwrap();
        assert_eq!(p.status, Some(ScreeningStatus::Returned), "{e}");
        assert!(p.can_edit, "{e}");
        assert_eq!(
            p.screening.unwrap().return_reason,
            "请补充排查社区党组织",
            "{e}"
        );
        // A second proposal for the same township, or for the county, is refused.
        assert_eq!(
            invalid(screening::start(&t.svc, &town, YEAR, t.fx.town_a).await),
            fe("org", "2026年度的排查已经开始"),
            "{e}"
        );
        assert_eq!(
            invalid(screening::start(&t.svc, &county, YEAR, t.fx.root).await)[0].0,
            "org",
            "{e}"
        );
        // An administrator below the township sees nothing of its list.
        let other = t.actor("unit_admin_branch").await;
        forbidden(screening::proposal(&t.svc, &other, YEAR, t.fx.town_a, false).await);
        forbidden(screening::submit(&t.svc, &other, id).await);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_plan_needs_all_four_parts_and_moves_the_ledger_to_rectification() {
    for t in fixed().await {
        let e = t.engine;
        let (_, ledgers) = confirmed(&t).await;
        let town = t.actor("unit_admin_town").await;
        let id = ledgers[0];
        let audit_before = count(&t, "audit_log").await;
        let cases: [(Blank, &str, &str); 5] = [
            (|p| p.goal.clear(), "goal", "请填写目标任务"),
            (|p| p.measures.clear(), "measures", "请填写整改措施"),
            (|p| p.deadline.clear(), "deadline", "请填写整改时限"),
            (|p| p.responsible.clear(), "responsible", "请填写责任主体"),
            (|p| p.analysis.clear(), "analysis", "请填写问题分析"),
        ];
        for (blank, field, message) in cases {
            let mut f = plan();
            blank(&mut f);
            assert_eq!(
                invalid(ledger::file_plan(&t.svc, &town, id, &f).await),
                fe(field, message),
                "{e}: {field}"
            );
        }
        let mut past = plan();
        past.deadline = "2026-11-29".into();
        assert_eq!(
            invalid(ledger::file_plan(&t.svc, &town, id, &past).await),
            fe("deadline", "整改时限应晚于今天"),
            "{e}"
        );
        assert_eq!(
            count(&t, "audit_log").await,
            audit_before,
            "{e}: nothing written"
        );
        let l = ledger::get(&t.svc, &town, id).await.unwrap();
        assert_eq!(l.status, LedgerStatus::Planning, "{e}");
        assert!(l.ledger.goal.is_empty(), "{e}");

        // A branch secretary reads the ledger but files no plan.
        let secretary = t.actor("branch_secretary_town").await;
        forbidden(ledger::file_plan(&t.svc, &secretary, id, &plan()).await);
        ledger::get(&t.svc, &secretary, id).await.unwrap();

        ledger::file_plan(&t.svc, &town, id, &plan()).await.unwrap();
        let l = ledger::get(&t.svc, &town, id).await.unwrap();
        assert_eq!(l.status, LedgerStatus::InProgress, "{e}");
        assert_eq!(l.ledger.deadline.as_deref(), Some("2027-06-30"), "{e}");
        assert_eq!(
            l.ledger.contact_leader, "李建国（县委常委、组织部部长）",
            "{e}"
        );
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'ledger.plan' AND target = $1",
        )
        .bind(format!("ledger:{id}"))
        .fetch_one(&t.svc.store.pool)
        .await
        .unwrap();
        assert_eq!(n, 1, "{e}");
        // Branch A1's administrator does not see branch A2's ledger.
        let sibling = t.actor("unit_admin_branch").await;
        assert!(matches!(
            ledger::get(&t.svc, &sibling, ledgers[1]).await,
            Err(ServiceError::Forbidden(_))
        ));
        chain_ok(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn acceptance_waits_for_every_item_and_then_closes_the_ledger() {
    use dangjian_service::rectify::ledger::ItemForm;
    for t in fixed().await {
        let e = t.engine;
        let (_, ledgers) = confirmed(&t).await;
        let id = ledgers[0];
        let town = t.actor("unit_admin_town").await;
        let county = t.actor("county_admin_root").await;
        let branch = t.actor("branch_secretary_branch").await;
        let item = ItemForm {
            title: "配齐村党组织书记".into(),
            detail: "三个月内选优配强书记".into(),
            deadline: "2027-03-31".into(),
            owner_org: String::new(),
        };
        assert_eq!(
            invalid(ledger::add_item(&t.svc, &town, id, &item).await),
            fe("status", "请先制定整改方案，再建立整改事项"),
            "{e}"
        );
        assert_eq!(
            invalid(ledger::accept(&t.svc, &county, id, "同意销号").await),
            fe("status", "尚未制定整改方案，不能验收销号"),
            "{e}"
        );
        ledger::file_plan(&t.svc, &town, id, &plan()).await.unwrap();
        assert_eq!(
            invalid(ledger::accept(&t.svc, &county, id, "同意销号").await),
            fe("status", "尚未建立整改事项，不能验收销号"),
            "{e}"
        );
        let first = ledger::add_item(&t.svc, &town, id, &item).await.unwrap();
        let county_item = ItemForm {
            title: "规范组织生活".into(),
            owner_org: t.fx.root.to_string(),
            ..item.clone()
        };
        // The township administrator cannot dispatch from the county.
        forbidden(ledger::add_item(&t.svc, &town, id, &county_item).await);
        let second = ledger::add_item(&t.svc, &county, id, &county_item)
            .await
            .unwrap();
        let l = ledger::get(&t.svc, &town, id).await.unwrap();
        assert_eq!(l.items.len(), 2, "{e}");
        assert!(
            l.items.iter().all(|i| i.item.kind == "rectification"
                && i.item.assignee_org_id == t.fx.branch_a1),
            "{e}"
        );

        // The branch does the work, the township accepts its item.
        for (who, item, action) in [
            (&branch, first, "start"),
            (&branch, first, "submit"),
            (&town, first, "accept"),
        ] {
            ledger::act_on_item(&t.svc, who, id, item, action, "")
                .await
                .unwrap();
        }
        let audit_before = count(&t, "audit_log").await;
        assert_eq!(
            invalid(ledger::accept(&t.svc, &county, id, "同意销号").await),
            fe(
                "status",
                "还有整改事项未验收，全部整改事项验收后才能验收销号"
            ),
            "{e}"
        );
        assert_eq!(count(&t, "audit_log").await, audit_before, "{e}");
        for (who, action) in [(&branch, "start"), (&branch, "submit"), (&county, "accept")] {
            ledger::act_on_item(&t.svc, who, id, second, action, "")
                .await
                .unwrap();
        }
        let l = ledger::get(&t.svc, &county, id).await.unwrap();
        assert_eq!(l.status, LedgerStatus::PendingAcceptance, "{e}");
        assert!(l.can_accept, "{e}");
        // Only the county administrator accepts, and with a note.
        forbidden(ledger::accept(&t.svc, &town, id, "同意").await);
        assert_eq!(
            invalid(ledger::accept(&t.svc, &county, id, " ").await),
            fe("note", "请填写验收意见"),
            "{e}"
        );
        ledger::accept(
            &t.svc,
            &county,
            id,
            "书记已配齐，组织生活正常开展，同意销号",
        )
        .await
        .unwrap();
        let l = ledger::get(&t.svc, &town, id).await.unwrap();
        assert_eq!(l.status, LedgerStatus::Closed, "{e}");
        assert_eq!(
            l.ledger.accepted_by.as_deref(),
            Some("county_admin_root"),
            "{e}"
        );
        assert!(l.accept_level.is_some(), "{e}: the re-check is kept");
        assert_eq!(
            invalid(ledger::file_plan(&t.svc, &town, id, &plan()).await),
            fe("status", "台账已销号，不能再修改整改方案"),
            "{e}"
        );
        let o = ledger::overview(&t.svc, &county, YEAR).await.unwrap();
        assert_eq!(o.by_status, [1, 0, 0, 1], "{e}");
        let actions: Vec<String> =
            sqlx::query_scalar("SELECT action FROM audit_log WHERE target = $1 ORDER BY id")
                .bind(format!("ledger:{id}"))
                .fetch_all(&t.svc.store.pool)
                .await
                .unwrap();
        assert_eq!(actions, ["ledger.plan", "ledger.accept"], "{e}");
        chain_ok(&t).await;
        t.finish().await;
    }
}

/// The cells of a sheet of an .xlsx file, row by row (shared strings
/// resolved), read with the calamine reader the imports use.
fn sheet_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect()
}

#[tokio::test]
async fn the_ledger_exports_its_analysis_plan_items_and_acceptance() {
    use dangjian_service::rectify::ledger::ItemForm;
    use dangjian_service::rectify::xlsx;
    for t in fixed().await {
        let e = t.engine;
        let (_, ledgers) = confirmed(&t).await;
        let town = t.actor("unit_admin_town").await;
        let mut f = plan();
        f.measures = "=HYPERLINK(\"http://x\")".into();
        ledger::file_plan(&t.svc, &town, ledgers[0], &f)
            .await
            .unwrap();
        ledger::add_item(
            &t.svc,
            &town,
            ledgers[0],
            &ItemForm {
                title: "配齐村党组织书记".into(),
                detail: String::new(),
                deadline: "2027-03-31".into(),
                owner_org: String::new(),
            },
        )
        .await
        .unwrap();
        let (name, bytes) = xlsx::ledger_file(&t.svc, &town, ledgers[0]).await.unwrap();
        assert_eq!(name, "整改台账-中共甲村支部委员会-2026年度.xlsx", "{e}");
        let analysis = sheet_rows(&bytes, "问题分析");
        assert_eq!(
            analysis[0],
            [
                "党组织",
                "年度",
                "列入方式",
                "列入说明",
                "排查时预警",
                "问题分析"
            ],
            "{e}"
        );
        assert_eq!(analysis[1][0], "中共甲村支部委员会", "{e}");
        assert_eq!(analysis[1][2], "预警列入", "{e}");
        assert!(
            analysis[1][4].starts_with("红色预警：书记空缺"),
            "{e}: {}",
            analysis[1][4]
        );
        assert_eq!(analysis[1][5], plan().analysis, "{e}");
        let p = sheet_rows(&bytes, "整改方案");
        assert_eq!(
            p[1],
            [
                "中共甲村支部委员会",
                plan().goal.as_str(),
                "=HYPERLINK(\"http://x\")",
                "2027-06-30",
                "甲镇党委",
                "李建国（县委常委、组织部部长）",
                "整改中"
            ],
            "{e}: a formula-like text stays text"
        );
        {
            use calamine::{Reader, Xlsx};
            let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
            let formulas = wb.worksheet_formula("整改方案").unwrap();
            assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "{e}");
        }
        let items = sheet_rows(&bytes, "整改事项");
        assert_eq!(items.len(), 2, "{e}");
        assert_eq!(items[1][1], "配齐村党组织书记", "{e}");
        assert_eq!(items[1][2], "中共甲镇委员会", "{e}");
        assert_eq!(items[1][4], "已分派", "{e}");
        let acceptance = sheet_rows(&bytes, "验收销号");
        assert_eq!(acceptance[1][1], "整改中", "{e}");

        // The year's list for the county: both organizations.
        let county = t.actor("county_admin_root").await;
        let (_, bytes) = xlsx::year_file(&t.svc, &county, YEAR, None).await.unwrap();
        let analysis = sheet_rows(&bytes, "问题分析");
        assert_eq!(analysis.len(), 3, "{e}");
        assert_eq!(analysis[2][0], "中共甲二村支部委员会", "{e}");
        assert_eq!(analysis[2][2], "乡镇增补", "{e}");
        assert_eq!(analysis[2][3], "村“两委”班子不团结，群众反映强烈", "{e}");
        // Branch A1's administrator exports only its own ledger, and
        // nothing of the township above it.
        let branch = t.actor("unit_admin_branch").await;
        let (_, bytes) = xlsx::year_file(&t.svc, &branch, YEAR, None).await.unwrap();
        assert_eq!(sheet_rows(&bytes, "问题分析").len(), 2, "{e}");
        forbidden(xlsx::year_file(&t.svc, &branch, YEAR, Some(t.fx.town_a)).await);
        // The county exports one township's list.
        let (name, bytes) = xlsx::year_file(&t.svc, &county, YEAR, Some(t.fx.town_b))
            .await
            .unwrap();
        assert_eq!(
            name, "软弱涣散党组织整改台账-中共乙镇委员会-2026年度.xlsx",
            "{e}"
        );
        assert_eq!(sheet_rows(&bytes, "问题分析").len(), 1, "{e}: headers only");
        t.finish().await;
    }
}

/// The demo county's year: every status of the screening and of the 台账
/// is on show, and the demo township administrator's township is left for
/// the visitor.
#[tokio::test]
async fn the_demo_year_shows_every_status() {
    use dangjian_domain::demo::{DemoOptions, generate};
    use dangjian_service::{Crypto, Services, Store};
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
    let admin = dangjian_service::fixture::actor(&svc, "county_admin", "demo2026pw")
        .await
        .unwrap();
    let town = dangjian_service::fixture::actor(&svc, "town_admin", "demo2026pw")
        .await
        .unwrap();
    let year = i32::from(svc.clock.today().year());
    let o = ledger::overview(&svc, &admin, year).await.unwrap();
    assert!(
        o.by_status.iter().all(|n| *n > 0),
        "every ledger status: {:?}",
        o.by_status
    );
    let statuses: Vec<Option<ScreeningStatus>> = o.review.lines.iter().map(|l| l.status).collect();
    for s in ScreeningStatus::ALL {
        assert!(statuses.contains(&Some(s)), "{s:?} in {statuses:?}");
    }
    let visitor = o
        .review
        .lines
        .iter()
        .find(|l| l.org_id == town.org_id.0)
        .unwrap();
    assert_eq!(
        visitor.status, None,
        "the township administrator's is left open"
    );
    let closed = o
        .ledgers
        .iter()
        .find(|l| l.status == LedgerStatus::Closed)
        .unwrap();
    let v = ledger::get(&svc, &admin, closed.ledger.id).await.unwrap();
    assert!(v.items.iter().all(|i| i.item.state == "accepted"));
    assert!(v.accept_level.is_some());
    assert!(matches!(
        dangjian_service::audit::verify(&svc).await.unwrap(),
        dangjian_service::audit::Verification::Ok { .. }
    ));
}

#[tokio::test]
async fn party_groups_are_not_screened_on_their_own() {
    for t in fixed().await {
        let e = t.engine;
        let admin = t.actor("county_admin_root").await;
        let group = orgs::create(
            &t.svc,
            &admin,
            t.fx.branch_a1,
            &org_form("第一党小组", "group", "rural"),
        )
        .await
        .unwrap()
        .id;
        seed(&t).await;
        let town = t.actor("unit_admin_town").await;
        let id = screening::start(&t.svc, &town, YEAR, t.fx.town_a)
            .await
            .unwrap();
        let p = screening::proposal(&t.svc, &town, YEAR, t.fx.town_a, true)
            .await
            .unwrap();
        assert!(p.rows.iter().all(|r| r.org_id != group), "{e}");
        assert_eq!(
            invalid(screening::add(&t.svc, &town, id, group, "理由").await),
            fe("org", "党小组不单独列入名单，请列入其所在党支部"),
            "{e}"
        );
        t.finish().await;
    }
}
