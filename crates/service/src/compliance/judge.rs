//! Each period judged by the rules in force then: the facts of a scope
//! evaluated once per profile version in force during the window (each
//! version for the periods that begin while it is in force, see
//! `dangjian_domain::obligations::evaluate_in_force`), or under one chosen
//! version for the "what if" view. The results of one obligation code under
//! several versions are then laid end to end, period after period.

use crate::policy::{ActiveProfile, VersionSpan};
use dangjian_domain::ids::OrgId;
use dangjian_domain::obligations::{
    Cell, Compliance, InForce, ObligationCompliance, OrgFacts, RecordFact, Status, Tally, Window,
    evaluate_in_force,
};
use dangjian_domain::org::{OrgKind, Sector};
use dangjian_domain::policy::{BEGINNING, Obligation};
use dangjian_store::compliance::{PackedFacts, PackedRecord, unpack};
use dangjian_store::org::OrgFactRow;
use jiff::civil::{Date, date};
use serde::Serialize;

/// The first day whose version may judge a period of `window`: yearly
/// periods begin on the first of January of the window's first year.
pub(crate) fn first_period_start(window: Window) -> Date {
    date(window.from.year(), 1, 1)
}

/// The versions to judge `window` with: the given spans, or one version for
/// every period (what if).
pub(crate) fn what_if_span(v: ActiveProfile) -> VersionSpan {
    VersionSpan {
        active: v,
        from: BEGINNING,
        to: None,
    }
}

fn parse_kind(o: &OrgFactRow) -> Option<(OrgKind, Sector)> {
    Some((OrgKind::from_code(&o.kind)?, Sector::from_code(&o.sector)?))
}

/// Evaluates the facts under each span, for the periods beginning in it.
/// Returns the spans that judged at least one period, each with its result.
pub(crate) fn run(
    spans: Vec<VersionSpan>,
    orgs: &[OrgFactRow],
    rows: &[PackedFacts],
    window: Window,
    today: Date,
) -> Vec<(VersionSpan, Compliance)> {
    let facts: Vec<OrgFacts> = orgs
        .iter()
        .filter_map(|o| {
            let (kind, sector) = parse_kind(o)?;
            Some(OrgFacts {
                id: OrgId(o.id),
                parent: o.parent_id.map(OrgId),
                kind,
                sector,
                has_committee: o.has_committee != 0,
                // No founding date is kept: an organization is held to
                // every period until it is dissolved.
                active_from: None,
                active_to: o.dissolved_on.as_deref().and_then(|d| d.parse().ok()),
            })
        })
        .collect();
    let unpacked: Vec<(i64, PackedRecord<'_>)> = rows
        .iter()
        .flat_map(|r| unpack(&r.packed).map(move |p| (r.org_id, p)))
        .collect();
    let marks: Vec<Vec<String>> = unpacked
        .iter()
        .map(|(_, r)| {
            if r.marks.is_empty() {
                Vec::new()
            } else {
                r.marks.split(',').map(str::to_owned).collect()
            }
        })
        .collect();
    let records: Vec<RecordFact<'_>> = unpacked
        .iter()
        .zip(&marks)
        .filter_map(|((org, r), m)| {
            Some(RecordFact {
                org: OrgId(*org),
                record_type: r.record_type,
                date: r.held_on.parse().ok()?,
                counts: r.valid,
                marks: m,
            })
        })
        .collect();
    let in_force: Vec<InForce<'_>> = spans
        .iter()
        .map(|s| InForce {
            profile: &s.active.profile,
            from: s.from,
            to: s.to,
        })
        .collect();
    let results = evaluate_in_force(&in_force, &facts, &records, window, today);
    spans
        .into_iter()
        .zip(results)
        .filter(|(_, c)| !c.obligations.is_empty())
        .collect()
}

/// One version's part of an obligation's results.
pub(crate) struct Part<'a> {
    pub version: &'a ActiveProfile,
    pub ob: &'a Obligation,
    pub oc: &'a ObligationCompliance,
}

/// The parts of each obligation code, codes in order of first appearance
/// (versions in time order, obligations in profile order), parts in time
/// order.
pub(crate) fn by_code(judged: &[(VersionSpan, Compliance)]) -> Vec<Vec<Part<'_>>> {
    let mut out: Vec<Vec<Part<'_>>> = Vec::new();
    for (span, c) in judged {
        for oc in &c.obligations {
            let Some(ob) = span.active.profile.obligation(&oc.obligation) else {
                continue;
            };
            let part = Part {
                version: &span.active,
                ob,
                oc,
            };
            match out.iter_mut().find(|p| p[0].ob.code == ob.code) {
                Some(parts) => parts.push(part),
                None => out.push(vec![part]),
            }
        }
    }
    out
}

/// A cell for a period whose version does not bind the organization.
const NOT_BOUND: Cell = Cell {
    count: 0,
    status: Status::NotInForce,
};

/// `org`'s own cells over every part; `None` when no part binds it.
pub(crate) fn own_cells(parts: &[Part<'_>], org: i64) -> Option<Vec<Cell>> {
    if parts.iter().all(|p| p.oc.row(OrgId(org)).is_none()) {
        return None;
    }
    Some(
        parts
            .iter()
            .flat_map(|p| match p.oc.row(OrgId(org)) {
                Some(cells) => cells.to_vec(),
                None => vec![NOT_BOUND; p.oc.periods.len()],
            })
            .collect(),
    )
}

/// The tallies over `org`'s subtree over every part; `None` when no part
/// has a bound organization there.
pub(crate) fn subtree(parts: &[Part<'_>], org: i64) -> Option<Vec<Tally>> {
    if parts.iter().all(|p| p.oc.rollup(OrgId(org)).is_none()) {
        return None;
    }
    Some(
        parts
            .iter()
            .flat_map(|p| match p.oc.rollup(OrgId(org)) {
                Some(t) => t.to_vec(),
                None => vec![Tally::default(); p.oc.periods.len()],
            })
            .collect(),
    )
}

/// 每月至少1次, or, when the versions differ,
/// 每月至少1次（第1版）；每月至少2次（第3版）.
pub(crate) fn requirement(parts: &[Part<'_>]) -> String {
    let mut labels: Vec<(String, i64)> = Vec::new();
    for p in parts {
        let r = p.ob.requirement_label();
        if labels.last().is_none_or(|(l, _)| *l != r) {
            labels.push((r, p.version.version));
        }
    }
    if labels.len() == 1 {
        return labels.remove(0).0;
    }
    labels
        .iter()
        .map(|(l, v)| format!("{l}（第{v}版）"))
        .collect::<Vec<_>>()
        .join("；")
}

/// A version used for a result, with the days it judged.
#[derive(Debug, Clone, Serialize)]
pub struct VersionUsed {
    /// The database's number.
    pub version: i64,
    /// The version the file declares.
    pub label: String,
    pub hash: String,
    /// `YYYY-MM-DD`: the first day it is in force (what if: the beginning).
    pub from: String,
    /// `YYYY-MM-DD`, or `None` while no later version follows.
    pub to: Option<String>,
    /// 2027-01-01起 / 最初至2026-12-31
    pub days: String,
}

impl VersionUsed {
    pub(crate) fn of(s: &VersionSpan) -> Self {
        Self {
            version: s.active.version,
            label: s.active.profile.version().to_owned(),
            hash: s.active.profile.content_hash().to_owned(),
            from: s.from.to_string(),
            to: s.to.map(|d| d.to_string()),
            days: s.days_label(),
        }
    }
}

impl super::ComplianceView {
    /// Which rules the figures follow, in one line: 按政策配置第2版
    /// （jiangxi-county-2026.2，2027-01-01起）计算; over two versions,
    /// 按政策配置第1版（…，最初至2026-12-31）和第2版（…，2027-01-01起）计算，
    /// 每个周期按其开始时适用的版本; in a what-if view,
    /// 假设按第3版规则计算（非正式结果）.
    pub fn basis_text(&self) -> String {
        if let Some(v) = self.what_if {
            let label = self.versions.first().map_or("", |u| u.label.as_str());
            return format!(
                "假设按第{v}版规则计算（非正式结果）：所有周期均按第{v}版（{label}）的规定动作计算，仅供参考，不保存、不作为考核依据"
            );
        }
        let named: Vec<String> = self
            .versions
            .iter()
            .map(|u| format!("第{}版（{}，{}）", u.version, u.label, u.days))
            .collect();
        match named.len() {
            0 => format!(
                "按政策配置第{}版（{}）计算",
                self.profile_version, self.profile_label
            ),
            1 => format!("按政策配置{}计算", named[0]),
            _ => format!(
                "按政策配置{}计算，每个周期按其开始时适用的版本",
                named.join("和")
            ),
        }
    }
}
