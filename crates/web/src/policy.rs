//! 政策配置 pages: the profile in force today (version, label, hash, who
//! loaded it and when, its 生效日期), the versions waiting to take effect,
//! the history of versions with their effective days and texts to download,
//! the rules summarised in Chinese (记录类型 / 适用组织 / 频次要求), and the
//! upload of a new version with its 生效日期 (county administrators; by
//! default the first day of next month, earlier than today only with the
//! 追溯适用 box ticked and a reason). A bad profile is shown
//! with every line-precise message and changes nothing. Every business role
//! may read the rules it is held to; only the service decides who uploads.

use crate::AppState;
use crate::auth::{CurrentUser, check_csrf, forbidden_csrf};
use crate::error::{AppError, error_page};
use crate::layout::{Layout, render, with_status};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dangjian_domain::FieldError;
use dangjian_domain::org::{OrgKind, Sector};
use dangjian_domain::policy::Profile;
use dangjian_domain::policy::next_period_start;
use dangjian_domain::role::Permission;
use dangjian_service::ServiceError;
use dangjian_service::clock::display_ts;
use dangjian_service::policy::{self, Effective, MAX_PROFILE_BYTES, PolicyView};
use dangjian_service::store::profile::ProfileRow;

/// Largest upload body accepted: the service's profile limit plus the form.
pub const MAX_UPLOAD_BODY: usize = MAX_PROFILE_BYTES + 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/policy", get(show))
        .route("/policy/{version}/download", get(download))
        .route(
            "/policy/upload",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BODY)),
        )
}

/// One line of the rules summary.
pub struct RuleRow {
    pub record_type: String,
    pub orgs: String,
    pub requirement: String,
    pub basis: String,
}

fn kinds_text(kinds: &[OrgKind]) -> String {
    kinds
        .iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join("、")
}

/// 记录类型 / 适用组织 / 频次要求 of a profile: one line per obligation,
/// then the record types no obligation counts.
pub fn rules(p: &Profile) -> Vec<RuleRow> {
    let mut rows = Vec::new();
    for ob in p.obligations() {
        let rt = p.record_type(&ob.record_type);
        let mut record_type = rt.map_or_else(|| ob.record_type.clone(), |t| t.label.clone());
        if let Some(mark) = &ob.mark {
            let label = rt
                .and_then(|t| t.marks.iter().find(|m| &m.code == mark))
                .map_or(mark.as_str(), |m| m.label.as_str());
            record_type = format!("{record_type}（{label}）");
        }
        let mut orgs = kinds_text(&ob.kinds);
        if !ob.sectors.is_empty() {
            let s: Vec<&str> = ob.sectors.iter().map(|s: &Sector| s.label()).collect();
            orgs = format!("{}领域的{orgs}", s.join("、"));
        }
        if ob.requires_committee {
            orgs.push_str("（设支部委员会的）");
        }
        rows.push(RuleRow {
            record_type,
            orgs,
            requirement: format!("{}（{}）", ob.requirement_label(), ob.label),
            basis: ob.basis.clone(),
        });
    }
    for t in p.record_types() {
        if p.obligations().iter().all(|o| o.record_type != t.code) {
            rows.push(RuleRow {
                record_type: t.label.clone(),
                orgs: kinds_text(&t.held_by),
                requirement: "不作频次要求".to_owned(),
                basis: String::new(),
            });
        }
    }
    rows
}

#[derive(Template)]
#[template(path = "policy/index.html")]
struct PolicyPage {
    l: Layout,
    version: i64,
    label: String,
    name: String,
    region: String,
    hash: String,
    /// 最初 for the built-in default, else `YYYY-MM-DD`.
    effective: String,
    active_row: Option<ProfileRow>,
    /// (row, state label, state class) newest first.
    versions: Vec<(ProfileRow, &'static str, &'static str)>,
    /// Versions that take effect after today: (number, label, days).
    upcoming: Vec<(i64, String, String)>,
    rules: Vec<RuleRow>,
    can_upload: bool,
    /// The form's values (kept after a refusal).
    form: Effective,
    /// The default effective day shown in the form.
    default_effective: String,
    errors: Vec<FieldError>,
    /// Set after a successful upload.
    notice: Option<String>,
}

impl PolicyPage {
    /// The message of the first error on `field`, if any.
    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn page(
    u: &CurrentUser,
    v: PolicyView,
    form: Effective,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> Response {
    let p = &v.active.profile;
    let effective = if v.active.effective_from <= dangjian_domain::policy::BEGINNING {
        "最初（内置默认配置）".to_owned()
    } else {
        v.active.effective_from.to_string()
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let r = render(&PolicyPage {
        l: Layout::new(u, "policy"),
        version: v.active.version,
        label: p.version().to_owned(),
        name: p.name().to_owned(),
        region: p.region().to_owned(),
        hash: p.content_hash().to_owned(),
        active_row: v
            .versions
            .iter()
            .find(|r| r.version == v.active.version)
            .cloned()
            .map(|mut r| {
                r.created_at = display_ts(&r.created_at);
                r
            }),
        effective,
        rules: rules(p),
        upcoming: v
            .upcoming
            .iter()
            .skip(1)
            .map(|s| {
                (
                    s.active.version,
                    s.active.profile.version().to_owned(),
                    s.days_label(),
                )
            })
            .collect(),
        versions: v
            .versions
            .into_iter()
            .zip(v.states)
            .map(|(mut r, st)| {
                r.created_at = display_ts(&r.created_at);
                let class = match st {
                    policy::VersionState::InForce => "ok",
                    policy::VersionState::Pending => "warn",
                    _ => "off",
                };
                (r, st.label(), class)
            })
            .collect(),
        can_upload: u.actor.role.can(Permission::ManagePolicy),
        default_effective: next_period_start(v.today).to_string(),
        form,
        errors,
        notice,
    });
    with_status(r, status)
}

async fn show(State(st): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    let v = policy::view(&st.svc, &user.actor).await?;
    Ok(page(&user, v, Effective::default(), Vec::new(), None))
}

async fn download(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(version): Path<String>,
) -> Result<Response, AppError> {
    let version = version
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or(AppError(ServiceError::NotFound))?;
    let f = policy::download(&st.svc, &user.actor, Some(version)).await?;
    let mut r = f.content.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", f.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// Reads the multipart form (the file, 生效日期, 追溯适用 and its reason);
/// the CSRF token must come before the file.
async fn read_upload(
    user: &CurrentUser,
    mut mp: Multipart,
) -> Result<(Vec<u8>, Effective), Response> {
    let bad = |msg: &str| {
        error_page(
            StatusCode::BAD_REQUEST,
            "提交的数据无效",
            msg.to_owned(),
            Vec::new(),
        )
    };
    let too_large = || {
        error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "文件过大",
            format!("配置文件不能超过{}KB", MAX_PROFILE_BYTES / 1024),
            Vec::new(),
        )
    };
    let mut csrf_ok = false;
    let mut bytes = Vec::new();
    let mut effective = Effective::default();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(bad("上传的表单格式不正确，请返回刷新页面后重试")),
        };
        match field.name().unwrap_or_default() {
            "csrf_token" => {
                let t = field.text().await.map_err(|_| bad("表单格式不正确"))?;
                csrf_ok = check_csrf(user, &t);
            }
            "file" => {
                if !csrf_ok {
                    return Err(forbidden_csrf());
                }
                bytes = match field.bytes().await {
                    Ok(b) => b.to_vec(),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large());
                    }
                    Err(_) => return Err(bad("文件上传中断，请重试")),
                };
            }
            name @ ("effective_from" | "retroactive" | "retroactive_reason") => {
                let name = name.to_owned();
                let t = field.text().await.map_err(|_| bad("表单格式不正确"))?;
                match name.as_str() {
                    "effective_from" => effective.from = Some(t),
                    "retroactive" => effective.retroactive = !t.is_empty(),
                    _ => effective.reason = t,
                }
            }
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(forbidden_csrf());
    }
    Ok((bytes, effective))
}

async fn upload(
    State(st): State<AppState>,
    user: CurrentUser,
    mp: Multipart,
) -> Result<Response, AppError> {
    // Refuse before reading a body the user may not send at all.
    user.actor.require(Permission::ManagePolicy)?;
    let (bytes, form) = match read_upload(&user, mp).await {
        Ok(b) => b,
        Err(r) => return Ok(r),
    };
    if bytes.is_empty() {
        let v = policy::view(&st.svc, &user.actor).await?;
        return Ok(page(
            &user,
            v,
            form,
            vec![FieldError::new(
                "profile",
                "请选择要上传的配置文件（.toml）",
            )],
            None,
        ));
    }
    match policy::upload_with(&st.svc, &user.actor, &bytes, &form).await {
        Ok(a) => {
            let v = policy::view(&st.svc, &user.actor).await?;
            let notice = if a.effective_from < v.today {
                format!(
                    "已上传政策配置第{}版（{}），追溯自{}起生效：此后开始的考核周期改按新版本计算（已记入审计日志）。",
                    a.version,
                    a.profile.version(),
                    a.effective_from
                )
            } else {
                format!(
                    "已上传政策配置第{}版（{}），自{}起生效：此后开始的考核周期按新版本计算，此前的周期仍按原版本。",
                    a.version,
                    a.profile.version(),
                    a.effective_from
                )
            };
            Ok(page(
                &user,
                v,
                Effective::default(),
                Vec::new(),
                Some(notice),
            ))
        }
        Err(ServiceError::Invalid(errors)) => {
            let v = policy::view(&st.svc, &user.actor).await?;
            Ok(page(&user, v, form, errors, None))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rules_read_in_chinese() {
        let rows = rules(Profile::default_profile());
        let committee = rows
            .iter()
            .find(|r| r.requirement.ends_with("（支部委员会会议）"))
            .unwrap();
        assert_eq!(committee.record_type, "支部委员会");
        assert_eq!(committee.orgs, "党支部、联合党支部（设支部委员会的）");
        assert!(committee.requirement.starts_with("每月至少1次"));
        let lecture = rows
            .iter()
            .find(|r| r.record_type.contains("书记讲党课"))
            .unwrap();
        assert_eq!(lecture.record_type, "党课（书记讲党课）");
        let wuchang = rows.iter().find(|r| r.record_type == "屋场贴心会").unwrap();
        assert!(wuchang.orgs.starts_with("农村领域的"), "{}", wuchang.orgs);
        assert!(
            rows.iter()
                .any(|r| r.record_type == "谈心谈话" && r.requirement == "不作频次要求")
        );
    }
}
