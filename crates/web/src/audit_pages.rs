//! The audit log pages for the audit administrator: browse the log with
//! filters kept in the URL, and verify the hash chain. Filter input is
//! parsed here into `AuditFilter` bounds; the service checks the permission
//! and the store runs the query. Nothing here may alter the log.

use crate::AppState;
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, Pager, parse_page, render, status_of, with_status};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use dangjian_domain::FieldError;
use dangjian_domain::audit::ChainBreak;
use dangjian_domain::role::Permission;
use dangjian_service::audit::{self, Verification};
use dangjian_service::clock::{display_ts, format_ts, shanghai};
use dangjian_service::store::audit::AuditFilter;
use jiff::civil::Date;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/audit", get(browse_log))
        .route("/audit/verify", post(verify_log))
}

const PER_PAGE: i64 = 50;

/// The action prefixes offered in the filter select, with their labels.
const PREFIXES: [(&str, &str); 8] = [
    ("", "全部操作"),
    ("login.", "登录"),
    ("logout", "退出"),
    ("org.", "组织"),
    ("member.", "党员"),
    ("user.", "账号"),
    ("api_token.", "接口令牌"),
    ("demo.", "演示数据"),
];

/// Chinese names of the action codes services write; others are shown raw.
pub fn action_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "login.success" => "登录成功",
        "login.failure" => "登录失败",
        "logout" => "退出",
        "org.create" => "新建组织",
        "org.update" => "修改组织",
        "org.move" => "移动组织",
        "org.dissolve" => "撤销组织",
        "org.term" => "登记换届",
        "member.create" => "新增党员",
        "member.update" => "修改党员",
        "member.reveal" => "查看完整身份信息",
        "member.lookup" => "按身份号码查找党员",
        "member.transfer" => "组织关系转接",
        "member.full" => "转正",
        "member.extend_probation" => "延长预备期",
        "member.duplicate_hit" => "身份号码重复命中",
        "security.alert" => "安全告警",
        "export.members" => "导出党员名单（脱敏）",
        "export.members.unmasked" => "导出党员名单（完整号码）",
        "user.create" => "新建账号",
        "user.enable" => "启用账号",
        "user.disable" => "停用账号",
        "user.password" => "重置密码",
        "user.unlock" => "解锁账号",
        "api_token.create" => "创建接口令牌",
        "api_token.revoke" => "撤销接口令牌",
        "demo.generate" => "生成演示数据",
        _ => return None,
    })
}

/// The filters as they appear in the URL (and in the verify form, so the
/// page comes back with the same filters). `action_q`, when filled, takes
/// precedence over the `action` select.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct AuditQuery {
    actor: String,
    action: String,
    action_q: String,
    from: String,
    to: String,
    page: String,
}

impl AuditQuery {
    /// The filters as a query string ending in `?` or `&`, for pager links.
    fn base_href(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("actor", self.actor.as_str()),
            ("action", self.action.as_str()),
            ("action_q", self.action_q.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
        match serde_urlencoded::to_string(&pairs) {
            Ok(qs) if !qs.is_empty() => format!("/audit?{qs}&"),
            _ => "/audit?".to_owned(),
        }
    }
}

/// A date field as the start of that day in Asia/Shanghai, stored-text form.
/// Times on the page are shown in Shanghai, so the bounds are Shanghai days.
fn day_start(
    field: &'static str,
    label: &str,
    raw: &str,
    next_day: bool,
) -> Result<Option<String>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let bad = || {
        FieldError::new(
            field,
            format!("{label}应为“年-月-日”格式的有效日期，如 2026-11-29"),
        )
    };
    let shaped = raw.len() == 10
        && raw.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(bad());
    }
    let date: Date = raw.parse().map_err(|_| bad())?;
    let date = if next_day {
        date.tomorrow().map_err(|_| bad())?
    } else {
        date
    };
    let zoned = date.to_zoned_datetime(shanghai()).map_err(|_| bad())?;
    Ok(Some(format_ts(zoned.timestamp())))
}

/// Parses the filters; every problem is reported against its field.
fn parse_filter(q: &AuditQuery) -> Result<AuditFilter, Vec<FieldError>> {
    let mut errors = Vec::new();
    let actor = q.actor.trim();
    if actor.chars().count() > 64 || actor.chars().any(char::is_control) {
        errors.push(FieldError::new("actor", "操作人应为不超过64个字符的用户名"));
    }
    let (field, prefix) = if q.action_q.trim().is_empty() {
        ("action", q.action.trim())
    } else {
        ("action_q", q.action_q.trim())
    };
    if field == "action" && !PREFIXES.iter().any(|(code, _)| *code == prefix) {
        errors.push(FieldError::new("action", "请从列表中选择操作类别"));
    } else if prefix.len() > 50
        || !prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_')
    {
        errors.push(FieldError::new(
            "action_q",
            "操作代码只能包含小写字母、数字、点和下划线，不超过50个字符",
        ));
    }
    let from = day_start("from", "开始日期", &q.from, false)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let to = day_start("to", "结束日期", &q.to, true)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    if from.as_ref().zip(to.as_ref()).is_some_and(|(f, t)| t <= f) {
        errors.push(FieldError::new("to", "结束日期不能早于开始日期"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    Ok(AuditFilter {
        actor: some(actor),
        action_prefix: some(prefix),
        from,
        to,
    })
}

struct PrefixOption {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

struct AuditLine {
    id: i64,
    at: String,
    actor: String,
    action: String,
    label: Option<&'static str>,
    target: String,
    summary: String,
    /// Client IP, 控制台 (console) or 系统 (system); empty before the column existed.
    source: String,
}

/// The source address as shown: the Chinese word for the command line and
/// the server's own jobs, the address otherwise, a dash when unrecorded.
fn source_label(s: &str) -> String {
    match s {
        "" => "—".to_owned(),
        audit::CONSOLE => "控制台".to_owned(),
        audit::SYSTEM => "系统".to_owned(),
        "unknown" => "未知".to_owned(),
        other => other.to_owned(),
    }
}

/// The outcome of a verification, shown above the list.
struct VerifyResult {
    ok: bool,
    message: String,
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct AuditPage {
    l: Layout,
    q: AuditQuery,
    prefixes: Vec<PrefixOption>,
    lines: Vec<AuditLine>,
    pager: Pager,
    filtered: bool,
    verify: Option<VerifyResult>,
    errors: Vec<FieldError>,
}

impl AuditPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn audit_page(
    st: &AppState,
    user: &CurrentUser,
    q: AuditQuery,
    verify: Option<VerifyResult>,
) -> Result<Response, AppError> {
    // Checked before parsing, so nobody else learns anything from the page.
    user.actor.require(Permission::ViewAudit)?;
    let page = parse_page(&q.page);
    let (lines, total, errors) = match parse_filter(&q) {
        Ok(filter) => {
            let (rows, total) = audit::browse(
                &st.svc,
                &user.actor,
                &filter,
                PER_PAGE,
                (page - 1) * PER_PAGE,
            )
            .await?;
            let lines = rows
                .into_iter()
                .map(|r| AuditLine {
                    id: r.id,
                    at: display_ts(&r.at),
                    label: action_label(&r.action),
                    actor: r.actor,
                    action: r.action,
                    target: r.target,
                    summary: r.summary,
                    source: source_label(&r.source_addr),
                })
                .collect();
            (lines, total, Vec::new())
        }
        Err(errors) => (Vec::new(), 0, errors),
    };
    let selected = if q.action_q.trim().is_empty() {
        q.action.trim()
    } else {
        ""
    };
    let prefixes = PREFIXES
        .iter()
        .map(|&(code, label)| PrefixOption {
            code,
            label,
            selected: code == selected,
        })
        .collect();
    let status = status_of(&errors);
    let filtered = [&q.actor, &q.action, &q.action_q, &q.from, &q.to]
        .iter()
        .any(|v| !v.trim().is_empty());
    let r = render(&AuditPage {
        l: Layout::new(user, "audit"),
        pager: Pager::new(&q.base_href(), page, total, PER_PAGE),
        q,
        prefixes,
        lines,
        filtered,
        verify,
        errors,
    });
    Ok(with_status(r, status))
}

async fn browse_log(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    audit_page(&st, &user, q, None).await
}

/// Walks the whole chain and shows the outcome above the same filtered list.
async fn verify_log(
    State(st): State<AppState>,
    CsrfForm { user, form }: CsrfForm<AuditQuery>,
) -> Result<Response, AppError> {
    let result = match audit::verify_as(&st.svc, &user.actor).await? {
        Verification::Ok { rows } => VerifyResult {
            ok: true,
            message: format!("审计日志完整：共 {rows} 条记录，编号连续，密钥哈希链校验通过"),
        },
        Verification::Broken(ChainBreak::BadLink { id }) => VerifyResult {
            ok: false,
            message: format!(
                "发现篡改：第 {id} 条记录与前一条记录的链接不符，可能有记录被删除或修改"
            ),
        },
        Verification::Broken(ChainBreak::BadHash { id }) => VerifyResult {
            ok: false,
            message: format!("发现篡改：第 {id} 条记录内容被修改"),
        },
        Verification::Broken(b) => VerifyResult {
            ok: false,
            message: format!("发现问题：{b}"),
        },
    };
    audit_page(&st, &user, form, Some(result)).await
}
