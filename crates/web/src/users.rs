//! Account pages: the accounts in the user's scope with enable, disable,
//! unlock and password-reset actions, the form for a new account, and the
//! logged-in user's personal API tokens (接口令牌). Who may do what is
//! decided by `dangjian_service::users` and `::auth`; this module only hides
//! the buttons the service would refuse and must not decide access itself.

use crate::AppState;
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, pager, render};
use crate::orgs::parse_id;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dangjian_domain::FieldError;
use dangjian_domain::role::{Permission, Role};
use dangjian_service::auth::{self, MAX_FAILED_LOGINS};
use dangjian_service::clock::display_ts;
use dangjian_service::store::user::UserRow;
use dangjian_service::users::{self, PER_PAGE, UserForm};
use dangjian_service::{ServiceError, orgs};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users))
        .route("/users/new", get(new_user_page).post(create_user))
        .route("/users/{id}/enable", post(enable_user))
        .route("/users/{id}/disable", post(disable_user))
        .route("/users/{id}/unlock", post(unlock_user))
        .route(
            "/users/{id}/password",
            get(password_page).post(reset_password),
        )
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}/revoke", post(revoke_token))
}

/// Highest page number accepted, so `(page - 1) * per_page` cannot overflow.
const MAX_PAGE: i64 = 100_000;

/// A `page` query parameter; anything but a positive number is page 1.
pub fn parse_page(raw: &str) -> i64 {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|p| *p >= 1)
        .map_or(1, |p| p.min(MAX_PAGE))
}

/// One link of a pager.
pub struct PageLink {
    pub n: i64,
    pub href: String,
    pub current: bool,
}

/// The pager under a list (`users/_pager.html`): pages around the current
/// one, with links that keep the list's filters.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub links: Vec<PageLink>,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `base` is the list URL with its filters, ending in `?` or `&`.
    pub fn new(base: &str, page: i64, total: i64, per_page: i64) -> Self {
        let pages = ((total.max(0) + per_page - 1) / per_page).max(1);
        let href = |n: i64| format!("{base}page={n}");
        Self {
            page,
            pages,
            total,
            links: pager(page, pages)
                .into_iter()
                .map(|n| PageLink {
                    n,
                    href: href(n),
                    current: n == page,
                })
                .collect(),
            prev: (page > 1).then(|| href((page - 1).min(pages))),
            next: (page < pages).then(|| href(page + 1)),
        }
    }
}

fn status_of(errors: &[FieldError]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

fn with_status(mut r: Response, status: StatusCode) -> Response {
    *r.status_mut() = status;
    r
}

fn role_label(code: &str) -> String {
    Role::from_code(code).map_or_else(|| code.to_owned(), |r| r.label().to_owned())
}

// ---------------------------------------------------------------- list

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    page: String,
    done: String,
}

/// One account row with the actions its viewer may take.
struct UserLine {
    row: UserRow,
    role: String,
    is_self: bool,
    locked_until: Option<String>,
    may: RowActions,
}

/// Which row buttons to show.
struct RowActions {
    toggle: bool,
    reset: bool,
    unlock: bool,
}

impl UserLine {
    /// The row form's own action; each button names its own with `formaction`,
    /// so one form per row keeps the buttons on one line.
    fn default_action(&self) -> &'static str {
        match (self.may.toggle, self.row.active != 0) {
            (true, true) => "disable",
            (true, false) => "enable",
            (false, _) => "unlock",
        }
    }
}

impl RowActions {
    fn any(&self) -> bool {
        self.toggle || self.reset || self.unlock
    }
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    l: Layout,
    lines: Vec<UserLine>,
    pager: Pager,
    notice: Option<&'static str>,
    can_create: bool,
    max_failed: i64,
}

/// The message after a successful action; only known codes are shown.
fn done_notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "create" => "账号已创建",
        "enable" => "账号已启用",
        "disable" => "账号已停用，该账号已无法登录",
        "unlock" => "账号已解锁，失败次数已清零",
        "password" => "密码已重置，该账号需使用新密码重新登录",
        _ => return None,
    })
}

async fn list_users(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let page = parse_page(&q.page);
    let (rows, total) = users::list(&st.svc, &user.actor, page).await?;
    let a = &user.actor;
    let now = st.svc.clock.now_text();
    let manage = a.role.can(Permission::ManageUsers);
    let security = a.role.can(Permission::ManageSecurity);
    let assignable = a.role.assignable();
    let lines = rows
        .into_iter()
        .map(|row| {
            let is_self = row.id == a.user_id.0;
            // Mirrors users::set_active / reset_password: an unknown role is not refused.
            let may_manage = Role::from_code(&row.role).is_none_or(|r| assignable.contains(&r));
            let locked_until = row
                .locked_until
                .as_deref()
                .filter(|t| *t > now.as_str())
                .map(display_ts);
            UserLine {
                role: role_label(&row.role),
                may: RowActions {
                    toggle: manage && !is_self && may_manage,
                    reset: manage && (is_self || may_manage),
                    unlock: security && (locked_until.is_some() || row.failed_attempts > 0),
                },
                is_self,
                locked_until,
                row,
            }
        })
        .collect();
    Ok(render(&ListPage {
        l: Layout::new(&user, "users"),
        lines,
        pager: Pager::new("/users?", page, total, PER_PAGE),
        notice: done_notice(&q.done),
        can_create: manage,
        max_failed: MAX_FAILED_LOGINS,
    }))
}

/// The hidden field of every row action, so the list comes back on the same page.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RowAction {
    page: String,
}

fn back_to_list(page: &str, done: &str) -> Response {
    Redirect::to(&format!("/users?page={}&done={done}", parse_page(page))).into_response()
}

async fn enable_user(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<RowAction>,
) -> Result<Response, AppError> {
    users::set_active(&st.svc, &user.actor, parse_id(&id)?, true).await?;
    Ok(back_to_list(&form.page, "enable"))
}

async fn disable_user(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<RowAction>,
) -> Result<Response, AppError> {
    users::set_active(&st.svc, &user.actor, parse_id(&id)?, false).await?;
    Ok(back_to_list(&form.page, "disable"))
}

async fn unlock_user(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<RowAction>,
) -> Result<Response, AppError> {
    users::unlock(&st.svc, &user.actor, parse_id(&id)?).await?;
    Ok(back_to_list(&form.page, "unlock"))
}

// ---------------------------------------------------------------- new account

/// The new-account form as posted; `org_q` keeps the organization search
/// so the choices survive a re-render, `password_confirm` is checked only
/// when sent (the page always sends it).
#[derive(Deserialize, Default)]
#[serde(default)]
struct NewUserInput {
    username: String,
    display_name: String,
    role: String,
    org_id: String,
    password: String,
    password_confirm: Option<String>,
    org_q: String,
}

/// A role the new account may get.
struct RoleOption {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

/// An organization the new account may be bound to.
struct OrgOption {
    id: i64,
    name: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "users/new.html")]
struct NewUserPage {
    l: Layout,
    form: NewUserInput,
    roles: Vec<RoleOption>,
    own_org_id: i64,
    own_org_name: String,
    can_search: bool,
    org_options: Vec<OrgOption>,
    search_error: Option<String>,
    errors: Vec<FieldError>,
}

impl NewUserPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// Organizations matching `org_q` (own organization first), for roles that
/// may read organizations; system roles type the organization number.
async fn org_choices(
    st: &AppState,
    user: &CurrentUser,
    q: &str,
) -> Result<(Vec<(i64, String)>, Option<String>), AppError> {
    let a = &user.actor;
    if q.trim().is_empty() || !a.role.can(Permission::ReadBusiness) {
        return Ok((Vec::new(), None));
    }
    match orgs::search(&st.svc, a, q).await {
        Ok(rows) => {
            let mut out = vec![(a.org_id.0, a.org_name.clone())];
            out.extend(
                rows.into_iter()
                    .filter(|o| o.status == "active" && o.id != a.org_id.0)
                    .map(|o| (o.id, o.name)),
            );
            let found = out.len() > 1;
            Ok((
                out,
                (!found).then(|| format!("没有找到名称包含“{}”的党组织", q.trim())),
            ))
        }
        Err(ServiceError::Invalid(f)) => Ok((Vec::new(), f.first().map(|e| e.message.clone()))),
        Err(e) => Err(e.into()),
    }
}

async fn new_user_form(
    st: &AppState,
    user: &CurrentUser,
    mut form: NewUserInput,
    errors: Vec<FieldError>,
    fresh_search: bool,
) -> Result<Response, AppError> {
    let (choices, search_error) = org_choices(st, user, &form.org_q).await?;
    // Right after a search, preselect the first organization found rather than one's own.
    if let (true, Some((id, _))) = (fresh_search, choices.get(1)) {
        form.org_id = id.to_string();
    }
    let a = &user.actor;
    form.password.clear();
    form.password_confirm = None;
    let roles = a
        .role
        .assignable()
        .into_iter()
        .map(|r| RoleOption {
            code: r.code(),
            label: r.label(),
            selected: r.code() == form.role,
        })
        .collect();
    let org_options = choices
        .into_iter()
        .map(|(id, name)| OrgOption {
            selected: form.org_id.trim() == id.to_string(),
            id,
            name,
        })
        .collect();
    let status = status_of(&errors);
    let page = NewUserPage {
        l: Layout::new(user, "users"),
        form,
        roles,
        own_org_id: a.org_id.0,
        own_org_name: a.org_name.clone(),
        can_search: a.role.can(Permission::ReadBusiness),
        org_options,
        search_error,
        errors,
    };
    Ok(with_status(render(&page), status))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewUserQuery {
    org_q: String,
}

async fn new_user_page(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NewUserQuery>,
) -> Result<Response, AppError> {
    user.actor.require(Permission::ManageUsers)?;
    let form = NewUserInput {
        org_id: user.actor.org_id.0.to_string(),
        org_q: q.org_q,
        ..NewUserInput::default()
    };
    new_user_form(&st, &user, form, Vec::new(), true).await
}

async fn create_user(
    State(st): State<AppState>,
    CsrfForm { user, form }: CsrfForm<NewUserInput>,
) -> Result<Response, AppError> {
    user.actor.require(Permission::ManageUsers)?;
    if form
        .password_confirm
        .as_ref()
        .is_some_and(|c| *c != form.password)
    {
        let errors = vec![FieldError::new("password_confirm", "两次输入的密码不一致")];
        return new_user_form(&st, &user, form, errors, false).await;
    }
    let input = UserForm {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        role: form.role.clone(),
        org_id: form.org_id.clone(),
        password: form.password.clone(),
    };
    match users::create(&st.svc, &user.actor, &input).await {
        Ok(_) => Ok(Redirect::to("/users?done=create").into_response()),
        Err(ServiceError::Invalid(errors)) => new_user_form(&st, &user, form, errors, false).await,
        // The permission was checked above, so a refusal here is about the chosen organization.
        Err(ServiceError::Forbidden(m)) => {
            new_user_form(&st, &user, form, vec![FieldError::new("org_id", m)], false).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- password reset

#[derive(Template)]
#[template(path = "users/password.html")]
struct PasswordPage {
    l: Layout,
    id: i64,
    is_self: bool,
    errors: Vec<FieldError>,
}

impl PasswordPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn password_form(user: &CurrentUser, id: i64, errors: Vec<FieldError>) -> Response {
    let status = status_of(&errors);
    let page = PasswordPage {
        l: Layout::new(user, "users"),
        id,
        is_self: id == user.actor.user_id.0,
        errors,
    };
    with_status(render(&page), status)
}

async fn password_page(user: CurrentUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    user.actor.require(Permission::ManageUsers)?;
    Ok(password_form(&user, id, Vec::new()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordInput {
    password: String,
    password_confirm: Option<String>,
}

async fn reset_password(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<PasswordInput>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    user.actor.require(Permission::ManageUsers)?;
    if form
        .password_confirm
        .as_ref()
        .is_some_and(|c| *c != form.password)
    {
        return Ok(password_form(
            &user,
            id,
            vec![FieldError::new("password_confirm", "两次输入的密码不一致")],
        ));
    }
    match users::reset_password(&st.svc, &user.actor, id, &form.password).await {
        Ok(()) => Ok(Redirect::to("/users?done=password").into_response()),
        Err(ServiceError::Invalid(errors)) => Ok(password_form(&user, id, errors)),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- API tokens

struct TokenLine {
    id: i64,
    name: String,
    created: String,
    last_used: Option<String>,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "users/tokens.html")]
struct TokensPage {
    l: Layout,
    tokens: Vec<TokenLine>,
    /// The plain token, right after it was created; never shown again.
    new_token: Option<String>,
    host: String,
    name: String,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
}

impl TokensPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// The Host header for the curl example, if it looks like a host name.
fn host_of(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("<host>")
        .to_owned()
}

struct TokenOutcome {
    new_token: Option<String>,
    name: String,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
}

async fn tokens_page(
    st: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    o: TokenOutcome,
) -> Result<Response, AppError> {
    user.actor.require(Permission::UseApi)?;
    let tokens = auth::list_api_tokens(&st.svc, &user.actor)
        .await?
        .into_iter()
        .map(|t| TokenLine {
            id: t.id,
            created: display_ts(&t.created_at),
            last_used: t.last_used.as_deref().map(display_ts),
            revoked: t.revoked != 0,
            name: t.name,
        })
        .collect();
    let status = status_of(&o.errors);
    let page = TokensPage {
        l: Layout::new(user, "tokens"),
        tokens,
        new_token: o.new_token,
        host: host_of(headers),
        name: o.name,
        notice: o.notice,
        errors: o.errors,
    };
    Ok(with_status(render(&page), status))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokensQuery {
    done: String,
}

async fn list_tokens(
    State(st): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<TokensQuery>,
) -> Result<Response, AppError> {
    let notice = (q.done == "revoke").then_some("令牌已撤销，使用该令牌的程序将无法再访问接口");
    tokens_page(
        &st,
        &user,
        &headers,
        TokenOutcome {
            new_token: None,
            name: String::new(),
            notice,
            errors: Vec::new(),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenInput {
    name: String,
}

/// Renders the page directly (no redirect): the new token must not travel
/// in a URL, and it is shown this once.
async fn create_token(
    State(st): State<AppState>,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<TokenInput>,
) -> Result<Response, AppError> {
    match auth::create_api_token(&st.svc, &user.actor, &form.name).await {
        Ok(token) => {
            let o = TokenOutcome {
                new_token: Some(token),
                name: String::new(),
                notice: None,
                errors: Vec::new(),
            };
            tokens_page(&st, &user, &headers, o).await
        }
        Err(ServiceError::Invalid(errors)) => {
            let o = TokenOutcome {
                new_token: None,
                name: form.name,
                notice: None,
                errors,
            };
            tokens_page(&st, &user, &headers, o).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke_token(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<crate::auth::CsrfFieldOnly>,
) -> Result<Response, AppError> {
    auth::revoke_api_token(&st.svc, &user.actor, parse_id(&id)?).await?;
    Ok(Redirect::to("/tokens?done=revoke").into_response())
}
