//! The demo county's screening year: a warning run over the county, then
//! proposals of four rural townships (not the one where the demo's
//! township administrator works: that one is left for the visitor): one
//! confirmed, with ledgers in each status — 待制定方案, 整改中, 待验收 and
//! 已销号 — one waiting for the county's review with an addition and a
//! removal, one returned with a reason, one still a draft.
//!
//! Everything goes through the ordinary use cases, so it is scoped and
//! audited: the county administrator (`county_admin`) proposes, confirms,
//! plans, dispatches and accepts; the villages' own steps on their items
//! (开始办理, 提交办结) are taken by a stand-in branch secretary of each
//! organization, audited under the name `demo`.

use super::ledger::{self, ItemForm, PlanForm};
use super::screening;
use crate::actor::Actor;
use crate::error::ServiceResult;
use crate::{Services, auth, warnings};
use dangjian_domain::ids::{OrgId, UserId};
use dangjian_domain::org::{OrgKind, OrgPath};
use dangjian_domain::role::Role;
use dangjian_store::org as odb;
use dangjian_store::user as udb;

/// What was seeded, for the loader's summary.
#[derive(Debug, Clone, Copy, Default)]
pub struct DemoRectify {
    pub screenings: usize,
    pub ledgers: usize,
}

/// A stand-in for an organization's own branch secretary.
fn village(org: &odb::OrgRow) -> Option<Actor> {
    Some(Actor {
        user_id: UserId(0),
        username: "demo".into(),
        display_name: "演示数据".into(),
        role: Role::BranchSecretary,
        org_id: OrgId(org.id),
        org_path: OrgPath::from_stored(&org.path)?,
        org_name: org.name.clone(),
    })
}

fn plan_for(org: &str, township: &str, deadline: &str) -> PlanForm {
    PlanForm {
        analysis: format!(
            "{org}班子凝聚力不强，书记履职不到位，“三会一课”等组织生活不经常、不规范，党员作用发挥不明显，群众对村级事务公开有意见。"
        ),
        goal: "一年内班子配齐配强，组织生活按规定开展，群众满意度达到80%以上，达到整顿转化标准".into(),
        measures: "1. 选派第一书记驻村指导；2. 镇党委班子成员包村，每月到村督导一次；3. 规范“三会一课”和主题党日，建立台账；4. 健全村务公开和村务监督委员会".into(),
        deadline: deadline.into(),
        responsible: format!("{township}、村党组织书记"),
        contact_leader: "李建国（县委常委、组织部部长）".into(),
    }
}

fn item(title: &str, deadline: &str, county: i64) -> ItemForm {
    ItemForm {
        title: title.into(),
        detail: "按整改方案落实，办结后上传会议记录、照片等佐证材料".into(),
        deadline: deadline.into(),
        owner_org: county.to_string(),
    }
}

/// Seeds the current year's screening and ledgers. Returns what it made;
/// a county without townships beyond the first, or without a
/// `county_admin` account, is left as it is.
pub async fn seed(svc: &Services) -> ServiceResult<DemoRectify> {
    let mut done = DemoRectify::default();
    let (county, visitor_town) = {
        let mut conn = svc.store.read().await?;
        let Some(u) = udb::find_by_username(&mut conn, "county_admin").await? else {
            return Ok(done);
        };
        let town = udb::find_by_username(&mut conn, "town_admin")
            .await?
            .map(|t| t.org_id);
        (auth::actor_of(&u)?, town)
    };
    let year = i32::from(svc.clock.today().year());
    let today = svc.clock.today();
    let later = |days: i64| {
        today
            .checked_add(jiff::Span::new().days(days))
            .map_or_else(|_| today.to_string(), |d| d.to_string())
    };
    // The screening reads the latest run: the one the 村情 seeding made, or
    // a first one here.
    if warnings::latest(svc, &county, county.org_id.0)
        .await?
        .is_none()
    {
        warnings::evaluate_scope(svc, &county, county.org_id.0).await?;
    }
    let townships: Vec<odb::ChildRow> = {
        let mut conn = svc.store.read().await?;
        odb::children(&mut conn, county.org_id.0, false, 100, 0)
            .await?
            .into_iter()
            .filter(|c| {
                c.kind == OrgKind::Committee.code()
                    && c.sector == "rural"
                    && Some(c.id) != visitor_town
            })
            .collect()
    };
    for (i, town) in townships.iter().take(4).enumerate() {
        let id = screening::start(svc, &county, year, town.id).await?;
        done.screenings += 1;
        let p = screening::proposal(svc, &county, year, town.id, true).await?;
        let unflagged: Vec<i64> = p
            .rows
            .iter()
            .filter(|r| !r.flagged && !r.included)
            .map(|r| r.org_id)
            .collect();
        let flagged: Vec<i64> = p
            .rows
            .iter()
            .filter(|r| r.flagged)
            .map(|r| r.org_id)
            .collect();
        match i {
            0 => {
                // Confirmed, with at least four organizations on the list.
                for org in unflagged.iter().take(4usize.saturating_sub(flagged.len())) {
                    screening::add(
                        svc,
                        &county,
                        id,
                        *org,
                        "村“两委”班子不团结，信访问题突出，经镇党委研究列入",
                    )
                    .await?;
                }
                screening::submit(svc, &county, id).await?;
                let ledgers = screening::confirm(svc, &county, id).await?;
                done.ledgers += ledgers.len();
                progress(svc, &county, &ledgers, &town.name, &later).await?;
            }
            1 => {
                if let Some(org) = unflagged.first() {
                    screening::add(svc, &county, id, *org, "党员反映班子成员作风问题，列入排查")
                        .await?;
                }
                if flagged.len() > 1 {
                    screening::remove(
                        svc,
                        &county,
                        id,
                        flagged[flagged.len() - 1],
                        "书记已于今年调整到位，组织生活已恢复正常",
                    )
                    .await?;
                }
                screening::submit(svc, &county, id).await?;
            }
            2 => {
                screening::submit(svc, &county, id).await?;
                screening::send_back(
                    svc,
                    &county,
                    id,
                    "请结合信访和群众满意度情况补充排查社区党组织",
                )
                .await?;
            }
            _ => {}
        }
    }
    Ok(done)
}

/// Moves the confirmed ledgers along: the first closed, the second waiting
/// for acceptance, the third in rectification, the rest still planning.
async fn progress(
    svc: &Services,
    county: &Actor,
    ledgers: &[i64],
    township: &str,
    later: &impl Fn(i64) -> String,
) -> ServiceResult<()> {
    for (i, id) in ledgers.iter().take(3).enumerate() {
        let l = ledger::get(svc, county, *id).await?;
        ledger::file_plan(
            svc,
            county,
            *id,
            &plan_for(&l.ledger.org_name, township, &later(180)),
        )
        .await?;
        let org = {
            let mut conn = svc.store.read().await?;
            odb::get_org(&mut conn, l.ledger.org_id).await?
        };
        let Some(village) = village(&org) else {
            continue;
        };
        let county_org = county.org_id.0;
        let first = ledger::add_item(
            svc,
            county,
            *id,
            &item("选优配强村党组织书记", &later(60), county_org),
        )
        .await?;
        let second = ledger::add_item(
            svc,
            county,
            *id,
            &item("规范“三会一课”和主题党日", &later(90), county_org),
        )
        .await?;
        let steps: &[(i64, &str)] = match i {
            0 | 1 => &[
                (first, "start"),
                (first, "submit"),
                (first, "accept"),
                (second, "start"),
                (second, "submit"),
                (second, "accept"),
            ],
            _ => &[(first, "start"), (first, "submit")],
        };
        for (item, action) in steps {
            let who = if *action == "accept" {
                county
            } else {
                &village
            };
            ledger::act_on_item(svc, who, *id, *item, action, "").await?;
        }
        if i == 0 {
            ledger::accept(
                svc,
                county,
                *id,
                "经实地验收，书记已配齐，组织生活规范开展，群众满意度明显提升，同意销号",
            )
            .await?;
        }
    }
    Ok(())
}
