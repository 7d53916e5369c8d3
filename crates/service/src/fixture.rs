//! A small fixture county for tests (service, HTTP and browser tests share
//! it): 县委 (root) → 甲镇 (town A) → 甲村支部 (branch A1, 3 members);
//! 县委 → 乙镇 (town B, sibling of A) → 乙村支部 (branch B1, 2 members).
//! One account per role bound to each of root, town A and branch A1, named
//! `{role code}_{root|town|branch}`. Built through the ordinary use cases,
//! so it is audited and scoped like real data.

use crate::error::ServiceResult;
use crate::{Actor, Services, auth, members, orgs, users};
use dangjian_domain::member::id_check_char;
use dangjian_domain::role::Role;
use std::sync::atomic::{AtomicU32, Ordering};

/// The ids of the fixture's organizations and two of its members.
#[derive(Debug, Clone, Copy)]
pub struct Fixture {
    pub root: i64,
    pub town_a: i64,
    pub branch_a1: i64,
    pub town_b: i64,
    pub branch_b1: i64,
    /// A member in each organization that holds members.
    pub member_a1: i64,
    pub member_b1: i64,
}

/// The fixture county's root organization.
pub const ROOT_NAME: &str = "中共测试县委员会";

static SEQ: AtomicU32 = AtomicU32::new(100);

/// A fresh valid ID-card number (born 1985-06-15), different on every call
/// within a process (up to 500 calls).
pub fn new_id_card() -> String {
    let n = SEQ.fetch_add(2, Ordering::SeqCst) % 1000;
    let first = format!("360721198506{:02}{:03}", 15, n);
    let c = id_check_char(first.as_bytes()) as char;
    format!("{first}{c}")
}

pub fn member_form(org_id: i64, name: &str) -> members::MemberForm {
    members::MemberForm {
        org_id: org_id.to_string(),
        name: name.into(),
        id_card: new_id_card(),
        ethnicity: "汉族".into(),
        education: "本科".into(),
        category: "full".into(),
        joined_on: "2010-07-01".into(),
        full_on: "2011-07-01".into(),
        post: "教师".into(),
        phone: "13812345678".into(),
        ..members::MemberForm::default()
    }
}

pub fn org_form(name: &str, kind: &str, sector: &str) -> orgs::OrgForm {
    orgs::OrgForm {
        name: name.into(),
        kind: kind.into(),
        sector: sector.into(),
        secretary_name: "张书记".into(),
        ..orgs::OrgForm::default()
    }
}

/// Builds the fixture in an empty database; every account gets `password`.
pub async fn build(svc: &Services, password: &str) -> ServiceResult<Fixture> {
    let root = orgs::create_root(svc, ROOT_NAME).await?;
    users::bootstrap(svc, "setup", "初始化", Role::CountyAdmin, root, password).await?;
    let admin = actor(svc, "setup", password).await?;
    let org = async |parent: i64, name: &str| -> ServiceResult<i64> {
        let kind = if name.ends_with("支部委员会") {
            "branch"
        } else {
            "committee"
        };
        Ok(
            orgs::create(svc, &admin, parent, &org_form(name, kind, "rural"))
                .await?
                .id,
        )
    };
    let town_a = org(root, "中共甲镇委员会").await?;
    let branch_a1 = org(town_a, "中共甲村支部委员会").await?;
    let town_b = org(root, "中共乙镇委员会").await?;
    let branch_b1 = org(town_b, "中共乙村支部委员会").await?;
    let mut ids = Vec::new();
    for (org, name) in [
        (branch_a1, "甲一"),
        (branch_a1, "甲二"),
        (branch_a1, "甲三"),
        (branch_b1, "乙一"),
        (branch_b1, "乙二"),
    ] {
        ids.push(members::create(svc, &admin, &member_form(org, name)).await?);
    }
    for role in Role::ALL {
        for (suffix, org) in [("root", root), ("town", town_a), ("branch", branch_a1)] {
            let username = format!("{}_{suffix}", role.code());
            users::bootstrap(svc, &username, role.label(), role, org, password).await?;
        }
    }
    // The default policy profile, installed up front as a server start does,
    // so no later write transaction has to install it on the side.
    crate::policy::active(svc).await?;
    Ok(Fixture {
        root,
        town_a,
        branch_a1,
        town_b,
        branch_b1,
        member_a1: ids[0],
        member_b1: ids[3],
    })
}

/// Logs `username` in through the ordinary login and returns the actor.
pub async fn actor(svc: &Services, username: &str, password: &str) -> ServiceResult<Actor> {
    match auth::login(svc, username, password).await? {
        Ok((account, _)) => account.actor(),
        Err(refusal) => Err(crate::ServiceError::forbidden(refusal.message())),
    }
}
