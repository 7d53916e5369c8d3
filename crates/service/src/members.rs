//! Member use cases: the filtered, paged list; create and edit with every
//! field parsed and cross-checked; reveal of sensitive fields (audited);
//! transfers kept as history; probation → full membership.

use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::error::{Errors, ServiceError, ServiceResult};
use crate::events::{self, Change, ChangeKind};
use crate::security::{self, Hits};
use dangjian_domain::FieldError;
use dangjian_domain::error::{date_field, optional_date_field, text_field};
use dangjian_domain::member::{
    AGE_BANDS, Gender, IdCardNo, MemberCategory, PhoneNo, age_band_months, check_full_date,
    check_member_dates, person_name,
};
use dangjian_domain::role::Permission;
use dangjian_store::DbError;
use dangjian_store::member::{
    self as db, MemberFields, MemberFilter, MemberListRow, MemberRow, TransferRow,
};
use dangjian_store::org as odb;
use serde::Deserialize;
use serde_json::json;

pub const PER_PAGE: i64 = 50;
/// A filtered count stops here; the page then says "more than".
pub const COUNT_CAP: i64 = 10_000;

pub const EDUCATION: [&str; 8] = [
    "小学",
    "初中",
    "高中",
    "中专",
    "大专",
    "本科",
    "研究生",
    "其他",
];

/// The member form as submitted.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct MemberForm {
    pub org_id: String,
    pub name: String,
    pub id_card: String,
    pub gender: String,
    pub birth_date: String,
    pub ethnicity: String,
    pub education: String,
    pub category: String,
    pub joined_on: String,
    pub full_on: String,
    pub post: String,
    pub phone: String,
    pub address: String,
}

impl MemberForm {
    pub fn from_row(m: &MemberRow) -> Self {
        Self {
            org_id: m.org_id.to_string(),
            name: m.name.clone(),
            id_card: String::new(),
            gender: m.gender.clone(),
            // Not filled in: the date follows the stored number, and a
            // branch secretary who may not reveal the number must not read
            // its birth date from the form either.
            birth_date: String::new(),
            ethnicity: m.ethnicity.clone(),
            education: m.education.clone(),
            category: m.category.clone(),
            joined_on: m.joined_on.clone(),
            full_on: m.full_on.clone().unwrap_or_default(),
            post: m.post.clone(),
            phone: String::new(),
            address: m.address.clone(),
        }
    }
}

/// What parsing a form yields: the stored fields (with identity encrypted)
/// and the plain ID number for the duplicate check.
pub(crate) struct Parsed {
    pub(crate) fields: MemberFields,
    pub(crate) org_id: i64,
}

/// Parses and cross-checks one member (form or import row) without touching
/// the database: scope, organization status and duplicates are the caller's.
pub(crate) fn parse_form(
    svc: &Services,
    f: &MemberForm,
    existing: Option<&MemberRow>,
) -> ServiceResult<Parsed> {
    let today = svc.clock.today();
    let mut e = Errors::default();
    let org_id = e.take(
        f.org_id
            .trim()
            .parse::<i64>()
            .map_err(|_| FieldError::new("org_id", "请选择所在党组织")),
    );
    let name = e.take(person_name(&f.name));
    // On edit an empty ID field keeps the stored number.
    let id_card = if f.id_card.trim().is_empty() && existing.is_some() {
        None
    } else {
        e.take(IdCardNo::parse(&f.id_card))
    };
    let gender = if f.gender.trim().is_empty() {
        None
    } else {
        e.take(
            Gender::from_code(f.gender.trim())
                .ok_or_else(|| FieldError::new("gender", "性别应为男或女")),
        )
    };
    let birth = e
        .take(optional_date_field("birth_date", "出生日期", &f.birth_date))
        .flatten();
    let ethnicity = e.take(text_field("ethnicity", "民族", &f.ethnicity, false, 20));
    let education = e.take(text_field("education", "学历", &f.education, false, 20));
    let category = e.take(
        MemberCategory::from_code(f.category.trim())
            .ok_or_else(|| FieldError::new("category", "请选择人员类别（正式党员或预备党员）")),
    );
    let joined = e.take(date_field("joined_on", "入党日期", &f.joined_on));
    let full_on = e.take(optional_date_field("full_on", "转正日期", &f.full_on));
    let post = e.take(text_field("post", "工作岗位", &f.post, false, 50));
    let phone = if f.phone.trim().is_empty() {
        Some(None)
    } else {
        e.take(PhoneNo::parse(&f.phone)).map(Some)
    };
    let address = e.take(text_field("address", "家庭住址", &f.address, false, 100));

    // Birth date and gender come from the number; form values must agree.
    let (birth_date, gender) = match (&id_card, existing) {
        (Some(id), _) => {
            if let Err(err) = id.check_consistent(birth, gender) {
                e.push(err);
            }
            (Some(id.birth_date()), Some(id.gender()))
        }
        (None, Some(m)) => {
            // Birth date and gender follow the stored number: a change to
            // them without a new number is refused, not silently dropped.
            // Only the month is kept in clear: the date is the number's.
            let stored = svc
                .crypto
                .decrypt(&m.id_card_enc)
                .and_then(|raw| IdCardNo::parse(&raw).ok());
            if stored.is_none() {
                e.push(FieldError::new(
                    "id_card",
                    "无法解密已登记的公民身份号码：密钥与数据库不匹配",
                ));
            }
            let stored_birth = stored.as_ref().map(IdCardNo::birth_date);
            let stored_gender = Gender::from_code(&m.gender);
            // Any date given is refused, equal or not: an answer that
            // differed would tell an editor who may not reveal the number
            // its birth date, one guess at a time.
            if birth.is_some() {
                e.push(FieldError::new(
                    "birth_date",
                    "出生日期以公民身份号码为准；如需更正，请同时重新填写公民身份号码",
                ));
            }
            if gender.is_some() && gender != stored_gender {
                e.push(FieldError::new(
                    "gender",
                    "性别以公民身份号码为准；如需更正，请同时重新填写公民身份号码",
                ));
            }
            (stored_birth, stored_gender)
        }
        (None, None) => (None, None),
    };
    if let (Some(b), Some(j), Some(c), Some(fo)) = (birth_date, joined, category, full_on)
        && let Err(err) = check_member_dates(b, j, c, fo, today)
    {
        e.push(err);
    }
    e.finish()?;
    let (
        Some(org_id),
        Some(name),
        Some(ethnicity),
        Some(education),
        Some(category),
        Some(joined),
        Some(full_on),
        Some(post),
        Some(phone),
        Some(address),
        Some(birth_date),
        Some(gender),
    ) = (
        org_id, name, ethnicity, education, category, joined, full_on, post, phone, address,
        birth_date, gender,
    )
    else {
        unreachable!("finish() returned Ok, so every field parsed")
    };
    let (id_card_enc, id_card_hmac, id_card_masked) = match (&id_card, existing) {
        (Some(id), _) => (
            svc.crypto.encrypt(id.as_str()),
            svc.crypto.mac("id_card", id.as_str()),
            id.masked(),
        ),
        (None, Some(m)) => (
            m.id_card_enc.clone(),
            m.id_card_hmac.clone(),
            m.id_card_masked.clone(),
        ),
        (None, None) => unreachable!("a new member always has an ID number"),
    };
    let (phone_enc, phone_masked) = match &phone {
        Some(p) => (Some(svc.crypto.encrypt(p.as_str())), p.masked()),
        None => match existing {
            // An empty phone field on edit keeps the stored number.
            Some(m) => (m.phone_enc.clone(), m.phone_masked.clone()),
            None => (None, String::new()),
        },
    };
    Ok(Parsed {
        org_id,
        fields: MemberFields {
            name,
            gender: gender.code().to_owned(),
            birth_month: birth_date.strftime("%Y-%m").to_string(),
            ethnicity,
            education,
            category: category.code().to_owned(),
            joined_on: joined.to_string(),
            full_on: full_on.map(|d| d.to_string()),
            probation_extended: existing.is_some_and(|m| m.probation_extended != 0),
            post,
            address,
            id_card_enc,
            id_card_hmac,
            id_card_masked,
            phone_enc,
            phone_masked,
        },
    })
}

async fn member_in_scope(
    conn: &mut dangjian_store::Conn,
    actor: &Actor,
    id: i64,
) -> ServiceResult<MemberRow> {
    let m = db::get_member(conn, id).await?;
    actor.require_scope(&m.org_path)?;
    Ok(m)
}

async fn target_org(
    conn: &mut dangjian_store::Conn,
    actor: &Actor,
    org_id: i64,
) -> ServiceResult<odb::OrgRow> {
    let org = match odb::get_org(conn, org_id).await {
        Ok(o) => o,
        Err(DbError::NotFound) => return Err(ServiceError::field("org_id", "所选党组织不存在")),
        Err(e) => return Err(e.into()),
    };
    actor.require_scope(&org.path)?;
    if org.status != "active" {
        return Err(ServiceError::field("org_id", "所选党组织已撤销"));
    }
    Ok(org)
}

/// The answer to a number that is already registered, and the hit it
/// counts: the holder is named only inside the actor's scope; outside it the
/// message says nothing about where (no membership oracle).
async fn duplicate_message(
    conn: &mut dangjian_store::Conn,
    actor: &Actor,
    hmac: &str,
    own_id: Option<i64>,
) -> ServiceResult<Option<(FieldError, Hits)>> {
    let Some(other) = db::find_by_id_card_hmac(conn, hmac).await? else {
        return Ok(None);
    };
    if Some(other.id) == own_id {
        return Ok(None);
    }
    let (msg, hits) = if actor.require_scope(&other.org_path).is_ok() {
        let org = odb::get_org(conn, other.org_id).await?;
        (
            format!("该公民身份号码已登记为党员{}（{}）", other.name, org.name),
            Hits {
                in_scope: 1,
                out_of_scope: 0,
            },
        )
    } else {
        (
            security::HIDDEN_DUPLICATE.to_owned(),
            Hits {
                in_scope: 0,
                out_of_scope: 1,
            },
        )
    };
    Ok(Some((FieldError::new("id_card", msg), hits)))
}

/// Refuses a duplicate number: the hit is audited and counted (committed
/// although the request fails), and past the daily limit the refusal says so.
async fn refuse_duplicate(
    mut tx: dangjian_store::WriteTx,
    svc: &Services,
    actor: &Actor,
    err: FieldError,
    hits: Hits,
) -> ServiceError {
    let limited =
        security::record_hits(tx.conn(), svc, actor, "member.form", "id_card", hits).await;
    if let Err(e) = tx.commit().await {
        return e.into();
    }
    match limited {
        Err(e) => e,
        Ok(()) => err.into(),
    }
}

pub async fn create(svc: &Services, actor: &Actor, form: &MemberForm) -> ServiceResult<i64> {
    actor.require(Permission::EditMembers)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    // Scope first: someone outside it learns nothing from validation messages.
    if let Ok(org_id) = form.org_id.trim().parse::<i64>() {
        target_org(tx.conn(), actor, org_id).await?;
    }
    let p = parse_form(svc, form, None)?;
    let org = target_org(tx.conn(), actor, p.org_id).await?;
    if let Some((err, hits)) =
        duplicate_message(tx.conn(), actor, &p.fields.id_card_hmac, None).await?
    {
        return Err(refuse_duplicate(tx, svc, actor, err, hits).await);
    }
    let id = db::insert_member(tx.conn(), org.id, &org.path, &p.fields, &now).await?;
    audit::by(tx.conn(), svc, actor, "member.create", &format!("member:{id}"), &org.path, &json!({"after": {"name": p.fields.name, "org": org.id, "category": p.fields.category, "id_card": p.fields.id_card_masked}})).await?;
    events::commit(svc, tx, [Change::new(ChangeKind::Members, &org.path)]).await?;
    Ok(id)
}

pub async fn update(
    svc: &Services,
    actor: &Actor,
    id: i64,
    form: &MemberForm,
) -> ServiceResult<()> {
    actor.require(Permission::EditMembers)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let before = member_in_scope(tx.conn(), actor, id).await?;
    if before.status != "active" {
        return Err(ServiceError::field("name", "该党员已不在册，不能修改"));
    }
    let mut p = parse_form(svc, form, Some(&before))?;
    if p.org_id != before.org_id {
        return Err(ServiceError::field(
            "org_id",
            "变更所在党组织请使用“组织关系转接”",
        ));
    }
    if let Some((err, hits)) =
        duplicate_message(tx.conn(), actor, &p.fields.id_card_hmac, Some(id)).await?
    {
        return Err(refuse_duplicate(tx, svc, actor, err, hits).await);
    }
    p.fields.probation_extended = before.probation_extended != 0;
    db::update_member(tx.conn(), &before, &p.fields, &now).await?;
    audit::by(tx.conn(), svc, actor, "member.update", &format!("member:{id}"), &before.org_path, &json!({
        "before": {"name": before.name, "category": before.category, "joined_on": before.joined_on, "full_on": before.full_on, "post": before.post, "id_card": before.id_card_masked, "phone": before.phone_masked},
        "after": {"name": p.fields.name, "category": p.fields.category, "joined_on": p.fields.joined_on, "full_on": p.fields.full_on, "post": p.fields.post, "id_card": p.fields.id_card_masked, "phone": p.fields.phone_masked},
    })).await?;
    events::commit(
        svc,
        tx,
        [Change::new(ChangeKind::Members, &before.org_path)],
    )
    .await?;
    Ok(())
}

/// A member with the history its page shows.
pub struct MemberView {
    pub member: MemberRow,
    pub org: odb::OrgRow,
    pub transfers: Vec<TransferRow>,
}

pub async fn view(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<MemberView> {
    actor.require(Permission::ReadBusiness)?;
    let mut conn = svc.store.read().await?;
    let member = member_in_scope(&mut conn, actor, id).await?;
    let org = odb::get_org(&mut conn, member.org_id).await?;
    let transfers = db::transfers(&mut conn, id).await?;
    Ok(MemberView {
        member,
        org,
        transfers,
    })
}

/// The full ID-card and phone numbers; every reveal is audited.
pub async fn reveal(
    svc: &Services,
    actor: &Actor,
    id: i64,
) -> ServiceResult<(String, Option<String>)> {
    actor.require(Permission::ReadBusiness)?;
    actor.require(Permission::RevealSensitive)?;
    let mut tx = svc.store.begin_write().await?;
    let m = member_in_scope(tx.conn(), actor, id).await?;
    let id_card = svc
        .crypto
        .decrypt(&m.id_card_enc)
        .ok_or_else(|| ServiceError::forbidden("无法解密：密钥与数据库不匹配"))?;
    let phone = m.phone_enc.as_deref().and_then(|p| svc.crypto.decrypt(p));
    audit::by(
        tx.conn(),
        svc,
        actor,
        "member.reveal",
        &format!("member:{id}"),
        &m.org_path,
        &json!({"fields": ["id_card", "phone"]}),
    )
    .await?;
    tx.commit().await?;
    Ok((id_card, phone))
}

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

/// Transfers a member to another organization in scope (组织关系转接).
pub async fn transfer(
    svc: &Services,
    actor: &Actor,
    id: i64,
    to_org_id: &str,
    on: &str,
    reason: &str,
) -> ServiceResult<()> {
    actor.require(Permission::EditMembers)?;
    {
        // Scope first: someone outside it learns nothing from validation messages.
        let mut conn = svc.store.read().await?;
        member_in_scope(&mut conn, actor, id).await?;
    }
    let mut e = Errors::default();
    let to = e.take(
        to_org_id
            .trim()
            .parse::<i64>()
            .map_err(|_| FieldError::new("org_id", "请选择转入党组织")),
    );
    let on = e.take(date_field("on_date", "转接日期", on));
    let reason = e.take(text_field("reason", "转接原因", reason, true, 200));
    if let Some(d) = on
        && d > svc.clock.today()
    {
        e.push(FieldError::new("on_date", "转接日期不能晚于今天"));
    }
    e.finish()?;
    let (Some(to), Some(on), Some(reason)) = (to, on, reason) else {
        unreachable!("checked by finish()")
    };
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let m = member_in_scope(tx.conn(), actor, id).await?;
    require_active(&m)?;
    let org = target_org(tx.conn(), actor, to).await?;
    if org.id == m.org_id {
        return Err(ServiceError::field(
            "org_id",
            "转入党组织与当前所在党组织相同",
        ));
    }
    db::transfer(
        tx.conn(),
        &m,
        org.id,
        &org.path,
        &on.to_string(),
        &reason,
        &now,
    )
    .await?;
    audit::by(tx.conn(), svc, actor, "member.transfer", &format!("member:{id}"), &org.path, &json!({"before": {"org": m.org_id}, "after": {"org": org.id}, "on": on.to_string(), "reason": reason})).await?;
    events::commit(
        svc,
        tx,
        [
            Change::new(ChangeKind::Members, &m.org_path),
            Change::new(ChangeKind::Members, &org.path),
        ],
    )
    .await?;
    Ok(())
}

/// Probationary → full member on `full_on` (one year after joining, or up
/// to two with the one permitted extension).
pub async fn confirm_full(
    svc: &Services,
    actor: &Actor,
    id: i64,
    full_on: &str,
) -> ServiceResult<()> {
    actor.require(Permission::EditMembers)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let m = member_in_scope(tx.conn(), actor, id).await?;
    let full_on = date_field("full_on", "转正日期", full_on)?;
    require_active(&m)?;
    if m.category != "probationary" {
        return Err(ServiceError::field("full_on", "该党员已是正式党员"));
    }
    let joined = m
        .joined_on
        .parse()
        .map_err(|_| ServiceError::field("joined_on", "入党日期无效"))?;
    check_full_date(joined, full_on, svc.clock.today())?;
    if m.probation_extended == 0
        && full_on
            > joined
                .checked_add(jiff::Span::new().years(1).days(31))
                .unwrap_or(joined)
    {
        return Err(ServiceError::field(
            "full_on",
            "未延长预备期的党员应在预备期满一年时转正；如需延长请先办理延长预备期",
        ));
    }
    let mut f = fields_of(&m);
    f.category = "full".into();
    f.full_on = Some(full_on.to_string());
    db::update_member(tx.conn(), &m, &f, &now).await?;
    audit::by(tx.conn(), svc, actor, "member.full", &format!("member:{id}"), &m.org_path, &json!({"before": {"category": "probationary"}, "after": {"category": "full", "full_on": full_on.to_string()}})).await?;
    events::commit(svc, tx, [Change::new(ChangeKind::Members, &m.org_path)]).await?;
    Ok(())
}

/// Extends probation once (延长预备期, at most one year).
pub async fn extend_probation(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<()> {
    actor.require(Permission::EditMembers)?;
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let m = member_in_scope(tx.conn(), actor, id).await?;
    require_active(&m)?;
    if m.category != "probationary" {
        return Err(ServiceError::field(
            "category",
            "只有预备党员可以延长预备期",
        ));
    }
    if m.probation_extended != 0 {
        return Err(ServiceError::field("category", "预备期只能延长一次"));
    }
    let mut f = fields_of(&m);
    f.probation_extended = true;
    db::update_member(tx.conn(), &m, &f, &now).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "member.extend_probation",
        &format!("member:{id}"),
        &m.org_path,
        &json!({"after": {"probation_extended": true}}),
    )
    .await?;
    events::commit(svc, tx, [Change::new(ChangeKind::Members, &m.org_path)]).await?;
    Ok(())
}

/// Transfers and probation changes apply only to members still on the roll.
fn require_active(m: &MemberRow) -> ServiceResult<()> {
    if m.status == "active" {
        Ok(())
    } else {
        Err(ServiceError::field(
            "name",
            "该党员已不在册，不能办理此项业务",
        ))
    }
}

fn fields_of(m: &MemberRow) -> MemberFields {
    MemberFields {
        name: m.name.clone(),
        gender: m.gender.clone(),
        birth_month: m.birth_month.clone(),
        ethnicity: m.ethnicity.clone(),
        education: m.education.clone(),
        category: m.category.clone(),
        joined_on: m.joined_on.clone(),
        full_on: m.full_on.clone(),
        probation_extended: m.probation_extended != 0,
        post: m.post.clone(),
        address: m.address.clone(),
        id_card_enc: m.id_card_enc.clone(),
        id_card_hmac: m.id_card_hmac.clone(),
        id_card_masked: m.id_card_masked.clone(),
        phone_enc: m.phone_enc.clone(),
        phone_masked: m.phone_masked.clone(),
    }
}

/// Finds the member with this exact ID number inside the actor's scope
/// (for roles that may see full numbers). The lookup is audited because it
/// confirms a person's membership.
pub async fn find_by_id_card(
    svc: &Services,
    actor: &Actor,
    raw: &str,
) -> ServiceResult<Option<i64>> {
    actor.require(Permission::ReadBusiness)?;
    actor.require(Permission::RevealSensitive)?;
    let id = IdCardNo::parse(raw)?;
    let hmac = svc.crypto.mac("id_card", id.as_str());
    let mut tx = svc.store.begin_write().await?;
    let found = db::find_by_id_card_hmac(tx.conn(), &hmac)
        .await?
        .filter(|m| actor.require_scope(&m.org_path).is_ok());
    audit::by(
        tx.conn(),
        svc,
        actor,
        "member.lookup",
        &found
            .as_ref()
            .map_or_else(|| "member:?".to_owned(), |m| format!("member:{}", m.id)),
        actor.org_path.as_str(),
        &json!({"id_card": id.masked(), "found": found.is_some()}),
    )
    .await?;
    tx.commit().await?;
    Ok(found.map(|m| m.id))
}
