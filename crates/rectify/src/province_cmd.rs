//! `rectify serve --cities FILE` and `rectify province …`: a province's deployment, every city
//! on its own database, routed by host, and the province's monthly bulletin.

use crate::error::CliError;
use clap::{Args, Subcommand};
use rectify_app::province::{City, ProvinceConfig, SiteConfig};
use rectify_store::Store;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The largest configuration file read: a province has a few dozen cities.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

#[derive(Debug, Subcommand)]
pub enum ProvinceCommand {
    /// The province's monthly bulletin: the cities' latest frozen bulletins of the month
    /// rolled up, frozen in the province's database and written as docx.
    Bulletin(BulletinArgs),
}

#[derive(Debug, Args)]
pub struct BulletinArgs {
    /// The province and its cities (JSON; see README, "Several cities and the province").
    #[arg(long, env = "RECTIFY_CITIES")]
    cities: PathBuf,
    /// The month, YYYY-MM.
    #[arg(long)]
    month: String,
    /// Where to write the docx.
    #[arg(long)]
    out: PathBuf,
}

/// Reads and checks the configuration file.
pub fn read_config(file: &Path) -> Result<ProvinceConfig, CliError> {
    let unreadable = |e: std::io::Error| {
        CliError::environment(format!("无法读取城市配置文件 {}：{e}", file.display()))
    };
    let size = std::fs::metadata(file).map_err(unreadable)?.len();
    if size > MAX_CONFIG_BYTES {
        return Err(CliError::environment(format!(
            "城市配置文件 {} 过大（{size} 字节，上限 1 MB）",
            file.display()
        )));
    }
    let text = std::fs::read_to_string(file).map_err(unreadable)?;
    ProvinceConfig::parse(&text).map_err(CliError::environment)
}

/// Opens a site's database, which `rectify init` (or `demo`) must have prepared.
pub async fn open(site: &SiteConfig) -> Result<Store, CliError> {
    Store::open_initialised(&site.db, site.data_dir.clone())
        .await
        .map_err(|e| CliError::environment(format!("{}（{}）：{e}", site.name, site.host)))
}

/// Every city's store, opened in the configuration's order.
pub async fn cities(config: &ProvinceConfig) -> Result<Vec<(String, City)>, CliError> {
    let mut opened = Vec::with_capacity(config.cities.len());
    for site in &config.cities {
        let store = open(site).await?;
        opened.push((
            site.host.clone(),
            City {
                code: site.code.clone(),
                name: site.name.clone(),
                store,
            },
        ));
    }
    Ok(opened)
}

pub async fn run(actor: &str, command: ProvinceCommand) -> Result<ExitCode, CliError> {
    match command {
        ProvinceCommand::Bulletin(args) => bulletin(actor, args).await,
    }
}

async fn bulletin(actor: &str, args: BulletinArgs) -> Result<ExitCode, CliError> {
    let config = read_config(&args.cities)?;
    let province = open(&config.province).await?;
    let cities: Vec<City> = cities(&config).await?.into_iter().map(|(_, c)| c).collect();
    let Some((year, month)) = rectify_exact::date::parse_year_month(&args.month) else {
        return Err(CliError::environment(format!(
            "--month 应为 YYYY-MM：{}",
            args.month
        )));
    };
    let today = rectify_store::today_china();
    rectify_core::dispatch::AsOf::for_period(year, month, today).map_err(CliError::failure)?;
    let issued = rectify_app::province::issue_bulletin(
        &province,
        actor,
        &config.province.name,
        &cities,
        &args.month,
        today,
    )
    .await;
    let result = match issued {
        Ok((frozen, facts)) => {
            let bytes =
                rectify_app::province::bulletin_docx(&frozen, &facts).map_err(CliError::failure)?;
            std::fs::write(&args.out, bytes).map_err(|e| {
                CliError::environment(format!("无法写入 {}：{e}", args.out.display()))
            })?;
            println!(
                "已生成并冻结省级通报 {} 第{}版：{}",
                frozen.period,
                frozen.version,
                args.out.display()
            );
            let missing = facts.missing();
            if !missing.is_empty() {
                println!("未报：{}", missing.join("、"));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(e.into()),
    };
    for city in &cities {
        city.store.close().await;
    }
    province.close().await;
    result
}
