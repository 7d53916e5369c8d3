//! `dangjian warn`: evaluates the early-warning indicators (软弱涣散预警)
//! for an organization's subtree as a named user, stores the snapshot like
//! the web page does, and prints the counts per level and the worst
//! organizations with their reasons.

use crate::data::actor;
use anyhow::Result;
use dangjian_domain::warnings::Level;
use dangjian_service::{Services, warnings};
use std::process::ExitCode;

/// Organizations listed after the counts.
const WORST: usize = 20;

#[derive(clap::Args, Debug)]
pub struct WarnArgs {
    /// Username whose role and scope the evaluation runs with (county or
    /// unit administrator).
    #[arg(long)]
    pub user: String,
    /// Organization id whose subtree is evaluated (default: the user's own).
    #[arg(long)]
    pub org: Option<i64>,
}

pub async fn run(svc: &Services, args: &WarnArgs) -> Result<ExitCode> {
    let actor = actor(svc, &args.user).await?;
    let org = args.org.unwrap_or(actor.org_id.0);
    let run = warnings::evaluate_scope(svc, &actor, org)
        .await
        .map_err(|e| anyhow::anyhow!(crate::commands::service_message(&e)))?;
    println!(
        "预警快照第{}号：{}，政策配置第{}版，共{}个组织",
        run.run_id,
        run.as_of,
        run.profile_version,
        run.results.len()
    );
    let counts = Level::ALL
        .iter()
        .rev()
        .map(|l| format!("{}{}个", l.title(), run.counts.at(*l)))
        .collect::<Vec<_>>()
        .join("，");
    println!("{counts}；{}个组织有指标缺少数据", run.counts.incomplete);
    let warned: Vec<_> = run
        .results
        .iter()
        .filter(|r| r.level > Level::Green)
        .take(WORST)
        .collect();
    if warned.is_empty() {
        println!("没有发出预警的组织");
        return Ok(ExitCode::SUCCESS);
    }
    println!("预警最严重的{}个组织：", warned.len());
    for (i, r) in warned.iter().enumerate() {
        println!(
            "{:>2}. 【{}】{}（编号{}，得分{}）",
            i + 1,
            r.level.title(),
            r.org_name,
            r.org_id,
            r.score
        );
        for reason in &r.reasons {
            println!("    - {}：{}", reason.label, reason.detail);
        }
    }
    Ok(ExitCode::SUCCESS)
}
