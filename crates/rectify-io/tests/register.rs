//! Register spreadsheets: every kind's export reads back exactly, and a bad file names every bad
//! cell and yields nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_core::register::EntryRecord;
use rectify_core::register::{
    CreditCode, Details, Identity, Kind, boiler, chemical, credit, plot, scattered, site,
    water_body,
};
use rectify_exact::date::Date;
use rectify_io::plan::{SheetFormat, read_sheets};
use rectify_io::register::{read_register, register_xlsx};

fn d(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn record(id: i64, kind: Kind, name: &str, state: &str, details: Details) -> EntryRecord {
    EntryRecord {
        id,
        kind,
        identity: Identity {
            name: name.into(),
            credit_code: Some(CreditCode::parse("91440300708461136T").unwrap()),
            address: "孙庄乡王楼村东200米".into(),
            county: "北岭县政府".into(),
            township: "孙庄乡/第3网格".into(),
            coordinates: Some(("116.3912".into(), "34.7120".into())),
        },
        county_id: 7,
        state: state.into(),
        state_label: kind.state_label(state),
        details,
        rebounds: 1,
        created_on: d("2026-03-02"),
    }
}

fn every_kind() -> Vec<EntryRecord> {
    vec![
        record(
            1,
            Kind::Scattered,
            "王楼村废塑料加工点",
            "remediating",
            Details::Scattered(scattered::Details {
                problems: vec![
                    scattered::Problem::Disorderly,
                    scattered::Problem::Polluting,
                ],
                disposal: Some(scattered::Disposal::Close),
                industry: "废塑料加工".into(),
                missing_permits: "环评、排污许可".into(),
                measures: "断水断电，清除原料设备产品".into(),
                due: Some(d("2026-06-30")),
                responsible: "王某（孙庄乡副乡长）".into(),
                grid_person: "李某".into(),
                relocated_to: String::new(),
                source: Some(scattered::Source::Complaint),
            }),
        ),
        record(
            2,
            Kind::Site,
            "北岭县人民医院新院区",
            "stopped",
            Details::Site(site::Details {
                project_type: Some(site::ProjectType::Building),
                builder: "北岭县人民医院".into(),
                contractor: "河安建工集团有限公司".into(),
                supervisor: "河安建设监理有限公司".into(),
                dust_manager: "赵某".into(),
                video_online: true,
            }),
        ),
        record(
            4,
            Kind::WaterBody,
            "东沙河城区段",
            "effective",
            Details::WaterBody(water_body::Details {
                water_type: Some(water_body::WaterType::River),
                boundaries: "解放路桥至东沙河闸".into(),
                size: "4200米".into(),
                listed_grade: Some(water_body::Grade::Severe),
                measures: vec![
                    water_body::Measure::SourceControl,
                    water_body::Measure::Flow,
                ],
                river_chief: "城关区副区长 刘某".into(),
                due: Some(d("2026-12-31")),
                samples: Vec::new(),
                satisfaction: Some("93.4".into()),
            }),
        ),
        record(
            5,
            Kind::Chemical,
            "河安宏达涂料有限公司",
            "red",
            Details::Chemical(chemical::Details {
                park: "河安化工园区".into(),
                products: "溶剂型涂料".into(),
                scores: "安全55 环保48".into(),
                rated_on: Some(d("2026-04-15")),
                rating_body: "园区联合评定组".into(),
                required_action: "2026年底前关停".into(),
                deadline: Some(d("2026-12-31")),
            }),
        ),
        record(
            6,
            Kind::Credit,
            "河安电厂",
            "bad",
            Details::Credit(credit::Details {
                year: "2026".into(),
                basis: "超标排放被处罚".into(),
                consequences: "限制信贷".into(),
                rating_body: "河安市生态环境局".into(),
            }),
        ),
        record(
            7,
            Kind::Boiler,
            "河安热力公司2号锅炉",
            "ultra_low",
            Details::Boiler(boiler::Details {
                owner: "河安热力公司".into(),
                capacity: "75".into(),
                purpose: "集中供热".into(),
            }),
        ),
        record(
            3,
            Kind::Plot,
            "原北岭化肥厂地块",
            "risk_assessment",
            Details::Plot(plot::Details {
                area_m2: "48200".into(),
                former_use: "化肥制造".into(),
                planned_use: Some(plot::PlannedUse::First),
                land_user: "北岭县土地储备中心".into(),
                pollutants: "砷、苯并[a]芘".into(),
            }),
        ),
    ]
}

#[test]
fn every_kinds_export_reads_back_exactly() {
    let entries = every_kind();
    let kinds: Vec<Kind> = entries.iter().map(|e| e.kind).collect();
    assert!(
        Kind::ALL.iter().all(|k| kinds.contains(k)),
        "every kind is tried"
    );
    for entry in entries {
        let kind = entry.kind;
        let bytes = register_xlsx(kind, "名录", std::slice::from_ref(&entry)).unwrap();
        let sheets = read_sheets(
            &bytes,
            SheetFormat::Xlsx,
            "x.xlsx",
            &rectify_io::plan::SheetLimits::default(),
        )
        .unwrap();
        let read = read_register(&sheets, kind, d("2026-11-29"));
        assert!(read.errors.is_empty(), "{kind}: {:?}", read.errors);
        assert!(read.warnings.is_empty(), "{kind}: {:?}", read.warnings);
        let (row, back) = &read.entries[0];
        assert_eq!(*row, 3, "title, header, then the entry");
        assert_eq!(back.identity, entry.identity, "{kind}");
        assert_eq!(back.details, entry.details, "{kind}");
        assert_eq!(back.state.as_deref(), Some(entry.state.as_str()));
        assert_eq!(back.created_on, entry.created_on);
    }
}

/// A hand-made 散乱污 sheet with a defect in nearly every column.
fn defective() -> Vec<u8> {
    let rows: [[&str; 9]; 5] = [
        [
            "名称",
            "统一社会信用代码",
            "所在县（区）",
            "经度",
            "纬度",
            "状态",
            "问题类型",
            "整治类型",
            "整治时限",
        ],
        [
            "甲铸造厂",
            "91440300708461136T",
            "北岭县政府",
            "116.39",
            "34.71",
            "整治中",
            "乱、污",
            "关停取缔",
            "2026-06-30",
        ],
        [
            "乙石料厂",
            "91440300708461136X",
            "北岭县政府",
            "",
            "",
            "",
            "散",
            "",
            "",
        ],
        [
            "",
            "",
            "",
            "216.1",
            "34.7",
            "已取缔",
            "脏",
            "取缔",
            "2026年底",
        ],
        [
            "甲铸造厂",
            "",
            "北岭县政府",
            "116.4",
            "",
            "",
            "",
            "升级改造",
            "",
        ],
    ];
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *text).unwrap();
        }
    }
    sheet.write_string(0, 9, "备注栏").unwrap();
    workbook.save_to_buffer().unwrap()
}

/// Where each finding is, as "B3".
fn cells(findings: &[rectify_io::plan::Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            format!(
                "{}{}",
                f.column.clone().unwrap_or_default(),
                f.row.unwrap_or(0)
            )
        })
        .collect()
}

#[test]
fn a_bad_sheet_names_every_bad_cell_and_yields_nothing() {
    let sheets = read_sheets(
        &defective(),
        SheetFormat::Xlsx,
        "bad.xlsx",
        &rectify_io::plan::SheetLimits::default(),
    )
    .unwrap();
    let read = read_register(&sheets, Kind::Scattered, d("2026-11-29"));
    assert!(read.entries.is_empty(), "nothing is taken from a bad file");
    let found = cells(&read.errors);
    assert_eq!(
        found,
        ["B3", "A4", "C4", "D4", "F4", "G4", "H4", "I4", "E5", "A5"],
        "{:#?}",
        read.errors
    );
    let message = |cell: &str| {
        let at = found.iter().position(|c| c == cell).unwrap();
        read.errors[at].to_string()
    };
    assert!(message("B3").contains("校验位应为"), "{}", message("B3"));
    assert!(
        message("F4").contains("可选：排查登记、整治中"),
        "{}",
        message("F4")
    );
    assert!(
        message("G4").contains("问题类型“脏”无效"),
        "{}",
        message("G4")
    );
    assert!(
        message("H4").contains("整治类型“取缔”无效"),
        "{}",
        message("H4")
    );
    assert!(message("I4").contains("应为日期"), "{}", message("I4"));
    assert!(message("A5").contains("与第2行重复"), "{}", message("A5"));
    assert_eq!(read.warnings.len(), 1, "the unknown column");
    assert!(read.warnings[0].to_string().contains("备注栏"));
}

/// For every kind: a sheet whose state and every typed column hold nonsense names each of
/// those cells and yields nothing.
#[test]
fn every_kinds_sheet_names_each_bad_typed_cell() {
    use rectify_io::register::{Form, columns};
    for kind in Kind::ALL {
        let own = columns(*kind);
        // A column is typed when nonsense does not read as its field.
        let typed: Vec<usize> = own
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                let nonsense = match c.form {
                    Form::List => serde_json::json!(["无此项"]),
                    _ => serde_json::json!("无此项"),
                };
                matches!(c.form, Form::Date | Form::YesNo | Form::Number)
                    || Details::from_json(*kind, serde_json::json!({ c.key: nonsense })).is_err()
            })
            .map(|(i, _)| i)
            .collect();
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        let headers: Vec<&str> = ["名称", "所在县（区）", "状态"]
            .into_iter()
            .chain(own.iter().map(|c| c.header))
            .collect();
        for (c, header) in headers.iter().enumerate() {
            sheet.write_string(0, c as u16, *header).unwrap();
            let text = if c < 2 {
                ["某条目", "北岭县政府"][c]
            } else {
                "无此项"
            };
            sheet.write_string(1, c as u16, text).unwrap();
        }
        let bytes = workbook.save_to_buffer().unwrap();
        let sheets = read_sheets(
            &bytes,
            SheetFormat::Xlsx,
            "bad.xlsx",
            &rectify_io::plan::SheetLimits::default(),
        )
        .unwrap();
        let read = read_register(&sheets, *kind, d("2026-11-29"));
        assert!(read.entries.is_empty(), "{kind}");
        let mut expected: Vec<String> = vec!["C2".into()];
        expected.extend(
            typed
                .iter()
                .map(|i| format!("{}2", rectify_io::plan::column_letter(i + 3))),
        );
        let found = cells(&read.errors);
        assert_eq!(found, expected, "{kind}: {:#?}", read.errors);
        assert!(!typed.is_empty(), "{kind} has typed columns");
    }
}

/// The 50,000-entry 散乱污 register (#24 review), every column filled, exported by the
/// real export and read back whole under the default limits: its worksheet unpacks to more
/// than the 32 MiB a part was allowed, which refused rectify's own export.
#[test]
fn a_50000_entry_export_reads_back_under_the_default_limits() {
    let template = every_kind().remove(0);
    let entries: Vec<EntryRecord> = (0..50_000)
        .map(|n| {
            let mut entry = template.clone();
            entry.id = n + 1;
            entry.identity.name = format!("王楼村第{n}号废塑料加工点");
            entry
        })
        .collect();
    let started = std::time::Instant::now();
    let bytes = register_xlsx(Kind::Scattered, "散乱污企业名录", &entries).unwrap();
    let written = started.elapsed();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
    let largest = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().size())
        .max()
        .unwrap();
    let limits = rectify_io::plan::SheetLimits::default();
    assert!(largest > 32 << 20, "the export is the big case: {largest}");
    let sheets = read_sheets(&bytes, SheetFormat::Xlsx, "x.xlsx", &limits).unwrap();
    let read = read_register(&sheets, Kind::Scattered, d("2026-11-29"));
    assert!(read.errors.is_empty(), "{:?}", &read.errors[..3]);
    assert_eq!(read.entries.len(), 50_000);
    let (_, last) = read.entries.last().unwrap();
    assert_eq!(last.identity.name, "王楼村第49999号废塑料加工点");
    assert_eq!(last.details, template.details);
    eprintln!(
        "{} bytes, largest part {largest}; written in {written:?}, read in {:?}",
        bytes.len(),
        started.elapsed() - written
    );
}
