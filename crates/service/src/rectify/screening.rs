//! The annual screening (年度排查): a township (unit) administrator starts
//! its proposal from the latest warning ranking of the organizations below
//! it — the orange and red ones preselected — adds organizations the engine
//! did not flag and removes flagged ones, each with a reason, and submits
//! it; the county administrator confirms it (opening a 台账 per organization)
//! or returns it with a reason. Every step is scoped and audited.

use super::{reasons_of, require_county};
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::warnings::{self, ReasonView};
use crate::{Services, audit};
use dangjian_domain::FieldError;
use dangjian_domain::error::text_field;
use dangjian_domain::org::OrgKind;
use dangjian_domain::rectify::{EntryFlags, ScreeningNumbers, ScreeningStatus, parse_reason};
use dangjian_domain::role::{Permission, Role};
use dangjian_domain::warnings::Level;
use dangjian_store::Conn;
use dangjian_store::org::{self as odb, OrgRow};
use dangjian_store::rectify::{self as db, EntryRow, NewEntry, NewScreening, ScreeningRow};
use dangjian_store::warnings as wdb;
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// One organization of the ranking, with its place on the proposal.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalRow {
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub level: Level,
    pub score: i64,
    pub reasons: Vec<ReasonView>,
    /// The engine flagged it (orange or red) when the screening started.
    pub flagged: bool,
    /// On the proposed list.
    pub included: bool,
    /// Why it was added or removed.
    pub reason: String,
}

/// A township's proposal page: the ranking as input, the list and its
/// numbers, and what the reader may do.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalView {
    pub year: i32,
    pub org: OrgRow,
    pub screening: Option<ScreeningRow>,
    pub status: Option<ScreeningStatus>,
    /// The date of the warning run the ranking comes from.
    pub run_as_of: Option<String>,
    /// Worst first; without `all`, only warned organizations and those on
    /// or taken off the list.
    pub rows: Vec<ProposalRow>,
    /// How many organizations the full ranking has.
    pub ranked: usize,
    pub numbers: ScreeningNumbers,
    pub can_start: bool,
    pub can_edit: bool,
    pub can_review: bool,
}

/// One township's line in the county's review.
#[derive(Debug, Clone, Serialize)]
pub struct TownshipLine {
    pub org_id: i64,
    pub org_name: String,
    pub screening: Option<ScreeningRow>,
    pub status: Option<ScreeningStatus>,
    pub numbers: ScreeningNumbers,
}

/// Every proposal of the year in the reader's scope, with per-township
/// numbers and their total.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewView {
    pub year: i32,
    pub lines: Vec<TownshipLine>,
    pub total: ScreeningNumbers,
}

fn status_of(s: &ScreeningRow) -> ScreeningStatus {
    ScreeningStatus::from_code(&s.status).unwrap_or(ScreeningStatus::Draft)
}

fn flags(e: &EntryRow) -> EntryFlags {
    EntryFlags {
        flagged: e.flagged != 0,
        included: e.included != 0,
    }
}

fn numbers(entries: &[EntryRow]) -> ScreeningNumbers {
    ScreeningNumbers::of(entries.iter().map(flags))
}

fn invalid(e: FieldError) -> ServiceError {
    ServiceError::Invalid(vec![e])
}

/// The organizations below `org` that a list may hold: every active
/// organization of the subtree except the township itself and 党小组 (a
/// group is not a grassroots Party organization of its own; its branch is
/// what is screened).
async fn candidates(conn: &mut Conn, org: &OrgRow) -> ServiceResult<HashSet<i64>> {
    let rows = wdb::orgs(conn, &org.path, &odb::upper_of(&org.path)).await?;
    Ok(rows
        .into_iter()
        .filter(|o| o.id != org.id && o.kind != OrgKind::Group.code())
        .map(|o| o.id)
        .collect())
}

async fn screening_of(
    conn: &mut Conn,
    year: i32,
    org: &OrgRow,
) -> ServiceResult<Option<ScreeningRow>> {
    let rows = db::screenings(conn, i64::from(year), &org.path, &odb::upper_of(&org.path)).await?;
    Ok(rows.into_iter().find(|s| s.org_id == org.id))
}

/// The proposal of `org_id` for `year`: the latest warning ranking of the
/// organizations below it, each marked with its place on the list.
pub async fn proposal(
    svc: &Services,
    actor: &Actor,
    year: i32,
    org_id: i64,
    all: bool,
) -> ServiceResult<ProposalView> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    let org = odb::get_org(&mut conn, org_id).await?;
    actor.require_scope(&org.path)?;
    let screening = screening_of(&mut conn, year, &org).await?;
    let entries = match &screening {
        Some(s) => db::entries(&mut conn, s.id).await?,
        None => Vec::new(),
    };
    let candidates = candidates(&mut conn, &org).await?;
    drop(conn);
    let latest = warnings::latest(svc, actor, org.id).await?;
    let by_org: HashMap<i64, &EntryRow> = entries.iter().map(|e| (e.org_id, e)).collect();
    let mut rows = Vec::new();
    let mut ranked = 0;
    if let Some(run) = &latest {
        for r in run
            .results
            .iter()
            .filter(|r| candidates.contains(&r.org_id))
        {
            ranked += 1;
            let e = by_org.get(&r.org_id);
            if !all && r.level == Level::Green && e.is_none() {
                continue;
            }
            rows.push(ProposalRow {
                org_id: r.org_id,
                org_name: r.org_name.clone(),
                org_path: r.org_path.clone(),
                level: r.level,
                score: r.score,
                reasons: r.reasons.clone(),
                flagged: e.is_some_and(|e| e.flagged != 0),
                included: e.is_some_and(|e| e.included != 0),
                reason: e.map(|e| e.reason.clone()).unwrap_or_default(),
            });
        }
    }
    // Entries the latest run no longer covers (dissolved, moved) stay visible.
    for e in &entries {
        if !rows.iter().any(|r| r.org_id == e.org_id) {
            rows.push(ProposalRow {
                org_id: e.org_id,
                org_name: e.org_name.clone(),
                org_path: e.org_path.clone(),
                level: Level::parse(&e.level).unwrap_or(Level::Green),
                score: e.score,
                reasons: reasons_of(&e.reasons),
                flagged: e.flagged != 0,
                included: e.included != 0,
                reason: e.reason.clone(),
            });
        }
    }
    let status = screening.as_ref().map(status_of);
    let manages = actor.role.can(Permission::ManageOrgs);
    let can_edit = manages && status.is_some_and(ScreeningStatus::is_editable);
    let can_start = manages && screening.is_none() && org.parent_id.is_some();
    let can_review = actor.role == Role::CountyAdmin
        && org.path != actor.org_path.as_str()
        && status == Some(ScreeningStatus::Submitted);
    Ok(ProposalView {
        year,
        run_as_of: screening
            .as_ref()
            .and_then(|s| s.run_as_of.clone())
            .or_else(|| latest.as_ref().map(|r| r.as_of.clone())),
        numbers: numbers(&entries),
        org,
        screening,
        status,
        rows,
        ranked,
        can_start,
        can_edit,
        can_review,
    })
}

/// Starts `org_id`'s proposal for the year from the latest warning run
/// covering it (evaluating the subtree first when there is none): the
/// orange and red organizations below it are preselected.
pub async fn start(svc: &Services, actor: &Actor, year: i32, org_id: i64) -> ServiceResult<i64> {
    actor.require(Permission::ManageOrgs)?;
    let org = {
        let mut conn = svc.store.read().await?;
        odb::get_org(&mut conn, org_id).await?
    };
    actor.require_scope(&org.path)?;
    if org.parent_id.is_none() {
        return Err(ServiceError::field(
            "org",
            "排查名单由乡镇（单位）党委提出、县委审核确认，请在下级党委开展排查",
        ));
    }
    let run = match warnings::latest(svc, actor, org.id).await? {
        Some(run) => run,
        None => warnings::evaluate_scope(svc, actor, org.id).await?,
    };
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let upper = odb::upper_of(&org.path);
    if let Some(other) = db::overlapping(tx.conn(), i64::from(year), &org.path, &upper).await? {
        return Err(ServiceError::field(
            "org",
            if other.org_id == org.id {
                format!("{year}年度的排查已经开始")
            } else {
                format!(
                    "{}已开展{}年度排查，一个组织不能同时列入两份排查名单",
                    other.org_name, year
                )
            },
        ));
    }
    let id = db::insert_screening(
        tx.conn(),
        &NewScreening {
            year: i64::from(year),
            org_id: org.id,
            org_path: &org.path,
            run_id: Some(run.run_id),
            run_as_of: Some(&run.as_of),
            created_by: &actor.username,
            now: &now,
        },
    )
    .await?;
    let candidates = candidates(tx.conn(), &org).await?;
    let mut flagged = 0;
    for r in run
        .results
        .iter()
        .filter(|r| candidates.contains(&r.org_id) && r.level >= Level::Orange)
    {
        let reasons = serde_json::to_string(&r.reasons).unwrap_or_else(|_| "[]".into());
        db::insert_entry(
            tx.conn(),
            id,
            &NewEntry {
                org_id: r.org_id,
                org_path: &r.org_path,
                flagged: true,
                included: true,
                level: r.level.code(),
                score: r.score,
                reasons: &reasons,
                reason: "",
            },
        )
        .await?;
        flagged += 1;
    }
    audit::by(
        tx.conn(),
        svc,
        actor,
        "screening.start",
        &format!("screening:{id}"),
        &org.path,
        &json!({"after": {"year": year, "org": org.id, "run": run.run_id, "flagged": flagged}}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The proposal `id`, editable by the actor.
async fn editable(conn: &mut Conn, actor: &Actor, id: i64) -> ServiceResult<ScreeningRow> {
    actor.require(Permission::ManageOrgs)?;
    let s = db::get_screening(conn, id).await?;
    actor.require_scope(&s.org_path)?;
    status_of(&s).check_editable().map_err(invalid)?;
    Ok(s)
}

/// An organization strictly below the proposal's organization.
async fn target_below(conn: &mut Conn, s: &ScreeningRow, org_id: i64) -> ServiceResult<OrgRow> {
    let org = odb::get_org(conn, org_id).await?;
    if !org.path.starts_with(&s.org_path) || org.path == s.org_path {
        return Err(ServiceError::field(
            "org",
            format!("只能列入{}下属的党组织", s.org_name),
        ));
    }
    Ok(org)
}

/// Puts `org_id` on the list: an organization the engine did not flag
/// needs a reason (列入理由); a flagged one taken off is put back.
pub async fn add(
    svc: &Services,
    actor: &Actor,
    id: i64,
    org_id: i64,
    reason: &str,
) -> ServiceResult<()> {
    let mut tx = svc.store.begin_write().await?;
    let s = editable(tx.conn(), actor, id).await?;
    let org = target_below(tx.conn(), &s, org_id).await?;
    let entries = db::entries(tx.conn(), s.id).await?;
    let (action, summary) = match entries.iter().find(|e| e.org_id == org.id) {
        Some(e) if e.included != 0 => {
            return Err(ServiceError::field(
                "org",
                format!("{}已在名单中", org.name),
            ));
        }
        Some(_) => {
            db::set_included(tx.conn(), s.id, org.id, true, "").await?;
            ("screening.restore", json!({"after": {"org": org.id}}))
        }
        None => {
            if org.status != "active" {
                return Err(ServiceError::field("org", "该组织已撤销，不能列入名单"));
            }
            if org.kind == OrgKind::Group.code() {
                return Err(ServiceError::field(
                    "org",
                    "党小组不单独列入名单，请列入其所在党支部",
                ));
            }
            let reason = parse_reason(reason, true).map_err(invalid)?;
            let found = match s.run_id {
                Some(run) => wdb::results(tx.conn(), run, &org.path, &odb::upper_of(&org.path))
                    .await?
                    .into_iter()
                    .find(|r| r.org_id == org.id),
                None => None,
            };
            let (level, score, reasons) = found.map_or_else(
                || ("green".to_owned(), 0, "[]".to_owned()),
                |r| (r.level, r.score, r.reasons),
            );
            db::insert_entry(
                tx.conn(),
                s.id,
                &NewEntry {
                    org_id: org.id,
                    org_path: &org.path,
                    flagged: false,
                    included: true,
                    level: &level,
                    score,
                    reasons: &reasons,
                    reason: &reason,
                },
            )
            .await?;
            (
                "screening.add",
                json!({"after": {"org": org.id, "level": level, "reason": reason}}),
            )
        }
    };
    audit::by(
        tx.conn(),
        svc,
        actor,
        action,
        &format!("screening:{}", s.id),
        &s.org_path,
        &summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes `org_id` off the list: a flagged organization needs a reason
/// (移出理由); an organization the township added is simply withdrawn.
pub async fn remove(
    svc: &Services,
    actor: &Actor,
    id: i64,
    org_id: i64,
    reason: &str,
) -> ServiceResult<()> {
    let mut tx = svc.store.begin_write().await?;
    let s = editable(tx.conn(), actor, id).await?;
    let entries = db::entries(tx.conn(), s.id).await?;
    let Some(e) = entries
        .iter()
        .find(|e| e.org_id == org_id && e.included != 0)
    else {
        return Err(ServiceError::field("org", "该组织不在名单中"));
    };
    let (action, summary) = if e.flagged != 0 {
        let reason = parse_reason(reason, false).map_err(invalid)?;
        db::set_included(tx.conn(), s.id, org_id, false, &reason).await?;
        (
            "screening.remove",
            json!({"before": {"org": org_id, "level": e.level}, "after": {"reason": reason}}),
        )
    } else {
        db::delete_entry(tx.conn(), s.id, org_id).await?;
        (
            "screening.withdraw",
            json!({"before": {"org": org_id, "reason": e.reason}}),
        )
    };
    audit::by(
        tx.conn(),
        svc,
        actor,
        action,
        &format!("screening:{}", s.id),
        &s.org_path,
        &summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sends the proposal to the county.
pub async fn submit(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<()> {
    actor.require(Permission::ManageOrgs)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let s = db::get_screening(tx.conn(), id).await?;
    actor.require_scope(&s.org_path)?;
    status_of(&s).check_submit().map_err(invalid)?;
    let n = numbers(&db::entries(tx.conn(), s.id).await?);
    db::submit_screening(tx.conn(), s.id, &actor.username, &now).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "screening.submit",
        &format!("screening:{}", s.id),
        &s.org_path,
        &json!({"before": {"status": s.status}, "after": {"status": "submitted", "numbers": n}}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The proposal `id` under review by the county administrator above it.
async fn reviewable(conn: &mut Conn, actor: &Actor, id: i64) -> ServiceResult<ScreeningRow> {
    require_county(actor)?;
    let s = db::get_screening(conn, id).await?;
    actor.require_below(&s.org_path)?;
    status_of(&s).check_review().map_err(invalid)?;
    Ok(s)
}

/// Confirms the proposal: its organizations form the year's list, each
/// with a ledger (待制定方案). Returns the new ledgers' ids.
pub async fn confirm(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<Vec<i64>> {
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let s = reviewable(tx.conn(), actor, id).await?;
    let entries = db::entries(tx.conn(), s.id).await?;
    let mut ledgers = Vec::new();
    for e in entries.iter().filter(|e| e.included != 0) {
        if db::ledger_of(tx.conn(), s.year, e.org_id).await?.is_some() {
            return Err(ServiceError::field(
                "org",
                format!("{}已在{}年度整改名单中", e.org_name, s.year),
            ));
        }
        ledgers.push(db::insert_ledger(tx.conn(), s.year, s.id, s.org_id, e, &now).await?);
    }
    db::review_screening(tx.conn(), s.id, "confirmed", "", &actor.username, &now).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "screening.confirm",
        &format!("screening:{}", s.id),
        &s.org_path,
        &json!({"before": {"status": s.status}, "after": {"status": "confirmed",
                "numbers": numbers(&entries), "ledgers": ledgers}}),
    )
    .await?;
    tx.commit().await?;
    Ok(ledgers)
}

/// Returns the proposal to the township with a reason (退回理由).
pub async fn send_back(svc: &Services, actor: &Actor, id: i64, reason: &str) -> ServiceResult<()> {
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let s = reviewable(tx.conn(), actor, id).await?;
    let reason = text_field("reason", "退回理由", reason, true, 500).map_err(invalid)?;
    db::review_screening(tx.conn(), s.id, "returned", &reason, &actor.username, &now).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "screening.return",
        &format!("screening:{}", s.id),
        &s.org_path,
        &json!({"before": {"status": s.status}, "after": {"status": "returned", "reason": reason}}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every proposal of the year in the actor's scope with its numbers, and,
/// for a reader at the county root, the committees directly below it that
/// have not started one.
pub async fn review(svc: &Services, actor: &Actor, year: i32) -> ServiceResult<ReviewView> {
    actor.require(Permission::ReadBusiness)?;
    let (path, upper) = actor.scope_range();
    let mut conn = svc.store.read().await?;
    let screenings = db::screenings(&mut conn, i64::from(year), &path, &upper).await?;
    let entries = db::entries_of_year(&mut conn, i64::from(year), &path, &upper).await?;
    let mut by_screening: HashMap<i64, Vec<EntryFlags>> = HashMap::new();
    for e in &entries {
        by_screening
            .entry(e.screening_id)
            .or_default()
            .push(flags(e));
    }
    let mut lines: Vec<TownshipLine> = screenings
        .into_iter()
        .map(|s| TownshipLine {
            org_id: s.org_id,
            org_name: s.org_name.clone(),
            numbers: ScreeningNumbers::of(by_screening.remove(&s.id).unwrap_or_default()),
            status: Some(status_of(&s)),
            screening: Some(s),
        })
        .collect();
    // At the county root, the township and department committees that have
    // not started are listed too.
    let at_root = actor.org_path.ids().len() == 1;
    let children = if at_root {
        odb::children(&mut conn, actor.org_id.0, false, 500, 0).await?
    } else {
        Vec::new()
    };
    for c in children {
        if c.kind != OrgKind::Committee.code() || lines.iter().any(|l| l.org_id == c.id) {
            continue;
        }
        lines.push(TownshipLine {
            org_id: c.id,
            org_name: c.name,
            screening: None,
            status: None,
            numbers: ScreeningNumbers::default(),
        });
    }
    let mut total = ScreeningNumbers::default();
    for l in &lines {
        total.add(&l.numbers);
    }
    Ok(ReviewView { year, lines, total })
}

/// The proposal `id` (its year and organization), for a reader in scope.
pub async fn get(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<ScreeningRow> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    let s = db::get_screening(&mut conn, id).await?;
    actor.require_scope(&s.org_path)?;
    Ok(s)
}
