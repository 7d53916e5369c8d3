//! Organization use cases: the tree view, details, create, edit, move a
//! subtree, dissolve, committee terms and search, each scope-checked and
//! audited.

use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::error::{Errors, ServiceError, ServiceResult};
use crate::events::{self, Change, ChangeKind};
use dangjian_domain::FieldError;
use dangjian_domain::error::{optional_date_field, text_field};
use dangjian_domain::org::{
    OrgKind, OrgName, OrgPath, Sector, TermStatus, check_move, default_term_years, term_due_date,
    term_status,
};
use dangjian_domain::role::Permission;
use dangjian_store::member as mdb;
use dangjian_store::org::{self as db, ChildRow, OrgDetails, OrgRow, TermRow};
use serde::Deserialize;
use serde_json::json;

/// The organization form as submitted (web form or JSON).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OrgForm {
    pub name: String,
    pub kind: String,
    pub sector: String,
    pub secretary_name: String,
    pub secretary_vacant_since: String,
    pub unit_name: String,
    pub population: String,
}

impl OrgForm {
    pub fn from_row(o: &OrgRow) -> Self {
        Self {
            name: o.name.clone(),
            kind: o.kind.clone(),
            sector: o.sector.clone(),
            secretary_name: o.secretary_name.clone(),
            secretary_vacant_since: o.secretary_vacant_since.clone().unwrap_or_default(),
            unit_name: o.unit_name.clone(),
            population: o.population.map(|p| p.to_string()).unwrap_or_default(),
        }
    }

    /// Parses every field, reporting all errors at once.
    pub fn parse(&self, today: jiff::civil::Date) -> ServiceResult<OrgDetails> {
        let mut e = Errors::default();
        let name = e.take(OrgName::parse(&self.name));
        let kind = e.take(OrgKind::parse(&self.kind));
        let sector = e.take(Sector::parse(&self.sector));
        let secretary = e.take(text_field(
            "secretary_name",
            "书记姓名",
            &self.secretary_name,
            false,
            30,
        ));
        let vacant = e.take(optional_date_field(
            "secretary_vacant_since",
            "缺职起始日期",
            &self.secretary_vacant_since,
        ));
        let unit_name = e.take(text_field(
            "unit_name",
            "单位名称",
            &self.unit_name,
            false,
            100,
        ));
        let population = if self.population.trim().is_empty() {
            Some(None)
        } else {
            match self.population.trim().parse::<i64>() {
                Ok(n) if (0..=10_000_000).contains(&n) => Some(Some(n)),
                _ => {
                    e.push(FieldError::new(
                        "population",
                        "人口数应为0到10000000之间的整数",
                    ));
                    None
                }
            }
        };
        if let (Some(sec), Some(vac)) = (&secretary, &vacant) {
            match (sec.is_empty(), vac) {
                (true, None) => e.push(FieldError::new(
                    "secretary_vacant_since",
                    "书记缺职时请填写缺职起始日期",
                )),
                (false, Some(_)) => e.push(FieldError::new(
                    "secretary_vacant_since",
                    "已有书记时不应填写缺职起始日期",
                )),
                (_, Some(d)) if *d > today => e.push(FieldError::new(
                    "secretary_vacant_since",
                    "缺职起始日期不能晚于今天",
                )),
                _ => {}
            }
        }
        e.finish()?;
        let (
            Some(name),
            Some(kind),
            Some(sector),
            Some(secretary_name),
            Some(vacant),
            Some(unit_name),
            Some(population),
        ) = (name, kind, sector, secretary, vacant, unit_name, population)
        else {
            unreachable!("finish() returned Ok, so every field parsed")
        };
        Ok(OrgDetails {
            name: name.into_string(),
            kind: kind.code().to_owned(),
            sector: sector.code().to_owned(),
            secretary_name,
            secretary_vacant_since: vacant.map(|d| d.to_string()),
            unit_name,
            population,
        })
    }
}

/// A term with its status today.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TermView {
    pub row: TermRow,
    pub status: TermStatus,
}

/// Children shown per page of the tree: a county at scale has thousands
/// of townships and departments under its root.
pub const CHILDREN_PER_PAGE: i64 = 100;

/// One page of direct children.
#[derive(Debug, Clone, Default)]
pub struct ChildPage {
    pub rows: Vec<ChildRow>,
    pub total: i64,
    pub page: i64,
}

/// A node of the tree page: the organization, the way down to it from the
/// user's own organization, and a page of its children.
#[derive(Debug, Clone)]
pub struct TreeView {
    pub org: OrgRow,
    /// Ancestors from the user's own organization down to the parent.
    pub trail: Vec<OrgRow>,
    pub children: ChildPage,
}

/// An organization's detail page: the organization, the trail, its terms.
#[derive(Debug, Clone)]
pub struct DetailView {
    pub org: OrgRow,
    pub trail: Vec<OrgRow>,
    pub terms: Vec<TermView>,
}

async fn load_in_scope(
    conn: &mut dangjian_store::Conn,
    actor: &Actor,
    id: i64,
) -> ServiceResult<OrgRow> {
    let org = db::get_org(conn, id).await?;
    actor.require_scope(&org.path)?;
    Ok(org)
}

pub async fn get(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<OrgRow> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    load_in_scope(&mut conn, actor, id).await
}

/// The organization (in scope) and its ancestors below the user's own.
async fn node(
    conn: &mut dangjian_store::Conn,
    actor: &Actor,
    id: i64,
) -> ServiceResult<(OrgRow, Vec<OrgRow>)> {
    let org = load_in_scope(conn, actor, id).await?;
    let path = OrgPath::from_stored(&org.path).ok_or(ServiceError::NotFound)?;
    let trail_ids: Vec<i64> = path
        .ids()
        .iter()
        .skip(actor.org_path.depth())
        .map(|i| i.0)
        .filter(|i| *i != org.id)
        .collect();
    let mut trail = db::get_orgs(conn, &trail_ids).await?;
    trail.sort_by_key(|o| o.depth);
    Ok((org, trail))
}

/// The tree page's node with page `page` of its children.
pub async fn tree(
    svc: &Services,
    actor: &Actor,
    id: i64,
    include_dissolved: bool,
    page: i64,
) -> ServiceResult<TreeView> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    let (org, trail) = node(&mut conn, actor, id).await?;
    let page = page.max(1);
    let mut rows = db::children(
        &mut conn,
        org.id,
        include_dissolved,
        CHILDREN_PER_PAGE,
        (page - 1) * CHILDREN_PER_PAGE,
    )
    .await?;
    // A short first page is the whole list: no need to count.
    let (total, page) = if page == 1 && (rows.len() as i64) < CHILDREN_PER_PAGE {
        (rows.len() as i64, 1)
    } else {
        let total = db::count_children(&mut conn, org.id, include_dissolved).await?;
        let pages = ((total + CHILDREN_PER_PAGE - 1) / CHILDREN_PER_PAGE).max(1);
        if page > pages {
            // Past the end (an old link): the last page.
            rows = db::children(
                &mut conn,
                org.id,
                include_dissolved,
                CHILDREN_PER_PAGE,
                (pages - 1) * CHILDREN_PER_PAGE,
            )
            .await?;
        }
        (total, page.min(pages))
    };
    Ok(TreeView {
        org,
        trail,
        children: ChildPage { rows, total, page },
    })
}

/// The detail page's organization with its committee terms.
pub async fn detail(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<DetailView> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    let (org, trail) = node(&mut conn, actor, id).await?;
    let today = svc.clock.today();
    let terms = db::terms(&mut conn, org.id)
        .await?
        .into_iter()
        .map(|row| {
            let due = row.due_date.parse().unwrap_or(today);
            let actual = row.actual_date.as_deref().and_then(|d| d.parse().ok());
            let status = term_status(due, actual, today);
            TermView { row, status }
        })
        .collect();
    Ok(DetailView { org, trail, terms })
}

pub async fn search(svc: &Services, actor: &Actor, q: &str) -> ServiceResult<Vec<OrgRow>> {
    actor.require(Permission::ReadBusiness)?;
    let q = text_field("q", "搜索词", q, true, 50)?;
    let (lo, hi) = actor.scope_range();
    let mut conn = svc.store.read().await?;
    Ok(db::search_orgs(&mut conn, &lo, &hi, &q, 100).await?)
}

pub async fn create(
    svc: &Services,
    actor: &Actor,
    parent_id: i64,
    form: &OrgForm,
) -> ServiceResult<OrgRow> {
    actor.require(Permission::ManageOrgs)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    // Scope first: someone outside it learns nothing from validation messages.
    let parent = load_in_scope(tx.conn(), actor, parent_id).await?;
    let details = form.parse(svc.clock.today())?;
    if parent.status != "active" {
        return Err(ServiceError::field(
            "parent_id",
            "上级组织已撤销，不能在其下新建组织",
        ));
    }
    let org = db::insert_org(tx.conn(), Some(&parent), &details, &now).await?;
    // Every new organization starts its first committee term today.
    let kind = OrgKind::from_code(&org.kind).unwrap_or(OrgKind::Branch);
    let sector = Sector::from_code(&org.sector).unwrap_or(Sector::Rural);
    let today = svc.clock.today();
    let due = term_due_date(today, default_term_years(kind, sector));
    db::start_term(
        tx.conn(),
        org.id,
        &today.to_string(),
        &due.to_string(),
        &now,
    )
    .await?;
    audit::by(tx.conn(), svc, actor, "org.create", &format!("org:{}", org.id), &org.path, &json!({"after": {"name": org.name, "kind": org.kind, "sector": org.sector, "parent": parent.id}})).await?;
    events::commit(svc, tx, [Change::new(ChangeKind::Orgs, &org.path)]).await?;
    Ok(org)
}

pub async fn update(
    svc: &Services,
    actor: &Actor,
    id: i64,
    form: &OrgForm,
) -> ServiceResult<OrgRow> {
    actor.require(Permission::EditOrg)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let before = load_in_scope(tx.conn(), actor, id).await?;
    let details = form.parse(svc.clock.today())?;
    if before.status != "active" {
        return Err(ServiceError::field("name", "已撤销的组织不能修改"));
    }
    db::update_details(tx.conn(), id, &details, &now).await?;
    let after = db::get_org(tx.conn(), id).await?;
    audit::by(tx.conn(), svc, actor, "org.update", &format!("org:{id}"), &after.path, &json!({
        "before": {"name": before.name, "kind": before.kind, "sector": before.sector, "secretary": before.secretary_name, "vacant_since": before.secretary_vacant_since, "unit": before.unit_name, "population": before.population},
        "after": {"name": after.name, "kind": after.kind, "sector": after.sector, "secretary": after.secretary_name, "vacant_since": after.secretary_vacant_since, "unit": after.unit_name, "population": after.population},
    })).await?;
    events::commit(svc, tx, [Change::new(ChangeKind::Orgs, &after.path)]).await?;
    // Records are found by their organization's name.
    if after.name != before.name {
        crate::records::reindex_org(svc, id).await;
    }
    Ok(after)
}

/// Moves an organization and everything below it under a new parent.
pub async fn move_org(
    svc: &Services,
    actor: &Actor,
    id: i64,
    new_parent_id: i64,
) -> ServiceResult<OrgRow> {
    actor.require(Permission::ManageOrgs)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let org = load_in_scope(tx.conn(), actor, id).await?;
    actor.require_below(&org.path)?;
    let parent = match db::get_org(tx.conn(), new_parent_id).await {
        Ok(p) => p,
        Err(dangjian_store::DbError::NotFound) => {
            return Err(ServiceError::field("parent_id", "目标上级组织不存在"));
        }
        Err(e) => return Err(e.into()),
    };
    actor.require_scope(&parent.path)?;
    if parent.status != "active" {
        return Err(ServiceError::field("parent_id", "目标上级组织已撤销"));
    }
    let (Some(moving), Some(target)) = (
        OrgPath::from_stored(&org.path),
        OrgPath::from_stored(&parent.path),
    ) else {
        return Err(ServiceError::NotFound);
    };
    check_move(&moving, &target)?;
    if org.parent_id == Some(parent.id) {
        return Err(ServiceError::field(
            "parent_id",
            "该组织已在目标上级组织之下",
        ));
    }
    let old_parent = org.parent_id;
    db::move_subtree(tx.conn(), &org, &parent, &now).await?;
    let moved = db::get_org(tx.conn(), id).await?;
    audit::by(tx.conn(), svc, actor, "org.move", &format!("org:{id}"), &moved.path, &json!({"before": {"parent": old_parent, "path": org.path}, "after": {"parent": parent.id, "path": moved.path}, "subtree_orgs": org.sub_orgs + 1})).await?;
    events::commit(
        svc,
        tx,
        [
            Change::new(ChangeKind::Orgs, &org.path),
            Change::new(ChangeKind::Orgs, &moved.path),
        ],
    )
    .await?;
    // The subtree's records carry the new path: search scopes follow.
    crate::records::reindex_subtree(svc, &moved.path).await;
    Ok(moved)
}

/// Dissolves an organization with no active members or children.
pub async fn dissolve(svc: &Services, actor: &Actor, id: i64, on: &str) -> ServiceResult<()> {
    actor.require(Permission::ManageOrgs)?;
    {
        // Scope first: someone outside it learns nothing from validation messages.
        let mut conn = svc.store.read().await?;
        load_in_scope(&mut conn, actor, id).await?;
    }
    let on = dangjian_domain::error::date_field("dissolved_on", "撤销日期", on)?;
    if on > svc.clock.today() {
        return Err(ServiceError::field("dissolved_on", "撤销日期不能晚于今天"));
    }
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let org = load_in_scope(tx.conn(), actor, id).await?;
    actor.require_below(&org.path)?;
    if org.status != "active" {
        return Err(ServiceError::field("dissolved_on", "该组织已撤销"));
    }
    let children = db::count_children(tx.conn(), id, false).await?;
    let members = mdb::active_count_in_org(tx.conn(), id).await?;
    if children > 0 || members > 0 {
        return Err(ServiceError::field(
            "dissolved_on",
            format!("该组织还有{children}个下级组织、{members}名党员，请先转移后再撤销"),
        ));
    }
    db::dissolve(tx.conn(), &org, &on.to_string(), &now).await?;
    audit::by(tx.conn(), svc, actor, "org.dissolve", &format!("org:{id}"), &org.path, &json!({"before": {"status": "active"}, "after": {"status": "dissolved", "on": on.to_string()}})).await?;
    events::commit(svc, tx, [Change::new(ChangeKind::Orgs, &org.path)]).await?;
    Ok(())
}

/// Records a re-election (换届): closes the current term and starts the next.
pub async fn start_term(svc: &Services, actor: &Actor, id: i64, start: &str) -> ServiceResult<()> {
    actor.require(Permission::EditOrg)?;
    {
        // Scope first: someone outside it learns nothing from validation messages.
        let mut conn = svc.store.read().await?;
        load_in_scope(&mut conn, actor, id).await?;
    }
    let start = dangjian_domain::error::date_field("start_date", "换届日期", start)?;
    if start > svc.clock.today() {
        return Err(ServiceError::field("start_date", "换届日期不能晚于今天"));
    }
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let org = load_in_scope(tx.conn(), actor, id).await?;
    let kind = OrgKind::from_code(&org.kind).unwrap_or(OrgKind::Branch);
    let sector = Sector::from_code(&org.sector).unwrap_or(Sector::Rural);
    let due = term_due_date(start, default_term_years(kind, sector));
    db::start_term(tx.conn(), id, &start.to_string(), &due.to_string(), &now).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "org.term",
        &format!("org:{id}"),
        &org.path,
        &json!({"after": {"start": start.to_string(), "due": due.to_string()}}),
    )
    .await?;
    events::commit(svc, tx, [Change::new(ChangeKind::Orgs, &org.path)]).await?;
    Ok(())
}

/// Records whether an organization has a committee (支部委员会) rather than
/// a lone secretary; obligations such as the monthly 支部委员会会议 bind
/// only those that have one.
pub async fn set_has_committee(
    svc: &Services,
    actor: &Actor,
    id: i64,
    has: bool,
) -> ServiceResult<()> {
    actor.require(Permission::EditOrg)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let org = load_in_scope(tx.conn(), actor, id).await?;
    let before = db::has_committee(tx.conn(), id).await?;
    if before == has {
        return Ok(());
    }
    db::set_has_committee(tx.conn(), &[id], has, &now).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "org.committee",
        &format!("org:{id}"),
        &org.path,
        &json!({"before": {"has_committee": before}, "after": {"has_committee": has}}),
    )
    .await?;
    events::commit(svc, tx, [Change::new(ChangeKind::Orgs, &org.path)]).await?;
    Ok(())
}

/// Creates the root organization (the county committee) of a new
/// installation; there is no acting user yet.
pub async fn create_root(svc: &Services, name: &str) -> ServiceResult<i64> {
    let name = OrgName::parse(name)?;
    let now = svc.clock.now_text();
    let details = OrgDetails {
        name: name.into_string(),
        kind: OrgKind::Committee.code().to_owned(),
        sector: Sector::Government.code().to_owned(),
        secretary_name: String::new(),
        secretary_vacant_since: None,
        unit_name: String::new(),
        population: None,
    };
    let mut tx = svc.store.begin_write().await?;
    let org = db::insert_org(tx.conn(), None, &details, &now).await?;
    audit::append(
        tx.conn(),
        svc,
        "system",
        "org.create",
        &format!("org:{}", org.id),
        &org.path,
        &json!({"after": {"name": org.name}}),
    )
    .await?;
    tx.commit().await?;
    Ok(org.id)
}
