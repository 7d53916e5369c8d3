//! Account use cases: administrators manage accounts inside their scope.
//! Business administrators create accounts with the business roles their
//! own role may hand out; the system administrator creates accounts with no
//! role (三员分立: the security administrator grants one, see
//! [`crate::grants`]) and enables and disables accounts. Every password set
//! here is one-time: the holder must change it at the next login
//! ([`crate::account`]), so no administrator can silently use an account it
//! set up. Nobody resets the password of a system-role account or of the
//! county administrator on the pages (`dangjian user reset-password` at the
//! console does, with the key file). Every change is audited.

use crate::Services;
use crate::actor::Actor;
use crate::audit;
use crate::crypto::hash_password;
use crate::error::{Errors, ServiceError, ServiceResult};
use dangjian_domain::FieldError;
use dangjian_domain::error::text_field;
use dangjian_domain::role::{Permission, Role};
use dangjian_store::DbError;
use dangjian_store::org as odb;
use dangjian_store::user::{self as db, NewUser, UserRow};
use serde::Deserialize;
use serde_json::json;

pub const PER_PAGE: i64 = 50;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UserForm {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub org_id: String,
    pub password: String,
}

/// The seeding rule for the passwords given on the command line
/// (`dangjian init`, `dangjian demo`): at least 8 characters with letters
/// and digits. Passwords chosen on the pages follow the policy profile.
pub fn check_password(field: &'static str, pw: &str) -> Result<(), FieldError> {
    if pw.chars().count() < 8 || pw.chars().count() > 128 {
        return Err(FieldError::new(field, "密码长度应为8到128个字符"));
    }
    if !pw.chars().any(|c| c.is_ascii_digit()) || !pw.chars().any(char::is_alphabetic) {
        return Err(FieldError::new(field, "密码应同时包含字母和数字"));
    }
    Ok(())
}

fn check_username(raw: &str) -> Result<String, FieldError> {
    let v = raw.trim();
    if v.len() < 3
        || v.len() > 32
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
    {
        return Err(FieldError::new(
            "username",
            "用户名应为3到32位字母、数字、下划线或点",
        ));
    }
    Ok(v.to_ascii_lowercase())
}

pub async fn list(svc: &Services, actor: &Actor, page: i64) -> ServiceResult<(Vec<UserRow>, i64)> {
    actor
        .require(Permission::ManageUsers)
        .or_else(|_| actor.require(Permission::ManageSecurity))?;
    let (lo, hi) = actor.scope_range();
    let mut conn = svc.store.read().await?;
    let rows = db::list_users(&mut conn, &lo, &hi, PER_PAGE, (page.max(1) - 1) * PER_PAGE).await?;
    let total = db::count_users(&mut conn, &lo, &hi).await?;
    Ok((rows, total))
}

pub async fn create(svc: &Services, actor: &Actor, form: &UserForm) -> ServiceResult<i64> {
    actor.require(Permission::ManageUsers)?;
    if actor.role == Role::SystemAdmin {
        return create_without_role(svc, actor, form).await;
    }
    let policy = crate::auth::security_policy(svc).await?;
    let mut e = Errors::default();
    let username = e.take(check_username(&form.username));
    let display = e.take(text_field(
        "display_name",
        "姓名",
        &form.display_name,
        true,
        30,
    ));
    let role = e.take(
        Role::from_code(form.role.trim()).ok_or_else(|| FieldError::new("role", "请选择角色")),
    );
    if let Some(r) = role
        && !actor.role.assignable().contains(&r)
    {
        e.push(FieldError::new(
            "role",
            format!("{}不能创建{}账号", actor.role.label(), r.label()),
        ));
    }
    let org_id = e.take(
        form.org_id
            .trim()
            .parse::<i64>()
            .map_err(|_| FieldError::new("org_id", "请选择所属党组织")),
    );
    if let Some(u) = &username {
        e.take(policy.check_password("password", u, &form.password));
    }
    e.finish()?;
    let (Some(username), Some(display), Some(role), Some(org_id)) =
        (username, display, role, org_id)
    else {
        unreachable!("checked by finish()")
    };
    let hash = hash_password(&form.password);
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let org = match odb::get_org(tx.conn(), org_id).await {
        Ok(o) => o,
        Err(DbError::NotFound) => return Err(ServiceError::field("org_id", "所选党组织不存在")),
        Err(err) => return Err(err.into()),
    };
    actor.require_scope(&org.path)?;
    let new = NewUser {
        username: &username,
        display_name: &display,
        password_hash: &hash,
        role: role.code(),
        org_id,
        must_change: true,
    };
    let id = insert_audited(&mut tx, svc, actor, &new, &org.path, &now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Inserts a new account (a taken username is the username field's error)
/// and audits it as `user.create` under `org_path`, in the caller's
/// transaction.
async fn insert_audited(
    tx: &mut dangjian_store::WriteTx,
    svc: &Services,
    actor: &Actor,
    new: &NewUser<'_>,
    org_path: &str,
    now: &str,
) -> ServiceResult<i64> {
    let id = match db::insert_user(tx.conn(), new, now).await {
        Ok(id) => id,
        Err(DbError::Conflict(c)) if c.is_unique_on("users", "username") => {
            return Err(ServiceError::field("username", "该用户名已被使用"));
        }
        Err(err) => return Err(err.into()),
    };
    audit::by(
        tx.conn(),
        svc,
        actor,
        "user.create",
        &format!("user:{id}"),
        org_path,
        &json!({"after": {"username": new.username, "role": new.role, "org": new.org_id, "one_time_password": new.must_change}}),
    )
    .await?;
    Ok(id)
}

/// The system administrator's account: no role, bound to its own
/// organization until the security administrator grants a role and scope.
async fn create_without_role(svc: &Services, actor: &Actor, form: &UserForm) -> ServiceResult<i64> {
    let policy = crate::auth::security_policy(svc).await?;
    let mut e = Errors::default();
    let username = e.take(check_username(&form.username));
    let display = e.take(text_field(
        "display_name",
        "姓名",
        &form.display_name,
        true,
        30,
    ));
    if !form.role.trim().is_empty() {
        e.push(FieldError::new(
            "role",
            "系统管理员不能授予角色：账号创建后由安全管理员授予角色和所属党组织",
        ));
    }
    if let Some(u) = &username {
        e.take(policy.check_password("password", u, &form.password));
    }
    e.finish()?;
    let (Some(username), Some(display)) = (username, display) else {
        unreachable!("checked by finish()")
    };
    let hash = hash_password(&form.password);
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let new = NewUser {
        username: &username,
        display_name: &display,
        password_hash: &hash,
        role: "",
        org_id: actor.org_id.0,
        must_change: true,
    };
    let id = insert_audited(&mut tx, svc, actor, &new, actor.org_path.as_str(), &now).await?;
    tx.commit().await?;
    Ok(id)
}

/// May `actor` manage (enable, disable, reset) this account at all?
fn require_manageable(actor: &Actor, u: &UserRow) -> ServiceResult<()> {
    if actor.role.may_manage_account(Role::from_code(&u.role)) {
        Ok(())
    } else {
        Err(ServiceError::forbidden("无权管理该角色的账号"))
    }
}

pub(crate) async fn user_in_scope(
    conn: &mut dangjian_store::Conn,
    actor: &Actor,
    id: i64,
) -> ServiceResult<UserRow> {
    let u = db::get_user(conn, id).await?;
    actor.require_scope(&u.org_path)?;
    Ok(u)
}

/// One account in the actor's scope (for the account pages).
pub async fn get(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<UserRow> {
    actor
        .require(Permission::ManageUsers)
        .or_else(|_| actor.require(Permission::ManageSecurity))?;
    let mut conn = svc.store.read().await?;
    user_in_scope(&mut conn, actor, id).await
}

pub async fn set_active(svc: &Services, actor: &Actor, id: i64, active: bool) -> ServiceResult<()> {
    actor.require(Permission::ManageUsers)?;
    let mut tx = svc.store.begin_write().await?;
    let u = user_in_scope(tx.conn(), actor, id).await?;
    if u.id == actor.user_id.0 {
        return Err(ServiceError::forbidden("不能停用自己的账号"));
    }
    require_manageable(actor, &u)?;
    db::set_active(tx.conn(), id, active, &svc.clock.now_text()).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        if active {
            "user.enable"
        } else {
            "user.disable"
        },
        &format!("user:{id}"),
        &u.org_path,
        &json!({"before": {"active": u.active != 0}, "after": {"active": active}, "tokens_revoked": !active}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses resets nobody may do on the pages: one's own password (the
/// password change page asks for the current one) and the password of a
/// system-role account or a county administrator.
fn require_resettable(actor: &Actor, u: &UserRow) -> ServiceResult<()> {
    if u.id == actor.user_id.0 {
        return Err(ServiceError::forbidden(
            "不能重置自己的密码，请在“修改密码”页面修改",
        ));
    }
    require_manageable(actor, u)?;
    if Role::from_code(&u.role).is_some_and(Role::is_protected_admin) {
        return Err(ServiceError::forbidden(
            "不能重置管理员账号的密码，请在服务器控制台使用 dangjian user reset-password 恢复",
        ));
    }
    Ok(())
}

/// Sets a one-time password: the holder must change it at the next login;
/// the account's sessions end and its API tokens are revoked for good.
pub async fn reset_password(
    svc: &Services,
    actor: &Actor,
    id: i64,
    password: &str,
) -> ServiceResult<()> {
    actor.require(Permission::ManageUsers)?;
    let policy = crate::auth::security_policy(svc).await?;
    let mut tx = svc.store.begin_write().await?;
    let u = user_in_scope(tx.conn(), actor, id).await?;
    require_resettable(actor, &u)?;
    policy.check_password("password", &u.username, password)?;
    let hash = hash_password(password);
    let now = svc.clock.now_text();
    db::set_password(tx.conn(), id, &hash, true, &now).await?;
    let revoked =
        dangjian_store::user_security::revoke_tokens_of(tx.conn(), id, "password_reset", &now)
            .await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "user.password_reset",
        &format!("user:{id}"),
        &u.org_path,
        &json!({"one_time_password": true, "tokens_revoked": revoked}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The security administrator lifts a lockout.
pub async fn unlock(svc: &Services, actor: &Actor, id: i64) -> ServiceResult<()> {
    actor.require(Permission::ManageSecurity)?;
    let mut tx = svc.store.begin_write().await?;
    let u = user_in_scope(tx.conn(), actor, id).await?;
    db::clear_failed_logins(tx.conn(), id).await?;
    audit::by(
        tx.conn(),
        svc,
        actor,
        "user.unlock",
        &format!("user:{id}"),
        &u.org_path,
        &json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates an account without an acting user: the first administrator of
/// a new installation and the demo accounts. The password was given on the
/// command line by whoever runs the instance, so it is not one-time.
pub async fn bootstrap(
    svc: &Services,
    username: &str,
    display: &str,
    role: Role,
    org_id: i64,
    password: &str,
) -> ServiceResult<i64> {
    let username = check_username(username)?;
    check_password("password", password)?;
    let hash = hash_password(password);
    let now = svc.clock.now_text();
    let mut tx = svc.store.begin_write().await?;
    let org = odb::get_org(tx.conn(), org_id).await?;
    let id = db::insert_user(
        tx.conn(),
        &NewUser {
            username: &username,
            display_name: display,
            password_hash: &hash,
            role: role.code(),
            org_id,
            must_change: false,
        },
        &now,
    )
    .await?;
    audit::append(
        tx.conn(),
        svc,
        "system",
        "user.create",
        &format!("user:{id}"),
        &org.path,
        &json!({"after": {"username": username, "role": role.code(), "org": org_id}}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
