//! The policy profile (政策配置) in use: stored versions in the database, the
//! active one parsed once and cached in memory, and the administrator's view,
//! download and upload of a new version. A bad upload is refused with the
//! parser's line-precise Chinese messages and the active version stays.
//!
//! This module does not parse profiles (the domain's `policy` does) and does
//! not evaluate anything with them (see `compliance`).

use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::{Services, audit};
use dangjian_domain::FieldError;
use dangjian_domain::policy::{DEFAULT_PROFILE_TOML, Profile};
use dangjian_domain::role::Permission;
use dangjian_store::Conn;
use dangjian_store::profile::{self as db, NewProfile, ProfileRow};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Largest profile text accepted (the default is about 15 KB).
pub const MAX_PROFILE_BYTES: usize = 512 * 1024;

/// The active profile and its number in this database. Every computed
/// result and every saved record carries `version`.
#[derive(Debug, Clone)]
pub struct ActiveProfile {
    pub version: i64,
    pub profile: Arc<Profile>,
}

/// Parsed profiles by content hash. Keyed by hash rather than by version
/// number: numbers are per database (tests run many), the same text always
/// parses to the same profile.
fn cache() -> &'static Mutex<HashMap<String, Arc<Profile>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Profile>>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

fn cached(hash: &str) -> Option<Arc<Profile>> {
    cache().lock().ok()?.get(hash).cloned()
}

fn remember(profile: Profile) -> Arc<Profile> {
    let p = Arc::new(profile);
    if let Ok(mut c) = cache().lock() {
        c.insert(p.content_hash().to_owned(), Arc::clone(&p));
    }
    p
}

/// The profile of `version` with `hash`, parsed from the stored text unless
/// cached.
async fn load(conn: &mut Conn, version: i64, hash: &str) -> ServiceResult<Arc<Profile>> {
    if let Some(p) = cached(hash) {
        return Ok(p);
    }
    let text = db::content(conn, version).await?;
    let profile = Profile::parse(&text).map_err(|errs| {
        // Only validated texts are stored; a failure means the parser's
        // rules changed under a stored profile.
        ServiceError::Db(dangjian_store::DbError::Other(sqlx_config_error(format!(
            "已存储的政策配置第{version}版无法解析：{}",
            errs.first().map(ToString::to_string).unwrap_or_default()
        ))))
    })?;
    Ok(remember(profile))
}

fn sqlx_config_error(msg: String) -> dangjian_store::SqlxError {
    dangjian_store::SqlxError::Configuration(msg.into())
}

/// The active profile; on a database without one, the embedded default is
/// stored as version 1 first (audited as the system).
pub async fn active(svc: &Services) -> ServiceResult<ActiveProfile> {
    {
        let mut conn = svc.store.read().await?;
        if let Some((version, hash)) = db::active(&mut conn).await? {
            let profile = load(&mut conn, version, &hash).await?;
            return Ok(ActiveProfile { version, profile });
        }
    }
    let mut tx = svc.store.begin_write().await?;
    let active = active_in(tx.conn(), svc).await?;
    tx.commit().await?;
    Ok(active)
}

/// The active profile if one is stored, read on the caller's connection
/// (nothing installed: callers without `Services` fall back to defaults).
pub async fn stored_active(conn: &mut Conn) -> ServiceResult<Option<Arc<Profile>>> {
    match db::active(conn).await? {
        Some((version, hash)) => Ok(Some(load(conn, version, &hash).await?)),
        None => Ok(None),
    }
}

/// Like [`active`], inside the caller's write transaction.
pub async fn active_in(conn: &mut Conn, svc: &Services) -> ServiceResult<ActiveProfile> {
    if let Some((version, hash)) = db::active(conn).await? {
        let profile = load(conn, version, &hash).await?;
        return Ok(ActiveProfile { version, profile });
    }
    let default = Profile::default_profile();
    let version = db::insert_active(
        conn,
        &NewProfile {
            label: default.version(),
            name: default.name(),
            content: DEFAULT_PROFILE_TOML,
            content_hash: default.content_hash(),
            created_by: "system",
        },
        &svc.clock.now_text(),
    )
    .await?;
    audit::append(
        conn,
        svc,
        "system",
        "policy.install_default",
        &format!("policy:{version}"),
        "/",
        &json!({"after": {"version": version, "label": default.version(), "hash": default.content_hash()}}),
    )
    .await?;
    Ok(ActiveProfile {
        version,
        profile: remember(default.clone()),
    })
}

/// What the profile page shows: the active version and every stored one.
#[derive(Debug, Clone)]
pub struct PolicyView {
    pub active: ActiveProfile,
    pub versions: Vec<ProfileRow>,
}

/// The active profile (its rules: record types, obligations, terms) and the
/// version history. Everyone who reads business data may read the rules.
pub async fn view(svc: &Services, actor: &Actor) -> ServiceResult<PolicyView> {
    actor.require(Permission::ReadBusiness)?;
    let active = active(svc).await?;
    let mut conn = svc.store.read().await?;
    let versions = db::list(&mut conn).await?;
    Ok(PolicyView { active, versions })
}

/// A profile text to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileFile {
    /// e.g. `policy-v2-jiangxi-county-2026.1.toml` (ASCII, safe in a header).
    pub file_name: String,
    pub content: String,
}

/// The text of `version` (the active one when `None`).
pub async fn download(
    svc: &Services,
    actor: &Actor,
    version: Option<i64>,
) -> ServiceResult<ProfileFile> {
    actor.require(Permission::ReadBusiness)?;
    let version = match version {
        Some(v) => v,
        None => active(svc).await?.version,
    };
    let mut conn = svc.store.read().await?;
    let content = db::content(&mut conn, version).await?;
    let label = Profile::parse(&content)
        .map(|p| p.version().to_owned())
        .unwrap_or_default();
    let safe: String = label
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let file_name = if safe.is_empty() {
        format!("policy-v{version}.toml")
    } else {
        format!("policy-v{version}-{safe}.toml")
    };
    Ok(ProfileFile { file_name, content })
}

/// Loads a new profile version and makes it active. A profile that does not
/// parse is refused with one `profile` field error per problem
/// (第N行第M列：…), and nothing changes. Duties are divided (三员分立): the
/// `[security]` table is the security administrator's and may change only
/// in a profile it loads, which may change nothing else; everything else is
/// the county administrator's.
pub async fn upload(svc: &Services, actor: &Actor, bytes: &[u8]) -> ServiceResult<ActiveProfile> {
    actor
        .require(Permission::ManagePolicy)
        .or_else(|_| actor.require(Permission::ManageSecurity))?;
    if bytes.len() > MAX_PROFILE_BYTES {
        return Err(ServiceError::field(
            "profile",
            format!("配置文件不能超过{}KB", MAX_PROFILE_BYTES / 1024),
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| FieldError::new("profile", "配置文件应为 UTF-8 编码的文本（TOML）"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ServiceError::field("profile", "配置文件是空的"));
    }
    let profile = Profile::parse(text).map_err(|errs| {
        ServiceError::Invalid(
            errs.iter()
                .map(|e| FieldError::new("profile", e.to_string()))
                .collect(),
        )
    })?;
    let mut tx = svc.store.begin_write().await?;
    let before = active_in(tx.conn(), svc).await?;
    if before.profile.content_hash() == profile.content_hash() {
        return Err(ServiceError::field(
            "profile",
            format!(
                "与当前生效的第{}版配置完全相同，无需重复上传",
                before.version
            ),
        ));
    }
    let security_changed = profile.security() != before.profile.security();
    if actor.role.can(Permission::ManageSecurity) {
        if !profile.same_rules_except_security(&before.profile) {
            return Err(ServiceError::field(
                "profile",
                "安全管理员只能修改 [security]（账号安全）部分，其余内容须与当前生效的配置相同",
            ));
        }
    } else if security_changed {
        return Err(ServiceError::field(
            "profile",
            "[security]（账号安全）部分由安全管理员设置，请保持与当前生效的配置相同",
        ));
    }
    let version = db::insert_active(
        tx.conn(),
        &NewProfile {
            label: profile.version(),
            name: profile.name(),
            content: text,
            content_hash: profile.content_hash(),
            created_by: &actor.username,
        },
        &svc.clock.now_text(),
    )
    .await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "policy.upload",
        &format!("policy:{version}"),
        actor.org_path.as_str(),
        &json!({
            "before": {"version": before.version, "label": before.profile.version(), "hash": before.profile.content_hash()},
            "after": {"version": version, "label": profile.version(), "hash": profile.content_hash()},
            "security_changed": security_changed,
        }),
    )
    .await?;
    tx.commit().await?;
    // Records are found by their type's label.
    if crate::records::labels_differ(&before.profile, &profile) {
        crate::records::relabel_in_background(svc);
    }
    Ok(ActiveProfile {
        version,
        profile: remember(profile),
    })
}
