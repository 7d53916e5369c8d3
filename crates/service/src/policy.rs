//! The policy profile (政策配置) in use: stored versions in the database,
//! each with the day it takes effect (生效日期), parsed once and cached in
//! memory; the version in force on a day ([`in_force_on`]) or during a range
//! of days ([`in_force_during`]); and the administrator's view, download and
//! upload of a new version. A bad upload is refused with the parser's
//! line-precise Chinese messages and nothing changes.
//!
//! Every engine that judges a period (compliance, warnings, and later
//! assessments, ratings, targets) asks [`in_force_during`] for the versions
//! in force over the days it judges, or [`in_force_on`] for one day; "now"
//! is [`active`], the version in force today.
//!
//! This module does not parse profiles (the domain's `policy` does) and does
//! not evaluate anything with them (see `compliance`).

use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::{Services, audit};
use dangjian_domain::FieldError;
use dangjian_domain::policy::{
    BEGINNING, DEFAULT_PROFILE_TOML, Dated, Profile, Schedule, next_period_start,
};
use dangjian_domain::role::Permission;
use dangjian_store::Conn;
use dangjian_store::profile::{self as db, NewProfile, ProfileRow};
use jiff::civil::{Date, date};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Largest profile text accepted (the default is about 15 KB).
pub const MAX_PROFILE_BYTES: usize = 512 * 1024;

/// A stored profile version, its number in this database and the day it
/// takes effect. Every computed result and every saved record carries
/// `version`.
#[derive(Debug, Clone)]
pub struct ActiveProfile {
    pub version: i64,
    pub effective_from: Date,
    pub profile: Arc<Profile>,
}

/// Every stored version in the order they take effect.
pub type ProfileSchedule = Schedule<Arc<Profile>>;

/// One version and the days it is in force (both ends included; `to` is
/// `None` while no later version follows).
#[derive(Debug, Clone)]
pub struct VersionSpan {
    pub active: ActiveProfile,
    pub from: Date,
    pub to: Option<Date>,
}

impl VersionSpan {
    /// 2025-01-01起 / 2025-01-01至2026-12-31 (the built-in default's
    /// beginning reads 最初).
    pub fn days_label(&self) -> String {
        let from = if self.from <= BEGINNING {
            "最初".to_owned()
        } else {
            self.from.to_string()
        };
        match self.to {
            Some(to) => format!("{from}至{to}"),
            None => format!("{from}起"),
        }
    }
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

/// Every stored version with its parsed profile, read on `conn`; `None`
/// when no profile is stored yet.
async fn stored_schedule(conn: &mut Conn) -> ServiceResult<Option<ProfileSchedule>> {
    let rows = db::schedule(conn).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut entries = Vec::with_capacity(rows.len());
    for r in rows {
        let profile = load(conn, r.version, &r.content_hash).await?;
        entries.push(Dated {
            version: r.version,
            effective_from: r.effective_from.parse().unwrap_or(BEGINNING),
            profile,
        });
    }
    Ok(Some(Schedule::new(entries)))
}

/// The schedule of every stored version; on a database without one, the
/// embedded default is stored as version 1 first (audited as the system),
/// in force from the beginning.
pub async fn schedule(svc: &Services) -> ServiceResult<ProfileSchedule> {
    {
        let mut conn = svc.store.read().await?;
        if let Some(s) = stored_schedule(&mut conn).await? {
            return Ok(s);
        }
    }
    let mut tx = svc.store.begin_write().await?;
    let s = schedule_in(tx.conn(), svc).await?;
    tx.commit().await?;
    Ok(s)
}

/// Like [`schedule`], inside the caller's write transaction.
pub async fn schedule_in(conn: &mut Conn, svc: &Services) -> ServiceResult<ProfileSchedule> {
    if let Some(s) = stored_schedule(conn).await? {
        return Ok(s);
    }
    install_default(conn, svc).await?;
    Ok(stored_schedule(conn)
        .await?
        .unwrap_or_else(|| Schedule::new(Vec::new())))
}

fn entry_of(d: &Dated<Arc<Profile>>) -> ActiveProfile {
    ActiveProfile {
        version: d.version,
        effective_from: d.effective_from,
        profile: Arc::clone(&d.profile),
    }
}

/// The version of `s` in force on `day`; before the first effective day
/// (which is the beginning for the built-in default), the first version.
pub fn in_force_of(s: &ProfileSchedule, day: Date) -> Option<ActiveProfile> {
    s.in_force_on(day)
        .or_else(|| s.entries().first())
        .map(entry_of)
}

/// The versions of `s` in force on some day of `from..=to`, in order.
pub fn spans_of(s: &ProfileSchedule, from: Date, to: Date) -> Vec<VersionSpan> {
    s.spans_overlapping(from, to)
        .into_iter()
        .map(|sp| VersionSpan {
            active: entry_of(sp.entry),
            from: sp.from,
            to: sp.to,
        })
        .collect()
}

/// The version in force on `day` (a period is judged by the version in
/// force on its first day).
pub async fn in_force_on(svc: &Services, day: Date) -> ServiceResult<ActiveProfile> {
    let s = schedule(svc).await?;
    in_force_of(&s, day).ok_or(ServiceError::NotFound)
}

/// The versions in force on some day of `from..=to`, in the order they take
/// effect, each with its days: what an engine judging the periods of that
/// range evaluates each period with (the span containing the period's
/// first day).
pub async fn in_force_during(
    svc: &Services,
    from: Date,
    to: Date,
) -> ServiceResult<Vec<VersionSpan>> {
    Ok(spans_of(&schedule(svc).await?, from, to))
}

/// The profile in force today; on a database without one, the embedded
/// default is stored as version 1 first (audited as the system).
pub async fn active(svc: &Services) -> ServiceResult<ActiveProfile> {
    in_force_on(svc, svc.clock.today()).await
}

/// The profile in force on `today` if one is stored, read on the caller's
/// connection (nothing installed: callers without `Services` fall back to
/// defaults).
pub async fn stored_active(conn: &mut Conn, today: Date) -> ServiceResult<Option<Arc<Profile>>> {
    Ok(stored_schedule(conn)
        .await?
        .and_then(|s| in_force_of(&s, today))
        .map(|a| a.profile))
}

/// Like [`active`], inside the caller's write transaction.
pub async fn active_in(conn: &mut Conn, svc: &Services) -> ServiceResult<ActiveProfile> {
    let s = schedule_in(conn, svc).await?;
    in_force_of(&s, svc.clock.today()).ok_or(ServiceError::NotFound)
}

/// Stores the embedded default as version 1, in force from the beginning.
async fn install_default(conn: &mut Conn, svc: &Services) -> ServiceResult<()> {
    let default = Profile::default_profile();
    let version = db::insert_active(
        conn,
        &NewProfile {
            label: default.version(),
            name: default.name(),
            content: DEFAULT_PROFILE_TOML,
            content_hash: default.content_hash(),
            created_by: "system",
            effective_from: &BEGINNING.to_string(),
            retroactive_reason: "",
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
        &json!({"after": {"version": version, "label": default.version(), "hash": default.content_hash(), "effective_from": BEGINNING.to_string()}}),
    )
    .await?;
    remember(default.clone());
    Ok(())
}

/// Where a stored version stands on the day the page is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    /// In force today.
    InForce,
    /// Takes effect on a later day.
    Pending,
    /// Was in force; a later version took over.
    Past,
    /// Never in force: a later upload took effect on the same day.
    Replaced,
}

impl VersionState {
    pub fn label(self) -> &'static str {
        match self {
            VersionState::InForce => "现行",
            VersionState::Pending => "待生效",
            VersionState::Past => "已停用",
            VersionState::Replaced => "未生效（被同日生效的新版本取代）",
        }
    }
}

/// What the profile page shows: the version in force today, every stored
/// one (newest first) and where each stands.
#[derive(Debug, Clone)]
pub struct PolicyView {
    pub active: ActiveProfile,
    pub versions: Vec<ProfileRow>,
    /// One per entry of `versions`.
    pub states: Vec<VersionState>,
    /// The versions in force from today on, in order (today's first).
    pub upcoming: Vec<VersionSpan>,
    pub today: Date,
}

/// The profile in force (its rules: record types, obligations, terms) and
/// the version history. Everyone who reads business data may read the
/// rules.
pub async fn view(svc: &Services, actor: &Actor) -> ServiceResult<PolicyView> {
    actor.require(Permission::ReadBusiness)?;
    let today = svc.clock.today();
    let sched = schedule(svc).await?;
    let active = in_force_of(&sched, today).ok_or(ServiceError::NotFound)?;
    let mut conn = svc.store.read().await?;
    let versions = db::list(&mut conn).await?;
    let states = versions
        .iter()
        .map(|r| match sched.span_of(r.version) {
            None => VersionState::Replaced,
            Some(sp) if sp.entry.version == active.version => VersionState::InForce,
            Some(sp) if sp.from > today => VersionState::Pending,
            Some(_) => VersionState::Past,
        })
        .collect();
    let upcoming = spans_of(&sched, today, date(9998, 12, 31));
    Ok(PolicyView {
        active,
        versions,
        states,
        upcoming,
        today,
    })
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

/// When an uploaded version takes effect (生效日期).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effective {
    /// `YYYY-MM-DD`; empty or `None`: the start of the next period (the
    /// first day of next month, [`next_period_start`]).
    pub from: Option<String>,
    /// 追溯适用: the explicit choice that lets `from` be earlier than today,
    /// so that periods already begun or judged are judged again by it.
    pub retroactive: bool,
    /// Why (required with `retroactive`); kept with the version and audited.
    pub reason: String,
}

/// Longest reason for a retroactive version, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// The effective day of an upload on `today`, or the field error.
fn effective_day(e: &Effective, today: Date) -> ServiceResult<(Date, Option<String>)> {
    let raw = e.from.as_deref().map_or("", str::trim);
    let day = if raw.is_empty() {
        next_period_start(today)
    } else {
        let d: Date = raw
            .parse()
            .ok()
            .filter(|_| raw.len() == 10)
            .ok_or_else(|| {
                FieldError::new(
                    "effective_from",
                    "生效日期格式应为YYYY-MM-DD，例如2027-01-01",
                )
            })?;
        if d < date(2000, 1, 1) || d > date(2100, 12, 31) {
            return Err(ServiceError::field(
                "effective_from",
                "生效日期应在2000年至2100年之间",
            ));
        }
        d
    };
    let reason = e.reason.trim();
    if day >= today {
        if e.retroactive {
            return Err(ServiceError::field(
                "retroactive",
                format!("生效日期{day}不早于今天，无需追溯适用，请取消勾选“追溯适用”"),
            ));
        }
        return Ok((day, None));
    }
    if !e.retroactive {
        return Err(ServiceError::field(
            "effective_from",
            format!(
                "生效日期{day}早于今天（{today}）：新版本不能改变已经开始或已经考核的周期；如确需追溯适用，请勾选“追溯适用”并填写理由"
            ),
        ));
    }
    if reason.is_empty() {
        return Err(ServiceError::field(
            "retroactive_reason",
            "追溯适用须填写理由（例如上级文件的文号和要求）",
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ServiceError::field(
            "retroactive_reason",
            format!("理由不能超过{MAX_REASON_CHARS}个字"),
        ));
    }
    Ok((day, Some(reason.to_owned())))
}

/// Loads a new profile version, in force from the start of the next period
/// (the first day of next month). See [`upload_with`].
pub async fn upload(svc: &Services, actor: &Actor, bytes: &[u8]) -> ServiceResult<ActiveProfile> {
    upload_with(svc, actor, bytes, &Effective::default()).await
}

/// Loads a new profile version, in force from `effective` (by default the
/// first day of next month; not before today unless chosen as retroactive
/// with a reason, which is kept and audited as `policy.upload_retroactive`).
/// It stays in force until the next version's effective day. A profile that
/// does not parse is refused with one `profile` field error per problem
/// (第N行第M列：…), and nothing changes. The version is compared with the
/// one it follows (the one in force on its effective day). Duties are
/// divided (三员分立): the `[security]` table is the security
/// administrator's and may change only in a profile it loads, which may
/// change nothing else; everything else is the county administrator's.
pub async fn upload_with(
    svc: &Services,
    actor: &Actor,
    bytes: &[u8],
    effective: &Effective,
) -> ServiceResult<ActiveProfile> {
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
    let today = svc.clock.today();
    let (day, reason) = effective_day(effective, today)?;
    let mut tx = svc.store.begin_write().await?;
    let sched = schedule_in(tx.conn(), svc).await?;
    let before = in_force_of(&sched, day).ok_or(ServiceError::NotFound)?;
    if before.profile.content_hash() == profile.content_hash() {
        return Err(ServiceError::field(
            "profile",
            format!(
                "与{day}起适用的第{}版配置完全相同，无需重复上传",
                before.version
            ),
        ));
    }
    let security_changed = profile.security() != before.profile.security();
    if actor.role.can(Permission::ManageSecurity) {
        if !profile.same_rules_except_security(&before.profile) {
            return Err(ServiceError::field(
                "profile",
                format!(
                    "安全管理员只能修改 [security]（账号安全）部分，其余内容须与{day}起适用的第{}版配置相同",
                    before.version
                ),
            ));
        }
    } else if security_changed {
        return Err(ServiceError::field(
            "profile",
            format!(
                "[security]（账号安全）部分由安全管理员设置，请保持与{day}起适用的第{}版配置相同",
                before.version
            ),
        ));
    }
    let day_text = day.to_string();
    let version = db::insert_active(
        tx.conn(),
        &NewProfile {
            label: profile.version(),
            name: profile.name(),
            content: text,
            content_hash: profile.content_hash(),
            created_by: &actor.username,
            effective_from: &day_text,
            retroactive_reason: reason.as_deref().unwrap_or(""),
        },
        &svc.clock.now_text(),
    )
    .await?;
    let action = if reason.is_some() {
        "policy.upload_retroactive"
    } else {
        "policy.upload"
    };
    audit::by(
        tx.conn(),
        svc,
        actor,
        action,
        &format!("policy:{version}"),
        actor.org_path.as_str(),
        &json!({
            "before": {"version": before.version, "label": before.profile.version(), "hash": before.profile.content_hash()},
            "after": {"version": version, "label": profile.version(), "hash": profile.content_hash(), "effective_from": day_text},
            "security_changed": security_changed,
            "retroactive": reason.is_some(),
            "reason": reason,
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
        effective_from: day,
        profile: remember(profile),
    })
}
