//! Data in and out on the command line: `backup` and `restore` of a SQLite
//! instance, and `export` of the member and organization lists to .xlsx as
//! a named user. The CLI is trusted local access (it holds the database and
//! the key), but an export still runs with the named user's role and scope,
//! and an unmasked export is audited under that user's name.

use crate::commands::{redact, service_message};
use crate::{BackupArgs, Cli, ExportCommand, ExportTarget, RestoreArgs};
use anyhow::{Context, Result, bail};
use dangjian_service::backup::{self, Summary, sqlite_file};
use dangjian_service::export::{self, Export};
use dangjian_service::members::MemberQuery;
use dangjian_service::{Actor, Crypto, Services, auth};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;

fn sqlite_only(cli: &Cli, what: &str) -> Result<PathBuf> {
    sqlite_file(&cli.database).with_context(|| {
        format!(
            "{what}只适用于 SQLite 数据库（{}）。PostgreSQL 请用 pg_dump 备份、pg_restore 恢复，步骤见 README 的“Backup and restore”一节",
            redact(&cli.database)
        )
    })
}

pub async fn backup(cli: &Cli, args: &BackupArgs) -> Result<ExitCode> {
    let db = sqlite_only(cli, "dangjian backup ")?;
    let summary = backup::backup(&db, &args.file).await?;
    println!(
        "备份完成：{}（{}），已校验。",
        args.file.display(),
        size(summary.bytes)
    );
    print_summary(&summary);
    println!("提示：密钥文件不在备份中，请另行妥善保存（--key-file / DANGJIAN_KEY）。");
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(cli: &Cli, args: &RestoreArgs) -> Result<ExitCode> {
    let db = sqlite_only(cli, "dangjian restore ")?;
    let key = existing_key(cli)?;
    if key.is_none() {
        println!(
            "注意：未找到密钥（{} 或 DANGJIAN_KEY），无法确认密钥与备份匹配。",
            cli.key_file.display()
        );
    }
    let restored = backup::restore(&db, &args.file, key.as_ref()).await?;
    println!(
        "恢复完成：{} 已恢复到 {}，已校验。",
        args.file.display(),
        db.display()
    );
    print_summary(&restored.summary);
    if let Some(previous) = &restored.previous {
        println!("原数据库已保留为 {}", previous.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The instance's key if one exists; never creates one (a new key could not
/// open the backup's sensitive fields anyway).
fn existing_key(cli: &Cli) -> Result<Option<Crypto>> {
    match std::env::var("DANGJIAN_KEY") {
        Ok(hex) if !hex.trim().is_empty() => Ok(Some(
            Crypto::from_hex(&hex).context("环境变量 DANGJIAN_KEY 无效")?,
        )),
        _ if cli.key_file.is_file() => Ok(Some(
            Crypto::load_or_create(&cli.key_file).context("无法读取密钥文件")?,
        )),
        _ => Ok(None),
    }
}

fn print_summary(s: &Summary) {
    let counts: Vec<String> = s
        .counts
        .iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    println!("  {}", counts.join("，"));
    println!(
        "  数据结构版本 {}，审计日志 {} 条，哈希链完整",
        s.schema_version, s.audit_rows
    );
}

fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    }
}

pub async fn export(svc: &Services, command: ExportCommand) -> Result<ExitCode> {
    let bar = ProgressBar::hidden();
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let progress = |done: usize, total: usize| {
        if bar.is_hidden() && total >= 5_000 {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let (result, target, unmasked) = match command {
        ExportCommand::Members(a) => {
            let actor = actor(svc, &a.target).await?;
            bar.set_message("导出党员");
            let q = MemberQuery {
                org: a.target.org.map(|o| o.to_string()).unwrap_or_default(),
                category: a.category.unwrap_or_default(),
                sector: a.sector.unwrap_or_default(),
                age: a.age.unwrap_or_default(),
                joined_year: a.joined_year.unwrap_or_default(),
                q: a.name.unwrap_or_default(),
                page: String::new(),
            };
            let r =
                export::members_xlsx_with_progress(svc, &actor, &q, a.unmasked, &progress).await;
            (r, a.target, a.unmasked)
        }
        ExportCommand::Orgs(a) => {
            let actor = actor(svc, &a.target).await?;
            bar.set_message("导出党组织");
            let org = a.target.org.unwrap_or(actor.org_id.0);
            let search = a.search.unwrap_or_default();
            let r = export::orgs_xlsx_with_progress(svc, &actor, org, &search, &progress).await;
            (r, a.target, false)
        }
    };
    bar.finish_and_clear();
    let Export {
        file_name,
        rows,
        bytes,
    } = result.map_err(|e| anyhow::anyhow!(service_message(&e)))?;
    let out = target.out.unwrap_or_else(|| PathBuf::from(&file_name));
    std::fs::write(&out, &bytes).with_context(|| format!("无法写入 {}", out.display()))?;
    println!(
        "已导出 {rows} 行到 {}（{}）",
        out.display(),
        size(bytes.len() as u64)
    );
    if unmasked {
        println!("此文件含完整公民身份号码和联系电话，已记入审计日志，请妥善保管。");
    }
    Ok(ExitCode::SUCCESS)
}

/// The named account as an actor (it must exist and be active).
async fn actor(svc: &Services, target: &ExportTarget) -> Result<Actor> {
    let mut conn = svc.store.read().await?;
    let Some(user) = dangjian_service::store::user::find_by_username(&mut conn, &target.user)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    else {
        bail!("没有用户名为 {} 的账号", target.user);
    };
    if user.active == 0 {
        bail!("账号 {} 已停用", target.user);
    }
    auth::actor_of(&user).map_err(|e| anyhow::anyhow!(service_message(&e)))
}
