//! Work items in the demo county: two supervised tasks from the county
//! organization department to every township (one under way in various
//! states, one long overdue), and rectification items from the demo
//! township to the demo secretary's branch — one overdue long enough to have
//! escalated to the township and on to the county, with its notices. Made
//! through the ordinary use cases (audited, notified), some of them "in the
//! past" with a clock set back, so deadlines and timelines look real.

use crate::error::{ServiceError, ServiceResult};
use crate::work::tasks::{self, DispatchForm};
use crate::work::{NewWorkItem, WorkKind, act, create, escalate};
use crate::{Actor, Clock, Services, auth};
use dangjian_domain::work::Action;
use jiff::{SignedDuration, Span};

/// Logs in nobody: the actor of a demo account, read from its row.
async fn account(svc: &Services, username: &str) -> ServiceResult<Actor> {
    let mut conn = svc.store.read().await?;
    let row = dangjian_store::user::find_by_username(&mut conn, username)
        .await?
        .ok_or(ServiceError::NotFound)?;
    auth::actor_of(&row)
}

/// The services with the clock set `days` back.
fn days_ago(svc: &Services, days: i64) -> Services {
    Services {
        clock: Clock::Fixed(svc.clock.now() - SignedDuration::from_hours(24 * days)),
        ..svc.clone()
    }
}

fn note(text: &str) -> Action {
    Action::Note {
        text: text.into(),
        attachments: 0,
    }
}

/// Seeds the demo's work items; needs the demo accounts `county_admin`,
/// `town_admin` and `branch_secretary`. Returns the number of items made.
pub async fn seed(svc: &Services) -> ServiceResult<usize> {
    let county = account(svc, "county_admin").await?;
    let town = account(svc, "town_admin").await?;
    let secretary = account(svc, "branch_secretary").await?;
    let today = svc.clock.today();
    let date = |days: i64| {
        today
            .checked_add(Span::new().days(days))
            .unwrap_or(today)
            .to_string()
    };
    let mut made = 0;

    // A task under way: dispatched a week ago to every township.
    let task = tasks::dispatch(
        &days_ago(svc, 7),
        &county,
        &DispatchForm {
            title: "开展“学党章、守纪律”主题党日活动并报送开展情况".into(),
            detail: "各乡镇党委组织所属支部于月底前开展一次主题党日活动，\n报送活动照片、签到表和开展情况小结。".into(),
            deadline: date(10),
            units: Vec::new(),
            all_townships: true,
        },
    )
    .await?;
    let view = tasks::progress(svc, &county, task).await?;
    made += view.rows.len();
    // The demo township reported, was returned, and is at it again; the
    // other townships have not reported yet (the 催办 button's targets).
    if let Some(row) = view
        .rows
        .iter()
        .find(|r| r.item.assignee_org_id == town.org_id.0)
    {
        let id = row.item.id;
        act(&days_ago(svc, 5), &town, id, Action::Start).await?;
        act(
            &days_ago(svc, 3),
            &town,
            id,
            note("已召开党委会部署，各村支部正在组织开展，预计下周完成。"),
        )
        .await?;
        act(&days_ago(svc, 1), &town, id, Action::Submit).await?;
        act(
            svc,
            &county,
            id,
            Action::Return {
                reason: "请补充各支部签到表和活动照片".into(),
            },
        )
        .await?;
    }
    // A second task whose report waits for the county's acceptance.
    let task = tasks::dispatch(
        &days_ago(svc, 10),
        &county,
        &DispatchForm {
            title: "报送第三季度“三会一课”落实情况".into(),
            detail: "对照组织生活完成情况，逐支部说明未完成原因和补课安排。".into(),
            deadline: date(3),
            units: vec![town.org_id.0],
            all_townships: false,
        },
    )
    .await?;
    made += 1;
    let view = tasks::progress(svc, &county, task).await?;
    if let Some(row) = view.rows.first() {
        let id = row.item.id;
        act(&days_ago(svc, 6), &town, id, Action::Start).await?;
        act(
            &days_ago(svc, 2),
            &town,
            id,
            note("全镇应开展支部党员大会42次，已开展40次，2个支部因换届顺延至下月。"),
        )
        .await?;
        act(&days_ago(svc, 2), &town, id, Action::Submit).await?;
    }

    // Rectification items from the township to the secretary's branch.
    let branch = secretary.org_id.0;
    let long_ago = days_ago(svc, 20);
    let overdue = create(
        &long_ago,
        &town,
        &NewWorkItem {
            kind: WorkKind::Rectification,
            title: "整改：支部委员会会议记录不规范".into(),
            detail: "按季度补齐支部委员会会议记录，载明议题、参会人员和决议事项。".into(),
            owner_org: town.org_id.0,
            assignee_org: branch,
            deadline: today - Span::new().days(12),
            source: None,
            task_id: None,
        },
    )
    .await?;
    act(&days_ago(svc, 18), &secretary, overdue, Action::Start).await?;
    act(
        &days_ago(svc, 15),
        &secretary,
        overdue,
        note("已梳理缺失记录清单，正在联系支委补签。"),
    )
    .await?;
    let on_time = create(
        &days_ago(svc, 6),
        &town,
        &NewWorkItem {
            kind: WorkKind::Rectification,
            title: "整改：党员信息采集不完整".into(),
            detail: "核对全体党员的学历、工作岗位和联系电话，缺项补录。".into(),
            owner_org: town.org_id.0,
            assignee_org: branch,
            deadline: today + Span::new().days(14),
            source: None,
            task_id: None,
        },
    )
    .await?;
    act(&days_ago(svc, 4), &secretary, on_time, Action::Start).await?;
    act(
        &days_ago(svc, 2),
        &secretary,
        on_time,
        note("已核对18名党员，补录联系电话5条。"),
    )
    .await?;
    act(&days_ago(svc, 1), &secretary, on_time, Action::Submit).await?;
    let done = create(
        &days_ago(svc, 30),
        &town,
        &NewWorkItem {
            kind: WorkKind::Rectification,
            title: "整改：党务公开栏内容未及时更新".into(),
            detail: String::new(),
            owner_org: town.org_id.0,
            assignee_org: branch,
            deadline: today - Span::new().days(10),
            source: None,
            task_id: None,
        },
    )
    .await?;
    act(&days_ago(svc, 28), &secretary, done, Action::Start).await?;
    act(&days_ago(svc, 25), &secretary, done, Action::Submit).await?;
    act(&days_ago(svc, 24), &town, done, Action::Accept).await?;
    made += 3;
    // The overdue item escalates: notices to the township and the county.
    escalate::sweep(svc).await?;
    Ok(made)
}
