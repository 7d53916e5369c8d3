//! Member use cases: the filtered, paged list (`list`); create and edit,
//! the form parsed into the domain's `MemberInput` (`form`); reveal of
//! sensitive fields (audited); transfers kept as history and probation →
//! full membership (`transfer`).

use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::error::{ServiceError, ServiceResult};
use dangjian_domain::member::{IdCardNo, RawMember};
use dangjian_domain::role::Permission;
use dangjian_store::DbError;
use dangjian_store::member::{self as db, MemberFields, MemberRow, TransferRow};
use dangjian_store::org as odb;
use serde::Deserialize;
use serde_json::json;

mod form;
mod list;
mod transfer;

pub(crate) use form::parse_form;
pub use form::{create, update};
pub(crate) use list::parse_query;
pub use list::{COUNT_CAP, MemberPage, MemberQuery, PER_PAGE, list};
pub use transfer::{confirm_full, extend_probation, transfer};

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
    /// The form's text, for the domain parser.
    pub fn raw(&self) -> RawMember<'_> {
        RawMember {
            org_id: &self.org_id,
            name: &self.name,
            id_card: &self.id_card,
            gender: &self.gender,
            birth_date: &self.birth_date,
            ethnicity: &self.ethnicity,
            education: &self.education,
            category: &self.category,
            joined_on: &self.joined_on,
            full_on: &self.full_on,
            post: &self.post,
            phone: &self.phone,
            address: &self.address,
        }
    }
}

pub(super) async fn member_in_scope(
    conn: &mut dangjian_store::Conn,
    actor: &Actor,
    id: i64,
) -> ServiceResult<MemberRow> {
    let m = db::get_member(conn, id).await?;
    actor.require_scope(&m.org_path)?;
    Ok(m)
}

pub(super) async fn target_org(
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

/// Transfers and probation changes apply only to members still on the roll.
pub(super) fn require_active(m: &MemberRow) -> ServiceResult<()> {
    if m.status == "active" {
        Ok(())
    } else {
        Err(ServiceError::field(
            "name",
            "该党员已不在册，不能办理此项业务",
        ))
    }
}

pub(super) fn fields_of(m: &MemberRow) -> MemberFields {
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
