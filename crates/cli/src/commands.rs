//! The commands behind the CLI: open the store and keys, then serve, load
//! the demo county, initialize, or verify the audit log.

use crate::{Cli, Command, DemoArgs, InitArgs, data};
use anyhow::{Context, Result, bail};
use dangjian_domain::demo::{DemoOptions, generate};
use dangjian_service::backup::{lock_instance, sqlite_file};
use dangjian_service::{Crypto, Services, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::process::ExitCode;

pub async fn run(cli: Cli) -> Result<ExitCode> {
    match &cli.command {
        Command::Backup(args) => return data::backup(&cli, args).await,
        Command::Restore(args) => return data::restore(&cli, args).await,
        _ => {}
    }
    ensure_data_dir(&cli)?;
    // Commands that write to a SQLite instance hold its lock for their whole
    // run, so `restore` cannot replace the database under them.
    let _lock = match (&cli.command, sqlite_file(&cli.database)) {
        (Command::Serve(_) | Command::Demo(_) | Command::Init(_), Some(file)) => {
            Some(lock_instance(&file)?)
        }
        _ => None,
    };
    if matches!(cli.command, Command::User { .. }) {
        require_key_file(&cli)?;
    }
    let mut svc = open(&cli).await?;
    if !matches!(cli.command, Command::Audit { .. }) {
        // A log of an older version is verified and re-chained under the
        // key before anything appends to it (`audit verify` only reports).
        crate::audit::upgrade(&svc).await?;
    }
    if matches!(cli.command, Command::Serve(_) | Command::Demo(_)) {
        let dir = search_dir(&cli);
        dangjian_service::files::create_private_dir(&dir)
            .and_then(|()| dangjian_service::files::restrict(&dir))
            .with_context(|| format!("无法创建全文索引目录 {}", dir.display()))?;
        svc.search = dangjian_search::SearchIndex::open(&dir)
            .with_context(|| format!("无法打开全文索引目录 {}", dir.display()))?;
    }
    let anchors = !matches!(
        cli.command,
        Command::Audit { .. } | Command::Serve(_) | Command::Demo(_)
    );
    let code = match cli.command {
        Command::Serve(args) => crate::serve::serve(svc.clone(), &args, false).await,
        Command::Demo(args) => demo(svc.clone(), &args).await,
        Command::Init(args) => init(&svc, &args).await,
        Command::Audit { command } => crate::audit::run(&svc, command).await,
        Command::Export { command } => data::export(&svc, command).await,
        Command::Import { command } => data::import(&svc, command).await,
        Command::Policy { command } => crate::policy::run(&svc, command).await,
        Command::Warn(args) => crate::warn::run(&svc, &args).await,
        Command::User {
            command: crate::UserCommand::ResetPassword { user },
        } => reset_password(&svc, &user).await,
        Command::Backup(_) | Command::Restore(_) => unreachable!("handled above"),
    }?;
    // A command that appended to the audit log anchors it when due (`serve`
    // does so itself, in the background, and `demo` before it serves).
    if anchors && let Err(e) = dangjian_service::audit::checkpoint::write_if_due(&svc).await {
        eprintln!("警告：{e}");
    }
    if let Some(file) = sqlite_file(&cli.database) {
        restrict_database(&file)?;
    }
    Ok(code)
}

/// Creates the SQLite database's folder (mode 0700) and the database file
/// itself (mode 0600, before SQLite creates it, so that its write-ahead log
/// and shared-memory files, which SQLite creates with the database file's
/// mode, are private too).
fn ensure_data_dir(cli: &Cli) -> Result<()> {
    if let Some(file) = sqlite_file(&cli.database) {
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            dangjian_service::files::create_private_dir(dir)
                .with_context(|| format!("无法创建数据目录 {}", dir.display()))?;
        }
        if !file.exists() {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            match opts.open(&file) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("无法创建数据库 {}", file.display()));
                }
            }
        }
        restrict_database(&file)?;
    }
    Ok(())
}

/// Mode 0600 on the SQLite database and its companions.
fn restrict_database(file: &std::path::Path) -> Result<()> {
    dangjian_service::files::restrict_sqlite(file)
        .with_context(|| format!("无法设置数据库文件 {} 的权限", file.display()))
}

/// The audit checkpoint file: `--audit-checkpoints`, else
/// `audit-checkpoints.log` beside the SQLite file, else
/// `data/audit-checkpoints.log`.
pub(crate) fn checkpoint_file(cli: &Cli) -> std::path::PathBuf {
    if let Some(f) = &cli.audit_checkpoints {
        return f.clone();
    }
    let name = "audit-checkpoints.log";
    match sqlite_file(&cli.database) {
        Some(file) => file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| name.into(), |d| d.join(name)),
        None => std::path::PathBuf::from("data").join(name),
    }
}

async fn open(cli: &Cli) -> Result<Services> {
    let store = Store::connect(&cli.database)
        .await
        .with_context(|| format!("无法打开数据库 {}", redact(&cli.database)))?;
    let crypto = match std::env::var("DANGJIAN_KEY") {
        Ok(hex) if !hex.trim().is_empty() => {
            Crypto::from_hex(&hex).context("环境变量 DANGJIAN_KEY 无效")?
        }
        _ => Crypto::load_or_create(&cli.key_file).context("无法读取或创建密钥文件")?,
    };
    let mut svc = Services::new(store, crypto);
    svc.audit_checkpoints = Some(checkpoint_file(cli));
    Ok(svc)
}

/// The full-text index's folder: `--search-dir`, else `search/` beside the
/// SQLite file, else `data/search`.
pub(crate) fn search_dir(cli: &Cli) -> std::path::PathBuf {
    if let Some(d) = &cli.search_dir {
        return d.clone();
    }
    match sqlite_file(&cli.database) {
        Some(file) => file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| "search".into(), |d| d.join("search")),
        None => std::path::PathBuf::from("data").join("search"),
    }
}

/// Hides a password in a database URL for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn demo(svc: Services, args: &DemoArgs) -> Result<ExitCode> {
    let loaded = dangjian_service::demo::is_empty(&svc).await?;
    if loaded {
        let started = std::time::Instant::now();
        let county = generate(&DemoOptions {
            seed: args.seed,
            scale: args.scale,
            today: svc.clock.today(),
        });
        println!(
            "生成演示县：{}，{} 个党组织，{} 名党员（种子 {}，规模 {}）",
            county.county_name,
            county.orgs.len(),
            county.members.len(),
            args.seed,
            args.scale
        );
        let bar = ProgressBar::new(county.members.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message("加密并写入党员");
        let summary =
            dangjian_service::demo::load(&svc, &county, &args.demo_password, &|done, _| {
                bar.set_position(done);
            })
            .await
            .map_err(|e| anyhow::anyhow!(service_message(&e)))?;
        bar.finish_and_clear();
        println!(
            "载入完成，用时 {:.1} 秒。演示账号（密码均为 {}）：",
            started.elapsed().as_secs_f64(),
            args.demo_password
        );
        for a in &summary.accounts {
            println!("  {:<18} {:<10} {}", a.username, a.role.label(), a.org_name);
        }
        let started = std::time::Instant::now();
        let indexed = dangjian_service::records::rebuild_index(&svc)
            .await
            .map_err(|e| anyhow::anyhow!(service_message(&e)))?;
        println!(
            "已建立组织生活记录全文索引：{indexed} 条，用时 {:.1} 秒",
            started.elapsed().as_secs_f64()
        );
    } else {
        println!("数据库已有数据，跳过生成演示数据，直接启动。");
    }
    if args.no_serve {
        if let Err(e) = dangjian_service::audit::checkpoint::write_if_due(&svc).await {
            eprintln!("警告：{e}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    crate::serve::serve(svc, &args.serve, loaded).await
}

async fn init(svc: &Services, args: &InitArgs) -> Result<ExitCode> {
    if !dangjian_service::demo::is_empty(svc).await? {
        bail!("数据库中已有组织，不能重复初始化");
    }
    let id = dangjian_service::orgs::create_root(svc, &args.county)
        .await
        .map_err(|e| anyhow::anyhow!(service_message(&e)))?;
    dangjian_service::users::bootstrap(
        svc,
        &args.admin,
        "县级管理员",
        dangjian_domain::role::Role::CountyAdmin,
        id,
        &args.password,
    )
    .await
    .map_err(|e| anyhow::anyhow!(service_message(&e)))?;
    println!(
        "已创建 {}（编号 {id}）和县级管理员账号 {}",
        args.county, args.admin
    );
    Ok(ExitCode::SUCCESS)
}

/// Console recovery proves access to the server by the key: the key file
/// must already exist and be readable (it is never created here), unless
/// the key is given in DANGJIAN_KEY.
fn require_key_file(cli: &Cli) -> Result<()> {
    if std::env::var("DANGJIAN_KEY").is_ok_and(|k| !k.trim().is_empty()) {
        return Ok(());
    }
    std::fs::read(&cli.key_file).with_context(|| {
        format!(
            "无法读取密钥文件 {}：账号恢复须在服务器上以能读取密钥文件的身份执行",
            cli.key_file.display()
        )
    })?;
    Ok(())
}

async fn reset_password(svc: &Services, user: &str) -> Result<ExitCode> {
    let password = dangjian_service::account::console_reset(svc, user)
        .await
        .map_err(|e| anyhow::anyhow!(service_message(&e)))?;
    println!("已为账号 {} 设置一次性密码：{password}", user.trim());
    println!("该密码只显示这一次；账号登录后须立即修改密码。原有登录会话已退出，接口令牌已撤销。");
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn service_message(e: &dangjian_service::ServiceError) -> String {
    match e {
        dangjian_service::ServiceError::Invalid(fields) => fields
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("；"),
        other => other.to_string(),
    }
}
