//! Create and edit: the form parsed into the domain's `MemberInput`, the
//! identity encrypted, duplicates refused (and counted), written and audited.

use super::{MemberForm, member_in_scope, target_org};
use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, Change, ChangeKind};
use crate::security::{self, Hits};
use dangjian_domain::FieldError;
use dangjian_domain::member::{Gender, IdCardNo, MemberInput, StoredIdentity};
use dangjian_domain::role::Permission;
use dangjian_store::member::{self as db, MemberFields, MemberRow};
use dangjian_store::org as odb;
use serde_json::json;

/// What parsing a form yields: the stored fields (with identity encrypted)
/// and the organization it names.
pub(crate) struct Parsed {
    pub(crate) fields: MemberFields,
    pub(crate) org_id: i64,
}

/// Parses and cross-checks one member (form or import row) into the domain
/// type, then encrypts what is stored; nothing here touches the database:
/// scope, organization status and duplicates are the caller's.
pub(crate) fn parse_form(
    svc: &Services,
    f: &MemberForm,
    existing: Option<&MemberRow>,
) -> ServiceResult<Parsed> {
    // On edit without a new number the stored one is decrypted: birth date
    // and gender follow it.
    let stored = existing.map(|m| StoredIdentity {
        id_card: if f.id_card.trim().is_empty() {
            svc.crypto
                .decrypt(&m.id_card_enc)
                .and_then(|raw| IdCardNo::parse(&raw).ok())
        } else {
            None
        },
        gender: Gender::from_code(&m.gender),
    });
    let input = MemberInput::parse(&f.raw(), svc.clock.today(), stored.as_ref())
        .map_err(ServiceError::Invalid)?;
    let (id_card_enc, id_card_hmac, id_card_masked) = match (&input.id_card, existing) {
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
    let (phone_enc, phone_masked) = match &input.phone {
        Some(p) => (Some(svc.crypto.encrypt(p.as_str())), p.masked()),
        None => match existing {
            // An empty phone field on edit keeps the stored number.
            Some(m) => (m.phone_enc.clone(), m.phone_masked.clone()),
            None => (None, String::new()),
        },
    };
    let birth_month = input.birth_month();
    Ok(Parsed {
        org_id: input.org_id,
        fields: MemberFields {
            name: input.name,
            gender: input.gender.code().to_owned(),
            birth_month,
            ethnicity: input.ethnicity,
            education: input.education,
            category: input.category.code().to_owned(),
            joined_on: input.joined_on.to_string(),
            full_on: input.full_on.map(|d| d.to_string()),
            probation_extended: existing.is_some_and(|m| m.probation_extended != 0),
            post: input.post,
            address: input.address,
            id_card_enc,
            id_card_hmac,
            id_card_masked,
            phone_enc,
            phone_masked,
        },
    })
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
