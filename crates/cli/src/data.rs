//! Data in and out on the command line: `backup` and `restore` of a SQLite
//! instance, `export` of the member and organization lists to .xlsx and
//! `import` of member and organization sheets, as a named user. The CLI is trusted local access (it holds the database and
//! the key), but an export still runs with the named user's role and scope,
//! and an unmasked export is audited under that user's name.

use crate::commands::{redact, service_message};
use crate::{BackupArgs, Cli, ExportCommand, ImportArgs, ImportCommand, RestoreArgs};
use anyhow::{Context, Result, bail};
use dangjian_service::backup::{self, Summary, sqlite_file};
use dangjian_service::export::{self, Export};
use dangjian_service::import::{self, ImportOptions, ImportReport, SheetKind};
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
    let summary = backup::backup(&db, &args.file, existing_key(cli)?.as_ref()).await?;
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
    // The restored log ends where the backup did: anchor that head, so that
    // `audit verify --checkpoint` checks against it from now on.
    if let Some(crypto) = key {
        let store =
            dangjian_service::Store::connect_existing(&format!("sqlite://{}", db.display()))
                .await
                .context("无法打开恢复后的数据库")?;
        let mut svc = Services::new(store, crypto);
        svc.audit_checkpoints = Some(crate::commands::checkpoint_file(cli));
        let written = dangjian_service::audit::checkpoint::write(&svc, "restore").await;
        svc.store.close().await;
        if let Some(cp) = written? {
            println!("已写入审计检查点：第 {} 行（restore）。", cp.id);
        }
    }
    println!(
        "恢复完成：{} 已恢复到 {}，已校验。",
        args.file.display(),
        db.display()
    );
    print_summary(&restored.summary);
    if let Some(previous) = &restored.previous {
        println!("原数据库已保留为 {}", previous.display());
    }
    // The records' full-text index described the replaced database.
    let index = crate::commands::search_dir(cli);
    dangjian_search::SearchIndex::discard(&index)
        .with_context(|| format!("无法清除全文索引 {}", index.display()))?;
    println!("组织生活记录全文索引将在下次启动时按恢复的数据重建。");
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
            let actor = actor(svc, &a.target.user).await?;
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
            let actor = actor(svc, &a.target.user).await?;
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
pub(crate) async fn actor(svc: &Services, username: &str) -> Result<Actor> {
    let mut conn = svc.store.read().await?;
    let Some(user) = dangjian_service::store::user::find_by_username(&mut conn, username)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    else {
        bail!("没有用户名为 {username} 的账号");
    };
    if user.active == 0 {
        bail!("账号 {username} 已停用");
    }
    auth::actor_of(&user).map_err(|e| anyhow::anyhow!(service_message(&e)))
}

/// Errors printed in the terminal; the annotated file has all of them.
const ERRORS_PRINTED: usize = 50;

pub async fn import(svc: &Services, command: ImportCommand) -> Result<ExitCode> {
    let (kind, args) = match command {
        ImportCommand::Members(a) => (SheetKind::Members, a),
        ImportCommand::Orgs(a) => (SheetKind::Orgs, a),
        ImportCommand::OrgFacts(a) => (SheetKind::OrgFacts, a),
        ImportCommand::Template { kind, file } => return template(&kind, &file),
    };
    let ImportArgs {
        file,
        user,
        org,
        dry_run,
        report,
    } = args;
    let actor = actor(svc, &user).await?;
    // Refuse a file over the limit before reading it into memory.
    let len = std::fs::metadata(&file)
        .with_context(|| format!("无法读取 {}", file.display()))?
        .len();
    if len > import::MAX_BYTES as u64 {
        bail!(
            "文件 {} 有 {}，超过 50 MB 的上限，请拆分后分批导入",
            file.display(),
            size(len)
        );
    }
    let bytes = std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
    let opts = ImportOptions {
        kind,
        file_name: file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        within_org: org.unwrap_or(actor.org_id.0),
        dry_run,
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {percent}% {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("导入{}", kind.label()));
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let result = import::import(svc, &actor, &opts, &bytes, &progress).await;
    bar.finish_and_clear();
    let r = result.map_err(|e| anyhow::anyhow!(service_message(&e)))?;
    if r.is_clean() {
        print_unknown(&r);
        if r.dry_run {
            println!("检查通过：{} 行全部符合要求（只检查，未写入）。", r.rows);
        } else {
            println!("导入成功：已导入 {} 条{}信息。", r.imported, kind.label());
        }
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "发现 {} 处问题（{} 行），未导入任何数据：",
        r.errors.len(),
        r.bad_rows()
    );
    for e in r.errors.iter().take(ERRORS_PRINTED) {
        if e.column.is_empty() {
            println!("  第 {} 行：{}", e.row, e.message);
        } else {
            println!("  第 {} 行 {}：{}", e.row, e.column, e.message);
        }
    }
    if r.errors.len() > ERRORS_PRINTED {
        println!("  ……其余 {} 处见标注文件", r.errors.len() - ERRORS_PRINTED);
    }
    print_unknown(&r);
    let out = report.unwrap_or_else(|| {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        file.with_file_name(format!("{stem}-错误说明.xlsx"))
    });
    let annotated =
        import::annotated_xlsx(&r, &bytes).map_err(|e| anyhow::anyhow!(service_message(&e)))?;
    std::fs::write(&out, annotated).with_context(|| format!("无法写入 {}", out.display()))?;
    println!("已生成标注了错误说明的文件：{}", out.display());
    Ok(ExitCode::FAILURE)
}

fn print_unknown(r: &ImportReport) {
    if !r.unknown_columns.is_empty() {
        println!("未能识别、未导入的列：{}", r.unknown_columns.join("、"));
    }
}

fn template(kind: &str, file: &std::path::Path) -> Result<ExitCode> {
    let Some(kind) = SheetKind::from_code(kind) else {
        bail!("模板类别应为 members（党员）、orgs（党组织）或 org_facts（村情），而不是“{kind}”");
    };
    let bytes = import::template_xlsx(kind).map_err(|e| anyhow::anyhow!(service_message(&e)))?;
    std::fs::write(file, bytes).with_context(|| format!("无法写入 {}", file.display()))?;
    println!("已写入{}导入模板：{}", kind.label(), file.display());
    Ok(ExitCode::SUCCESS)
}
