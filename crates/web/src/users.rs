//! Account pages: the accounts in the user's scope with enable, disable,
//! unlock and password-reset actions, and the form for a new account. Who
//! may do what is decided by `dangjian_service::users`; this module only
//! hides the buttons the service would refuse and must not decide access
//! itself. The personal API tokens live in `tokens`.

use crate::AppState;
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::layout::{Layout, Pager, parse_page, render, status_of, with_status};
use crate::orgs::parse_id;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dangjian_domain::FieldError;
use dangjian_domain::role::{Permission, Role};
use dangjian_service::auth::MAX_FAILED_LOGINS;
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
}

use crate::grants::role_label;

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

/// Which row buttons to show (one flag per button, read by the template).
#[allow(clippy::struct_excessive_bools)]
struct RowActions {
    toggle: bool,
    reset: bool,
    unlock: bool,
    /// The security administrator's: grant or change the role, withdraw
    /// it, lock the account.
    grant: bool,
    withdraw: bool,
    lock: bool,
}

impl UserLine {
    /// The row form's own action; each button names its own with `formaction`,
    /// so one form per row keeps the buttons on one line.
    fn default_action(&self) -> &'static str {
        match (self.may.toggle, self.row.active != 0) {
            (true, true) => "disable",
            (true, false) => "enable",
            (false, _) if self.may.unlock => "unlock",
            (false, _) => "lock",
        }
    }
}

impl RowActions {
    fn any(&self) -> bool {
        self.toggle || self.reset || self.unlock || self.grant || self.withdraw || self.lock
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
        "password" => "密码已重置为一次性密码：该账号登录后须先修改密码，其接口令牌已全部撤销",
        "grant" => "角色已授予，该账号重新登录后生效",
        "withdraw" => "角色已撤销，该账号的接口令牌已全部撤销",
        "lock" => "账号已锁定，解锁前无法登录",
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
    let lines = rows
        .into_iter()
        .map(|row| {
            let is_self = row.id == a.user_id.0;
            // Mirrors users::set_active / reset_password and service::grants.
            let target = Role::from_code(&row.role);
            let may_manage = a.role.may_manage_account(target);
            let protected = target.is_some_and(Role::is_protected_admin);
            let locked_until = row
                .locked_until
                .as_deref()
                .filter(|t| *t > now.as_str())
                .map(display_ts);
            UserLine {
                role: role_label(&row.role),
                may: RowActions {
                    toggle: manage && !is_self && may_manage,
                    reset: manage && !is_self && may_manage && !protected,
                    unlock: security && (locked_until.is_some() || row.failed_attempts > 0),
                    grant: security && !is_self,
                    withdraw: security && !is_self && target.is_some(),
                    lock: security && !is_self && locked_until.is_none(),
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
    account: UserRow,
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

/// The form for account `id`; the service reads the account, and so checks
/// that it is in the user's scope, before anything about it is shown.
async fn password_form(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let account = users::get(&st.svc, &user.actor, id).await?;
    let status = status_of(&errors);
    let page = PasswordPage {
        l: Layout::new(user, "users"),
        is_self: account.id == user.actor.user_id.0,
        account,
        errors,
    };
    Ok(with_status(render(&page), status))
}

async fn password_page(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    user.actor.require(Permission::ManageUsers)?;
    password_form(&st, &user, id, Vec::new()).await
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
        let errors = vec![FieldError::new("password_confirm", "两次输入的密码不一致")];
        return password_form(&st, &user, id, errors).await;
    }
    match users::reset_password(&st.svc, &user.actor, id, &form.password).await {
        Ok(()) => Ok(Redirect::to("/users?done=password").into_response()),
        Err(ServiceError::Invalid(errors)) => password_form(&st, &user, id, errors).await,
        Err(e) => Err(e.into()),
    }
}
