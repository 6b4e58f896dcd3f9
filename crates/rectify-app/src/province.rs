//! A province over its cities (#24): the configuration naming each city's database and host,
//! every city's figures side by side, and the province's monthly bulletin rolled up from the
//! cities' frozen bulletins. Each city keeps its own database, so a city's figures are read
//! with exactly the functions its own pages use, from its own store.

use crate::bulletin::{Environment, facts_and_environment};
use rectify_core::bulletin::Totals;
use rectify_core::dispatch::AsOf;
use rectify_core::province::{CityBulletin, ProvinceFacts, SourceBulletin, overall, roll_up};
use rectify_exact::date::Date;
use rectify_io::bulletin::environment::Against;
use rectify_store::attachments::S3Location;
use rectify_store::dispatch::FrozenBulletin;
use rectify_store::{DbTarget, Store, StoreError};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

/// One site of the deployment as configured: the province's or a city's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteConfig {
    /// A city's code (`nanjiang`); `province` for the province.
    pub code: String,
    pub name: String,
    /// The host name it answers on, lower-case, without a port.
    pub host: String,
    pub db: DbTarget,
    /// Its attachment directory (default: as for `--db`).
    pub data_dir: Option<PathBuf>,
    /// Its bucket instead (`s3://BUCKET/PREFIX`, as for `--storage`); one prefix per site, so
    /// each city's files can be copied, checked and backed up as its own.
    pub storage: Option<String>,
}

/// The province and its cities (`rectify serve --cities FILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvinceConfig {
    pub province: SiteConfig,
    pub cities: Vec<SiteConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    province: RawSite,
    cities: Vec<RawSite>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    #[serde(default)]
    code: Option<String>,
    name: String,
    host: String,
    db: String,
    #[serde(default)]
    data_dir: Option<PathBuf>,
    #[serde(default)]
    storage: Option<String>,
}

/// The code the province's site carries.
pub const PROVINCE_CODE: &str = "province";

impl ProvinceConfig {
    /// Reads the JSON configuration and checks it: every field known, every city with a code,
    /// a name, a host and a database, no host, code, database or bucket prefix twice (however
    /// each is written: `./x.db` is `x.db`, `s3://b/p/` is `s3://b/p`).
    pub fn parse(text: &str) -> Result<ProvinceConfig, String> {
        let raw: RawConfig =
            serde_json::from_str(text).map_err(|e| format!("城市配置文件格式有误：{e}"))?;
        if raw.cities.is_empty() {
            return Err("城市配置文件的 cities 为空：至少需要一个城市".into());
        }
        let province = site(raw.province, Some(PROVINCE_CODE), "province")?;
        let cities = raw
            .cities
            .into_iter()
            .enumerate()
            .map(|(i, c)| site(c, None, &format!("cities[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let (mut hosts, mut codes, mut dbs) = (HashSet::new(), HashSet::new(), HashSet::new());
        let mut buckets = HashSet::new();
        for s in std::iter::once(&province).chain(&cities) {
            if !hosts.insert(s.host.as_str()) {
                return Err(format!("城市配置文件中主机名 {} 重复", s.host));
            }
            if !codes.insert(s.code.as_str()) {
                return Err(format!("城市配置文件中城市代码 {} 重复", s.code));
            }
            // Compared as the locations they name, however each is written.
            if let Some(storage) = &s.storage
                && !buckets.insert(S3Location::parse(storage).map(|l| l.url()).ok())
            {
                return Err(format!("城市配置文件中附件存储 {storage} 重复"));
            }
            // Two sites on one database would see each other's data.
            if !dbs.insert(s.db.location()) {
                return Err(format!("城市配置文件中数据库 {} 重复", s.db.display()));
            }
        }
        Ok(ProvinceConfig { province, cities })
    }
}

fn site(raw: RawSite, code: Option<&str>, at: &str) -> Result<SiteConfig, String> {
    let empty = |field: &str| format!("城市配置文件 {at} 的 {field} 不能为空");
    let code = match code {
        Some(code) => code.to_string(),
        None => raw.code.ok_or_else(|| empty("code"))?,
    };
    let valid_code = !code.is_empty()
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid_code {
        return Err(format!(
            "城市配置文件 {at} 的 code 应为小写字母、数字或连字符：{code}"
        ));
    }
    if raw.name.trim().is_empty() {
        return Err(empty("name"));
    }
    let host = raw.host.trim().to_ascii_lowercase();
    let valid_host = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if !valid_host {
        return Err(format!(
            "城市配置文件 {at} 的 host 应为主机名（不含协议和端口）：{}",
            raw.host
        ));
    }
    if raw.db.trim().is_empty() {
        return Err(empty("db"));
    }
    let storage = raw.storage.map(|s| s.trim().to_string());
    if let Some(Err(e)) = storage.as_deref().map(S3Location::parse) {
        return Err(format!("城市配置文件 {at} 的 storage 有误：{e}"));
    }
    if storage.is_some() && raw.data_dir.is_some() {
        return Err(format!(
            "城市配置文件 {at} 同时给了 data_dir 和 storage：附件只能放在一处"
        ));
    }
    Ok(SiteConfig {
        code,
        name: raw.name.trim().to_string(),
        host,
        db: DbTarget::parse(raw.db.trim()),
        data_dir: raw.data_dir,
        storage,
    })
}

/// A city as the province reads it: its code, name and store.
#[derive(Clone)]
pub struct City {
    pub code: String,
    pub name: String,
    pub store: Store,
}

/// One city's figures as its own pages show them today.
#[derive(Debug, Clone)]
pub struct CityFigures {
    /// The running month's 合计 line (the cockpit's, `bulletin::facts_for`).
    pub totals: Totals,
    pub completion_rate: String,
    /// Months of this year with a frozen bulletin.
    pub bulletins_this_year: usize,
    /// Complaints transferred and answered (the cockpit's), when there are any.
    pub complaints: Option<(u32, u32)>,
    /// PM2.5 mean and the share of good days against the year's targets.
    pub air: Option<(Against, Against)>,
    pub water: Option<WaterFigures>,
}

/// A city's surface water this year, as its bulletin reads it.
#[derive(Debug, Clone)]
pub struct WaterFigures {
    /// Sections evaluated.
    pub sections: u32,
    /// Sections meeting their own target class, and sections with one.
    pub meeting_target: (u32, u32),
    /// The share at Ⅲ or better (优良比例) against the year's target.
    pub good: Against,
}

/// A city's figures as of `today`: the running month's bulletin facts and environment, the
/// numbers its cockpit and its bulletin print.
pub async fn city_figures(store: &Store, today: Date) -> Result<CityFigures, StoreError> {
    let as_of = AsOf::for_period(today.year, today.month, today).map_err(StoreError::Invalid)?;
    let (facts, environment): (_, Environment) = facts_and_environment(store, as_of).await?;
    let totals = overall(&facts);
    let year = format!("{}-", today.year);
    let mut months: Vec<String> = store
        .bulletins()
        .await?
        .into_iter()
        .filter(|b| b.period.starts_with(&year))
        .map(|b| b.period)
        .collect();
    months.dedup();
    Ok(CityFigures {
        completion_rate: totals.completion_rate(),
        totals,
        bulletins_this_year: months.len(),
        complaints: facts.complaints.as_ref().map(|c| (c.received, c.reported)),
        air: environment.air.map(|a| (a.pm25, a.good_ratio)),
        water: environment.water.map(|w| WaterFigures {
            sections: w.sections,
            meeting_target: w.meeting_target,
            good: w.good,
        }),
    })
}

/// Runs `read` on every city at once (each on its own pool) and returns the results in the
/// cities' order.
async fn each_city<T, F, Fut>(cities: &[City], read: F) -> Result<Vec<T>, StoreError>
where
    T: Send + 'static,
    F: Fn(City) -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
{
    let mut running = tokio::task::JoinSet::new();
    for (i, city) in cities.iter().enumerate() {
        let read = read(city.clone());
        running.spawn(async move { (i, read.await) });
    }
    let mut found: Vec<Option<T>> = (0..cities.len()).map(|_| None).collect();
    while let Some(done) = running.join_next().await {
        let (i, result) =
            done.map_err(|e| StoreError::Invalid(format!("读取城市数据中断：{e}")))?;
        found[i] = Some(result?);
    }
    Ok(found.into_iter().flatten().collect())
}

/// Every city's figures as of `today`, one city at a time; a city that cannot be read (its
/// database away) is its own error, so the other cities still show.
pub async fn overview(
    cities: &[City],
    today: Date,
) -> Result<Vec<Result<CityFigures, StoreError>>, StoreError> {
    // A city's figures hold its two years of station-days while they are summed (about 80 MB
    // for 84 stations): eighteen at once took 1.4 GB, two 600 MB, and neither was faster on two cores.
    let at_once = Arc::new(tokio::sync::Semaphore::new(CITIES_READ_AT_ONCE));
    each_city(cities, move |city| {
        let at_once = at_once.clone();
        async move {
            let _permit = at_once
                .acquire_owned()
                .await
                .map_err(|e| StoreError::Invalid(format!("读取城市数据中断：{e}")))?;
            Ok(city_figures(&city.store, today).await)
        }
    })
    .await
}

/// Cities whose figures are read at the same time.
const CITIES_READ_AT_ONCE: usize = 1;

/// Every city's journal head (`Store::journal_head`), read concurrently: what a cache of a
/// city's figures is keyed on; a city that cannot be read is its own error.
pub async fn journal_heads(cities: &[City]) -> Result<Vec<Result<i64, StoreError>>, StoreError> {
    each_city(
        cities,
        |city| async move { Ok(city.store.journal_head().await) },
    )
    .await
}

/// The province's bulletin of `period` (YYYY-MM): each city's latest frozen bulletin of the
/// month rolled up, the cities without one listed as 未报.
pub async fn bulletin_facts(
    province: &str,
    cities: &[City],
    period: &str,
) -> Result<ProvinceFacts, StoreError> {
    if rectify_exact::date::parse_year_month(period).is_none() {
        return Err(StoreError::Invalid(format!("月份应为 YYYY-MM：{period}")));
    }
    let wanted = period.to_string();
    let read = each_city(cities, move |city| {
        let period = wanted.clone();
        async move {
            let frozen = match city.store.bulletin(&period, None).await {
                Ok((frozen, facts)) => Some((
                    SourceBulletin {
                        version: frozen.version,
                        sha256: frozen.sha256,
                        issued_on: frozen.issued_on,
                        journal_head: facts.journal_head.clone(),
                    },
                    overall(&facts),
                )),
                Err(StoreError::NotFound { .. }) => None,
                Err(e) => return Err(e),
            };
            Ok(CityBulletin {
                code: city.code,
                name: city.name,
                frozen,
            })
        }
    })
    .await?;
    Ok(roll_up(province, period, read))
}

/// Rolls the month up and freezes it as the next version in the province's database.
pub async fn issue_bulletin(
    province_store: &Store,
    actor: &str,
    province: &str,
    cities: &[City],
    period: &str,
    issued_on: Date,
) -> Result<(FrozenBulletin, ProvinceFacts), StoreError> {
    let facts = bulletin_facts(province, cities, period).await?;
    let frozen = province_store
        .freeze_province_bulletin(actor, &facts, issued_on)
        .await?;
    Ok((frozen, facts))
}

/// A frozen province bulletin as a 公文 docx.
pub fn bulletin_docx(frozen: &FrozenBulletin, facts: &ProvinceFacts) -> Result<Vec<u8>, String> {
    let document = rectify_io::bulletin::province::document(
        facts,
        &format!("{}生态环境保护督察整改工作领导小组办公室", facts.province),
        frozen.version,
        &frozen.issued_on,
    );
    rectify_io::bulletin::bulletin_docx(&document)
}
