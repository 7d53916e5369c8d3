//! 村情登记: the facts about an organization that township staff record by
//! hand once a year — petitions and disputes (信访矛盾纠纷件数), the
//! satisfaction survey (满意度), village-affairs disclosure (村务公开) and the
//! village-affairs supervision committee (村务监督委员会). They feed the
//! warning indicators that read them (`warnings::evaluate_scope` takes the
//! current year's row). An empty field means "not recorded": the indicator
//! then reads "no data", never a pass.
//!
//! County and unit administrators record them within their subtree (the
//! organization-management permission), by the form or by an import
//! (`import::facts`); both go through [`parse_form`], so they share one set
//! of rules and messages. Every business role reads them in its scope.

use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, Change, ChangeKind};
use dangjian_domain::FieldError;
use dangjian_domain::role::{Permission, Role};
use dangjian_store::Conn;
use dangjian_store::org::{self as odb, OrgRow};
use dangjian_store::org_facts::{self as db, FactsRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// Largest petition count accepted.
pub const MAX_PETITIONS: u32 = 9_999;
/// Earliest year accepted.
pub const FIRST_YEAR: i16 = 2000;

/// The form as typed (also what one import row becomes).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FactsForm {
    pub year: String,
    /// 信访矛盾纠纷件数, 0–9999; empty: not recorded.
    pub petitions: String,
    /// 满意度 in percent with at most one decimal (85.5), `%` allowed.
    pub satisfaction: String,
    /// 是 / 否; empty: not recorded.
    pub disclosure: String,
    /// 是 / 否; empty: not recorded.
    pub supervision: String,
}

/// Checked facts of one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Facts {
    pub year: i16,
    pub petitions: Option<u32>,
    pub satisfaction_permille: Option<u32>,
    pub disclosure_ok: Option<bool>,
    pub supervision_committee: Option<bool>,
}

/// One organization's recorded facts, as pages and the API show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactsView {
    pub org_id: i64,
    pub year: i64,
    pub petitions: Option<i64>,
    pub satisfaction_permille: Option<i64>,
    pub disclosure_ok: Option<bool>,
    pub supervision_committee: Option<bool>,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl FactsView {
    fn of(r: FactsRow) -> Self {
        Self {
            org_id: r.org_id,
            year: r.year,
            petitions: r.petitions,
            satisfaction_permille: r.satisfaction_permille,
            disclosure_ok: r.disclosure_ok.map(|v| v != 0),
            supervision_committee: r.supervision_committee.map(|v| v != 0),
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        }
    }

    /// "85.5%", or 未登记.
    pub fn satisfaction_text(&self) -> String {
        self.satisfaction_permille
            .map_or_else(|| "未登记".to_owned(), |p| format!("{}%", percent(p)))
    }

    /// "3 件", or 未登记.
    pub fn petitions_text(&self) -> String {
        self.petitions
            .map_or_else(|| "未登记".to_owned(), |n| format!("{n} 件"))
    }

    /// The form filled with these facts.
    pub fn form(&self) -> FactsForm {
        FactsForm {
            year: self.year.to_string(),
            petitions: self.petitions.map(|n| n.to_string()).unwrap_or_default(),
            satisfaction: self.satisfaction_permille.map(percent).unwrap_or_default(),
            disclosure: yes_no(self.disclosure_ok).to_owned(),
            supervision: yes_no(self.supervision_committee).to_owned(),
        }
    }
}

/// 是 / 否 / 未登记.
pub fn yes_no_text(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "是",
        Some(false) => "否",
        None => "未登记",
    }
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "是",
        Some(false) => "否",
        None => "",
    }
}

/// 855 → "85.5", 900 → "90".
fn percent(p: i64) -> String {
    if p % 10 == 0 {
        format!("{}", p / 10)
    } else {
        format!("{}.{}", p / 10, p % 10)
    }
}

/// Satisfaction "85.5" / "85.5%" / "100" → permille.
fn parse_percent(raw: &str) -> Option<u32> {
    let t = raw.trim().trim_end_matches(['%', '％']).trim();
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    if whole.is_empty()
        || whole.len() > 3
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 1
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (t.contains('.') && frac.is_empty())
    {
        return None;
    }
    let w: u32 = whole.parse().ok()?;
    let f: u32 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    Some(w * 10 + f)
}

/// 是 / 否 (also 有 / 无, 已 / 未 and their longer forms).
fn parse_flag(raw: &str) -> Option<bool> {
    match raw.trim() {
        "是" | "有" | "已公开" | "已设立" | "已建立" | "Y" | "y" | "1" => Some(true),
        "否" | "无" | "未公开" | "未设立" | "未建立" | "N" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// Checks the form; `this_year` is the latest year accepted. Every problem
/// is reported, each naming its field.
pub fn parse_form(f: &FactsForm, this_year: i16) -> Result<Facts, Vec<FieldError>> {
    let mut errors = Vec::new();
    let year = match f.year.trim().parse::<i16>() {
        Ok(y) if (FIRST_YEAR..=this_year).contains(&y) => Some(y),
        _ if f.year.trim().is_empty() => {
            errors.push(FieldError::new("year", "请填写年度"));
            None
        }
        _ => {
            errors.push(FieldError::new(
                "year",
                format!("年度应为{FIRST_YEAR}年到{this_year}年之间的四位年份，如{this_year}"),
            ));
            None
        }
    };
    let petitions = match f.petitions.trim() {
        "" => None,
        t => match t.parse::<u32>() {
            Ok(n) if n <= MAX_PETITIONS => Some(n),
            _ => {
                errors.push(FieldError::new(
                    "petitions",
                    format!("信访件数应为0到{MAX_PETITIONS}之间的整数"),
                ));
                None
            }
        },
    };
    let satisfaction_permille = match f.satisfaction.trim() {
        "" => None,
        t => match parse_percent(t) {
            Some(p) if p <= 1000 => Some(p),
            _ => {
                errors.push(FieldError::new(
                    "satisfaction",
                    "满意度应为0到100之间的百分数，最多一位小数，如85.5",
                ));
                None
            }
        },
    };
    let mut flag = |field: &'static str, label: &str, raw: &str| match raw.trim() {
        "" => None,
        t => {
            let v = parse_flag(t);
            if v.is_none() {
                errors.push(FieldError::new(
                    field,
                    format!("{label}应填写“是”或“否”，而不是“{t}”"),
                ));
            }
            v
        }
    };
    let disclosure_ok = flag("disclosure", "村务公开", &f.disclosure);
    let supervision_committee = flag("supervision", "村务监督委员会", &f.supervision);
    match year {
        Some(year) if errors.is_empty() => Ok(Facts {
            year,
            petitions,
            satisfaction_permille,
            disclosure_ok,
            supervision_committee,
        }),
        _ => Err(errors),
    }
}

/// Recording takes the organization-management permission: county and
/// unit administrators (township staff), each within its subtree.
fn require_record(actor: &Actor) -> ServiceResult<()> {
    if actor.role == Role::CountyAdmin {
        return Ok(());
    }
    actor.require(Permission::ManageOrgs)
}

/// The latest year accepted: this one.
pub fn this_year(svc: &Services) -> i16 {
    svc.clock.today().year()
}

pub(crate) fn row_of(org: &OrgRow, f: &Facts, by: &str, at: &str) -> FactsRow {
    FactsRow {
        org_id: org.id,
        org_path: org.path.clone(),
        year: i64::from(f.year),
        petitions: f.petitions.map(i64::from),
        satisfaction_permille: f.satisfaction_permille.map(i64::from),
        disclosure_ok: f.disclosure_ok.map(i64::from),
        supervision_committee: f.supervision_committee.map(i64::from),
        recorded_by: by.to_owned(),
        recorded_at: at.to_owned(),
    }
}

/// The audit summary of one row.
pub(crate) fn summary_of(f: &Facts) -> serde_json::Value {
    json!({
        "year": f.year,
        "petitions": f.petitions,
        "satisfaction_permille": f.satisfaction_permille,
        "disclosure_ok": f.disclosure_ok,
        "supervision_committee": f.supervision_committee,
    })
}

/// Records (or replaces) `org_id`'s facts for the form's year, in one
/// transaction with its audit row (`org_facts.record`, before and after).
/// Bad input changes nothing and names each field.
pub async fn record(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    form: &FactsForm,
) -> ServiceResult<FactsView> {
    require_record(actor)?;
    let facts = parse_form(form, this_year(svc)).map_err(ServiceError::Invalid)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let org = odb::get_org(tx.conn(), org_id).await?;
    actor.require_scope(&org.path)?;
    if org.status != "active" {
        return Err(ServiceError::field("org", "该党组织已撤销，不能登记村情"));
    }
    let before = db::get(tx.conn(), org.id, i64::from(facts.year)).await?;
    let row = row_of(&org, &facts, &actor.username, &now);
    db::upsert(tx.conn(), &row).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "org_facts.record",
        &format!("org:{}", org.id),
        &org.path,
        &json!({
            "before": before.map(|b| summary_of(&facts_of(&b))),
            "after": summary_of(&facts),
        }),
    )
    .await?;
    events::commit(svc, tx, [Change::new(ChangeKind::OrgFacts, &org.path)]).await?;
    Ok(FactsView::of(row))
}

fn facts_of(r: &FactsRow) -> Facts {
    Facts {
        year: i16::try_from(r.year).unwrap_or(0),
        petitions: r.petitions.and_then(|n| u32::try_from(n).ok()),
        satisfaction_permille: r.satisfaction_permille.and_then(|n| u32::try_from(n).ok()),
        disclosure_ok: r.disclosure_ok.map(|v| v != 0),
        supervision_committee: r.supervision_committee.map(|v| v != 0),
    }
}

/// The organization and its facts for `year`, if recorded.
pub async fn get(
    svc: &Services,
    actor: &Actor,
    org_id: i64,
    year: i16,
) -> ServiceResult<(OrgRow, Option<FactsView>)> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    let org = odb::get_org(&mut conn, org_id).await?;
    actor.require_scope(&org.path)?;
    let row = db::get(&mut conn, org.id, i64::from(year)).await?;
    Ok((org, row.map(FactsView::of)))
}

/// May this actor record facts (for showing the form's links)?
pub fn may_record(actor: &Actor) -> bool {
    require_record(actor).is_ok()
}

/// The recorded facts of `year` for the subtree `path..upper`, by
/// organization id, as the warning engine reads them.
pub(crate) async fn for_engine(
    conn: &mut Conn,
    year: i16,
    path: &str,
    upper: &str,
) -> ServiceResult<HashMap<i64, Facts>> {
    Ok(db::in_scope(conn, i64::from(year), path, upper)
        .await?
        .iter()
        .map(|r| (r.org_id, facts_of(r)))
        .collect())
}

/// What [`seed_demo`] recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoFacts {
    /// Village and community organizations given facts for this year.
    pub recorded: usize,
    /// The warning run made afterwards, if any.
    pub run_id: Option<i64>,
}

/// A small deterministic generator (SplitMix64), so the demo's facts are
/// the same on every load.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The demo's facts for one village: most villages are in order, a few
/// have many petitions, low satisfaction or a missing disclosure or
/// supervision committee; one in ten is not recorded yet (无数据).
fn demo_facts(org_id: i64, year: i16) -> Option<Facts> {
    let r = mix(u64::try_from(org_id).unwrap_or(0) ^ 0x5EED);
    let pick = |shift: u32, modulo: u64| (r >> shift) % modulo;
    if pick(0, 10) == 0 {
        return None;
    }
    let troubled = pick(4, 100);
    let petitions = if troubled < 8 {
        6 + pick(12, 10)
    } else {
        pick(12, 5)
    };
    let satisfaction = if (8..14).contains(&troubled) {
        450 + pick(20, 140)
    } else {
        700 + pick(20, 281)
    };
    Some(Facts {
        year,
        petitions: u32::try_from(petitions).ok(),
        satisfaction_permille: u32::try_from(satisfaction).ok(),
        disclosure_ok: Some(pick(32, 100) >= 5),
        supervision_committee: Some(pick(40, 100) >= 3),
    })
}

/// Demo data: records this year's facts for the demo county's villages and
/// communities (organizations right below a township), audited as one
/// `org_facts.demo` entry, then runs the warnings once as the system, so
/// the 预警 pages have content on a fresh demo. Called by `demo::load`.
pub async fn seed_demo(svc: &Services) -> ServiceResult<DemoFacts> {
    let year = this_year(svc);
    let now = svc.clock.now_text();
    let roots = {
        let mut conn = svc.store.read().await?;
        dangjian_store::warnings::roots(&mut conn).await?
    };
    let mut recorded = 0;
    let mut tx = svc.store.begin_write().await?;
    for root in &roots {
        let orgs =
            dangjian_store::warnings::orgs(tx.conn(), &root.path, &odb::upper_of(&root.path))
                .await?;
        for o in orgs.iter().filter(|o| {
            o.path.matches('/').count() == 4 && matches!(o.sector.as_str(), "rural" | "community")
        }) {
            let Some(f) = demo_facts(o.id, year) else {
                continue;
            };
            let row = FactsRow {
                org_id: o.id,
                org_path: o.path.clone(),
                year: i64::from(year),
                petitions: f.petitions.map(i64::from),
                satisfaction_permille: f.satisfaction_permille.map(i64::from),
                disclosure_ok: f.disclosure_ok.map(i64::from),
                supervision_committee: f.supervision_committee.map(i64::from),
                recorded_by: "demo".to_owned(),
                recorded_at: now.clone(),
            };
            db::upsert(tx.conn(), &row).await?;
            recorded += 1;
        }
        audit::append(
            tx.conn(),
            svc,
            "system",
            "org_facts.demo",
            &format!("org:{}", root.id),
            &root.path,
            &json!({"year": year, "rows": recorded}),
        )
        .await?;
    }
    tx.commit().await?;
    let run_id = crate::reeval::run_all(svc).await?.first().copied();
    Ok(DemoFacts { recorded, run_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(cells: [&str; 5]) -> FactsForm {
        let [year, petitions, satisfaction, disclosure, supervision] = cells.map(str::to_owned);
        FactsForm {
            year,
            petitions,
            satisfaction,
            disclosure,
            supervision,
        }
    }

    #[test]
    fn percent_reads_one_decimal() {
        assert_eq!(parse_percent("85.5"), Some(855));
        assert_eq!(parse_percent("85.5%"), Some(855));
        assert_eq!(parse_percent("100"), Some(1000));
        assert_eq!(parse_percent("0"), Some(0));
        assert_eq!(parse_percent("85.55"), None);
        assert_eq!(parse_percent("85."), None);
        assert_eq!(parse_percent("-1"), None);
        assert_eq!(parse_percent("abc"), None);
        assert_eq!(percent(855), "85.5");
        assert_eq!(percent(900), "90");
    }

    #[test]
    fn a_good_form_parses_and_blanks_are_not_recorded() {
        let f = parse_form(&form(["2026", "3", "85.5", "是", "否"]), 2026).unwrap();
        assert_eq!(
            f,
            Facts {
                year: 2026,
                petitions: Some(3),
                satisfaction_permille: Some(855),
                disclosure_ok: Some(true),
                supervision_committee: Some(false),
            }
        );
        let f = parse_form(&form(["2025", "", "", "", ""]), 2026).unwrap();
        assert_eq!(f.petitions, None);
        assert_eq!(f.satisfaction_permille, None);
        assert_eq!(f.disclosure_ok, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let errs = parse_form(&form(["2027", "10000", "100.1", "也许", "x"]), 2026).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "year",
                "petitions",
                "satisfaction",
                "disclosure",
                "supervision"
            ]
        );
        assert_eq!(errs[1].message, "信访件数应为0到9999之间的整数");
        assert_eq!(errs[3].message, "村务公开应填写“是”或“否”，而不是“也许”");
    }

    #[test]
    fn demo_facts_are_stable_mostly_in_order_and_sometimes_missing() {
        let all: Vec<Option<Facts>> = (1..=1000).map(|id| demo_facts(id, 2026)).collect();
        assert_eq!(
            all,
            (1..=1000)
                .map(|id| demo_facts(id, 2026))
                .collect::<Vec<_>>()
        );
        let missing = all.iter().filter(|f| f.is_none()).count();
        assert!((50..150).contains(&missing), "{missing}");
        let some: Vec<&Facts> = all.iter().flatten().collect();
        let many = some.iter().filter(|f| f.petitions > Some(5)).count();
        let low = some
            .iter()
            .filter(|f| f.satisfaction_permille < Some(600))
            .count();
        assert!(many > 20 && many < 150, "{many}");
        assert!(low > 20 && low < 150, "{low}");
        assert!(some.iter().all(|f| f.satisfaction_permille <= Some(1000)));
    }
}
