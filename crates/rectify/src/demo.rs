//! The demo city 河安市: its organisation tree, the officials named in its plan, and one account
//! per role. Later features add their own demo data here.

use rand::Rng;
use rectify_air::date::Date;
use rectify_air::exact::{parse_decimal, parse_exact};
use rectify_air::targets::YearTargets;
use rectify_core::calendar::WorkCalendar;
use rectify_core::deadline::DeadlineContext;
use rectify_core::ledger::{InspectionType, Item, Plan};
use rectify_core::org::{OrgKind, Role};
use rectify_io::air::hourly::{ReadOptions, read_hourly_bytes};
use rectify_io::air::synthetic::{Spec, write_csv};
use rectify_io::plan::{SheetLimits, read_plan};
use rectify_io::water::samples::{read_samples_from, read_sections_from};
use rectify_io::water::stored::{EncodedSamples, section_row};
use rectify_io::water::synthetic::{demo_sections, write_samples_csv, write_sections_csv};
use rectify_store::air::AirStationDay;
use rectify_store::ledger::PlanImport;
use rectify_store::org::NewOrgUnit;
use rectify_store::users::NewUser;
use rectify_store::{Store, StoreError};
use rectify_water::group::WaterTargets;
use std::path::Path;

use crate::demo_plan;
use crate::demo_time::Timeline;

const CITY: &str = "河安市";

/// (code, name, kind, parent code)
const UNITS: &[(&str, &str, OrgKind, Option<&str>)] = &[
    ("heanshi", CITY, OrgKind::City, None),
    ("zgb", "市督察整改办", OrgKind::Office, Some("heanshi")),
    ("jwjw", "市纪委监委", OrgKind::Department, Some("heanshi")),
    ("swzzb", "市委组织部", OrgKind::Department, Some("heanshi")),
    ("swdcs", "市委督查室", OrgKind::Department, Some("heanshi")),
    (
        "zfdcs",
        "市政府督查室",
        OrgKind::Department,
        Some("heanshi"),
    ),
    ("fgw", "市发改委", OrgKind::Department, Some("heanshi")),
    ("gxj", "市工信局", OrgKind::Department, Some("heanshi")),
    ("gaj", "市公安局", OrgKind::Department, Some("heanshi")),
    ("czj", "市财政局", OrgKind::Department, Some("heanshi")),
    (
        "zrzyj",
        "市自然资源局",
        OrgKind::Department,
        Some("heanshi"),
    ),
    (
        "sthjj",
        "市生态环境局",
        OrgKind::Department,
        Some("heanshi"),
    ),
    ("zjj", "市住建局", OrgKind::Department, Some("heanshi")),
    ("cgj", "市城管局", OrgKind::Department, Some("heanshi")),
    (
        "jtysj",
        "市交通运输局",
        OrgKind::Department,
        Some("heanshi"),
    ),
    ("slj", "市水利局", OrgKind::Department, Some("heanshi")),
    (
        "nyncj",
        "市农业农村局",
        OrgKind::Department,
        Some("heanshi"),
    ),
    ("lyj", "市林业局", OrgKind::Department, Some("heanshi")),
    ("swj", "市商务局", OrgKind::Department, Some("heanshi")),
    ("wjw", "市卫健委", OrgKind::Department, Some("heanshi")),
    (
        "yjglj",
        "市应急管理局",
        OrgKind::Department,
        Some("heanshi"),
    ),
    (
        "scjgj",
        "市市场监管局",
        OrgKind::Department,
        Some("heanshi"),
    ),
    ("tjj", "市统计局", OrgKind::Department, Some("heanshi")),
    ("xfj", "市信访局", OrgKind::Department, Some("heanshi")),
    (
        "rmyh",
        "人民银行河安市中心支行",
        OrgKind::Department,
        Some("heanshi"),
    ),
    (
        "chengguan",
        "城关区政府",
        OrgKind::District,
        Some("heanshi"),
    ),
    ("donghu", "东湖区政府", OrgKind::District, Some("heanshi")),
    ("beiling", "北岭县政府", OrgKind::County, Some("heanshi")),
    ("nanchuan", "南川县政府", OrgKind::County, Some("heanshi")),
    ("qingshui", "清水县政府", OrgKind::County, Some("heanshi")),
    ("fengle", "丰乐县政府", OrgKind::County, Some("heanshi")),
    ("gxq", "河安高新区管委会", OrgKind::Zone, Some("heanshi")),
    ("hgyq", "河安化工园区管委会", OrgKind::Zone, Some("heanshi")),
    (
        "sthjj-cg",
        "市生态环境局城关分局",
        OrgKind::Department,
        Some("chengguan"),
    ),
    (
        "sthjj-dh",
        "市生态环境局东湖分局",
        OrgKind::Department,
        Some("donghu"),
    ),
    (
        "sthjj-bl",
        "市生态环境局北岭分局",
        OrgKind::Department,
        Some("beiling"),
    ),
    (
        "sthjj-nc",
        "市生态环境局南川分局",
        OrgKind::Department,
        Some("nanchuan"),
    ),
    (
        "sthjj-qs",
        "市生态环境局清水分局",
        OrgKind::Department,
        Some("qingshui"),
    ),
    (
        "sthjj-fl",
        "市生态环境局丰乐分局",
        OrgKind::Department,
        Some("fengle"),
    ),
];

/// One of the leaders and supervisors named in the plan.
pub struct Person {
    pub unit: &'static str,
}

/// The person the plan names as "姓名（职务）".
pub fn person(named: &str) -> Option<Person> {
    PEOPLE
        .iter()
        .find(|(name, position, _)| named == format!("{name}（{position}）"))
        .map(|&(_, _, unit)| Person { unit })
}

/// (name, position, unit code): the leaders and supervisors named in the plan.
const PEOPLE: &[(&str, &str, &str)] = &[
    ("张振华", "市委副书记、市长", "heanshi"),
    ("陈东升", "常务副市长", "heanshi"),
    ("王建国", "副市长", "heanshi"),
    ("孙丽华", "副市长", "heanshi"),
    ("赵志刚", "副市长", "heanshi"),
    ("郑晓燕", "副市长", "heanshi"),
    ("刘卫民", "副市长、市公安局局长", "gaj"),
    ("李明", "市生态环境局局长", "sthjj"),
    ("彭辉", "市生态环境局副局长", "sthjj"),
    ("何志军", "市住建局局长", "zjj"),
    ("吴建平", "市发改委主任", "fgw"),
    ("宋涛", "市交通运输局局长", "jtysj"),
    ("曹勇", "市信访局局长", "xfj"),
    ("梁国庆", "市自然资源局局长", "zrzyj"),
    ("罗春生", "市农业农村局局长", "nyncj"),
    ("许林", "市林业局局长", "lyj"),
    ("谢宏伟", "市公安局副局长", "gaj"),
    ("韩冰", "市商务局局长", "swj"),
    ("马卫东", "市城管局局长", "cgj"),
    ("高俊", "市水利局局长", "slj"),
    ("黄永强", "市工信局局长", "gxj"),
];

/// (username, display name, unit code, role): one account per role.
const ACCOUNTS: &[(&str, &str, &str, Role)] = &[
    ("admin", "系统管理员", "heanshi", Role::Admin),
    ("zgb", "整改办 张伟", "zgb", Role::Office),
    ("wangjianguo", "王建国（副市长）", "heanshi", Role::Leader),
    (
        "liming",
        "李明（市生态环境局局长）",
        "sthjj",
        Role::Supervisor,
    ),
    ("beiling", "北岭县政府 经办人", "beiling", Role::Unit),
    ("sthjj", "市生态环境局 经办人", "sthjj", Role::Unit),
    ("zjj", "市住建局 经办人", "zjj", Role::Unit),
    ("yanshou", "市生态环境局 验收组", "sthjj", Role::Acceptance),
    ("jiwei", "市纪委监委 审查调查室", "jwjw", Role::Discipline),
    ("viewer", "只读用户", "heanshi", Role::Viewer),
];

/// An account created by the demo, with the password shown exactly once.
pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub password: String,
}

/// Monitoring stations of 河安市 for the synthetic air data.
const AIR_STATIONS: [&str; 8] = [
    "市监测站",
    "城关区政府",
    "东湖公园",
    "高新区管委会",
    "化工园区",
    "北岭县城",
    "南川中学",
    "清水河桥",
];

/// Two years of hourly data up to yesterday (it straddled the 2026-03-01 switch of standards
/// when the demo was written), from the first of the month two years ago.
fn air_period(t: Timeline) -> (Date, Date) {
    (t.month(24, 1), t.days_ago(1))
}

/// The plan's air targets for last year and this one: (PM2.5, PM10, good-day ratio %).
const AIR_TARGETS: [(&str, &str, &str); 2] = [("45", "80", "78.0"), ("42", "75", "80.0")];

/// Generates the demo's hourly air data and imports it the way `rectify air import` does.
async fn load_air(store: &Store, actor: &str, t: Timeline) -> Result<(), StoreError> {
    let (from, to) = air_period(t);
    let spec = Spec {
        stations: AIR_STATIONS
            .iter()
            .map(|s| (s.to_string(), CITY.to_string()))
            .collect(),
        from,
        to,
        seed: 20_190_325,
        // A sand-and-dust day in each spring of the period.
        dust_days: vec![t.month(20, 18), t.month(8, 7)],
        gap_per_mille: 15,
    };
    let mut csv = Vec::new();
    write_csv(&spec, &mut csv)
        .map_err(|e| StoreError::Invalid(format!("演示空气数据生成失败：{e}")))?;
    let data = read_hourly_bytes(Path::new("demo-air.csv"), &csv, ReadOptions::default())
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let days: Vec<AirStationDay<'_>> = data
        .days
        .iter()
        .map(|d| AirStationDay {
            station: &data.stations[d.station as usize].name,
            city: Some(CITY),
            date: d.date,
            grid: &d.grid,
            dust: d.dust,
        })
        .collect();
    let source = serde_json::json!({"file": "demo-air.csv", "generated": true, "rows": data.rows});
    store.import_air(actor, &source, &days).await?;
    for ((pm25, pm10, good), year) in AIR_TARGETS.into_iter().zip([t.year(1), t.year(0)]) {
        let targets = YearTargets {
            pm25: parse_exact(pm25).ok().flatten(),
            pm10: parse_exact(pm10).ok().flatten(),
            good_ratio: parse_exact(good).ok().flatten(),
        };
        store.set_air_targets(actor, year, &targets).await?;
    }
    Ok(())
}

/// The plan's water targets for last year and this one: (Ⅰ–Ⅲ share at least, 劣Ⅴ share at
/// most), percent.
const WATER_TARGETS: [(&str, &str); 2] = [("66.7", "16.7"), ("75.0", "8.3")];

/// Two years of monthly samples for the 12 sections of 河安市, imported as `rectify water import`
/// does.
async fn load_water(store: &Store, actor: &str, t: Timeline) -> Result<(), StoreError> {
    let (from, to) = air_period(t);
    let network = demo_sections();
    let generated = |e: std::io::Error| StoreError::Invalid(format!("演示水质数据生成失败：{e}"));
    let (mut sections_csv, mut samples_csv) = (Vec::new(), Vec::new());
    write_sections_csv(&network, &mut sections_csv).map_err(generated)?;
    write_samples_csv(&network, from, to, 2011, &mut samples_csv).map_err(generated)?;
    let invalid = |e: rectify_io::ReadError| StoreError::Invalid(e.to_string());
    let sections = read_sections_from(Path::new("demo-sections.csv"), sections_csv.as_slice())
        .map_err(invalid)?;
    let samples =
        read_samples_from(Path::new("demo-water.csv"), samples_csv.as_slice()).map_err(invalid)?;
    let section_rows: Vec<_> = sections.iter().map(section_row).collect();
    let encoded = EncodedSamples::new(&samples);
    let source =
        serde_json::json!({"file": "demo-water.csv", "generated": true, "samples": samples.len()});
    store
        .import_water(actor, &source, &section_rows, &encoded.rows(&samples))
        .await?;
    for ((good, bad), year) in WATER_TARGETS.into_iter().zip([t.year(1), t.year(0)]) {
        let targets = WaterTargets {
            i_to_iii_min: parse_decimal(good).ok().flatten(),
            worse_than_v_max: parse_decimal(bad).ok().flatten(),
        };
        store.set_water_targets(actor, year, &targets).await?;
    }
    Ok(())
}

/// Loads the demo data dated relative to `today`, or returns `None` when the database already
/// holds it.
pub async fn load(
    store: &Store,
    actor: &str,
    today: Date,
) -> Result<Option<Vec<DemoAccount>>, StoreError> {
    let t = Timeline::new(today);
    if store.find_org_unit(CITY).await?.is_some() {
        return Ok(None);
    }
    for (i, &(code, name, kind, parent)) in UNITS.iter().enumerate() {
        let unit = NewOrgUnit {
            code,
            name,
            kind,
            parent,
            sort_order: i as i64,
        };
        store.add_org_unit(actor, unit).await?;
    }
    for &(name, position, unit) in PEOPLE {
        store.add_person(actor, name, position, unit).await?;
    }
    let mut accounts = Vec::with_capacity(ACCOUNTS.len());
    for &(username, display_name, unit, role) in ACCOUNTS {
        let password = random_password();
        let user = NewUser {
            username,
            display_name,
            unit,
            roles: &[role],
            password: &password,
        };
        store.add_user(actor, user).await?;
        accounts.push(DemoAccount {
            username,
            display_name,
            role,
            password,
        });
    }
    store
        .set_setting(actor, "demo", &serde_json::Value::Bool(true))
        .await?;
    load_plan(store, actor, t).await?;
    crate::demo_workflow::load(store, t).await?;
    load_air(store, actor, t).await?;
    load_water(store, actor, t).await?;
    crate::demo_complaints::load(store, "zgb", t).await?;
    crate::demo_registers::load(store, "zgb", t).await?;
    crate::demo_complaints::publish(store, "zgb", t).await?;
    Ok(Some(accounts))
}

/// The 45-item plan from `demo/plan-sample.xlsx`, re-dated (`demo_plan`) and imported as an
/// office would import it.
async fn load_plan(store: &Store, actor: &str, t: Timeline) -> Result<(), StoreError> {
    const FILE: &[u8] = include_bytes!("../demo/plan-sample.xlsx");
    let calendar = WorkCalendar::embedded();
    let context = DeadlineContext {
        reference: None,
        calendar: &calendar,
    };
    let table = read_plan(
        FILE,
        "plan-sample.xlsx",
        None,
        context,
        &SheetLimits::default(),
    );
    if let Some(error) = table.errors.first() {
        return Err(StoreError::Invalid(format!(
            "演示整改清单无法读取：{error}"
        )));
    }
    let plan = Plan {
        name: DEMO_PLAN.to_string(),
        round: Some("第一轮".to_string()),
        inspection_type: Some(InspectionType::LookBack),
        feedback_date: Some(demo_plan::feedback_on(t)),
        doc_number: Some(demo_plan::doc_number(t)),
        issued_on: Some(demo_plan::issued_on(t)),
    };
    let mut items: Vec<Item> = table.items.iter().map(|s| s.item.clone()).collect();
    demo_plan::redate(t, &mut items, &calendar);
    let import = PlanImport {
        plan: &plan,
        title: table.title.as_deref().unwrap_or(DEMO_PLAN),
        items: &items,
        source: serde_json::json!({"file": "plan-sample.xlsx", "demo": true}),
        dry_run: false,
        resolutions: &[],
    };
    store.import_plan(actor, import).await?;
    Ok(())
}

const DEMO_PLAN: &str = "河安市“回头看”整改方案";

/// Twelve characters from an alphabet without look-alikes (0/O, 1/l/I), easy to type from a
/// printout.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..12)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}
