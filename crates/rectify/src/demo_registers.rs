//! The demo's registers for 河安市: thirty 散乱污 sites across the counties in every state (two
//! of them rebounding on patrol, one this month), twenty construction sites with the last
//! three months' dust inspections, and five contaminated plots along their procedure. Everything goes
//! through the store's rules: each sign-off carries the evidence its kind requires.

use rectify_core::register::{
    CheckLine, Details, Identity, Inspection, Kind, NewEntry, PHOTO, boiler, chemical, credit,
    plot, scattered, site, water_body,
};
use rectify_exact::date::Date;
use rectify_exact::exact::Exact;
use rectify_store::registers::{NewRegisterEvidence, RegisterFilter};
use rectify_store::{Store, StoreError};

use crate::demo_time::Timeline;

const COUNTIES: [(&str, [&str; 3]); 6] = [
    ("北岭县政府", ["孙庄乡", "北岭镇", "柳湾乡"]),
    ("南川县政府", ["南川镇", "河口乡", "龙王庙镇"]),
    ("清水县政府", ["清水镇", "石门乡", "杨集镇"]),
    ("丰乐县政府", ["丰乐镇", "马坊乡", "三里河镇"]),
    ("城关区政府", ["东关街道", "西郊街道", "北站街道"]),
    ("东湖区政府", ["湖滨街道", "沙河镇", "新城街道"]),
];
/// (what the site is called, its industry).
const TRADES: [(&str, &str); 10] = [
    ("废塑料加工点", "废塑料加工"),
    ("小铸造作坊", "铸造"),
    ("石材加工厂", "石材加工"),
    ("家具喷漆作坊", "家具制造（喷漆）"),
    ("小电镀作坊", "电镀"),
    ("废旧轮胎炼油点", "废旧轮胎炼油"),
    ("小砖窑", "砖瓦烧制"),
    ("木材加工厂", "木材加工"),
    ("活性炭加工点", "活性炭加工"),
    ("小化工作坊", "化工"),
];
const VILLAGES: [&str; 5] = ["王楼村", "李庄村", "张湾村", "后营村", "刘集村"];
/// A PNG signature: enough for the evidence policy, stored once however often it is attached.
const PHOTO_BYTES: &[u8] = &[0x89, b'P', b'N', b'G', 13, 10, 26, 10, 0, 0, 0, 13];
const REPORT_BYTES: &[u8] = b"%PDF-1.4\n% rectify demo report\n";

pub async fn load(store: &Store, office: &str, t: Timeline) -> Result<(), StoreError> {
    scattered_sites(store, office, t).await?;
    construction_sites(store, office, t).await?;
    water_bodies(store, office, t).await?;
    plots(store, office, t).await?;
    chemical_park(store, office, t).await?;
    credit_round(store, office, t).await?;
    boilers(store, office, t).await?;
    coal(store, office, t).await?;
    boiler_inspection(store, office, t).await
}

/// Last month's unannounced visit on the boilers: a dismantled boiler back in use reopens item 9;
/// one retired boiler checks out, one still burning coal is a problem.
async fn boiler_inspection(store: &Store, office: &str, t: Timeline) -> Result<(), StoreError> {
    use rectify_core::special::{Mode, Outcome, Round};
    use rectify_store::special::{FindingTarget, NewFinding};
    use rectify_store::workflow::ItemRef;
    let round = Round {
        name: "燃煤锅炉淘汰整治回头看".into(),
        mode: Mode::Unannounced,
        scope: "全市已拆改燃煤锅炉和在用燃煤锅炉".into(),
        team: "市委督查室、市政府督查室联合暗访组".into(),
        starts_on: t.month(1, 2),
        ends_on: t.month(1, 20),
    };
    let round_id = store.open_inspection_round(office, &round).await?;
    let actor = store.actor(office).await?;
    let calendar = store.work_calendar().await?;
    let name = "暗访照片.png".to_string();
    let boiler_id = |name: &str| {
        let name = name.to_string();
        async move {
            let filter = RegisterFilter {
                kind: Some(Kind::Boiler),
                ..RegisterFilter::default()
            };
            store
                .register_entries(&filter)
                .await?
                .into_iter()
                .find(|e| e.identity.name == name)
                .map(|e| e.id)
                .ok_or_else(|| StoreError::NotFound {
                    what: "名录条目",
                    key: name,
                })
        }
    };
    let findings = [
        (
            t.month(1, 6),
            "城关区某洗浴中心已拆除的4蒸吨/时燃煤锅炉擅自恢复使用",
            Outcome::Reopen,
            FindingTarget::Item(ItemRef {
                plan: None,
                number: 9,
            }),
        ),
        (
            t.month(1, 10),
            "现场核查锅炉已拆除，未发现恢复使用",
            Outcome::Compliant,
            FindingTarget::Entry(boiler_id("南川县医院锅炉").await?),
        ),
        (
            t.month(1, 12),
            "20蒸吨/时燃煤锅炉仍在使用，未列入年度淘汰计划",
            Outcome::Problem,
            FindingTarget::Entry(boiler_id("丰乐县城区供热站锅炉").await?),
        ),
    ];
    for (on, description, outcome, target) in findings {
        let files = [(
            name.clone(),
            store.attachments().upload(&name, PHOTO_BYTES).await?,
        )];
        let finding = NewFinding {
            on,
            description,
            outcome,
            target,
            files: &files,
        };
        store
            .record_finding(&actor, round_id, finding, &calendar)
            .await?;
    }
    Ok(())
}

/// Two years of coal use per county (万吨 a month, tenths) against caps cut by 5 % a year, and
/// clean heating; 北岭县 runs ahead of this year's cap, 丰乐县 behind its switching.
async fn coal(store: &Store, office: &str, t: Timeline) -> Result<(), StoreError> {
    use rectify_store::coal::CoalTargets;
    for (i, (county, _)) in COUNTIES.iter().enumerate() {
        let base = 12 + 3 * i as i64;
        // Coal statistics come two months behind: figures for last year and this year to date.
        let latest = t.month(2, 1);
        let years = [
            (latest.year - 1, 0, 12),
            (latest.year, 5, u32::from(latest.month)),
        ];
        for (year, cut, through) in years {
            let cap = Exact::int(base * 12 + 24).mul_int(100 - cut).div_int(100);
            let heating_target = 1000 + 200 * i as u32;
            let switched = if i == 3 && year == latest.year {
                300
            } else {
                heating_target * through / 12 + 40
            };
            let targets = CoalTargets {
                cap: Some(&cap.to_fixed(1)),
                heating_target: Some(heating_target),
                heating_gas: Some(switched * 2 / 3),
                heating_electric: Some(switched - switched * 2 / 3),
            };
            store
                .set_coal_targets(office, county, year, targets)
                .await?;
            for month in 1..=through {
                // Heating months burn more; 北岭县 does not cut this year.
                let winter = if matches!(month, 1 | 2 | 11 | 12) {
                    5
                } else {
                    0
                };
                let keep = if i == 0 && year == latest.year {
                    108
                } else {
                    100 - cut
                };
                let tenths = (base * 10 + winter * 10) * keep / 100;
                let tons = Exact::int(tenths).div_int(10).to_fixed(1);
                store
                    .record_coal(office, county, year, month as u8, &tons)
                    .await?;
            }
        }
    }
    Ok(())
}

/// (name, county, owner, t/h, where it went).
const BOILERS: [(&str, &str, &str, &str, &str); 6] = [
    (
        "河安热力公司1号锅炉",
        "城关区政府",
        "河安热力公司",
        "75",
        "超低排放改造",
    ),
    (
        "河安热力公司2号锅炉",
        "城关区政府",
        "河安热力公司",
        "75",
        "",
    ),
    (
        "北岭水泥余热锅炉",
        "北岭县政府",
        "北岭水泥有限公司",
        "40",
        "特别排放限值改造",
    ),
    (
        "南川县医院锅炉",
        "南川县政府",
        "南川县人民医院",
        "4",
        "淘汰",
    ),
    (
        "清水县印染厂锅炉",
        "清水县政府",
        "清水县印染厂",
        "10",
        "淘汰",
    ),
    (
        "丰乐县城区供热站锅炉",
        "丰乐县政府",
        "丰乐县供热站",
        "20",
        "",
    ),
];

async fn boilers(store: &Store, office: &str, t: Timeline) -> Result<(), StoreError> {
    let entries: Vec<NewEntry> = BOILERS
        .iter()
        .map(|(name, county, owner, capacity, _)| NewEntry {
            identity: Identity {
                name: name.to_string(),
                county: county.to_string(),
                ..Identity::default()
            },
            state: None,
            details: Details::Boiler(boiler::Details {
                owner: owner.to_string(),
                capacity: capacity.to_string(),
                purpose: "供热".into(),
            }),
            created_on: t.month(11, 5),
        })
        .collect();
    store
        .upsert_register_entries(office, Kind::Boiler, &entries, false)
        .await?;
    for (id, (_, _, _, _, outcome)) in ids(store, Kind::Boiler).await?.into_iter().zip(BOILERS) {
        let evidence = match outcome {
            "" => continue,
            "淘汰" => boiler::REMOVAL_PHOTO,
            _ => boiler::MONITORING_REPORT,
        };
        attach(store, office, id, &[evidence], REPORT_BYTES).await?;
        store
            .move_register_entry(office, id, outcome, t.month(3, 30), "")
            .await?;
    }
    Ok(())
}

/// (name, products, colour).
const PARK: [(&str, &str, &str); 8] = [
    ("河安华泰化工有限公司", "氯碱、聚氯乙烯", "绿"),
    ("河安新元农药有限公司", "草甘膦原药", "黄"),
    ("河安鑫源精细化工有限公司", "医药中间体", "蓝"),
    ("河安宏达涂料有限公司", "溶剂型涂料", "红"),
    ("河安润丰化肥有限公司", "复合肥", "蓝"),
    ("河安金石橡胶助剂有限公司", "橡胶促进剂", "黄"),
    ("河安天成染料有限公司", "分散染料", "红"),
    ("河安恒信新材料有限公司", "电子级化学品", "绿"),
];

/// Scores that agree with the label (绿 达标保留 best, then 蓝 改造提升, 黄 限期整改, 红
/// 关停淘汰 with failing scores; workflow.md §6.2).
fn scores_for(colour: &str) -> &'static str {
    match colour {
        "绿" => "安全88 环保90 节能85 转型80",
        "蓝" => "安全80 环保78 节能82 转型75",
        "黄" => "安全72 环保65 节能70 转型60",
        _ => "安全55 环保48 节能60 转型40",
    }
}

async fn chemical_park(store: &Store, office: &str, t: Timeline) -> Result<(), StoreError> {
    let entries: Vec<NewEntry> = PARK
        .iter()
        .enumerate()
        .map(|(i, (name, products, colour))| NewEntry {
            identity: Identity {
                name: name.to_string(),
                address: format!("河安化工园区纬{}路", i + 1),
                county: "河安化工园区管委会".into(),
                ..Identity::default()
            },
            state: None,
            details: Details::Chemical(chemical::Details {
                park: "河安化工园区".into(),
                products: products.to_string(),
                scores: scores_for(colour).into(),
                rated_on: Some(t.month(8, 15)),
                rating_body: "河安化工园区安全环保联合评定组".into(),
                required_action: String::new(),
                deadline: None,
            }),
            created_on: t.month(8, 1),
        })
        .collect();
    store
        .upsert_register_entries(office, Kind::Chemical, &entries, false)
        .await?;
    for (id, (_, _, colour)) in ids(store, Kind::Chemical).await?.into_iter().zip(PARK) {
        if colour == "红" {
            attach(store, office, id, &[chemical::CLOSURE_RECORD], REPORT_BYTES).await?;
        }
        store
            .move_register_entry(office, id, colour, t.month(8, 15), "")
            .await?;
    }
    Ok(())
}

/// Ten enterprises rated for the year of the rating round (two months ago): level by index.
async fn credit_round(store: &Store, office: &str, t: Timeline) -> Result<(), StoreError> {
    let year = t.month(2, 1).year;
    let rated: Vec<(&str, &str)> = PARK
        .iter()
        .map(|(name, _, _)| (*name, "河安化工园区管委会"))
        .chain([
            ("河安电厂", "城关区政府"),
            ("北岭水泥有限公司", "北岭县政府"),
        ])
        .collect();
    let entries: Vec<NewEntry> = rated
        .iter()
        .map(|(name, county)| NewEntry {
            identity: Identity {
                name: name.to_string(),
                county: county.to_string(),
                ..Identity::default()
            },
            state: None,
            details: Details::Credit(credit::Details {
                year: year.to_string(),
                basis: format!("{year}年度监督性监测、行政处罚、信访举报和信息公开情况"),
                consequences: "纳入公共信用信息平台，与信贷、评优和财政补贴挂钩".into(),
                rating_body: "河安市生态环境局".into(),
            }),
            created_on: t.month(2, 1),
        })
        .collect();
    store
        .upsert_register_entries(office, Kind::Credit, &entries, false)
        .await?;
    let levels = ["环保诚信", "环保警示", "环保良好", "环保不良", "环保良好"];
    for (i, id) in ids(store, Kind::Credit).await?.into_iter().enumerate() {
        let level = levels[i % levels.len()];
        if level == "环保不良" {
            attach(
                store,
                office,
                id,
                &[credit::ENFORCEMENT_RECORD],
                REPORT_BYTES,
            )
            .await?;
        }
        store
            .move_register_entry(office, id, level, t.month(2, 20), "")
            .await?;
    }
    Ok(())
}

/// (name, county, boundaries, length in m, grade when listed).
const WATER_BODIES: [(&str, &str, &str, &str, water_body::Grade); 6] = [
    (
        "东沙河城区段",
        "城关区政府",
        "解放路桥至东沙河闸",
        "4200",
        water_body::Grade::Severe,
    ),
    (
        "柳林河",
        "城关区政府",
        "柳林路至清河口",
        "3100",
        water_body::Grade::Light,
    ),
    (
        "西郊排水渠",
        "城关区政府",
        "西郊街道至污水处理厂",
        "2600",
        water_body::Grade::Light,
    ),
    (
        "湖滨沟",
        "东湖区政府",
        "湖滨花园至东湖入口",
        "1800",
        water_body::Grade::Light,
    ),
    (
        "北岭县城东河",
        "北岭县政府",
        "城东桥至北岭大道",
        "2300",
        water_body::Grade::Severe,
    ),
    (
        "南川县护城河",
        "南川县政府",
        "环城一周",
        "5100",
        water_body::Grade::Light,
    ),
];

async fn water_bodies(store: &Store, office: &str, t: Timeline) -> Result<(), StoreError> {
    let entries: Vec<NewEntry> = WATER_BODIES
        .iter()
        .map(|(name, county, boundaries, length, grade)| NewEntry {
            identity: Identity {
                name: name.to_string(),
                address: boundaries.to_string(),
                county: county.to_string(),
                ..Identity::default()
            },
            state: None,
            details: Details::WaterBody(water_body::Details {
                water_type: Some(if name.ends_with('渠') || name.ends_with('沟') {
                    water_body::WaterType::Canal
                } else {
                    water_body::WaterType::River
                }),
                boundaries: boundaries.to_string(),
                size: format!("{length}米"),
                listed_grade: Some(*grade),
                measures: vec![
                    water_body::Measure::SourceControl,
                    water_body::Measure::Sediment,
                    water_body::Measure::Ecological,
                ],
                river_chief: format!("{}河长", county.trim_end_matches(['政', '府'])),
                due: Some(t.month(0, 31)),
                samples: Vec::new(),
                satisfaction: None,
            }),
            created_on: t.month(11, 10),
        })
        .collect();
    store
        .upsert_register_entries(office, Kind::WaterBody, &entries, false)
        .await?;
    let clean = |on: Date| water_body::Sample {
        on,
        transparency: "42".into(),
        depth: None,
        dissolved_oxygen: "4.6".into(),
        orp: "135".into(),
        ammonia: "1.8".into(),
    };
    let dirty = |on: Date| water_body::Sample {
        on,
        transparency: "12".into(),
        depth: None,
        dissolved_oxygen: "0.9".into(),
        orp: "-80".into(),
        ammonia: "11.2".into(),
    };
    for (i, id) in ids(store, Kind::WaterBody).await?.into_iter().enumerate() {
        // The first four are treated: three reached 初见成效, one came back black this autumn.
        if i >= 4 {
            if i == 4 {
                walk(store, office, id, &[("治理中", t.month(8, 1))]).await?;
            }
            continue;
        }
        walk(store, office, id, &[("治理中", t.month(9, 1))]).await?;
        attach(
            store,
            office,
            id,
            &[water_body::COMPLETION_REPORT],
            REPORT_BYTES,
        )
        .await?;
        walk(store, office, id, &[("完成治理", t.month(6, 30))]).await?;
        store
            .update_register_details(office, id, |details| {
                if let Details::WaterBody(d) = details {
                    d.samples = (3..=5).rev().map(|back| clean(t.month(back, 15))).collect();
                    d.satisfaction = Some("93.4".into());
                }
                Ok(())
            })
            .await?;
        walk(store, office, id, &[("初见成效", t.month(3, 20))]).await?;
        if i == 3 {
            store
                .update_register_details(office, id, |details| {
                    if let Details::WaterBody(d) = details {
                        d.samples
                            .extend([dirty(t.month(2, 28)), dirty(t.month(1, 12))]);
                    }
                    Ok(())
                })
                .await?;
            let reason = format!(
                "{}月下旬起两次监测轻度黑臭，群众反映返黑返臭",
                t.month(2, 1).month
            );
            store
                .move_register_entry(office, id, "治理中", t.month(1, 13), &reason)
                .await?;
        }
    }
    Ok(())
}

fn identity(name: String, county: &str, township: &str, village: &str) -> Identity {
    Identity {
        name,
        address: format!("{township}{village}"),
        county: county.to_string(),
        township: township.to_string(),
        ..Identity::default()
    }
}

/// Ids of the kind's entries in the order they were added.
async fn ids(store: &Store, kind: Kind) -> Result<Vec<i64>, StoreError> {
    let filter = RegisterFilter {
        kind: Some(kind),
        ..RegisterFilter::default()
    };
    let mut ids: Vec<i64> = store
        .register_entries(&filter)
        .await?
        .iter()
        .map(|e| e.id)
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

async fn attach(
    store: &Store,
    office: &str,
    id: i64,
    kinds: &[&str],
    bytes: &[u8],
) -> Result<(), StoreError> {
    for kind in kinds {
        let file_name = if bytes == PHOTO_BYTES {
            "现场照片.png"
        } else {
            "报告.pdf"
        };
        let file = store.attachments().upload(file_name, bytes).await?;
        let evidence = NewRegisterEvidence {
            inspection_id: None,
            kind,
            file_name,
            file: &file,
        };
        store.add_register_evidence(office, id, evidence).await?;
    }
    Ok(())
}

async fn walk(
    store: &Store,
    office: &str,
    id: i64,
    steps: &[(&str, Date)],
) -> Result<(), StoreError> {
    for (to, on) in steps {
        store.move_register_entry(office, id, to, *on, "").await?;
    }
    Ok(())
}

async fn scattered_sites(store: &Store, office: &str, t: Timeline) -> Result<(), StoreError> {
    let disposals = [
        scattered::Disposal::Close,
        scattered::Disposal::Upgrade,
        scattered::Disposal::Close,
        scattered::Disposal::Relocate,
    ];
    let entries: Vec<NewEntry> = (0..30)
        .map(|i| {
            let (county, townships) = COUNTIES[i % COUNTIES.len()];
            let township = townships[i % 3];
            let village = VILLAGES[i % VILLAGES.len()];
            let disposal = disposals[i % disposals.len()];
            NewEntry {
                identity: identity(
                    format!("{village}{}", TRADES[i % TRADES.len()].0),
                    county,
                    township,
                    village,
                ),
                state: None,
                details: Details::Scattered(scattered::Details {
                    problems: if i % 3 == 0 {
                        vec![
                            scattered::Problem::Scattered,
                            scattered::Problem::Disorderly,
                            scattered::Problem::Polluting,
                        ]
                    } else {
                        vec![
                            scattered::Problem::Disorderly,
                            scattered::Problem::Polluting,
                        ]
                    },
                    disposal: Some(disposal),
                    industry: TRADES[i % TRADES.len()].1.to_string(),
                    missing_permits: "环评、排污许可".into(),
                    measures: match disposal {
                        scattered::Disposal::Close => "断水断电，清除原料、设备、产品".into(),
                        scattered::Disposal::Relocate => "整体搬迁入园".into(),
                        scattered::Disposal::Upgrade => "完善手续，建设废气收集处理设施".into(),
                    },
                    due: Some(t.month(0, 31)),
                    responsible: format!("{township}分管负责同志"),
                    grid_person: format!("{village}网格员"),
                    relocated_to: if disposal == scattered::Disposal::Relocate {
                        "河安高新区标准化厂房".into()
                    } else {
                        String::new()
                    },
                    source: Some(if i % 5 == 0 {
                        scattered::Source::Complaint
                    } else {
                        scattered::Source::Survey
                    }),
                }),
                created_on: t.month(9, 2 + (i % 20) as u8),
            }
        })
        .collect();
    store
        .upsert_register_entries(office, Kind::Scattered, &entries, false)
        .await?;
    for (i, id) in ids(store, Kind::Scattered).await?.into_iter().enumerate() {
        let disposal = disposals[i % disposals.len()];
        // Every county has sites at several stages: five stay as registered; the rest are
        // worked on, half of them signed off and patrolled.
        let stage = (i / 6 + i * 2) % 6;
        if stage == 5 {
            continue;
        }
        walk(store, office, id, &[("整治中", t.month(8, 10))]).await?;
        if stage == 4 {
            continue;
        }
        match disposal {
            scattered::Disposal::Close => {
                attach(store, office, id, &scattered::CLEARANCES, PHOTO_BYTES).await?
            }
            scattered::Disposal::Upgrade => {
                attach(
                    store,
                    office,
                    id,
                    &[scattered::UPGRADE_EVIDENCE],
                    REPORT_BYTES,
                )
                .await?
            }
            scattered::Disposal::Relocate => {}
        }
        walk(store, office, id, &[("验收", t.month(6, 15))]).await?;
        if stage == 3 {
            continue;
        }
        walk(
            store,
            office,
            id,
            &[("销号", t.month(5, 20)), ("巡查", t.month(4, 1))],
        )
        .await?;
        let patrol = |on: Date, activity_found: bool| Inspection {
            on,
            by: "乡镇网格员".into(),
            lines: Vec::new(),
            finding: if activity_found {
                "夜间恢复生产，用电量异常".into()
            } else {
                String::new()
            },
            activity_found,
            deadline: None,
            rechecks: None,
        };
        store
            .record_inspection(office, id, &patrol(t.month(2, 12), false))
            .await?;
        // Two sites come back to life: one last month, one this month.
        let rebound_on = match i {
            0 => Some(t.this_month(2)),
            14 => Some(t.month(1, 18)),
            _ => None,
        };
        if let Some(on) = rebound_on {
            store
                .record_inspection(office, id, &patrol(on, true))
                .await?;
        }
    }
    Ok(())
}

const SITES: [(&str, site::ProjectType, &str); 20] = [
    (
        "河安市第一中学新校区",
        site::ProjectType::Building,
        "城关区政府",
    ),
    (
        "河安市人民医院门急诊综合楼",
        site::ProjectType::Building,
        "城关区政府",
    ),
    (
        "东湖区湖滨花园三期",
        site::ProjectType::Building,
        "东湖区政府",
    ),
    ("东湖大道快速化改造", site::ProjectType::Road, "东湖区政府"),
    (
        "北岭县人民医院新院区",
        site::ProjectType::Building,
        "北岭县政府",
    ),
    (
        "北岭县老城区棚户区改造",
        site::ProjectType::Demolition,
        "北岭县政府",
    ),
    (
        "南川县滨河路雨污分流",
        site::ProjectType::Municipal,
        "南川县政府",
    ),
    ("南川水库除险加固", site::ProjectType::Water, "南川县政府"),
    ("清水县文体中心", site::ProjectType::Building, "清水县政府"),
    ("清水县工业大道", site::ProjectType::Road, "清水县政府"),
    (
        "丰乐县保障性住房",
        site::ProjectType::Building,
        "丰乐县政府",
    ),
    (
        "丰乐县三里河综合治理",
        site::ProjectType::Water,
        "丰乐县政府",
    ),
    (
        "河安高新区电子产业园",
        site::ProjectType::Building,
        "河安高新区管委会",
    ),
    (
        "高新区科创大道",
        site::ProjectType::Road,
        "河安高新区管委会",
    ),
    (
        "化工园区污水处理厂扩建",
        site::ProjectType::Municipal,
        "河安化工园区管委会",
    ),
    (
        "城关区西郊旧城拆迁",
        site::ProjectType::Demolition,
        "城关区政府",
    ),
    ("东沙河截污管网", site::ProjectType::Municipal, "城关区政府"),
    (
        "河安西站综合枢纽",
        site::ProjectType::Building,
        "东湖区政府",
    ),
    (
        "北岭县采石场生态修复",
        site::ProjectType::Water,
        "北岭县政府",
    ),
    (
        "南川县职业教育园区",
        site::ProjectType::Building,
        "南川县政府",
    ),
];

async fn construction_sites(store: &Store, office: &str, t: Timeline) -> Result<(), StoreError> {
    let entries: Vec<NewEntry> = SITES
        .iter()
        .enumerate()
        .map(|(i, (name, project_type, county))| NewEntry {
            identity: Identity {
                name: name.to_string(),
                address: format!("{}{name}项目现场", county.trim_end_matches(['政', '府'])),
                county: county.to_string(),
                ..Identity::default()
            },
            state: None,
            details: Details::Site(site::Details {
                project_type: Some(*project_type),
                builder: format!("{}建设单位", name),
                contractor: [
                    "河安建工集团有限公司",
                    "中建某局第三分公司",
                    "河安市政工程有限公司",
                ][i % 3]
                    .into(),
                supervisor: ["河安建设监理有限公司", "华信工程咨询有限公司"][i % 2].into(),
                dust_manager: format!("项目经理{}", ["赵", "钱", "孙", "李", "周"][i % 5]),
                video_online: i % 4 != 3,
            }),
            created_on: t.month(10, 20),
        })
        .collect();
    store
        .upsert_register_entries(office, Kind::Site, &entries, false)
        .await?;
    let checklist = store.site_checklist().await?;
    let inspection =
        |on: Date, failed: &[usize], deadline: Option<Date>, rechecks: Option<i64>| Inspection {
            on,
            by: "市住建局扬尘治理专班".into(),
            lines: checklist
                .iter()
                .enumerate()
                .map(|(k, item)| CheckLine {
                    item: item.clone(),
                    complies: !failed.contains(&k),
                    note: if failed.contains(&k) {
                        "现场未落实".into()
                    } else {
                        String::new()
                    },
                })
                .collect(),
            finding: String::new(),
            activity_found: false,
            deadline,
            rechecks,
        };
    for (i, id) in ids(store, Kind::Site).await?.into_iter().enumerate() {
        let first = if i % 3 == 0 {
            inspection(t.month(2, 9), &[1, 2], Some(t.month(2, 16)), None)
        } else {
            inspection(t.month(2, 9), &[], None, None)
        };
        let first_id = store.record_inspection(office, id, &first).await?;
        if i % 3 != 0 {
            continue;
        }
        let photo = store
            .attachments()
            .upload("物料未覆盖.png", PHOTO_BYTES)
            .await?;
        store
            .add_register_evidence(
                office,
                id,
                NewRegisterEvidence {
                    inspection_id: Some(first_id),
                    kind: PHOTO,
                    file_name: "物料未覆盖.png",
                    file: &photo,
                },
            )
            .await?;
        match i {
            // Stopped, still waiting for the re-check.
            0 | 9 => {
                let reason = "逾期未整改，停工整治";
                store
                    .move_register_entry(office, id, "停工整治", t.month(2, 17), reason)
                    .await?;
            }
            // Failed the re-check too, with a new deadline: a repeat offender.
            3 => {
                store
                    .record_inspection(
                        office,
                        id,
                        &inspection(t.month(2, 16), &[1], Some(t.month(2, 23)), Some(first_id)),
                    )
                    .await?;
                store
                    .record_inspection(
                        office,
                        id,
                        &inspection(t.month(1, 20), &[0], Some(t.month(1, 27)), None),
                    )
                    .await?;
            }
            _ => {
                store
                    .record_inspection(
                        office,
                        id,
                        &inspection(t.month(2, 16), &[], None, Some(first_id)),
                    )
                    .await?;
            }
        }
    }
    Ok(())
}

const PLOTS: [(&str, &str, &str, &str); 5] = [
    ("原河安农药厂地块", "城关区政府", "农药制造", "38600"),
    ("城关区焦化厂地块", "城关区政府", "炼焦", "126000"),
    ("原北岭化肥厂地块", "北岭县政府", "化肥制造", "48200"),
    (
        "丰乐县再生铅冶炼厂地块",
        "丰乐县政府",
        "再生铅冶炼",
        "21500",
    ),
    ("南川县原制革厂地块", "南川县政府", "皮革鞣制", "15300"),
];

async fn plots(store: &Store, office: &str, t: Timeline) -> Result<(), StoreError> {
    let entries: Vec<NewEntry> = PLOTS
        .iter()
        .enumerate()
        .map(|(i, (name, county, former, area))| NewEntry {
            identity: Identity {
                name: name.to_string(),
                address: format!(
                    "{}{}",
                    county.trim_end_matches(['政', '府']),
                    ["工业路", "焦化路", "化肥厂路", "冶炼路", "皮革路"][i]
                ),
                county: county.to_string(),
                ..Identity::default()
            },
            state: None,
            details: Details::Plot(plot::Details {
                area_m2: area.to_string(),
                former_use: former.to_string(),
                planned_use: Some(if i % 2 == 0 {
                    plot::PlannedUse::First
                } else {
                    plot::PlannedUse::Second
                }),
                land_user: format!("{}土地储备中心", county.trim_end_matches(['政', '府'])),
                pollutants: [
                    "六六六、滴滴涕",
                    "苯并[a]芘、多环芳烃",
                    "砷、氨氮",
                    "铅、镉",
                    "铬",
                ][i]
                    .into(),
            }),
            created_on: t.month(11, 15),
        })
        .collect();
    store
        .upsert_register_entries(office, Kind::Plot, &entries, false)
        .await?;
    // Each plot gets as far along as its index: the first into remediation, the last still suspected.
    let paths: [&[(&str, Date)]; 5] = [
        &[
            ("初步调查", t.month(10, 1)),
            ("详细调查", t.month(8, 1)),
            ("风险评估", t.month(6, 1)),
            ("列入名录", t.month(4, 1)),
            ("治理修复", t.month(3, 1)),
        ],
        &[
            ("初步调查", t.month(10, 1)),
            ("详细调查", t.month(8, 1)),
            ("风险评估", t.month(6, 1)),
            ("列入名录", t.month(4, 1)),
        ],
        &[
            ("初步调查", t.month(9, 1)),
            ("详细调查", t.month(6, 1)),
            ("风险评估", t.month(3, 1)),
        ],
        &[("初步调查", t.month(7, 1))],
        &[],
    ];
    for (id, path) in ids(store, Kind::Plot).await?.into_iter().zip(paths) {
        // The reports each step out of a survey or an assessment rests on.
        let reports: &[&str] = match path.len() {
            0 | 1 => &[],
            2 | 3 => &[plot::SURVEY_REPORT],
            _ => &[plot::SURVEY_REPORT, plot::RISK_REPORT],
        };
        attach(store, office, id, reports, REPORT_BYTES).await?;
        walk(store, office, id, path).await?;
    }
    Ok(())
}
