//! 数据导入: the upload page with its templates, the check-and-import of a
//! member or organization sheet, and the error report with the annotated
//! file to download. The service does every check and the one-transaction
//! write; this module moves bytes and renders.

use crate::AppState;
use crate::auth::{CurrentUser, check_csrf};
use crate::download::{Download, xlsx_response};
use crate::error::AppError;
use crate::layout::{Layout, render, with_status};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dangjian_domain::FieldError;
use dangjian_domain::role::Permission;
use dangjian_domain::sheet::SheetKind;
use dangjian_service::import::{self, ImportOptions, ImportReport};
use dangjian_service::store::org::OrgRow;
use dangjian_service::{ServiceError, orgs};
use serde::Deserialize;

/// Largest upload body accepted on the import route: the service's 50 MB
/// file limit plus room for the form around it. The service refuses files
/// over 50 MB with its own message before parsing.
pub const MAX_UPLOAD_BODY: usize = 60 * 1024 * 1024;

/// Errors shown on the report page; the annotated file carries all of them.
const ERRORS_SHOWN: usize = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/import", get(index))
        .route("/import/template/{kind}", get(template))
        .route("/import/result/{token}", get(annotated))
        .route(
            "/import/{kind}",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BODY)),
        )
}

/// May this user import anything at all (the service checks each kind again).
fn may_import(u: &CurrentUser) -> bool {
    u.actor.role.can(Permission::EditMembers) || u.actor.role.can(Permission::ManageOrgs)
}

fn kind_of(raw: &str) -> Result<SheetKind, AppError> {
    SheetKind::from_code(raw).ok_or(AppError(ServiceError::NotFound))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IndexQuery {
    org: String,
}

#[derive(Template)]
#[template(path = "import/index.html")]
struct IndexPage {
    l: Layout,
    target: OrgRow,
    can_members: bool,
    can_orgs: bool,
    /// The kind whose form the errors belong to.
    errors_for: Option<SheetKind>,
    errors: Vec<FieldError>,
}

/// The organization an import goes into: `?org=` when given and readable,
/// else the user's own.
async fn target_org(st: &AppState, u: &CurrentUser, raw: &str) -> Result<OrgRow, AppError> {
    let id = raw
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .unwrap_or(u.actor.org_id.0);
    Ok(orgs::get(&st.svc, &u.actor, id).await?)
}

async fn index(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<IndexQuery>,
) -> Result<Response, AppError> {
    if !may_import(&user) {
        return Err(
            ServiceError::forbidden(format!("{}无权导入数据", user.actor.role.label())).into(),
        );
    }
    let target = target_org(&st, &user, &q.org).await?;
    Ok(render(&IndexPage {
        l: Layout::new(&user, "import"),
        can_members: user.actor.role.can(Permission::EditMembers),
        can_orgs: user.actor.role.can(Permission::ManageOrgs),
        target,
        errors_for: None,
        errors: Vec::new(),
    }))
}

async fn template(user: CurrentUser, Path(kind): Path<String>) -> Result<Response, AppError> {
    if !may_import(&user) {
        return Err(
            ServiceError::forbidden(format!("{}无权导入数据", user.actor.role.label())).into(),
        );
    }
    let kind = kind_of(&kind)?;
    let bytes = import::template_xlsx(kind)?;
    Ok(xlsx_response(
        &format!("{}导入模板.xlsx", kind.label()),
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "import/report.html")]
struct ReportPage {
    l: Layout,
    target: OrgRow,
    report: ImportReport,
    shown: usize,
    /// Link to the annotated file, when there were errors.
    annotated: Option<String>,
}

/// What the upload form sent.
struct Upload {
    org: String,
    dry_run: bool,
    file_name: String,
    bytes: Vec<u8>,
}

/// Reads the multipart form; the CSRF token must come before the file so
/// a forged request is refused before a large body is read.
async fn read_upload(user: &CurrentUser, mut mp: Multipart) -> Result<Upload, Response> {
    let bad = |msg: &str| {
        crate::error::error_page(
            StatusCode::BAD_REQUEST,
            "提交的数据无效",
            msg.to_owned(),
            Vec::new(),
        )
    };
    let mut csrf_ok = false;
    let mut up = Upload {
        org: String::new(),
        dry_run: false,
        file_name: String::new(),
        bytes: Vec::new(),
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(crate::error::error_page(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "文件过大",
                    "上传的文件超过 50 MB，请拆分后分批导入".into(),
                    Vec::new(),
                ));
            }
            Err(_) => return Err(bad("上传的表单格式不正确，请返回刷新页面后重试")),
        };
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "csrf_token" => {
                let t = field.text().await.map_err(|_| bad("表单格式不正确"))?;
                csrf_ok = check_csrf(user, &t);
            }
            "org" | "dry_run" if !csrf_ok => return Err(crate::auth::forbidden_csrf()),
            "org" => up.org = field.text().await.map_err(|_| bad("表单格式不正确"))?,
            "dry_run" => {
                up.dry_run = !field
                    .text()
                    .await
                    .map_err(|_| bad("表单格式不正确"))?
                    .is_empty();
            }
            "file" => {
                if !csrf_ok {
                    return Err(crate::auth::forbidden_csrf());
                }
                up.file_name = field.file_name().unwrap_or_default().to_owned();
                up.bytes = match field.bytes().await {
                    Ok(b) => b.to_vec(),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(crate::error::error_page(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "文件过大",
                            "上传的文件超过 50 MB，请拆分后分批导入".into(),
                            Vec::new(),
                        ));
                    }
                    Err(_) => return Err(bad("文件上传中断，请重试")),
                };
            }
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(crate::auth::forbidden_csrf());
    }
    Ok(up)
}

async fn upload(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(kind): Path<String>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let kind = kind_of(&kind)?;
    let up = match read_upload(&user, mp).await {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let target = target_org(&st, &user, &up.org).await?;
    let form_error = |errors: Vec<FieldError>| {
        with_status(
            render(&IndexPage {
                l: Layout::new(&user, "import"),
                can_members: user.actor.role.can(Permission::EditMembers),
                can_orgs: user.actor.role.can(Permission::ManageOrgs),
                target: target.clone(),
                errors_for: Some(kind),
                errors,
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    if up.bytes.is_empty() {
        return Ok(form_error(vec![FieldError::new(
            "file",
            "请选择要导入的文件",
        )]));
    }
    let opts = ImportOptions {
        kind,
        file_name: up.file_name.clone(),
        within_org: target.id,
        dry_run: up.dry_run,
    };
    // Parsing a large file is seconds of CPU: run the whole import on a
    // blocking thread so the runtime's workers keep serving other pages.
    let (svc, actor, bytes) = (st.svc.clone(), user.actor.clone(), up.bytes);
    let rt = tokio::runtime::Handle::current();
    let outcome = tokio::task::spawn_blocking(move || {
        let report = rt.block_on(import::import(&svc, &actor, &opts, &bytes, &|_, _| {}))?;
        let annotated = if report.errors.is_empty() {
            None
        } else {
            Some(import::annotated_xlsx(&report, &bytes)?)
        };
        Ok::<_, ServiceError>((report, annotated))
    })
    .await;
    let (report, annotated) = match outcome {
        Ok(Ok(r)) => r,
        Ok(Err(ServiceError::Invalid(errors))) => return Ok(form_error(errors)),
        Ok(Err(e)) => return Err(e.into()),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    let annotated = annotated.map(|bytes| {
        let stem = up
            .file_name
            .rsplit_once('.')
            .map_or(up.file_name.as_str(), |(s, _)| s);
        let token = st.downloads.put(
            &user.actor,
            Download {
                file_name: format!("{stem}-错误说明.xlsx"),
                bytes,
            },
        );
        format!("/import/result/{token}")
    });
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let shown = report.errors.len().min(ERRORS_SHOWN);
    Ok(with_status(
        render(&ReportPage {
            l: Layout::new(&user, "import"),
            target,
            report,
            shown,
            annotated,
        }),
        status,
    ))
}

async fn annotated(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match st.downloads.get(&user.actor, &token) {
        Some(d) => Ok(xlsx_response(&d.file_name, d.bytes)),
        None => Ok(crate::error::error_page(
            StatusCode::NOT_FOUND,
            "文件已过期",
            "标注文件只保留一小时，请重新上传原文件生成".into(),
            Vec::new(),
        )
        .into_response()),
    }
}
