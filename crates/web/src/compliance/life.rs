//! The committees' 意识形态工作责任制 study record and the members without
//! organizational life in the last months.

use super::{org_param, status_class, tally_class, tally_text};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::layout::{Layout, Pager, parse_page, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use dangjian_domain::obligations::{Cell, Tally};
use dangjian_service::ServiceError;
use dangjian_service::compliance::{self, InactivePage, OrgBrief, PeriodView, StudyRecordView};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct StudyQuery {
    org: String,
    year: String,
}

#[derive(Template)]
#[template(path = "life/study.html")]
struct StudyPage {
    l: Layout,
    view: StudyRecordView,
    year: i16,
    prev_year: i16,
    next_year: Option<i16>,
}

/// Helpers the study and inactive templates call as `self.class(..)` etc.
trait LifeHelpers {
    // Templates hand over references.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    fn class(&self, c: &Cell) -> &'static str {
        status_class(c.status)
    }
    fn tally(&self, t: &Tally) -> String {
        tally_text(t)
    }
    fn tally_class(&self, t: &Tally) -> &'static str {
        tally_class(t)
    }
    /// The records of `cell` held in `p` (`YYYY-MM-DD` bounds compare as text).
    fn in_period<'a>(
        &self,
        cell: &'a compliance::StudyCell,
        p: &PeriodView,
    ) -> Vec<&'a dangjian_service::store::record::BriefRow> {
        cell.records
            .iter()
            .filter(|r| r.held_on >= p.start && r.held_on <= p.end)
            .collect()
    }
    fn category(&self, code: &str) -> &'static str {
        crate::members::category_label(code)
    }
}

impl LifeHelpers for StudyPage {}

pub(super) async fn study(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<StudyQuery>,
) -> Result<Response, AppError> {
    let org_id = org_param(&user, &q.org)?;
    let this_year = st.svc.clock.today().year();
    let year = match q.year.trim() {
        "" => this_year,
        y => y
            .parse::<i16>()
            .map_err(|_| AppError(ServiceError::field("year", "年份应为四位数字，如 2026")))?,
    };
    let view = compliance::study_record(&st.svc, &user.actor, org_id, year).await?;
    Ok(render(&StudyPage {
        l: Layout::new(&user, "life"),
        view,
        year,
        prev_year: year - 1,
        next_year: (year < this_year).then_some(year + 1),
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct InactiveQuery {
    org: String,
    months: String,
    page: String,
}

#[derive(Template)]
#[template(path = "life/inactive.html")]
struct InactivePageView {
    l: Layout,
    org: OrgBrief,
    p: InactivePage,
    pager: Pager,
    month_opts: Vec<(u32, bool)>,
}

impl LifeHelpers for InactivePageView {}

pub(super) async fn inactive(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<InactiveQuery>,
) -> Result<Response, AppError> {
    let org_id = org_param(&user, &q.org)?;
    let months = match q.months.trim() {
        "" => 6,
        m => m
            .parse::<u32>()
            .map_err(|_| AppError(ServiceError::field("months", "月数应在1到24之间")))?,
    };
    let page = parse_page(&q.page);
    let p = compliance::members_without_life(&st.svc, &user.actor, org_id, months, page).await?;
    let org = dangjian_service::orgs::get(&st.svc, &user.actor, org_id).await?;
    let pager = Pager::new(
        &format!("/life/inactive?org={org_id}&months={months}&"),
        p.page,
        p.total,
        p.per_page,
    );
    let month_opts = [3, 6, 12, 24]
        .into_iter()
        .chain((![3, 6, 12, 24].contains(&months)).then_some(months))
        .map(|m| (m, m == months))
        .collect();
    Ok(render(&InactivePageView {
        l: Layout::new(&user, "life"),
        org: OrgBrief {
            id: org.id,
            name: org.name,
            kind: org.kind,
            depth: 0,
        },
        p,
        pager,
        month_opts,
    }))
}
