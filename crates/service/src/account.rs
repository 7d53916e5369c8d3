//! The holder's own password: the change every account may make (and must,
//! after someone else set its password), checked against the policy
//! profile and the last passwords; and the console recovery, the only way
//! to reset the password of a system-role account or a county
//! administrator. Both are audited.

use crate::Services;
use crate::audit;
use crate::auth::{Account, security_policy};
use crate::crypto::{hash_password, verify_password};
use crate::error::{ServiceError, ServiceResult};
use dangjian_store::user as db;
use dangjian_store::user_security as sdb;
use rand::RngExt;
use serde_json::json;

/// The password change form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
    pub new_password_confirm: String,
}

/// Changes the account's own password. Every session of the account ends
/// (the holder logs in again with the new one); nothing changes on any
/// error.
pub async fn change_password(
    svc: &Services,
    account: &Account,
    form: &PasswordChange,
) -> ServiceResult<()> {
    let policy = security_policy(svc).await?;
    if form.new_password != form.new_password_confirm {
        return Err(ServiceError::field(
            "new_password_confirm",
            "两次输入的新密码不一致",
        ));
    }
    let mut tx = svc.store.begin_write().await?;
    let u = db::get_user(tx.conn(), account.user_id.0).await?;
    if !verify_password(&form.current_password, &u.password_hash) {
        return Err(ServiceError::field("current_password", "当前密码不正确"));
    }
    policy.check_password("new_password", &u.username, &form.new_password)?;
    let n = policy.password_history;
    let mut recent = sdb::recent_hashes(tx.conn(), u.id, i64::from(n)).await?;
    recent.push(u.password_hash.clone());
    if recent
        .iter()
        .any(|h| verify_password(&form.new_password, h))
    {
        return Err(ServiceError::field(
            "new_password",
            format!("新密码不能与当前密码或最近{n}次使用过的密码相同"),
        ));
    }
    let hash = hash_password(&form.new_password);
    let now = svc.clock.now_text();
    db::set_password(tx.conn(), u.id, &hash, false, &now).await?;
    sdb::push_history(tx.conn(), u.id, &hash, &now).await?;
    audit::append(
        tx.conn(),
        svc,
        &u.username,
        "user.password_change",
        &format!("user:{}", u.id),
        &u.org_path,
        &json!({"was_one_time": u.must_change_password != 0}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A random one-time password of at least `min_len` characters: groups of
/// four letters and digits (no look-alikes), joined by `-`.
pub fn one_time_password(min_len: u32) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let group = |rng: &mut rand::rngs::ThreadRng| -> String {
        (0..4)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect()
    };
    let n = (min_len as usize / 5 + 1).max(4);
    let groups: Vec<String> = (0..n).map(|_| group(&mut rng)).collect();
    groups.join("-")
}

/// Console recovery (`dangjian user reset-password USER`): a new one-time
/// password for any account, the lockout lifted, its sessions ended and its
/// API tokens revoked. Audited as `console`. The caller proves access to
/// the server and its key file.
pub async fn console_reset(svc: &Services, username: &str) -> ServiceResult<String> {
    let policy = security_policy(svc).await?;
    let mut tx = svc.store.begin_write().await?;
    let Some(u) = db::find_by_username(tx.conn(), username.trim()).await? else {
        return Err(ServiceError::field("username", "没有该用户名的账号"));
    };
    let password = loop {
        let p = one_time_password(policy.password_min_length);
        if policy.check_password("password", &u.username, &p).is_ok() {
            break p;
        }
    };
    let now = svc.clock.now_text();
    db::set_password(tx.conn(), u.id, &hash_password(&password), true, &now).await?;
    db::clear_failed_logins(tx.conn(), u.id).await?;
    let revoked = sdb::revoke_tokens_of(tx.conn(), u.id, "password_reset", &now).await?;
    audit::append(
        tx.conn(),
        svc,
        "console",
        "user.password_recover",
        &format!("user:{}", u.id),
        &u.org_path,
        &json!({"username": u.username, "one_time_password": true, "tokens_revoked": revoked}),
    )
    .await?;
    tx.commit().await?;
    Ok(password)
}
