//! Command-line definition and routing to each command.

use crate::air_cmd::{AirCommand, AirDataCommand};
use crate::cli_util::{OutputFormat, TEXT_JSON, print_json};
use crate::demo;
use crate::error::CliError;
use crate::ledger_cmd::{CalendarCommand, LedgerCommand, PlanCommand};
use crate::password::read_new_password;
use crate::water_cmd::{WaterCommand, WaterDataCommand};
use crate::workflow_cmd::{ClockCommand, EvidenceArgs, ItemArgs, ReportArgs};
use clap::{Args, Parser, Subcommand};
use rectify_core::journal::Anchor;
use rectify_core::org::{OrgKind, Role};
use rectify_core::time::shown_minute;
use rectify_exact::date::Date;
use rectify_store::attachments::AttachmentStore;
use rectify_store::journal::Verification;
use rectify_store::org::{NewOrgUnit, OrgUnit};
use rectify_store::tasks::TaskSync;
use rectify_store::users::NewUser;
use rectify_store::{DbTarget, Store};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "rectify", version, about = "督察整改台账系统 rectify")]
pub struct Cli {
    /// Database: a SQLite file path (default), or a postgres:// URL.
    #[arg(long, env = "RECTIFY_DB", default_value = "rectify.db", global = true)]
    db: String,

    /// Directory for attachment files [default: rectify-data/ beside the database].
    #[arg(long, env = "RECTIFY_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,

    /// Attachment files in S3-compatible object storage, s3://BUCKET/PREFIX, reached with the
    /// standard AWS_* variables [default: the data directory].
    #[arg(long, env = "RECTIFY_STORAGE", global = true)]
    storage: Option<String>,

    /// Log output format.
    #[arg(long, default_value = "text", global = true, value_parser = OutputFormat::among(TEXT_JSON))]
    log_format: OutputFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Air quality: AQI, daily values, HJ 663 evaluation on files; import and targets in the database.
    #[command(subcommand)]
    Air(AirCommand),
    /// Surface water: GB 3838 classes, the 2011 evaluation method (files; import needs the database).
    #[command(subcommand)]
    Water(WaterCommand),
    /// The rectification plan: import the office's problem list.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// The ledger (台账): list, show and export items.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// The working-day calendar (statutory holidays and make-up days).
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// The workflow of one item: claim, submit, acceptance, notice, objections, sign-off …
    Item(ItemArgs),
    /// Evidence files (佐证材料) of an item.
    Evidence(EvidenceArgs),
    /// Monthly progress reports (进展填报) and who has not reported.
    Report(ReportArgs),
    /// The workflow clock.
    #[command(subcommand)]
    Clock(ClockCommand),
    /// The monthly bulletin (整改进展月度通报): frozen in the database, written as docx, xlsx, html.
    Bulletin(crate::bulletin_cmd::BulletinArgs),
    /// Accountability candidates (问责候选) and the decisions on them.
    #[command(subcommand)]
    Accountability(crate::accountability_cmd::AccountabilityCommand),
    /// The monthly dispatch round (调度): escalation steps to units and the 督办单.
    #[command(subcommand)]
    Dispatch(crate::dispatch_cmd::DispatchCommand),
    /// Transferred public complaints (信访件): import, clocks, feedback, spot-checks, exports.
    #[command(subcommand)]
    Complaint(crate::complaint_cmd::ComplaintCommand),
    /// Publications for the public portal: preview the redacted snapshot, approve, list.
    #[command(subcommand)]
    Publish(crate::publish_cmd::PublishCommand),
    /// Standing registers (散乱污, construction sites, contaminated plots): import, export,
    /// moves by rule, inspections, evidence.
    #[command(subcommand)]
    Register(crate::register_cmd::RegisterCommand),
    /// Special inspections (专项督察, 明察暗访): rounds and findings with evidence.
    Inspection(crate::inspection_cmd::InspectionArgs),
    /// Coal consumption per county and clean heating against their targets.
    #[command(subcommand)]
    Coal(crate::coal_cmd::CoalCommand),
    /// A province over its cities: the province's monthly bulletin.
    #[command(subcommand)]
    Province(crate::province_cmd::ProvinceCommand),
    /// Restore a backup made by `rectify backup` into a new database (--db: a SQLite path that
    /// does not exist, or an empty PostgreSQL database), verify its journal, and check the data
    /// directory against the backup's attachment list.
    Restore { file: PathBuf },
    #[command(flatten)]
    Db(DbCommand),
}

/// Commands that work on the database.
#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Create the database (or bring it up to date); a second run changes nothing.
    Init,
    /// Apply the embedded schema migrations the database lacks.
    Migrate,
    /// Serve the web application and API.
    Serve(ServeArgs),
    /// Create a database filled with the demo city 河安市; print its accounts once.
    Demo {
        /// Serve the demo right after loading it.
        #[arg(long)]
        serve: bool,
        #[command(flatten)]
        server: ServeArgs,
    },
    /// Write a consistent copy of the database while it is in use (SQLite: a database file;
    /// PostgreSQL: pg_dump --format=custom), and OUT.attachments.txt listing every attachment.
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Attachment storage: copy the data directory's files into a bucket, or check every file.
    #[command(subcommand)]
    Storage(StorageCommand),
    /// Audit trail commands.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// User accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// The organisation tree: city, counties and districts, zones, departments.
    #[command(subcommand)]
    Org(OrgCommand),
    /// API tokens for scripts (`Authorization: Bearer …`).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Settings (JSON values): workflow.notice_workdays, workflow.recheck_months,
    /// reports.due_day, evidence.max_bytes, evidence.media_types …
    #[command(subcommand)]
    Setting(SettingCommand),
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token for a user; it is printed once.
    Create {
        /// The user the token acts as.
        #[arg(long = "for")]
        user: String,
        /// A name to tell tokens apart (e.g. the script's).
        #[arg(long)]
        name: String,
        /// The last day (Beijing, YYYY-MM-DD) the token works; without it, until revoked.
        #[arg(long, value_name = "YYYY-MM-DD")]
        expires: Option<String>,
    },
    /// List the tokens: user, name, state, created, expiry and last use (never the token).
    List,
    /// Revoke a user's token by name.
    Revoke {
        #[arg(long = "for")]
        user: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum SettingCommand {
    /// Set a value (journaled with the previous one).
    Set {
        key: String,
        /// A JSON value, e.g. 7 or ["application/pdf","image/jpeg"].
        value: String,
    },
    /// Print a value.
    Get { key: String },
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Add a unit (journaled); the first one, the city, has no parent.
    Add {
        /// Short code, unique (e.g. sthjj).
        code: String,
        /// Full name, unique (e.g. 市生态环境局).
        name: String,
        /// city, county, district, zone, department or office.
        #[arg(long)]
        kind: OrgKind,
        /// Parent unit, by code or name.
        #[arg(long)]
        parent: Option<String>,
    },
    /// List units as a tree, or as JSON `[{code, name, kind, parent}]`.
    List {
        #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
        format: OutputFormat,
    },
    /// Move a unit under another (by code or name), to mend a tree (journaled).
    Move {
        unit: String,
        #[arg(long)]
        parent: String,
    },
    /// Set a unit's kind: city, county, district, zone, department or office (journaled).
    SetKind { unit: String, kind: OrgKind },
    /// Set the members of a group plans name (市直有关部门, 各成员单位 …) by unit code or name,
    /// then give every item naming it one task per member (journaled). 各县（区）政府 needs no
    /// list: its members are the county-level units.
    Group {
        group: String,
        #[arg(required = true)]
        members: Vec<String>,
    },
    /// The member lists the office keeps.
    Groups,
    /// Resolve every item's groups again, after counties were added or kinds changed.
    Resolve,
}

/// A command that needs the database opened.
enum StoreWork {
    Db(DbCommand),
    Air(AirDataCommand),
    Water(WaterDataCommand),
    Plan(PlanCommand),
    Ledger(LedgerCommand),
    Calendar(CalendarCommand),
    Item(ItemArgs),
    Evidence(EvidenceArgs),
    Report(ReportArgs),
    Clock,
    Bulletin(crate::bulletin_cmd::BulletinArgs),
    Accountability(crate::accountability_cmd::AccountabilityCommand),
    Dispatch(crate::dispatch_cmd::DispatchCommand),
    Complaint(crate::complaint_cmd::ComplaintCommand),
    Publish(crate::publish_cmd::PublishCommand),
    Register(crate::register_cmd::RegisterCommand),
    Inspection(crate::inspection_cmd::InspectionArgs),
    Coal(crate::coal_cmd::CoalCommand),
}

const DEFAULT_LIMITS: rectify_web::ServerLimits = rectify_web::ServerLimits::DEFAULT;

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Seconds a client may take to send a request's head, from its first byte.
    #[arg(long, env = "RECTIFY_HEADER_TIMEOUT", default_value_t = DEFAULT_LIMITS.header_read.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout: u64,
    /// Seconds a client may pause while sending a request body (answered 408).
    #[arg(long, env = "RECTIFY_BODY_TIMEOUT", default_value_t = DEFAULT_LIMITS.body_read.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    body_timeout: u64,
    /// Seconds a connection may stay open with no request in flight and nothing sent.
    #[arg(long, env = "RECTIFY_IDLE_TIMEOUT", default_value_t = DEFAULT_LIMITS.idle.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,
    /// Seconds a request may take from its head to its response (answered 408).
    #[arg(long, env = "RECTIFY_REQUEST_TIMEOUT", default_value_t = DEFAULT_LIMITS.request.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout: u64,
    /// Connections served at once; more wait in the listen queue until one closes.
    #[arg(long, env = "RECTIFY_MAX_CONNECTIONS", default_value_t = DEFAULT_LIMITS.max_connections as u64, value_parser = clap::value_parser!(u64).range(1..=65536))]
    max_connections: u64,
    /// Minutes between the scheduler's ticks (notices closed, the month's dispatch steps due
    /// today issued and mailed); 0 turns it off.
    #[arg(long, env = "RECTIFY_SCHEDULER_MINUTES", default_value_t = 10)]
    scheduler_minutes: u64,
    /// Serve a province: a JSON file naming the province's and each city's host and database
    /// (each city on a database of its own); --db is then not used.
    #[arg(long, env = "RECTIFY_CITIES")]
    cities: Option<PathBuf>,
}

impl ServeArgs {
    fn limits(&self) -> rectify_web::ServerLimits {
        let seconds = std::time::Duration::from_secs;
        rectify_web::ServerLimits {
            header_read: seconds(self.header_timeout),
            body_read: seconds(self.body_timeout),
            idle: seconds(self.idle_timeout),
            request: seconds(self.request_timeout),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
        }
    }
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk the hash chain of the journal; exit 1 naming the first broken entry.
    Verify {
        /// Also require the chain to pass through the head printed on every frozen bulletin.
        #[arg(long)]
        anchors: bool,
        /// A head recorded elsewhere, as `rectify audit anchor` prints it (SEQ:HASH); repeatable.
        #[arg(long = "anchor", value_parser = parse_anchor)]
        anchor: Vec<Anchor>,
    },
    /// Print the journal's head (seq and hash) to record outside the database.
    Anchor,
}

fn parse_anchor(text: &str) -> Result<Anchor, String> {
    Anchor::parse(text).ok_or_else(|| format!("应为 序号:哈希值（64 位十六进制）：{text}"))
}

#[derive(Debug, Subcommand)]
enum StorageCommand {
    /// Copy every attachment file of the current store (the data directory, or --storage) into
    /// a bucket, verifying each copy (read back, SHA-256); files already there intact are
    /// skipped, so it may be run again. Then serve with --storage set to the bucket.
    Migrate {
        /// The bucket: s3://BUCKET/PREFIX (the AWS_* variables reach it).
        #[arg(long)]
        to: String,
    },
    /// Read every attachment file back and check it against its SHA-256.
    Verify,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account; the password is prompted for (or read from stdin).
    Add {
        username: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Org unit, by code or name.
        #[arg(long)]
        unit: String,
        /// Role(s): admin, office, leader, supervisor, unit, acceptance, discipline, viewer, province (省级督察办, on the province's database).
        #[arg(long = "role", required = true, value_delimiter = ',')]
        roles: Vec<Role>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
    /// Set a new password.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account; its history stays.
    Disable { username: String },
    /// Re-enable a disabled account.
    Enable { username: String },
}

pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    init_logging(&cli);
    crate::config::load().map_err(CliError::environment)?;
    if let Some(start) = rectify_store::clock::init_from_env().map_err(CliError::environment)? {
        tracing::info!(%start, "test clock on (RECTIFY_NOW): for tests and demos only");
    }
    // A province serves many databases, none of them --db.
    if let Command::Db(DbCommand::Serve(args)) = &cli.command
        && let Some(file) = &args.cities
    {
        return serve_province(file, args).await;
    }
    let work = match cli.command {
        Command::Air(AirCommand::Data(cmd)) => StoreWork::Air(cmd),
        Command::Air(AirCommand::Files(cmd)) => return crate::air_cmd::run(cmd),
        Command::Water(WaterCommand::Data(cmd)) => StoreWork::Water(cmd),
        Command::Water(WaterCommand::Files(cmd)) => return crate::water_cmd::run(cmd),
        Command::Plan(command) => StoreWork::Plan(command),
        Command::Ledger(command) => StoreWork::Ledger(command),
        Command::Calendar(command) => StoreWork::Calendar(command),
        Command::Item(args) => StoreWork::Item(args),
        Command::Evidence(args) => StoreWork::Evidence(args),
        Command::Report(args) => StoreWork::Report(args),
        Command::Clock(ClockCommand::Tick) => StoreWork::Clock,
        Command::Bulletin(args) => StoreWork::Bulletin(args),
        Command::Accountability(command) => StoreWork::Accountability(command),
        Command::Dispatch(command) => StoreWork::Dispatch(command),
        Command::Complaint(command) => StoreWork::Complaint(command),
        Command::Publish(command) => StoreWork::Publish(command),
        Command::Register(command) => StoreWork::Register(command),
        Command::Inspection(args) => StoreWork::Inspection(args),
        Command::Coal(command) => StoreWork::Coal(command),
        Command::Restore { file } => {
            let attachments = object_storage(cli.storage.as_deref())?;
            return restore(&cli.db, cli.data_dir, attachments, &file).await;
        }
        Command::Province(command) => return crate::province_cmd::run(&cli_actor(), command).await,
        Command::Db(command) => StoreWork::Db(command),
    };
    let target = DbTarget::parse(&cli.db);
    // Only init and demo create a database: migrate on a mistyped path must not leave a new,
    // empty one behind.
    let creates = matches!(
        work,
        StoreWork::Db(DbCommand::Init | DbCommand::Demo { .. })
    );
    let attachments = object_storage(cli.storage.as_deref())?;
    let mut store = if creates {
        Store::open(&target, cli.data_dir).await?
    } else {
        Store::open_initialised(&target, cli.data_dir).await?
    };
    if let Some(attachments) = attachments {
        store = store.with_attachments(attachments);
    }
    let result = match work {
        StoreWork::Db(command) => route(&store, command).await,
        StoreWork::Air(command) => crate::air_cmd::run_data(&store, &cli_actor(), command).await,
        StoreWork::Water(command) => {
            crate::water_cmd::run_data(&store, &cli_actor(), command).await
        }
        StoreWork::Plan(command) => {
            crate::ledger_cmd::run_plan(&store, &cli_actor(), command).await
        }
        StoreWork::Ledger(command) => crate::ledger_cmd::run_ledger(&store, command).await,
        StoreWork::Calendar(command) => {
            crate::ledger_cmd::run_calendar(&store, &cli_actor(), command).await
        }
        StoreWork::Item(args) => crate::workflow_cmd::run_item(&store, args).await,
        StoreWork::Evidence(args) => crate::workflow_cmd::run_evidence(&store, args).await,
        StoreWork::Report(args) => crate::workflow_cmd::run_report(&store, args).await,
        StoreWork::Clock => crate::workflow_cmd::run_clock(&store).await,
        StoreWork::Bulletin(args) => crate::bulletin_cmd::run(&store, &cli_actor(), args).await,
        StoreWork::Accountability(command) => {
            crate::accountability_cmd::run(&store, &cli_actor(), command).await
        }
        StoreWork::Dispatch(command) => {
            crate::dispatch_cmd::run(&store, &cli_actor(), command).await
        }
        StoreWork::Complaint(command) => {
            crate::complaint_cmd::run(&store, &cli_actor(), command).await
        }
        StoreWork::Publish(command) => crate::publish_cmd::run(&store, &cli_actor(), command).await,
        StoreWork::Register(command) => {
            crate::register_cmd::run(&store, &cli_actor(), command).await
        }
        StoreWork::Inspection(args) => crate::inspection_cmd::run(&store, args).await,
        StoreWork::Coal(command) => crate::coal_cmd::run(&store, &cli_actor(), command).await,
    };
    // Closing the last connection lets SQLite fold its WAL back into the database file.
    store.close().await;
    result
}

/// Routes a database command to its handler (not the 调度 domain: see `dispatch_cmd`).
async fn route(store: &Store, command: DbCommand) -> Result<ExitCode, CliError> {
    match command {
        DbCommand::Init => init(store).await,
        DbCommand::Migrate => migrate(store).await,
        DbCommand::Serve(args) => {
            store.migrate().await?;
            serve(store, &args).await
        }
        DbCommand::Demo {
            serve: and_serve,
            server,
        } => {
            store.migrate().await?;
            load_demo(store).await?;
            if and_serve {
                serve(store, &server).await
            } else {
                Ok(ExitCode::SUCCESS)
            }
        }
        DbCommand::Backup { out } => backup(store, &out).await,
        DbCommand::Storage(StorageCommand::Migrate { to }) => storage_migrate(store, &to).await,
        DbCommand::Storage(StorageCommand::Verify) => storage_verify(store).await,
        DbCommand::Audit(AuditCommand::Verify { anchors, anchor }) => {
            audit_verify(store, anchors, anchor).await
        }
        DbCommand::Audit(AuditCommand::Anchor) => audit_anchor(store).await,
        DbCommand::User(cmd) => user(store, cmd).await,
        DbCommand::Org(cmd) => org(store, cmd).await,
        DbCommand::Setting(cmd) => setting(store, cmd).await,
        DbCommand::Token(cmd) => token(store, cmd).await,
    }
}

fn init_logging(cli: &Cli) {
    let serving = matches!(
        cli.command,
        Command::Db(DbCommand::Serve(_) | DbCommand::Demo { serve: true, .. })
    );
    let default = if serving { "info" } else { "warn" };
    let filter: tracing_subscriber::filter::Targets = std::env::var("RECTIFY_LOG")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| default.parse().unwrap_or_default());
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = if cli.log_format == OutputFormat::Json {
        registry.with(fmt.json()).try_init()
    } else {
        registry.with(fmt).try_init()
    };
}

/// Who the journal names for changes made from the command line.
fn cli_actor() -> String {
    let os_user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    format!("cli:{os_user}")
}

async fn init(store: &Store) -> Result<ExitCode, CliError> {
    let target = store.target();
    let report = store.migrate().await?;
    if report.applied.is_empty() {
        println!(
            "数据库已初始化（架构版本 {}），未做任何更改：{}",
            report.version,
            target.display()
        );
    } else {
        println!(
            "已初始化数据库（架构版本 {}）：{}",
            report.version,
            target.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn migrate(store: &Store) -> Result<ExitCode, CliError> {
    let report = store.migrate().await?;
    if report.applied.is_empty() {
        println!("没有待应用的迁移（架构版本 {}）", report.version);
    }
    for (version, name) in report.applied {
        println!("已应用迁移 {version:04} {name}");
    }
    Ok(ExitCode::SUCCESS)
}

async fn load_demo(store: &Store) -> Result<(), CliError> {
    let Some(accounts) = demo::load(store, &cli_actor(), rectify_store::today_china()).await?
    else {
        println!(
            "演示数据已存在：{}（账号密码仅在首次创建时打印；可用 rectify user passwd 重设）",
            store.target().display()
        );
        return Ok(());
    };
    println!("已创建演示数据：河安市（{}）", store.target().display());
    println!("演示账号（密码只显示这一次）：");
    for a in &accounts {
        println!(
            "  用户名 {:<12} 密码 {}  {}（{}）",
            a.username,
            a.password,
            a.role.label_zh(),
            a.display_name
        );
    }
    let clerks = store
        .users()
        .await?
        .iter()
        .filter(|u| u.username.starts_with("jbr_"))
        .count();
    println!(
        "另有其他责任单位和县区的经办人账号 {clerks} 个（jbr_单位代码，用于演示历史；需要登录时用 rectify user passwd 设置密码）"
    );
    Ok(())
}

async fn serve(store: &Store, args: &ServeArgs) -> Result<ExitCode, CliError> {
    let addr = args.addr;
    crate::deliver::spawn(store.clone());
    if args.scheduler_minutes > 0 {
        crate::scheduler::spawn(
            store.clone(),
            std::time::Duration::from_secs(args.scheduler_minutes * 60),
        );
    }
    rectify_web::serve(
        store.clone(),
        addr,
        args.limits(),
        crate::config::get().web(),
        |bound| {
            println!("rectify 正在监听 http://{bound}");
            tracing::info!(%bound, backend = store.backend().name(), "listening");
        },
    )
    .await
    .map_err(|e| CliError::environment(format!("无法在 {addr} 上提供服务：{e}")))?;
    Ok(ExitCode::SUCCESS)
}

/// Serves the province and its cities, each on its own database, by host name; the scheduler
/// and the outbox run for every city's store.
async fn serve_province(file: &std::path::Path, args: &ServeArgs) -> Result<ExitCode, CliError> {
    use crate::province_cmd::{cities, open, read_config};
    let config = read_config(file)?;
    let province = open(&config.province).await?;
    let cities = cities(&config).await?;
    let stores: Vec<Store> = std::iter::once(province.clone())
        .chain(cities.iter().map(|(_, c)| c.store.clone()))
        .collect();
    for store in &stores {
        store.migrate().await?;
    }
    for (_, city) in &cities {
        crate::deliver::spawn(city.store.clone());
        if args.scheduler_minutes > 0 {
            crate::scheduler::spawn(
                city.store.clone(),
                std::time::Duration::from_secs(args.scheduler_minutes * 60),
            );
        }
    }
    let deployment = rectify_web::Deployment {
        province_name: config.province.name.clone(),
        province_host: config.province.host.clone(),
        province_store: province,
        cities: cities
            .into_iter()
            .map(|(host, city)| rectify_web::CitySite { host, city })
            .collect(),
    };
    let addr = args.addr;
    let served = rectify_web::serve_deployment(
        deployment,
        addr,
        args.limits(),
        crate::config::get().web(),
        |bound| {
            println!("rectify 正在监听 http://{bound}");
            tracing::info!(%bound, cities = config.cities.len(), "listening for the province");
        },
    )
    .await
    .map_err(|e| CliError::environment(format!("无法在 {addr} 上提供服务：{e}")));
    for store in &stores {
        store.close().await;
    }
    served?;
    Ok(ExitCode::SUCCESS)
}

async fn backup(store: &Store, out: &std::path::Path) -> Result<ExitCode, CliError> {
    let done = store.backup(out).await?;
    println!("已备份到 {}（{} 字节）", out.display(), done.bytes);
    if done.in_object_storage {
        println!(
            "附件清单 {}（{} 个文件）：文件保存在对象存储 {} 中，未随备份复制，请由存储桶自身的版本或复制功能保管",
            done.manifest.display(),
            done.attachments,
            done.attachments_at
        );
    } else {
        println!(
            "附件清单 {}（{} 个文件）：请连同数据目录 {} 一并复制保存",
            done.manifest.display(),
            done.attachments,
            done.attachments_at
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The bucket `--storage` names, if any.
fn object_storage(url: Option<&str>) -> Result<Option<AttachmentStore>, CliError> {
    url.filter(|u| !u.trim().is_empty())
        .map(|u| crate::config::get().object_storage(u.trim()))
        .transpose()
        .map_err(|e| CliError::environment(e.to_string()))
}

async fn storage_migrate(store: &Store, to: &str) -> Result<ExitCode, CliError> {
    let target = crate::config::get()
        .object_storage(to)
        .map_err(|e| CliError::environment(e.to_string()))?;
    let from = store.attachments();
    println!(
        "正在把附件从 {} 复制到 {} …",
        from.describe(),
        target.describe()
    );
    let report = from
        .copy_to(&target, |sha256, size| {
            tracing::info!(%sha256, size, "attachment copied and verified");
        })
        .await?;
    println!(
        "已复制并核对 {} 个文件（{} 字节），已在目标中且完好而跳过 {} 个（{} 字节）",
        report.copied, report.copied_bytes, report.skipped, report.skipped_bytes
    );
    println!("今后请以 --storage {to}（或 RECTIFY_STORAGE）运行");
    Ok(ExitCode::SUCCESS)
}

async fn storage_verify(store: &Store) -> Result<ExitCode, CliError> {
    let check = store.verify_attachments().await?;
    let at = store.attachments().describe();
    if check.missing.is_empty() && check.damaged.is_empty() {
        println!("附件存储 {at}：{} 个文件均完好", check.listed);
        return Ok(ExitCode::SUCCESS);
    }
    Err(CliError::failure(format!(
        "附件存储 {at}：{} 个文件中内容与 SHA-256 不符 {} 个：{}",
        check.listed,
        check.damaged.len(),
        check.damaged.join("、")
    )))
}

async fn restore(
    db: &str,
    data_dir: Option<PathBuf>,
    attachments: Option<AttachmentStore>,
    file: &std::path::Path,
) -> Result<ExitCode, CliError> {
    let target = DbTarget::parse(db);
    let done = Store::restore(&target, file, data_dir.clone(), attachments).await?;
    println!(
        "已恢复到 {}（审计日志 {} 条）",
        target.display(),
        done.journal_entries
    );
    let store = Store::open_initialised(&target, data_dir).await?;
    let verified = audit_verify(&store, true, Vec::new()).await;
    store.close().await;
    verified?;
    match done.attachments {
        None => println!(
            "未找到附件清单 {}，附件未核对",
            rectify_store::manifest_path(file).display()
        ),
        Some(check) if check.missing.is_empty() && check.damaged.is_empty() => {
            println!("附件：清单所列 {} 个文件均在且完好", check.listed);
        }
        Some(check) => {
            return Err(CliError::failure(format!(
                "附件不全：清单所列 {} 个文件中缺少 {} 个、内容不符 {} 个（例如 {}），请从备份的数据目录复制",
                check.listed,
                check.missing.len(),
                check.damaged.len(),
                check
                    .missing
                    .iter()
                    .chain(&check.damaged)
                    .next()
                    .map_or("", String::as_str)
            )));
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn audit_verify(
    store: &Store,
    bulletins: bool,
    given: Vec<Anchor>,
) -> Result<ExitCode, CliError> {
    let mut anchors = if bulletins {
        store.bulletin_anchors().await?
    } else {
        Vec::new()
    };
    anchors.extend(given.into_iter().map(|a| ("命令行".to_string(), a)));
    let checked = anchors.len();
    match store.verify_journal_anchored(anchors).await? {
        Verification::Intact { entries, head_hash } => {
            println!("审计日志完整：共 {entries} 条，链头 hash {head_hash}");
            if bulletins || checked > 0 {
                println!("外部链头：{checked} 个，均在链上");
            }
            Ok(ExitCode::SUCCESS)
        }
        Verification::Broken(brk) => Err(CliError::failure(format!("审计日志校验失败：{brk}"))),
    }
}

async fn audit_anchor(store: &Store) -> Result<ExitCode, CliError> {
    match store.journal_anchor().await? {
        Some(head) => {
            println!("审计日志链头：第 {} 条，哈希值 {}", head.seq, head.hash);
            println!("{head}");
            Ok(ExitCode::SUCCESS)
        }
        None => Err(CliError::failure("审计日志为空，尚无链头")),
    }
}

async fn org(store: &Store, cmd: OrgCommand) -> Result<ExitCode, CliError> {
    match cmd {
        OrgCommand::Add {
            code,
            name,
            kind,
            parent,
        } => {
            let sort_order = store.org_units().await?.len() as i64;
            let new = NewOrgUnit {
                code: &code,
                name: &name,
                kind,
                parent: parent.as_deref(),
                sort_order,
            };
            let unit = store.add_org_unit(&cli_actor(), new).await?;
            println!(
                "已添加单位 {}（{}，{}）",
                unit.name,
                unit.code,
                unit.kind.label_zh()
            );
        }
        OrgCommand::List { format } => {
            let units = store.org_units().await?;
            if format == OutputFormat::Json {
                let code_of = |id: i64| units.iter().find(|u| u.id == id).map(|u| u.code.clone());
                let rows: Vec<serde_json::Value> = units
                    .iter()
                    .map(|u| {
                        serde_json::json!({
                            "code": u.code,
                            "name": u.name,
                            "kind": u.kind.code(),
                            "parent": u.parent_id.and_then(code_of),
                        })
                    })
                    .collect();
                return print_json(&rows);
            }
            for root in units.iter().filter(|u| u.parent_id.is_none()) {
                print_tree(&units, root, 0);
            }
        }
        OrgCommand::Move { unit, parent } => {
            let moved = store.move_org_unit(&cli_actor(), &unit, &parent).await?;
            println!("已将 {} 移到 {} 之下", moved.name, parent);
        }
        OrgCommand::SetKind { unit, kind } => {
            let changed = store.set_org_kind(&cli_actor(), &unit, kind).await?;
            println!("{} 的类型已设为{}", changed.name, kind.label_zh());
        }
        OrgCommand::Group { group, members } => {
            let sync = store
                .set_group_members(&cli_actor(), &group, &members)
                .await?;
            println!("“{group}”的成员：{}", members.join("、"));
            print_task_sync(&sync);
        }
        OrgCommand::Groups => {
            for (group, members) in store.group_members().await? {
                println!("{group}：{}", members.join("、"));
            }
        }
        OrgCommand::Resolve => print_task_sync(&store.resolve_groups(&cli_actor()).await?),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_task_sync(sync: &TaskSync) {
    let notes = sync.notes_zh();
    if notes.is_empty() {
        println!("分解任务无变化");
    }
    for note in notes {
        println!("{note}");
    }
}

async fn token(store: &Store, cmd: TokenCommand) -> Result<ExitCode, CliError> {
    match cmd {
        TokenCommand::Create {
            user,
            name,
            expires,
        } => {
            let valid_through = expires
                .map(|text| {
                    Date::parse(&text).ok_or_else(|| {
                        CliError::environment(format!("--expires “{text}”不是日期（YYYY-MM-DD）"))
                    })
                })
                .transpose()?;
            let user = store.user(&user).await?;
            let token = store
                .create_token(&cli_actor(), &user, &name, valid_through)
                .await?;
            println!("{token}");
            eprintln!(
                "令牌只显示这一次：以 {} 的身份调用 /api/v1/（Authorization: Bearer …）",
                user.username
            );
        }
        TokenCommand::List => {
            let now = rectify_store::now_utc();
            let shown = |at: &Option<String>| at.as_deref().map_or("-".into(), shown_minute);
            println!("用户\t名称\t状态\t创建\t有效至\t最近使用");
            for t in store.tokens().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    t.username,
                    t.name,
                    t.state_zh(&now),
                    shown_minute(&t.created_at),
                    shown(&t.expires_at),
                    shown(&t.last_used_at)
                );
            }
        }
        TokenCommand::Revoke { user, name } => {
            let user = store.user(&user).await?;
            store.revoke_token(&cli_actor(), &user, &name).await?;
            println!("已吊销 {} 的令牌 {name}", user.username);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn setting(store: &Store, cmd: SettingCommand) -> Result<ExitCode, CliError> {
    match cmd {
        SettingCommand::Set { key, value } => {
            let parsed: serde_json::Value = serde_json::from_str(&value)
                .map_err(|e| CliError::environment(format!("“{value}”不是 JSON 值：{e}")))?;
            store.set_setting(&cli_actor(), &key, &parsed).await?;
            println!("已设置 {key} = {parsed}");
        }
        SettingCommand::Get { key } => match store.setting(&key).await? {
            Some(value) => println!("{value}"),
            None => return Err(CliError::failure(format!("没有设置 {key}（使用默认值）"))),
        },
    }
    Ok(ExitCode::SUCCESS)
}

fn print_tree(units: &[OrgUnit], unit: &OrgUnit, depth: usize) {
    println!(
        "{}{}\t{}\t{}",
        "  ".repeat(depth),
        unit.name,
        unit.code,
        unit.kind.label_zh()
    );
    for child in units.iter().filter(|u| u.parent_id == Some(unit.id)) {
        print_tree(units, child, depth + 1);
    }
}

async fn user(store: &Store, cmd: UserCommand) -> Result<ExitCode, CliError> {
    let actor = cli_actor();
    match cmd {
        UserCommand::Add {
            username,
            name,
            unit,
            roles,
            password_stdin,
        } => {
            let password = read_new_password(password_stdin)?;
            let new = NewUser {
                username: &username,
                display_name: &name,
                unit: &unit,
                roles: &roles,
                password: &password,
            };
            let user = store.add_user(&actor, new).await?;
            println!("已创建用户 {}（{}）", user.username, user.unit_name);
        }
        UserCommand::List => {
            for u in store.users().await? {
                let roles: Vec<&str> = u.roles.iter().map(|r| r.code()).collect();
                let state = if u.disabled { "已停用" } else { "正常" };
                println!(
                    "{}\t{}\t{}\t{}\t{state}",
                    u.username,
                    u.display_name,
                    u.unit_name,
                    roles.join(",")
                );
            }
        }
        UserCommand::Passwd {
            username,
            password_stdin,
        } => {
            let password = read_new_password(password_stdin)?;
            store.set_password(&actor, &username, &password).await?;
            println!("已更新用户 {username} 的密码");
        }
        UserCommand::Disable { username } => {
            store.set_disabled(&actor, &username, true).await?;
            println!("已停用用户 {username}");
        }
        UserCommand::Enable { username } => {
            store.set_disabled(&actor, &username, false).await?;
            println!("已启用用户 {username}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
