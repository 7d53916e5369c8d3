//! Work items (督办/整改事项) on SQLite and PostgreSQL: every transition
//! through the service with its audit row, event and notices; refused
//! actions that change nothing and say why in Chinese; scope; escalation of
//! overdue items with one notice per step; supervised tasks dispatched to
//! many units with their progress table and reminders; and random action
//! sequences that leave one audit row per accepted action.

mod common;
mod support;

use common::TestSvc;
use dangjian_domain::work::{Action, ActionKind, Party, WorkState};
use dangjian_service::records::Upload;
use dangjian_service::work::notices::{self, NoticeKind};
use dangjian_service::work::tasks::{self, DispatchForm};
use dangjian_service::work::{self, NewWorkItem, WorkKind, WorkQuery, escalate};
use dangjian_service::{Actor, Clock};
use jiff::civil::{Date, date};
use support::{chain_ok, count, fe, fixed, forbidden, invalid};

/// The fixed "today" of `support::fixed`.
const TODAY: Date = date(2026, 11, 29);

fn item(owner: i64, assignee: i64, deadline: Date) -> NewWorkItem {
    NewWorkItem {
        kind: WorkKind::Rectification,
        title: "补齐支部委员会会议记录".into(),
        detail: "按季度补齐会议记录\n并上传签到表".into(),
        owner_org: owner,
        assignee_org: assignee,
        deadline,
        source: Some("ledger:7".into()),
        task_id: None,
    }
}

/// (work items, events, notices, audit rows).
async fn counts(t: &TestSvc) -> (i64, i64, i64, i64) {
    (
        count(t, "work_items").await,
        count(t, "work_events").await,
        count(t, "notices").await,
        count(t, "audit_log").await,
    )
}

async fn audit_actions(t: &TestSvc, target: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log WHERE target = $1 ORDER BY id")
        .bind(target)
        .fetch_all(&t.svc.store.pool)
        .await
        .unwrap()
}

async fn notice_kinds(t: &TestSvc, org: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT kind FROM notices WHERE org_id = $1 ORDER BY id")
        .bind(org)
        .fetch_all(&t.svc.store.pool)
        .await
        .unwrap()
}

async fn state(t: &TestSvc, id: i64) -> String {
    sqlx::query_scalar("SELECT state FROM work_items WHERE id = $1")
        .bind(id)
        .fetch_one(&t.svc.store.pool)
        .await
        .unwrap()
}

fn note(text: &str) -> Action {
    Action::Note {
        text: text.into(),
        attachments: 0,
    }
}

fn back(reason: &str) -> Action {
    Action::Return {
        reason: reason.into(),
    }
}

fn on_day(t: &mut TestSvc, day: Date) {
    // Noon in Shanghai is 04:00 UTC.
    let ts = format!("{day}T04:00:00Z");
    t.svc.clock = Clock::Fixed(ts.parse().unwrap());
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

#[tokio::test]
async fn every_transition_goes_through_the_service_with_audit_event_and_notice() {
    for t in fixed().await {
        let town = t.actor("unit_admin_town").await;
        let sec = t.actor("branch_secretary_branch").await;
        let (fx, e) = (t.fx, t.engine);
        let id = work::create(
            &t.svc,
            &town,
            &item(fx.town_a, fx.branch_a1, date(2026, 12, 10)),
        )
        .await
        .unwrap();
        assert_eq!(notice_kinds(&t, fx.branch_a1).await, ["assigned"], "{e}");
        let steps: Vec<(&Actor, Action, WorkState, Party)> = vec![
            (&sec, Action::Start, WorkState::InProgress, Party::Assignee),
            (
                &sec,
                note("已召开支委会\n已补记录"),
                WorkState::InProgress,
                Party::Assignee,
            ),
            (
                &town,
                note("请注意签到表"),
                WorkState::InProgress,
                Party::Owner,
            ),
            (&sec, Action::Submit, WorkState::Submitted, Party::Assignee),
            (
                &town,
                back("缺少第三季度签到表"),
                WorkState::InProgress,
                Party::Owner,
            ),
            (&sec, Action::Submit, WorkState::Submitted, Party::Assignee),
            (&town, Action::Accept, WorkState::Accepted, Party::Owner),
        ];
        for (who, action, to, party) in steps {
            let before = counts(&t).await;
            let kind = action.kind();
            let done = work::act(&t.svc, who, id, action).await.unwrap();
            assert_eq!((done.to, done.party, done.action), (to, party, kind), "{e}");
            assert_eq!(state(&t, id).await, to.code());
            let after = counts(&t).await;
            assert_eq!(after.1, before.1 + 1, "{e}: one event per action");
            assert_eq!(after.3, before.3 + 1, "{e}: one audit row per action");
        }
        assert_eq!(
            audit_actions(&t, &format!("work:{id}")).await,
            [
                "work.create",
                "work.start",
                "work.note",
                "work.note",
                "work.submit",
                "work.return",
                "work.submit",
                "work.accept"
            ]
        );
        assert_eq!(
            notice_kinds(&t, fx.branch_a1).await,
            ["assigned", "returned", "accepted"],
            "{e}"
        );
        assert_eq!(
            notice_kinds(&t, fx.town_a).await,
            ["submitted", "submitted"]
        );
        let d = work::detail(&t.svc, &sec, id).await.unwrap();
        assert_eq!(d.timeline.len(), 7);
        assert_eq!(d.timeline[1].text, "已召开支委会\n已补记录");
        assert_eq!(d.timeline[4].text, "缺少第三季度签到表");
        assert_eq!(d.timeline[4].action_label, "退回重办");
        assert_eq!(d.item.state_label, "已验收");
        assert_eq!(d.item.deadline_label, "已销号");
        assert!(d.actions.is_empty(), "{e}: nothing leaves 已验收");
        let found = work::by_source_on(&mut t.svc.store.read().await.unwrap(), "ledger:7", TODAY)
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (
                found[0].id,
                found[0].assignee_name.as_str(),
                found[0].state.as_str()
            ),
            (id, "中共甲村支部委员会", "accepted")
        );
        chain_ok(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn refused_actions_change_nothing_and_say_why_in_chinese() {
    for t in fixed().await {
        let town = t.actor("unit_admin_town").await;
        let sec = t.actor("branch_secretary_branch").await;
        let leader = t.actor("leader_town").await;
        let fx = t.fx;
        let id = work::create(
            &t.svc,
            &town,
            &item(fx.town_a, fx.branch_a1, date(2026, 12, 10)),
        )
        .await
        .unwrap();
        let before = counts(&t).await;
        let msg = |s: &str| fe("action", s);
        assert_eq!(
            invalid(work::act(&t.svc, &sec, id, Action::Accept).await),
            msg("承办单位无权验收销号：只有交办单位可以验收销号")
        );
        assert_eq!(
            invalid(work::act(&t.svc, &town, id, Action::Start).await),
            msg("交办单位无权开始办理：只有承办单位可以开始办理")
        );
        assert_eq!(
            invalid(work::act(&t.svc, &sec, id, Action::Submit).await),
            msg("事项当前为“已分派”，不能提交办结：只有“办理中”的事项可以提交办结")
        );
        assert_eq!(
            invalid(work::act(&t.svc, &sec, id, note("  ")).await),
            fe("text", "请填写进展情况")
        );
        // A reader may read, not act.
        assert_eq!(
            forbidden(work::act(&t.svc, &leader, id, note("看过")).await),
            "领导（只读）无权进行此操作"
        );
        assert!(
            work::detail(&t.svc, &leader, id)
                .await
                .unwrap()
                .actions
                .is_empty()
        );
        // A bad attachment refuses the whole note.
        let bad = [Upload {
            file_name: "x.exe".into(),
            bytes: b"MZ\x90\0".to_vec(),
        }];
        work::act(&t.svc, &sec, id, Action::Start).await.unwrap();
        let mid = counts(&t).await;
        let r = work::act_with(&t.svc, &sec, id, note("照片"), &bad).await;
        assert_eq!(
            invalid(r),
            fe(
                "attachments",
                "文件“x.exe”不是可接受的格式：只能上传 JPG、PNG、WebP 图片或 PDF 文件"
            )
        );
        assert_eq!(counts(&t).await, mid);
        assert_eq!(count(&t, "work_attachments").await, 0);
        assert_eq!((before.0, before.2), (mid.0, mid.2));
        // A good one is stored with its note and served back.
        let good = [Upload {
            file_name: "签到表.PNG".into(),
            bytes: PNG.to_vec(),
        }];
        work::act_with(&t.svc, &sec, id, note("已上传签到表"), &good)
            .await
            .unwrap();
        let d = work::detail(&t.svc, &town, id).await.unwrap();
        let att = &d.timeline.last().unwrap().attachments;
        assert_eq!(att.len(), 1);
        assert_eq!(att[0].file_name, "签到表.png");
        let got = work::attachment(&t.svc, &town, att[0].id).await.unwrap();
        assert_eq!((got.content_type, got.bytes.as_slice()), ("image/png", PNG));
        // Files only with a note.
        assert_eq!(
            invalid(work::act_with(&t.svc, &sec, id, Action::Submit, &good).await),
            fe(
                "attachments",
                "只有填写进展时可以上传附件，提交办结不带附件"
            )
        );
        // Closed: nothing more.
        work::act(&t.svc, &sec, id, Action::Submit).await.unwrap();
        work::act(&t.svc, &town, id, Action::Accept).await.unwrap();
        let closed = counts(&t).await;
        for (who, a, m) in [
            (&town, back("再补"), "事项已验收销号，不能再退回重办"),
            (&sec, note("补充"), "事项已验收销号，不能再填写进展"),
            (&town, Action::Accept, "事项已验收销号，不能再验收销号"),
        ] {
            assert_eq!(invalid(work::act(&t.svc, who, id, a).await), msg(m));
        }
        assert_eq!(counts(&t).await, closed);
        assert_eq!(state(&t, id).await, "accepted");
        chain_ok(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn creation_is_checked_and_scoped() {
    for t in fixed().await {
        let town = t.actor("unit_admin_town").await;
        let sec = t.actor("branch_secretary_branch").await;
        let fx = t.fx;
        let before = counts(&t).await;
        let mut bad = item(fx.town_a, fx.branch_a1, date(2026, 11, 1));
        bad.title = " ".into();
        assert_eq!(
            invalid(work::create(&t.svc, &town, &bad).await),
            vec![
                ("title".to_owned(), "请填写标题".to_owned()),
                ("deadline".to_owned(), "办理期限不能早于今天".to_owned())
            ]
        );
        // The assignee must be at or below the owner.
        assert_eq!(
            invalid(work::create(&t.svc, &town, &item(fx.town_a, fx.branch_b1, TODAY)).await),
            fe("assignee_org", "承办单位应为交办单位本级或其下级党组织")
        );
        // The owner must be in the actor's scope.
        assert_eq!(
            forbidden(work::create(&t.svc, &town, &item(fx.town_b, fx.branch_b1, TODAY)).await),
            "该组织不在您的管辖范围内"
        );
        // Only administrators dispatch.
        assert_eq!(
            forbidden(work::create(&t.svc, &sec, &item(fx.branch_a1, fx.branch_a1, TODAY)).await),
            "支部书记无权进行此操作"
        );
        assert_eq!(counts(&t).await, before);
        // Town B's items are out of town A's reach.
        let root = t.actor("county_admin_root").await;
        let b = work::create(&t.svc, &root, &item(fx.root, fx.branch_b1, TODAY))
            .await
            .unwrap();
        assert_eq!(
            forbidden(work::detail(&t.svc, &town, b).await),
            "该组织不在您的管辖范围内"
        );
        assert_eq!(
            forbidden(work::act(&t.svc, &town, b, note("越权")).await),
            "该组织不在您的管辖范围内"
        );
        // Lists: the assignee's 待办 and the owner's 我交办的.
        let a = work::create(&t.svc, &town, &item(fx.town_a, fx.branch_a1, TODAY))
            .await
            .unwrap();
        let ids = |p: work::WorkPage| p.rows.iter().map(|r| r.id).collect::<Vec<_>>();
        let q = |tab: &str| WorkQuery {
            tab: Some(tab.into()),
            ..WorkQuery::default()
        };
        assert_eq!(
            ids(work::list(&t.svc, &sec, &q("mine")).await.unwrap()),
            [a]
        );
        assert_eq!(
            ids(work::list(&t.svc, &town, &q("dispatched")).await.unwrap()),
            [a]
        );
        assert_eq!(
            ids(work::list(&t.svc, &root, &q("dispatched")).await.unwrap()),
            [b]
        );
        assert!(
            work::list(&t.svc, &town, &q("mine"))
                .await
                .unwrap()
                .rows
                .is_empty()
        );
        assert_eq!(
            invalid(work::list(&t.svc, &town, &q("all")).await),
            fe("tab", "列表应为待办、我交办的或上级督办")
        );
        let sys = t.actor("system_admin_root").await;
        forbidden(work::list(&t.svc, &sys, &q("mine")).await);
        t.finish().await;
    }
}

#[tokio::test]
async fn overdue_items_escalate_to_the_parent_then_the_grandparent_with_one_notice_each() {
    for mut t in fixed().await {
        let root = t.actor("county_admin_root").await;
        let town = t.actor("unit_admin_town").await;
        let sec = t.actor("branch_secretary_branch").await;
        let fx = t.fx;
        let deadline = date(2026, 12, 1);
        let id = work::create(&t.svc, &root, &item(fx.root, fx.branch_a1, deadline))
            .await
            .unwrap();
        let esc = WorkQuery {
            tab: Some("escalated".into()),
            ..WorkQuery::default()
        };
        // Overdue by 3 days: within the default grace of 3.
        on_day(&mut t, date(2026, 12, 4));
        assert_eq!(escalate::sweep(&t.svc).await.unwrap().escalated, 0);
        assert!(
            work::list(&t.svc, &town, &esc)
                .await
                .unwrap()
                .rows
                .is_empty()
        );
        // Town A reads the item (its subtree) but may not add a supervision note yet.
        assert_eq!(
            invalid(work::act(&t.svc, &town, id, note("请抓紧")).await),
            fe(
                "action",
                "无关单位无权填写进展：只有承办单位、交办单位、上级党组织可以填写进展"
            )
        );
        let overdue = WorkQuery {
            overdue: Some("1".into()),
            ..WorkQuery::default()
        };
        assert_eq!(work::list(&t.svc, &sec, &overdue).await.unwrap().total, 1);
        // Day 4: to the parent (town A), announced once.
        on_day(&mut t, date(2026, 12, 5));
        let page = work::list(&t.svc, &town, &esc).await.unwrap();
        assert_eq!(page.rows.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
        assert_eq!(page.rows[0].deadline_label, "逾期");
        assert_eq!(page.rows[0].escalation_label, "已升级至上级党组织督办");
        assert_eq!(escalate::sweep(&t.svc).await.unwrap().escalated, 0);
        work::list(&t.svc, &town, &esc).await.unwrap();
        assert_eq!(notice_kinds(&t, fx.town_a).await, ["escalated"]);
        assert!(notice_kinds(&t, fx.root).await.is_empty());
        assert_eq!(
            audit_actions(&t, &format!("work:{id}")).await,
            ["work.create", "work.escalate"]
        );
        // The parent may now supervise with a note, but not do the work.
        let done = work::act(&t.svc, &town, id, note("请于本周内办结"))
            .await
            .unwrap();
        assert_eq!(done.party, Party::Parent);
        assert_eq!(
            invalid(work::act(&t.svc, &town, id, Action::Start).await),
            fe("action", "上级党组织无权开始办理：只有承办单位可以开始办理")
        );
        // The county does not see it escalated yet.
        assert!(
            work::list(&t.svc, &root, &esc)
                .await
                .unwrap()
                .rows
                .is_empty()
        );
        // Day 11 (3 + 7 + 1): to the grandparent, the county.
        on_day(&mut t, date(2026, 12, 12));
        let r = escalate::sweep(&t.svc).await.unwrap();
        assert_eq!((r.overdue, r.escalated), (1, 1));
        assert_eq!(escalate::sweep(&t.svc).await.unwrap().escalated, 0);
        assert_eq!(notice_kinds(&t, fx.root).await, ["escalated"]);
        assert_eq!(notice_kinds(&t, fx.town_a).await, ["escalated"]);
        let page = work::list(&t.svc, &root, &esc).await.unwrap();
        assert_eq!(page.rows.len(), 1);
        assert_eq!(page.rows[0].escalation_label, "已升级至再上一级党组织督办");
        let d = work::detail(&t.svc, &root, id).await.unwrap();
        assert_eq!(d.escalated_to, ["中共甲镇委员会", "中共测试县委员会"]);
        // Submitted: no longer open, off the escalated list.
        work::act(&t.svc, &sec, id, Action::Start).await.unwrap();
        work::act(&t.svc, &sec, id, Action::Submit).await.unwrap();
        assert!(
            work::list(&t.svc, &town, &esc)
                .await
                .unwrap()
                .rows
                .is_empty()
        );
        let d = work::detail(&t.svc, &root, id).await.unwrap();
        assert_eq!(d.item.deadline_label, "逾期提交");
        // The notices page: newest first, read and unread.
        let n = notices::list(&t.svc, &town, 1).await.unwrap();
        assert_eq!((n.total, n.unread), (1, 1));
        assert_eq!(n.rows[0].kind_label, NoticeKind::Escalated.label());
        assert_eq!(n.rows[0].link, format!("/work/{id}"));
        assert_eq!(
            notices::mark_read(&t.svc, &town, Some(n.rows[0].id))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            notices::mark_read(&t.svc, &town, Some(n.rows[0].id))
                .await
                .unwrap(),
            0
        );
        // Another organization's notice is not touched.
        let rootn = notices::list(&t.svc, &root, 1).await.unwrap();
        assert_eq!(
            notices::mark_read(&t.svc, &town, Some(rootn.rows[0].id))
                .await
                .unwrap(),
            0
        );
        assert_eq!(notice_kinds(&t, fx.root).await, ["escalated", "submitted"]);
        assert_eq!(notices::unread(&t.svc, &root).await.unwrap(), 2);
        assert_eq!(notices::mark_read(&t.svc, &root, None).await.unwrap(), 2);
        let n = notices::list(&t.svc, &town, 1).await.unwrap();
        assert_eq!(
            (n.unread, n.rows[0].read_by.as_deref()),
            (0, Some("unit_admin_town"))
        );
        chain_ok(&t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn a_task_goes_to_many_units_and_the_dispatcher_reviews_and_reminds() {
    for t in fixed().await {
        let root = t.actor("county_admin_root").await;
        let town = t.actor("unit_admin_town").await;
        let sec = t.actor("branch_secretary_branch").await;
        let fx = t.fx;
        let form = DispatchForm {
            title: "开展主题党日活动".into(),
            detail: "各乡镇于月底前完成并报送".into(),
            deadline: "2026-12-20".into(),
            units: vec![],
            all_townships: true,
        };
        // Checked: units only from the direct children, at least one.
        let before = counts(&t).await;
        assert_eq!(
            invalid(
                tasks::dispatch(
                    &t.svc,
                    &root,
                    &DispatchForm {
                        units: vec![fx.branch_a1],
                        all_townships: false,
                        ..form.clone()
                    }
                )
                .await
            ),
            fe("units", "承办单位只能从本级的直属下级党组织中选择")
        );
        assert_eq!(
            invalid(
                tasks::dispatch(
                    &t.svc,
                    &root,
                    &DispatchForm {
                        all_townships: false,
                        deadline: "明天".into(),
                        ..form.clone()
                    }
                )
                .await
            ),
            vec![
                (
                    "deadline".to_owned(),
                    "办理期限格式应为 2024-07-01 这样的日期".to_owned()
                ),
                ("units".to_owned(), "请至少选择一个承办单位".to_owned())
            ]
        );
        assert_eq!(
            forbidden(tasks::dispatch(&t.svc, &sec, &form).await),
            "支部书记无权进行此操作"
        );
        assert_eq!(counts(&t).await, before);
        let opts = tasks::unit_options(&t.svc, &root).await.unwrap();
        assert_eq!(opts.len(), 2);
        assert!(opts.iter().all(|o| o.township));

        let task = tasks::dispatch(&t.svc, &root, &form).await.unwrap();
        let view = tasks::progress(&t.svc, &root, task).await.unwrap();
        assert_eq!(view.rows.len(), 2);
        assert_eq!((view.progress.units, view.progress.assigned), (2, 2));
        assert_eq!(view.not_reported, ["中共甲镇委员会", "中共乙镇委员会"]);
        assert!(view.can_manage);
        assert_eq!(
            audit_actions(&t, &format!("task:{task}")).await,
            ["task.create"]
        );
        let a = view.rows[0].item.id;
        // Town A reports; the county reminds the others (town B only).
        work::act(&t.svc, &town, a, Action::Start).await.unwrap();
        work::act(&t.svc, &town, a, note("已部署，各村正在开展"))
            .await
            .unwrap();
        assert_eq!(tasks::remind(&t.svc, &root, task).await.unwrap(), 1);
        assert_eq!(notice_kinds(&t, fx.town_b).await, ["assigned", "reminder"]);
        assert_eq!(notice_kinds(&t, fx.town_a).await, ["assigned"]);
        assert_eq!(
            audit_actions(&t, &format!("task:{task}")).await,
            ["task.create", "task.remind"]
        );
        // Only the dispatcher reminds.
        assert_eq!(
            forbidden(tasks::remind(&t.svc, &town, task).await),
            "该组织不在您的管辖范围内"
        );
        // Submit, return with a reason, submit again, accept.
        work::act(&t.svc, &town, a, Action::Submit).await.unwrap();
        work::act(&t.svc, &root, a, back("请补充活动照片"))
            .await
            .unwrap();
        work::act(&t.svc, &town, a, Action::Submit).await.unwrap();
        work::act(&t.svc, &root, a, Action::Accept).await.unwrap();
        let view = tasks::progress(&t.svc, &root, task).await.unwrap();
        assert_eq!((view.progress.accepted, view.progress.assigned), (1, 1));
        assert_eq!(view.bar, ["accepted", "assigned"]);
        assert_eq!(view.not_reported, ["中共乙镇委员会"]);
        assert!(view.rows[0].reported && !view.rows[0].last_report.is_empty());
        // A unit reads its own item, not the dispatcher's table.
        forbidden(tasks::progress(&t.svc, &town, task).await);
        chain_ok(&t).await;
        t.finish().await;
    }
}

/// A random sequence of actions by random users: every accepted action
/// leaves exactly one audit row and one event, every refused one nothing,
/// and nothing leaves 已验收.
#[tokio::test]
async fn random_action_sequences_leave_one_audit_row_per_accepted_action() {
    for t in fixed().await {
        let fx = t.fx;
        // The assignee's and the owner's users come up more often than outsiders.
        let names = [
            "branch_secretary_branch",
            "unit_admin_town",
            "branch_secretary_branch",
            "unit_admin_town",
            "county_admin_root",
            "leader_town",
            "county_admin_branch",
        ];
        let (mut total_accepted, mut closings) = (0, 0);
        let mut actors = Vec::new();
        for n in names {
            actors.push(t.actor(n).await);
        }
        // A fixed xorshift sequence: the same "random" run every time.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: usize| -> usize {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for round in 0..4 {
            let owner = &actors[1];
            let id = work::create(&t.svc, owner, &item(fx.town_a, fx.branch_a1, TODAY))
                .await
                .unwrap();
            let mut accepted = 0;
            let mut closed = false;
            for _ in 0..60 {
                let who = &actors[next(actors.len())];
                let action = match ActionKind::ALL[next(ActionKind::ALL.len())] {
                    ActionKind::Start => Action::Start,
                    ActionKind::Submit => Action::Submit,
                    ActionKind::Accept => Action::Accept,
                    ActionKind::Return => back(if next(5) == 0 { "" } else { "请补充" }),
                    ActionKind::Note => note("进展"),
                };
                let before = counts(&t).await;
                let r = work::act(&t.svc, who, id, action).await;
                let after = counts(&t).await;
                if let Ok(done) = &r {
                    assert!(!closed, "{}: an action after 已验收", t.engine);
                    accepted += 1;
                    assert_eq!((after.1, after.3), (before.1 + 1, before.3 + 1));
                    closed = done.to == WorkState::Accepted;
                } else {
                    assert_eq!(after, before, "{}: round {round}: {r:?}", t.engine);
                }
            }
            let events: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM work_events WHERE item_id = $1")
                    .bind(id)
                    .fetch_one(&t.svc.store.pool)
                    .await
                    .unwrap();
            assert_eq!(events, accepted);
            total_accepted += accepted;
            closings += i64::from(closed);
            assert_eq!(
                audit_actions(&t, &format!("work:{id}")).await.len() as i64,
                accepted + 1
            );
        }
        // The sequence is not degenerate: it moves items and closes some.
        assert!(
            total_accepted >= 10 && closings >= 1,
            "{total_accepted} {closings}"
        );
        chain_ok(&t).await;
        t.finish().await;
    }
}

/// The demo county carries tasks and items in every state, one overdue
/// item escalated with its notices, and the audit chain still verifies.
#[tokio::test]
async fn the_demo_county_shows_work_items_in_every_state() {
    use dangjian_domain::demo::{DemoOptions, generate};
    let dir = tempfile::tempdir().unwrap();
    let store = dangjian_service::Store::connect(&format!(
        "sqlite://{}",
        dir.path().join("d.db").display()
    ))
    .await
    .unwrap();
    let svc = dangjian_service::Services::new(store, dangjian_service::Crypto::random());
    let county = generate(&DemoOptions {
        seed: 7,
        scale: 1,
        today: svc.clock.today(),
    });
    dangjian_service::demo::load(&svc, &county, "demo2026pw", &|_, _| {})
        .await
        .unwrap();
    let states: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT state FROM work_items ORDER BY state")
            .fetch_all(&svc.store.pool)
            .await
            .unwrap();
    assert_eq!(states, ["accepted", "assigned", "in_progress", "submitted"]);
    let escalated: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM work_escalations")
        .fetch_one(&svc.store.pool)
        .await
        .unwrap();
    let notices: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notices WHERE kind = 'escalated'")
        .fetch_one(&svc.store.pool)
        .await
        .unwrap();
    assert_eq!((escalated, notices), (2, 2), "parent and grandparent");
    let secretary = dangjian_service::fixture::actor(&svc, "branch_secretary", "demo2026pw")
        .await
        .unwrap();
    let mine = work::list(&svc, &secretary, &WorkQuery::default())
        .await
        .unwrap();
    assert_eq!(mine.total, 3);
    assert!(mine.rows.iter().any(|r| r.late && r.escalated));
    let town = dangjian_service::fixture::actor(&svc, "town_admin", "demo2026pw")
        .await
        .unwrap();
    assert!(notices::unread(&svc, &town).await.unwrap() > 0);
    let v = dangjian_service::audit::verify(&svc).await.unwrap();
    assert!(
        matches!(v, dangjian_service::audit::Verification::Ok { .. }),
        "{v:?}"
    );
}

/// Items and tasks follow their organizations when a subtree moves: the
/// new township reads them, the old one no longer does.
#[tokio::test]
async fn items_follow_a_moved_organization() {
    for t in fixed().await {
        let root = t.actor("county_admin_root").await;
        let town = t.actor("unit_admin_town").await;
        let fx = t.fx;
        let id = work::create(&t.svc, &root, &item(fx.root, fx.branch_a1, TODAY))
            .await
            .unwrap();
        work::detail(&t.svc, &town, id).await.unwrap();
        dangjian_service::orgs::move_org(&t.svc, &root, fx.branch_a1, fx.town_b)
            .await
            .unwrap();
        assert_eq!(
            forbidden(work::detail(&t.svc, &town, id).await),
            "该组织不在您的管辖范围内"
        );
        let path: String = sqlx::query_scalar("SELECT assignee_path FROM work_items WHERE id = $1")
            .bind(id)
            .fetch_one(&t.svc.store.pool)
            .await
            .unwrap();
        assert_eq!(
            path,
            format!("/{}/{}/{}/", fx.root, fx.town_b, fx.branch_a1)
        );
        // The branch's own users still work on it.
        let sec = t.actor("branch_secretary_branch").await;
        work::act(&t.svc, &sec, id, Action::Start).await.unwrap();
        t.finish().await;
    }
}

#[tokio::test]
async fn a_unit_beyond_the_option_list_can_be_chosen() {
    // A county generated at scale 100 has thousands of townships; the form
    // lists the first MAX_UNITS, yet any active direct child may be chosen
    // (the demo's own township among them).
    for t in fixed().await {
        let root = t.actor("county_admin_root").await;
        let mut made = Vec::new();
        for i in 0..=tasks::MAX_UNITS {
            let form = dangjian_service::fixture::org_form(
                &format!("中共测试{i:04}镇委员会"),
                "committee",
                "rural",
            );
            made.push(
                dangjian_service::orgs::create(&t.svc, &root, t.fx.root, &form)
                    .await
                    .unwrap()
                    .id,
            );
        }
        let opts = tasks::unit_options(&t.svc, &root).await.unwrap();
        assert_eq!(opts.len(), tasks::MAX_UNITS);
        let beyond = *made
            .iter()
            .find(|id| !opts.iter().any(|o| o.id == **id))
            .expect("one child is not listed");
        let before = counts(&t).await;
        let task = tasks::dispatch(
            &t.svc,
            &root,
            &DispatchForm {
                title: "报送年度党建工作总结".into(),
                detail: "年底前报送".into(),
                deadline: "2026-12-20".into(),
                units: vec![beyond],
                all_townships: false,
            },
        )
        .await
        .unwrap();
        let view = tasks::progress(&t.svc, &root, task).await.unwrap();
        assert_eq!(view.rows.len(), 1);
        assert_eq!(view.rows[0].item.assignee_org_id, beyond);
        assert_eq!(counts(&t).await.0, before.0 + 1);
        t.finish().await;
    }
}
