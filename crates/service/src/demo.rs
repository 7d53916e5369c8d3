//! Loads a generated demo county (`dangjian_domain::demo`) into an empty
//! database: organizations with their paths and roll-ups computed here,
//! members with their identity encrypted, committee terms, and one account
//! per role. One transaction, so a failed load leaves nothing behind.

use crate::error::{ServiceError, ServiceResult};
use crate::{Services, audit, users};
use dangjian_domain::demo::DemoCounty;
use dangjian_domain::member::{MemberCategory, mask_phone};
use dangjian_domain::org::{OrgKind, default_term_years, term_due_date};
use dangjian_domain::role::Role;
use dangjian_store::bulk::{self, BulkMember};
use dangjian_store::member::MemberFields;
use dangjian_store::org::OrgRow;
use serde_json::json;

/// A demo login: username, role, the organization it is bound to.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: &'static str,
    pub role: Role,
    pub org_name: String,
}

#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub orgs: usize,
    pub members: usize,
    pub accounts: Vec<DemoAccount>,
}

/// True when the database holds no organization yet.
pub async fn is_empty(svc: &Services) -> ServiceResult<bool> {
    let mut conn = svc.store.read().await?;
    Ok(bulk::org_count(&mut conn).await? == 0)
}

/// Loads `county`; `progress(done, total)` is called as member batches are
/// prepared, for a progress bar.
pub async fn load(
    svc: &Services,
    county: &DemoCounty,
    password: &str,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> ServiceResult<DemoSummary> {
    users::check_password("demo_password", password)?;
    if !is_empty(svc).await? {
        return Err(ServiceError::field(
            "database",
            "数据库中已有组织数据，演示数据只能载入空数据库",
        ));
    }
    let now = svc.clock.now_text();
    let n = county.orgs.len();
    // Ids are positions + 1; parents precede children, so paths build in one pass.
    let mut paths: Vec<String> = Vec::with_capacity(n);
    let mut depths: Vec<i64> = Vec::with_capacity(n);
    for (i, o) in county.orgs.iter().enumerate() {
        let id = i as i64 + 1;
        if let Some(p) = o.parent {
            paths.push(format!("{}{id}/", paths[p]));
            depths.push(depths[p] + 1);
        } else {
            paths.push(format!("/{id}/"));
            depths.push(0);
        }
    }
    // Roll-ups: direct counts, then added up from the leaves (children come after parents).
    let mut sub = vec![[0i64; 4]; n];
    for m in &county.members {
        sub[m.org][1] += 1;
        if m.category == MemberCategory::Full {
            sub[m.org][2] += 1;
        } else {
            sub[m.org][3] += 1;
        }
    }
    for i in (0..n).rev() {
        if let Some(p) = county.orgs[i].parent {
            let child = sub[i];
            sub[p][0] += child[0] + 1;
            for k in 1..4 {
                sub[p][k] += child[k];
            }
        }
    }
    let orgs: Vec<OrgRow> = county
        .orgs
        .iter()
        .enumerate()
        .map(|(i, o)| OrgRow {
            id: i as i64 + 1,
            parent_id: o.parent.map(|p| p as i64 + 1),
            path: paths[i].clone(),
            depth: depths[i],
            name: o.name.clone(),
            kind: o.kind.code().to_owned(),
            sector: o.sector.code().to_owned(),
            secretary_name: o.secretary_name.clone().unwrap_or_default(),
            secretary_vacant_since: o.secretary_vacant_since.map(|d| d.to_string()),
            unit_name: o.unit_name.clone(),
            population: o.population,
            sub_orgs: sub[i][0],
            sub_members: sub[i][1],
            sub_full: sub[i][2],
            sub_probationary: sub[i][3],
            status: "active".to_owned(),
            dissolved_on: None,
            created_at: now.clone(),
            updated_at: now.clone(),
        })
        .collect();
    let terms: Vec<(i64, String, String)> = county
        .orgs
        .iter()
        .enumerate()
        .filter_map(|(i, o)| {
            o.term_start.map(|s| {
                let due = term_due_date(s, default_term_years(o.kind, o.sector));
                (i as i64 + 1, s.to_string(), due.to_string())
            })
        })
        .collect();

    let total = county.members.len() as u64;
    let mut members = Vec::with_capacity(county.members.len());
    for (k, m) in county.members.iter().enumerate() {
        members.push(BulkMember {
            org_id: m.org as i64 + 1,
            org_path: paths[m.org].clone(),
            fields: MemberFields {
                name: m.name.clone(),
                gender: m.gender.code().to_owned(),
                birth_month: m.birth_date.strftime("%Y-%m").to_string(),
                ethnicity: m.ethnicity.clone(),
                education: m.education.clone(),
                category: m.category.code().to_owned(),
                joined_on: m.joined_on.to_string(),
                full_on: m.full_on.map(|d| d.to_string()),
                probation_extended: false,
                post: m.post.clone(),
                address: m.address.clone(),
                id_card_enc: svc.crypto.encrypt(&m.id_card),
                id_card_hmac: svc.crypto.mac("id_card", &m.id_card),
                id_card_masked: dangjian_domain::member::mask_id_card(&m.id_card),
                phone_enc: m.phone.as_deref().map(|p| svc.crypto.encrypt(p)),
                phone_masked: m.phone.as_deref().map(mask_phone).unwrap_or_default(),
            },
        });
        if k % 5_000 == 0 {
            progress(k as u64, total);
        }
    }
    progress(total, total);

    let mut tx = svc.store.begin_write().await?;
    bulk::insert_orgs(tx.conn(), svc.store.engine, &orgs).await?;
    bulk::insert_terms(tx.conn(), svc.store.engine, &terms, &now).await?;
    bulk::insert_members(tx.conn(), svc.store.engine, &members, &now).await?;
    let records = load_records(svc, tx.conn(), county, &paths, &now).await?;
    bulk::after_load(tx.conn(), svc.store.engine).await?;
    audit::append(
        tx.conn(),
        svc,
        "system",
        "demo.generate",
        "county",
        &paths[0],
        &json!({"county": county.county_name, "orgs": n, "members": members.len(), "records": records}),
    )
    .await?;
    tx.commit().await?;
    {
        // VACUUM runs outside a transaction, but still as the one writer.
        let mut ex = svc.store.exclusive().await?;
        bulk::vacuum_after_load(ex.conn(), svc.store.engine).await?;
    }

    let accounts = create_accounts(svc, county, password).await?;
    crate::work::demo::seed(svc).await?;
    crate::org_facts::seed_demo(svc).await?;
    crate::rectify::demo::seed(svc).await?;
    Ok(DemoSummary {
        orgs: n,
        members: members.len(),
        accounts,
    })
}

/// The township and the branch the demo's township administrator and
/// branch secretary are bound to (indexes into `county.orgs`).
fn account_orgs(county: &DemoCounty) -> (usize, usize) {
    let township = county
        .orgs
        .iter()
        .position(|o| {
            o.parent == Some(0)
                && o.kind == OrgKind::Committee
                && o.sector == dangjian_domain::org::Sector::Rural
        })
        .unwrap_or(0);
    let mut has_members = vec![false; county.orgs.len()];
    for m in &county.members {
        has_members[m.org] = true;
    }
    let branch = county
        .orgs
        .iter()
        .enumerate()
        .position(|(i, o)| {
            o.kind == OrgKind::Branch && has_members[i] && is_below(county, i, township)
        })
        .or_else(|| county.orgs.iter().position(|o| o.kind == OrgKind::Branch))
        .unwrap_or(0);
    (township, branch)
}

/// One account per role: county-level roles at the root, a township
/// administrator at the first township, a branch secretary at a village
/// branch of that township.
async fn create_accounts(
    svc: &Services,
    county: &DemoCounty,
    password: &str,
) -> ServiceResult<Vec<DemoAccount>> {
    let (township, branch) = account_orgs(county);
    let plan: [(&'static str, &str, Role, usize); 8] = [
        ("county_admin", "县委组织部管理员", Role::CountyAdmin, 0),
        ("town_admin", "乡镇党委管理员", Role::UnitAdmin, township),
        (
            "branch_secretary",
            "支部书记",
            Role::BranchSecretary,
            branch,
        ),
        ("discipline", "县纪委监委", Role::Discipline, 0),
        ("leader", "县领导", Role::Leader, 0),
        ("sysadmin", "系统管理员", Role::SystemAdmin, 0),
        ("secadmin", "安全管理员", Role::SecurityAdmin, 0),
        ("auditor", "审计管理员", Role::AuditAdmin, 0),
    ];
    let mut out = Vec::new();
    for (username, display, role, org) in plan {
        users::bootstrap(svc, username, display, role, org as i64 + 1, password).await?;
        out.push(DemoAccount {
            username,
            role,
            org_name: county.orgs[org].name.clone(),
        });
    }
    Ok(out)
}

fn is_below(county: &DemoCounty, mut i: usize, ancestor: usize) -> bool {
    while let Some(p) = county.orgs[i].parent {
        if p == ancestor {
            return true;
        }
        i = p;
    }
    false
}

/// Records are built and written this many at a time: at scale 100 the
/// county has millions of records, and holding all their rows next to the
/// generated county doubled the load's peak memory.
const RECORD_CHUNK: usize = 20_000;

/// Organizational-life records with their sign-in lists, committee flags,
/// checked against the active profile (the default, installed as version 1).
/// Returns the number of records.
async fn load_records(
    svc: &Services,
    conn: &mut dangjian_store::Conn,
    county: &DemoCounty,
    paths: &[String],
    now: &str,
) -> ServiceResult<usize> {
    use dangjian_store::bulk::BulkRecord;
    use dangjian_store::record::RecordFields;
    let version = crate::policy::active_in(conn, svc).await?.version;
    let committees: Vec<i64> = county
        .orgs
        .iter()
        .enumerate()
        .filter(|(_, o)| o.has_committee)
        .map(|(i, _)| i as i64 + 1)
        .collect();
    dangjian_store::org::set_has_committee(conn, &committees, true, now).await?;
    // Members were inserted in order into an empty table, in one transaction:
    // their ids are consecutive from the smallest.
    let first_member: i64 = dangjian_store::bulk::min_member_id(conn).await?;
    // The demo secretary's branch has not yet held this month's 支部委员会:
    // their home page shows it as due, and recording it turns the month to
    // met (the story the browser journey follows).
    let (_, secretary_branch) = account_orgs(county);
    let month_start = svc.clock.today().first_of_month();
    let kept: Vec<&dangjian_domain::demo::DemoRecord> = county
        .records
        .iter()
        .filter(|r| {
            !(r.org == secretary_branch
                && r.record_type == "branch_committee_meeting"
                && r.held_on >= month_start)
        })
        .collect();
    let mut rows = Vec::with_capacity(RECORD_CHUNK.min(kept.len()));
    let mut lines = Vec::new();
    for (k, r) in kept.iter().enumerate() {
        let id = k as i64 + 1;
        rows.push(BulkRecord {
            id,
            org_id: r.org as i64 + 1,
            org_path: paths[r.org].clone(),
            fields: RecordFields {
                record_type: r.record_type.to_owned(),
                held_on: r.held_on.to_string(),
                place: r.place.to_owned(),
                host: r.host.clone(),
                topics: r.topics.to_owned(),
                minutes: r.minutes.clone(),
                expected_count: i64::from(r.expected),
                present_count: i64::from(r.present),
                voting_count: i64::from(r.voting),
                voting_present: i64::from(r.voting_present),
                valid: r.valid,
                marks: if r.by_secretary {
                    "by_secretary".to_owned()
                } else {
                    String::new()
                },
                profile_version: version,
            },
            status: if r.confirmed {
                "confirmed"
            } else {
                "submitted"
            },
            reviewed_by: r.confirmed.then(|| "town_admin".to_owned()),
        });
        for &(m, present) in &r.attendance {
            lines.push((id, first_member + m as i64, present));
        }
        if rows.len() == RECORD_CHUNK || k + 1 == kept.len() {
            bulk::insert_records(conn, svc.store.engine, &rows, "demo", now).await?;
            bulk::insert_attendance(conn, svc.store.engine, &lines).await?;
            rows.clear();
            lines.clear();
        }
    }
    Ok(kept.len())
}
