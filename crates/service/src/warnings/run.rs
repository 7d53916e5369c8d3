//! Running an evaluation: the facts of a scope read from one snapshot,
//! the pure engine, and the outcome stored as a run with its roll-ups and
//! its audit row.

use super::{NoDataView, OrgWarningView, ReasonView, WarningRunView, counts_of, rank, rank_of};
use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::compliance;
use crate::error::{ServiceError, ServiceResult};
use crate::org_facts::Facts;
use crate::policy;
use dangjian_domain::ids::OrgId;
use dangjian_domain::obligations::Window;
use dangjian_domain::org::{OrgKind, Sector};
use dangjian_domain::policy::IndicatorKind;
use dangjian_domain::role::{Permission, Role};
use dangjian_domain::warnings::{Last, Level, OrgWarningFacts, TermFact, evaluate, ranked};
use dangjian_store::org::{self as odb, OrgRow};
use dangjian_store::warnings::{
    self as db, MemberStatRow, NewResult, NewRollup, NewRun, TermFactRow, WarnOrgRow,
};
use jiff::civil::Date;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// Running an evaluation writes a snapshot that the county and township
/// committees act on, so it takes the organization-management permission
/// (county and unit administrators, each within its own subtree): a branch
/// secretary does not file warnings about its own branch, and the
/// read-only roles only read snapshots.
fn require_run(actor: &Actor) -> ServiceResult<()> {
    if actor.role == Role::CountyAdmin {
        return Ok(());
    }
    actor.require(Permission::ManageOrgs)
}

fn parse_day(raw: Option<&str>) -> Option<Date> {
    raw.and_then(|d| d.parse().ok())
}

/// Months from year 0 to `day`'s month.
fn months(day: Date) -> i64 {
    i64::from(day.year()) * 12 + i64::from(day.month())
}

/// Builds the engine's facts from the loaded rows.
fn build_facts(
    orgs: &[WarnOrgRow],
    terms: &[TermFactRow],
    stats: &[MemberStatRow],
    rates: &HashMap<i64, u32>,
    manual: &HashMap<i64, Facts>,
    today: Date,
) -> Vec<OrgWarningFacts> {
    // Rows are ordered latest start first per organization: keep the first.
    let mut term_of: HashMap<i64, &TermFactRow> = HashMap::new();
    for t in terms {
        term_of.entry(t.org_id).or_insert(t);
    }
    let stat_of: HashMap<i64, &MemberStatRow> = stats.iter().map(|s| (s.org_id, s)).collect();
    orgs.iter()
        .filter_map(|o| {
            let kind = OrgKind::from_code(&o.kind)?;
            let sector = Sector::from_code(&o.sector)?;
            let mut f = OrgWarningFacts::unknown(OrgId(o.id), kind, sector);
            f.secretary_vacant_since = parse_day(o.secretary_vacant_since.as_deref());
            f.term = term_of.get(&o.id).and_then(|t| {
                Some(TermFact {
                    due: t.due_date.parse().ok()?,
                    completed: t.actual_date.is_some(),
                })
            });
            if let Some(s) = stat_of.get(&o.id).filter(|s| s.members > 0) {
                f.member_count = u32::try_from(s.members).unwrap_or(u32::MAX);
                // Average age to the month, in tenths of a year.
                let age_months = months(today) - s.birth_months / s.members;
                f.average_age_tenths = u32::try_from(age_months * 10 / 12).ok();
                f.last_new_member =
                    Some(parse_day(s.last_joined.as_deref()).map_or(Last::Never, Last::On));
            }
            f.compliance_permille = rates.get(&o.id).copied();
            if let Some(m) = manual.get(&o.id) {
                f.petitions = m.petitions;
                f.satisfaction_permille = m.satisfaction_permille;
                f.disclosure_ok = m.disclosure_ok;
                f.supervision_committee = m.supervision_committee;
            }
            Some(f)
        })
        .collect()
}

/// The subtree counts of every organization of a run (its own result and
/// every result below it), from the results' paths: each result is added
/// to every prefix of its path at or below the scope's path. Linear in the
/// results times the depth.
pub(super) fn rollups_of(views: &[OrgWarningView], scope_path: &str) -> Vec<NewRollup> {
    let mut out: Vec<NewRollup> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for v in views {
        let level = usize::try_from(rank_of(v.level)).unwrap_or(0);
        let incomplete = i64::from(!v.no_data.is_empty());
        let mut prefix = String::from("/");
        let mut parent: Option<i64> = None;
        for seg in v.org_path.split('/').filter(|s| !s.is_empty()) {
            prefix.push_str(seg);
            prefix.push('/');
            let Ok(id) = seg.parse::<i64>() else {
                break;
            };
            if prefix.len() >= scope_path.len() && prefix.starts_with(scope_path) {
                let i = *index.entry(id).or_insert_with(|| {
                    out.push(NewRollup {
                        org_id: id,
                        org_path: prefix.clone(),
                        parent_id: if prefix == scope_path { None } else { parent },
                        counts: [0; 4],
                        incomplete: 0,
                    });
                    out.len() - 1
                });
                out[i].counts[level] += 1;
                out[i].incomplete += incomplete;
            }
            parent = Some(id);
        }
    }
    out
}

fn code_of<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Evaluates `org_id` and everything below it against the profile in force
/// on the run date (a run judges "now"; the twelve months of compliance it
/// reads judge each period by the version in force then) and stores the outcome as a snapshot, in one transaction with its audit
/// row (`warning.run`).
pub async fn evaluate_scope(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
) -> ServiceResult<WarningRunView> {
    evaluate_as(svc, actor, org_id, "warning.run").await
}

/// May this actor run an evaluation (for showing the button)?
pub fn may_run(actor: &Actor) -> bool {
    require_run(actor).is_ok()
}

/// [`evaluate_scope`] audited under `action` (the background worker's
/// runs are `warning.run.auto`).
pub(crate) async fn evaluate_as(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    action: &str,
) -> ServiceResult<WarningRunView> {
    require_run(actor)?;
    let today = svc.clock.today();
    let engine = svc.store.engine;
    // The facts are read from one snapshot, outside the writer lock: a
    // county's evaluation takes a tenth of a second at scale 1 and seconds
    // at scale 100, and other writes must not wait for it (the background
    // worker runs it after every burst of changes). Only the snapshot's
    // insert takes the lock.
    let schedule = policy::schedule(svc).await?;
    let active = policy::in_force_of(&schedule, today).ok_or(ServiceError::NotFound)?;
    let (scope, orgs, facts) = {
        let mut snap = svc.store.read_snapshot().await?;
        let scope: OrgRow = odb::get_org(&mut snap, org_id).await?;
        actor.require_scope(&scope.path)?;
        let upper = odb::upper_of(&scope.path);
        let orgs = db::orgs(&mut snap, &scope.path, &upper).await?;
        let terms = db::terms(&mut snap, &scope.path, &upper).await?;
        let stats = db::member_stats(&mut snap, &scope.path, &upper).await?;
        // Organizational-life compliance over the last twelve months, by the
        // compliance engine on the same snapshot.
        let window = Window {
            from: today
                .checked_sub(jiff::Span::new().years(1))
                .map_err(|_| ServiceError::NotFound)?
                .tomorrow()
                .map_err(|_| ServiceError::NotFound)?,
            to: today,
        };
        let rates = compliance::rates_in(&mut snap, svc, &schedule, &scope.path, window).await?;
        let manual =
            crate::org_facts::for_engine(&mut snap, today.year(), &scope.path, &upper).await?;
        let facts = build_facts(&orgs, &terms, &stats, &rates, &manual, today);
        (scope, orgs, facts)
    };
    let run = evaluate(&active.profile, &facts, today);
    let by_id: HashMap<i64, &WarnOrgRow> = orgs.iter().map(|o| (o.id, o)).collect();
    let mut counts = [0i64; 4];
    let mut views = Vec::with_capacity(run.results.len());
    for w in ranked(&run.results) {
        let Some(o) = by_id.get(&w.org.0) else {
            continue;
        };
        counts[Level::ALL.iter().position(|l| *l == w.level).unwrap_or(0)] += 1;
        views.push(OrgWarningView {
            org_id: o.id,
            org_name: o.name.clone(),
            org_path: o.path.clone(),
            level: w.level,
            score: i64::from(w.score),
            reasons: w
                .reasons
                .iter()
                .map(|r| ReasonView {
                    indicator: r.indicator.code().to_owned(),
                    label: r.label.clone(),
                    criterion: r.criterion,
                    weight: r.weight,
                    detail: r.detail.clone(),
                    evidence: code_of(&r.evidence),
                })
                .collect(),
            no_data: w
                .no_data
                .iter()
                .map(|k| NoDataView {
                    indicator: k.code().to_owned(),
                    label: label_of(&active.profile, *k),
                })
                .collect(),
        });
    }
    rank(&mut views);
    let as_of = today.to_string();
    let results: Vec<NewResult<'_>> = views
        .iter()
        .map(|v| NewResult {
            org_id: v.org_id,
            org_path: &v.org_path,
            level: v.level.code(),
            level_rank: rank_of(v.level),
            score: v.score,
            reasons: serde_json::to_string(&v.reasons).unwrap_or_else(|_| "[]".into()),
            no_data: serde_json::to_string(&v.no_data).unwrap_or_else(|_| "[]".into()),
        })
        .collect();
    let rollups = rollups_of(&views, &scope.path);
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let run_id = db::insert_run(
        tx.conn(),
        engine,
        &NewRun {
            profile_version: active.version,
            profile_hash: active.profile.content_hash(),
            as_of: &as_of,
            scope_org_id: scope.id,
            scope_path: &scope.path,
            created_by: &actor.username,
            created_at: &now,
            counts,
        },
        &results,
        &rollups,
    )
    .await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        action,
        &format!("warning_run:{run_id}"),
        &scope.path,
        &json!({"after": {
            "org": scope.id,
            "as_of": as_of,
            "profile_version": active.version,
            "orgs": views.len(),
            "green": counts[0], "yellow": counts[1], "orange": counts[2], "red": counts[3],
        }}),
    )
    .await?;
    tx.commit().await?;
    Ok(WarningRunView {
        run_id,
        profile_version: active.version,
        profile_hash: active.profile.content_hash().to_owned(),
        as_of,
        scope_org_id: scope.id,
        created_by: actor.username.clone(),
        created_at: now,
        counts: counts_of(&views),
        results: views,
    })
}

fn label_of(profile: &dangjian_domain::policy::Profile, kind: IndicatorKind) -> String {
    profile
        .indicator(kind)
        .map_or_else(|| kind.code().to_owned(), |i| i.label.clone())
}
