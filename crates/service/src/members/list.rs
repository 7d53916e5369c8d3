//! The filtered, paged member list and its query string (the export reads
//! the same filters).

use crate::Services;
use crate::actor::Actor;
use crate::error::{Errors, ServiceResult};
use dangjian_domain::FieldError;
use dangjian_domain::error::text_field;
use dangjian_domain::member::{AGE_BANDS, MemberCategory, age_band_months};
use dangjian_domain::role::Permission;
use dangjian_store::member::{self as db, MemberFilter, MemberListRow};
use dangjian_store::org as odb;
use serde::Deserialize;

pub const PER_PAGE: i64 = 50;
/// A filtered count stops here; the page then says "more than".
pub const COUNT_CAP: i64 = 10_000;

/// Query string of the member list; unknown values are rejected, never
/// passed on.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct MemberQuery {
    pub org: String,
    pub category: String,
    pub sector: String,
    pub age: String,
    pub joined_year: String,
    pub q: String,
    pub page: String,
}

pub struct MemberPage {
    pub rows: Vec<MemberListRow>,
    pub total: i64,
    /// True when the total stopped at [`COUNT_CAP`].
    pub capped: bool,
    pub page: i64,
    pub pages: i64,
    pub scope: odb::OrgRow,
}

pub async fn list(svc: &Services, actor: &Actor, q: &MemberQuery) -> ServiceResult<MemberPage> {
    actor.require(Permission::ReadBusiness)?;
    let (org_id, mut f, page) = parse_query(svc, actor, q)?;
    let mut conn = svc.store.read().await?;
    let scope = odb::get_org(&mut conn, org_id).await?;
    actor.require_scope(&scope.path)?;
    f.scope_path.clone_from(&scope.path);
    f.scope_upper = odb::upper_of(&scope.path);
    let (total, capped) = if f.is_scope_only() {
        (scope.sub_members, false)
    } else {
        let n = db::count_members(&mut conn, &f, COUNT_CAP + 1).await?;
        (n.min(COUNT_CAP), n > COUNT_CAP)
    };
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    // A page past the end (an old bookmark, a hand-typed URL) shows the last page.
    let page = page.min(pages);
    let rows = db::list_members(&mut conn, &f, PER_PAGE, (page - 1) * PER_PAGE).await?;
    Ok(MemberPage {
        rows,
        total,
        capped,
        page,
        pages,
        scope,
    })
}

/// Parses the list's query string into the organization whose subtree it
/// shows (not yet scope-checked), the filter (scope left empty) and the page.
/// The export reads the same filters through this.
pub(crate) fn parse_query(
    svc: &Services,
    actor: &Actor,
    q: &MemberQuery,
) -> ServiceResult<(i64, MemberFilter, i64)> {
    let today = svc.clock.today();
    let mut e = Errors::default();
    let org_id = if q.org.trim().is_empty() {
        Some(actor.org_id.0)
    } else {
        e.take(
            q.org
                .trim()
                .parse::<i64>()
                .map_err(|_| FieldError::new("org", "组织编号无效")),
        )
    };
    let mut f = MemberFilter::default();
    if !q.category.is_empty() {
        f.category = e.take(
            MemberCategory::from_code(&q.category)
                .map(|c| c.code().to_owned())
                .ok_or_else(|| FieldError::new("category", "人员类别无效")),
        );
    }
    if !q.sector.is_empty() {
        f.sector =
            e.take(dangjian_domain::org::Sector::parse(&q.sector).map(|s| s.code().to_owned()));
    }
    if !q.age.is_empty() {
        match AGE_BANDS.iter().find(|b| b.0 == q.age) {
            Some((_, _, lo, hi)) => {
                let (from, to) = age_band_months(*lo, *hi, today);
                f.born_from = Some(from);
                f.born_to = Some(to);
            }
            None => e.push(FieldError::new("age", "年龄段无效")),
        }
    }
    if !q.joined_year.is_empty() {
        match q.joined_year.trim().parse::<i16>() {
            Ok(y) if (1921..=today.year()).contains(&y) => {
                f.joined_from = Some(format!("{y:04}-01-01"));
                f.joined_to = Some(format!("{y:04}-12-31"));
            }
            _ => e.push(FieldError::new(
                "joined_year",
                "入党年份应为1921年至今的四位年份",
            )),
        }
    }
    if !q.q.trim().is_empty() {
        f.name_contains = e.take(text_field("q", "姓名", &q.q, false, 30));
    }
    let page = if q.page.trim().is_empty() {
        Some(1)
    } else {
        e.take(
            q.page
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=100_000).contains(p))
                .ok_or_else(|| FieldError::new("page", "页码无效")),
        )
    };
    e.finish()?;
    let (Some(org_id), Some(page)) = (org_id, page) else {
        unreachable!("checked by finish()")
    };
    Ok((org_id, f, page))
}
