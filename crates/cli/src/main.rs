//! The `dangjian` binary: parses the command line and hands over to the
//! commands in `commands.rs`. Configuration is one typed struct (clap,
//! flags and environment variables); nothing global.

mod audit;
mod commands;
mod data;
mod policy;
mod serve;
mod warn;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// 党建工作平台 — county Party-building platform.
#[derive(Parser, Debug)]
#[command(name = "dangjian", version, about = "党建工作平台：组织、党员、组织生活、预警、整改与督办、账号与审计", long_about = None)]
pub struct Cli {
    /// Database URL: sqlite://PATH (default) or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "DANGJIAN_DATABASE_URL",
        default_value = "sqlite://data/dangjian.db"
    )]
    pub database: String,

    /// Key file for the encryption of sensitive fields (created with mode 0600
    /// on first start). DANGJIAN_KEY (128 hex characters) takes precedence.
    #[arg(
        long,
        global = true,
        env = "DANGJIAN_KEY_FILE",
        default_value = "data/dangjian.key"
    )]
    pub key_file: PathBuf,

    /// Folder of the full-text index of the records (`serve` and `demo`;
    /// default: `search/` beside the SQLite file, `data/search` with
    /// PostgreSQL). It is rebuilt from the database when missing or stale.
    #[arg(long, global = true, env = "DANGJIAN_SEARCH_DIR")]
    pub search_dir: Option<PathBuf>,

    /// Append-only file of the audit chain's keyed checkpoints, kept outside
    /// the database (default: `audit-checkpoints.log` beside the SQLite
    /// file, `data/audit-checkpoints.log` with PostgreSQL).
    #[arg(long, global = true, env = "DANGJIAN_AUDIT_CHECKPOINTS")]
    pub audit_checkpoints: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web pages and the JSON API.
    Serve(ServeArgs),
    /// Fill an empty database with a generated demo county, print the demo
    /// accounts, and serve it.
    Demo(DemoArgs),
    /// Create the first county organization and its administrator account.
    Init(InitArgs),
    /// Audit-log commands.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Take a consistent backup of the SQLite database into FILE while the
    /// server keeps running; the copy is verified. PostgreSQL: see the README.
    Backup(BackupArgs),
    /// Restore a SQLite backup into a stopped instance: the backup is checked
    /// first (integrity, schema version, audit chain, key), the replaced
    /// database is kept as <database>.before-restore-<UTC time>.
    Restore(RestoreArgs),
    /// Export a list to .xlsx as a given user, with that user's role and scope.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Import members, organizations or organizations' manual facts (村情)
    /// from an .xlsx or .csv file (UTF-8 or GBK) as a given user, with that user's role and scope. Every row is
    /// checked first; if any row is wrong nothing is imported, the problems
    /// are listed and the file comes back annotated with a 错误说明 column.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// The policy profile (政策配置): print a stored version, or load a new
    /// one as a county administrator. A bad profile is refused with every
    /// error and its line and column; the active version stays.
    Policy {
        #[command(subcommand)]
        command: policy::PolicyCommand,
    },
    /// Evaluate the early-warning indicators (软弱涣散预警) of an
    /// organization's subtree as a given user, store the snapshot, and print
    /// the counts per level and the 20 worst organizations with their reasons.
    Warn(warn::WarnArgs),
    /// Console recovery of accounts (needs the key file, proving access to
    /// the server).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Give USER a new one-time password (printed once; it must be changed at
    /// the next login), lift its lockout, end its sessions and revoke its API
    /// tokens. The only way to reset the password of a system administrator,
    /// security administrator, audit administrator or county administrator.
    /// Refused unless the key file exists and is readable (or DANGJIAN_KEY is
    /// set). Audited as `console`.
    ResetPassword {
        /// The account's username.
        user: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Members (党员): 姓名, 公民身份号码, 人员类别, 入党日期, 所在党组织 … (see `dangjian import template members`).
    Members(ImportArgs),
    /// Organizations (党组织): 党组织名称, 上级党组织, 组织类别, 所属领域 …
    Orgs(ImportArgs),
    /// Organizations' manual facts (村情): 组织名称 or 组织编号, 年度, 信访件数, 满意度, 村务公开, 村务监督委员会.
    OrgFacts(ImportArgs),
    /// Write the import template for `members`, `orgs` or `org_facts` to FILE.
    Template {
        /// members, orgs or org_facts
        kind: String,
        /// Where to write the .xlsx template.
        file: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The .xlsx or .csv file (at most 50 MB and 200,000 rows).
    pub file: PathBuf,
    /// Username whose role and organization scope the import runs with.
    #[arg(long)]
    pub user: String,
    /// Organization id: names in the file are looked up below it (default:
    /// the user's own organization).
    #[arg(long)]
    pub org: Option<i64>,
    /// Check every row, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Where to write the annotated file when rows are wrong (default:
    /// <file>-错误说明.xlsx next to the input).
    #[arg(long)]
    pub report: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    /// Backup file to create; an existing file is never overwritten.
    pub file: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    /// Backup file made by `dangjian backup`.
    pub file: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// The member list (all pages) with the list page's filters.
    Members(ExportMembersArgs),
    /// The organizations below an organization, parents before children.
    Orgs(ExportOrgsArgs),
}

#[derive(clap::Args, Debug)]
pub struct ExportTarget {
    /// Username whose role and organization scope the export runs with.
    #[arg(long)]
    pub user: String,
    /// Organization id whose subtree is exported (default: the user's own).
    #[arg(long)]
    pub org: Option<i64>,
    /// File to write (default: the suggested name, e.g.
    /// 党员名单-<organization>-<date>.xlsx, in the current directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct ExportMembersArgs {
    #[command(flatten)]
    pub target: ExportTarget,
    /// Member category: full (正式党员) or probationary (预备党员).
    #[arg(long)]
    pub category: Option<String>,
    /// Sector of the member's organization, code or Chinese label (e.g. rural, 农村).
    #[arg(long)]
    pub sector: Option<String>,
    /// Age band: lt35, 35_45, 46_60, 61_70 or gt70.
    #[arg(long)]
    pub age: Option<String>,
    /// Year of joining the Party, e.g. 2019.
    #[arg(long)]
    pub joined_year: Option<String>,
    /// Part of the member's name.
    #[arg(long)]
    pub name: Option<String>,
    /// Full ID-card and phone numbers instead of masked ones (roles that may
    /// reveal them only). Every export, masked or not, is written to the
    /// audit log.
    #[arg(long)]
    pub unmasked: bool,
}

#[derive(clap::Args, Debug)]
pub struct ExportOrgsArgs {
    #[command(flatten)]
    pub target: ExportTarget,
    /// Only organizations whose name contains this text.
    #[arg(long)]
    pub search: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DANGJIAN_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, env = "DANGJIAN_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "DANGJIAN_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Plain HTTP behind a TLS-terminating reverse proxy on this host:
    /// cookies get `Secure`, pages `Strict-Transport-Security`, and the
    /// client address is taken from the proxy's X-Forwarded-For.
    #[arg(long, env = "DANGJIAN_BEHIND_HTTPS", conflicts_with = "tls_cert")]
    pub behind_https: bool,
}

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Seed of the generator: the same seed gives the same county.
    #[arg(long, default_value_t = 20_261_129)]
    pub seed: u64,
    /// Multiply the county (scale 100 ≈ 200,000 organizations, 3 million members).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: u32,
    /// Password of every demo account (at least 8 characters, letters and digits).
    #[arg(long, env = "DANGJIAN_DEMO_PASSWORD", default_value = "demo2026")]
    pub demo_password: String,
    /// Load the data and exit instead of serving.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// Name of the county committee, e.g. 中共某某县委员会.
    #[arg(long)]
    pub county: String,
    /// Username of the county administrator.
    #[arg(long, default_value = "admin")]
    pub admin: String,
    /// Password of the county administrator.
    #[arg(long, env = "DANGJIAN_ADMIN_PASSWORD")]
    pub password: String,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the keyed hash chain of the audit log (ids without gaps, links,
    /// keyed hashes); prints OK or the first broken row.
    Verify {
        /// Also check that the log still reaches the last checkpoint in this
        /// file with the same hash (rows removed from the end).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Verify the chain, append a keyed checkpoint of its head to the
    /// checkpoint file and print it.
    Checkpoint,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
