//! `dangjian policy`: print the text of the version in force today or of a
//! stored version of the policy profile, and load a new version as a named
//! user (the service checks that the user may: county administrators only),
//! in force from `--effective` (default: the first day of next month). A
//! refused profile prints every line-precise message and exits with code 1.

use crate::data::actor;
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use dangjian_service::{ServiceError, Services, policy};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Print the profile text (TOML) of the version in force today, or of
    /// --version N.
    Show {
        /// Number of a stored version (1, 2, …; see the 政策配置 page).
        #[arg(long)]
        version: Option<i64>,
    },
    /// Load FILE as a new version, acting as --user, in force from
    /// --effective (default: the first day of next month). Prints the new
    /// version number and its effective day, or every error as 第N行第M列：…
    /// (exit code 1); a refused file changes nothing.
    Upload {
        /// The profile, a UTF-8 TOML file (at most 512 KB).
        file: PathBuf,
        /// Username whose role the upload runs with (county administrator).
        #[arg(long)]
        user: String,
        /// First day the version is in force (生效日期), YYYY-MM-DD; not
        /// before today unless --retroactive is given.
        #[arg(long)]
        effective: Option<String>,
        /// 追溯适用: let --effective lie before today, so that past periods
        /// are judged again by this version (needs --reason; audited).
        #[arg(long, requires = "reason")]
        retroactive: bool,
        /// Why the version applies retroactively (kept with it, audited).
        #[arg(long)]
        reason: Option<String>,
    },
}

pub async fn run(svc: &Services, command: PolicyCommand) -> Result<ExitCode> {
    match command {
        PolicyCommand::Show { version } => show(svc, version).await,
        PolicyCommand::Upload {
            file,
            user,
            effective,
            retroactive,
            reason,
        } => {
            let effective = policy::Effective {
                from: effective,
                retroactive,
                reason: reason.unwrap_or_default(),
            };
            upload(svc, &file, &user, &effective).await
        }
    }
}

/// The command line is trusted local access (like `audit verify`): the
/// rules are not personal data, so no user is needed to read them.
async fn show(svc: &Services, version: Option<i64>) -> Result<ExitCode> {
    let version = match version {
        Some(v) => v,
        None => {
            policy::active(svc)
                .await
                .map_err(|e| anyhow_of(&e))?
                .version
        }
    };
    let mut conn = svc.store.read().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let text = match dangjian_service::store::profile::content(&mut conn, version).await {
        Ok(t) => t,
        Err(dangjian_service::store::DbError::NotFound) => bail!("没有第{version}版政策配置"),
        Err(e) => bail!("读取政策配置失败：{e}"),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

async fn upload(
    svc: &Services,
    file: &PathBuf,
    user: &str,
    effective: &policy::Effective,
) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("无法读取文件 {}", file.display()))?;
    let actor = actor(svc, user).await?;
    match policy::upload_with(svc, &actor, &bytes, effective).await {
        Ok(a) => {
            println!(
                "已上传政策配置第{}版（{}），自{}起生效，内容校验码 {}",
                a.version,
                a.profile.version(),
                a.effective_from,
                a.profile.content_hash()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ServiceError::Invalid(errors)) => {
            eprintln!(
                "配置文件 {} 有 {} 处错误，未上传，原有版本不变：",
                file.display(),
                errors.len()
            );
            for e in &errors {
                eprintln!("{}", e.message);
            }
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(anyhow_of(&e)),
    }
}

fn anyhow_of(e: &ServiceError) -> anyhow::Error {
    anyhow::anyhow!(crate::commands::service_message(e))
}
