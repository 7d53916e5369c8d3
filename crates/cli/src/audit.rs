//! `dangjian audit verify [--checkpoint FILE]` and `dangjian audit
//! checkpoint`, and the re-keying of an old log on start.

use crate::AuditCommand;
use crate::commands::service_message;
use anyhow::Result;
use dangjian_service::Services;
use dangjian_service::audit::checkpoint::{self, CheckpointError};
use dangjian_service::audit::{self, Verification};
use std::process::ExitCode;

pub async fn run(svc: &Services, command: AuditCommand) -> Result<ExitCode> {
    match command {
        AuditCommand::Verify { checkpoint: None } => verify(svc).await,
        AuditCommand::Verify {
            checkpoint: Some(file),
        } => match checkpoint::verify_with(svc, &file).await {
            Ok((head, last)) => {
                match last {
                    Some(cp) => println!(
                        "OK: {} rows, keyed hash chain intact, reaches checkpoint of row {} ({}, {})",
                        head.id, cp.id, cp.at, cp.reason
                    ),
                    None => println!(
                        "OK: {} rows, keyed hash chain intact (no checkpoint in {} yet)",
                        head.id,
                        file.display()
                    ),
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => broken(&e),
        },
        AuditCommand::Checkpoint => match checkpoint::write(svc, "manual").await {
            Ok(Some(cp)) => {
                println!("{}", cp.line(svc.crypto.audit_key()));
                Ok(ExitCode::SUCCESS)
            }
            Ok(None) => unreachable!("the CLI always configures a checkpoint file"),
            Err(e) => broken(&e),
        },
    }
}

fn broken(e: &CheckpointError) -> Result<ExitCode> {
    match e {
        CheckpointError::Broken(_) | CheckpointError::Bad(_) => {
            println!("BROKEN: {e}");
            Ok(ExitCode::from(2))
        }
        CheckpointError::Service(s) => Err(anyhow::anyhow!(service_message(s))),
        CheckpointError::Io(..) => Err(anyhow::anyhow!(e.to_string())),
    }
}

async fn verify(svc: &Services) -> Result<ExitCode> {
    match audit::verify(svc)
        .await
        .map_err(|e| anyhow::anyhow!(service_message(&e)))?
    {
        Verification::Ok { rows } => {
            println!("OK: {rows} rows, keyed hash chain intact");
            Ok(ExitCode::SUCCESS)
        }
        Verification::Broken(b) => {
            println!("BROKEN: {b}");
            Ok(ExitCode::from(2))
        }
    }
}

/// Re-chains a pre-0012 plain audit log under the key (once, on the first
/// start of this version) and says so. The old rows' summaries lose the
/// pre-0010 ID masks on the way (region and last four characters, which
/// with a birth date rebuilt the number): they become today's masks.
pub async fn upgrade(svc: &Services) -> Result<()> {
    let redact = |v: &mut serde_json::Value| {
        dangjian_domain::member::redact_old_masks(v);
    };
    if let Some(done) = audit::upgrade_plain_chain(svc, Some(&redact)).await? {
        // On stderr: commands like `policy show` print their result on stdout.
        eprintln!(
            "审计日志已升级：{} 条旧记录经校验后以密钥重建哈希链（已记入审计日志 audit.rechain）。",
            done.rows
        );
    }
    Ok(())
}
