//! Special inspections (`/inspections`) and coal (`/coal`) over HTTP against the real server on
//! the demo database: who opens which page, what a unit sees of other units' findings and a
//! county of other counties' coal, the CSRF refusals, and that a finding, a round and an import
//! change the store as the CLI's would.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

mod common;

use common::{BIN, Server, flash, form_body, query, web_session};
use std::process::Command;

struct Demo {
    _dir: tempfile::TempDir,
    db: String,
    server: Server,
}

impl Demo {
    fn start() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db").to_string_lossy().into_owned();
        let mut demo = Command::new(BIN);
        common::at_test_clock(&mut demo).args(["--db", &db, "demo"]);
        common::ok(&demo.output().unwrap());
        let server = Server::start(&db, &["serve"]);
        Demo {
            _dir: dir,
            db,
            server,
        }
    }

    fn as_user(&self, user: &str) -> Client<'_> {
        Client {
            server: &self.server,
            cookie: web_session(&self.db, &self.server, user),
        }
    }

    fn count(&self, sql: &str) -> i64 {
        query(&self.db, sql)[0][0].parse().unwrap()
    }
}

/// A signed-in user's requests.
struct Client<'a> {
    server: &'a Server,
    cookie: String,
}

/// (status, head, body as text).
type Answer = (u16, String, String);

fn text((status, head, body): common::Reply) -> Answer {
    (status, head, String::from_utf8_lossy(&body).into_owned())
}

/// Percent-encodes a query value.
fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Client<'_> {
    fn get(&self, path: &str) -> Answer {
        let headers = [("Cookie", self.cookie.as_str())];
        text(self.server.request("GET", path, &headers, b""))
    }

    /// A page that must open.
    fn page(&self, path: &str) -> String {
        let (status, _, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// The session's CSRF token, from the sign-out form every page carries.
    fn csrf(&self) -> String {
        let page = self.page("/ledger");
        let token = page.split("name=\"csrf\" value=\"").nth(1).unwrap();
        token[..token.find('"').unwrap()].to_string()
    }

    fn post(&self, path: &str, pairs: &[(&str, &str)]) -> Answer {
        let body = form_body(pairs);
        let headers = [
            ("Cookie", self.cookie.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        text(self.server.request("POST", path, &headers, body.as_bytes()))
    }

    /// A multipart post: text fields and files (form field, file name, content).
    fn multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Answer {
        let boundary = "----rectifyinspections";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .into_bytes(),
            );
        }
        for (field, file_name, content) in files {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .into_bytes(),
            );
            body.extend_from_slice(content);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").into_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let headers = [
            ("Cookie", self.cookie.as_str()),
            ("Content-Type", content_type.as_str()),
        ];
        text(self.server.request("POST", path, &headers, &body))
    }
}

/// The CSRF field first, then the form's own.
fn with_token<'a>(csrf: &'a str, fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![("csrf", csrf)];
    all.extend_from_slice(fields);
    all
}

/// A 1×1 PNG.
const PHOTO: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF0, 0x59, 0x1F, 0x00,
    0x00, 0x02, 0x96, 0x01, 0x4C, 0xF9, 0xC8, 0x3A, 0x86, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// The demo's round: last month's visit on the boilers (item 9 reopened, a 南川县 boiler
/// compliant, a 丰乐县 boiler a problem).
const BOILER_ROUND: &str = "燃煤锅炉淘汰整治回头看";

#[test]
fn inspections_open_by_role_and_units_see_only_their_findings() {
    let demo = Demo::start();
    let (status, head, _) = text(demo.server.request("GET", "/inspections", &[], b""));
    assert_eq!(status, 303);
    assert!(head.contains("location: /login"), "{head}");

    // The office, leaders and read-only users see every round; the office alone opens one.
    let office = demo.as_user("zgb");
    let list = office.page("/inspections");
    assert!(
        list.contains(BOILER_ROUND) && list.contains("开展督察"),
        "{list}"
    );
    for user in ["wangjianguo", "viewer"] {
        let list = demo.as_user(user).page("/inspections");
        assert!(list.contains(BOILER_ROUND), "{user}");
        assert!(
            !list.contains("action=\"/inspections\""),
            "{user} cannot open a round"
        );
    }
    let round = office.page("/inspections/1");
    for text in [
        "第9项",
        "南川县医院锅炉",
        "丰乐县城区供热站锅炉",
        "暗访照片.png",
    ] {
        assert!(round.contains(text), "the office sees {text}");
    }

    // A county's clerk sees the finding on item 9 (its territory) and not the other counties'
    // boilers; the 丰乐县 clerk sees its own boiler; a department with no finding sees no round.
    let beiling = demo.as_user("beiling").page("/inspections/1");
    assert!(beiling.contains("第9项"), "{beiling}");
    assert!(!beiling.contains("丰乐县城区供热站锅炉") && !beiling.contains("南川县医院锅炉"));
    assert!(!beiling.contains("记录督察发现"), "a unit records nothing");
    let fengle = demo.as_user("jbr_fengle").page("/inspections/1");
    assert!(fengle.contains("丰乐县城区供热站锅炉") && !fengle.contains("南川县医院锅炉"));
    let zjj = demo.as_user("zjj");
    assert!(!zjj.page("/inspections").contains(BOILER_ROUND));
    assert_eq!(zjj.get("/inspections/1").0, 404);
    assert_eq!(office.get("/inspections/999").0, 404);
    assert_eq!(office.get("/inspections/abc").0, 404);

    // Roles without the page: 404 and no menu link; with it, the link.
    let jiwei = demo.as_user("jiwei");
    assert_eq!(jiwei.get("/inspections").0, 404);
    assert!(!jiwei.page("/ledger").contains("href=\"/inspections\""));
    assert!(office.page("/ledger").contains("href=\"/inspections\""));
    assert!(zjj.page("/ledger").contains("href=\"/inspections\""));

    // The photo: shown inline to those who see the finding, not found for others.
    let evidence = query(
        &demo.db,
        "SELECT v.id FROM round_evidence v JOIN round_findings f ON f.id = v.finding_id
         JOIN register_entries e ON e.id = f.entry_id WHERE e.name = '丰乐县城区供热站锅炉'",
    )[0][0]
        .clone();
    let path = format!("/inspections/evidence/{evidence}");
    let (status, head, _) = office.get(&path);
    assert_eq!(status, 200);
    assert!(head.contains("content-type: image/png"), "{head}");
    assert_eq!(demo.as_user("beiling").get(&path).0, 404);
    assert_eq!(zjj.get(&path).0, 404);
}

#[test]
fn the_office_opens_corrects_and_records_with_csrf_and_the_workflow() {
    let demo = Demo::start();
    let office = demo.as_user("zgb");
    let csrf = office.csrf();
    // The day the server calls today: the form's first day.
    let list = office.page("/inspections");
    let today = list.split("name=\"from\" value=\"").nth(1).unwrap()[..10].to_string();
    let round = |csrf: &str, name: &str, to: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("name", name.to_string()),
            ("mode", "明察暗访".to_string()),
            ("scope", "全市已销号问题".to_string()),
            ("team", "市督察整改办暗访组".to_string()),
            ("from", today.clone()),
            ("to", to.to_string()),
        ]
    };
    let post_as = |client: &Client, path: &str, v: Vec<(&str, String)>| {
        let refs: Vec<(&str, &str)> = v.iter().map(|(k, v)| (*k, v.as_str())).collect();
        client.post(path, &refs)
    };
    let post = |path: &str, v: Vec<(&str, String)>| post_as(&office, path, v);
    let rounds = || demo.count("SELECT COUNT(*) FROM inspection_rounds");

    // Without the token, or as a leader: refused, nothing opened.
    let before = rounds();
    assert_eq!(post("/inspections", round("", "暗访", &today)).0, 403);
    let leader = demo.as_user("wangjianguo");
    let leader_csrf = leader.csrf();
    let as_leader = post_as(&leader, "/inspections", round(&leader_csrf, "暗访", &today));
    assert_eq!(as_leader.0, 404);
    // A mistake comes back named, with the form as typed.
    let (status, _, page) = post("/inspections", round(&csrf, "", &today));
    assert_eq!(status, 200);
    assert!(page.contains("请填写督察名称") && page.contains("市督察整改办暗访组"));
    let (_, _, page) = post("/inspections", round(&csrf, "暗访", "2000-01-01"));
    assert!(page.contains("早于开始日期"), "{page}");
    let (_, _, page) = post("/inspections", round(&csrf, "暗访", "明天"));
    assert!(page.contains("结束日期“明天”不是有效日期"), "{page}");
    assert_eq!(rounds(), before);
    let (status, head, _) = post("/inspections", round(&csrf, "冬季暗访", &today));
    assert_eq!(status, 303);
    let id = rounds();
    assert!(
        head.contains(&format!("location: /inspections/{id}?")),
        "{head}"
    );
    let path = format!("/inspections/{id}");
    assert!(office.page(&path).contains("冬季暗访"));

    // A finding: refused without the token or as a unit; a reopen goes through the workflow,
    // journaled with the finding as its reason.
    let findings = format!("{path}/findings");
    let reopen = [
        ("on", today.as_str()),
        ("outcome", "重新打开"),
        ("description", "第38项点位再次出现违规排放"),
        ("item", "38"),
    ];
    let photo = [("photos", "现场.png", PHOTO)];
    let no_token = office.multipart(&findings, &reopen, &photo);
    assert_eq!(no_token.0, 403, "{}", no_token.2);
    let beiling = demo.as_user("beiling");
    let beiling_csrf = beiling.csrf();
    let mut as_unit = vec![("csrf", beiling_csrf.as_str())];
    as_unit.extend_from_slice(&reopen);
    assert_eq!(beiling.multipart(&findings, &as_unit, &photo).0, 404);
    assert_eq!(demo.count("SELECT COUNT(*) FROM round_findings"), 3);
    let (status, head, _) = office.multipart(&findings, &with_token(&csrf, &reopen), &photo);
    assert_eq!(status, 303);
    assert_eq!(
        flash(&head),
        "已记录督察发现：重新打开（河安市“回头看”整改方案第38项）"
    );
    let item = office.page("/items/38");
    assert!(item.contains("已重开") && item.contains("冬季暗访：第38项点位再次出现违规排放"));
    let journaled = query(
        &demo.db,
        "SELECT action FROM journal WHERE seq > (SELECT MAX(seq) - 2 FROM journal) ORDER BY seq",
    );
    assert_eq!(journaled, [["reopen".to_string()], ["finding".to_string()]]);
    let round_page = office.page(&path);
    assert!(
        round_page.contains("第38项点位再次出现违规排放")
            && round_page.contains("alt=\"现场.png\"")
    );

    // A second reopen of the same item is refused by the workflow, with nothing stored.
    let (_, head, _) = office.multipart(&findings, &with_token(&csrf, &reopen), &photo);
    assert!(flash(&head).contains("不能“重新打开”"), "{}", flash(&head));
    assert_eq!(demo.count("SELECT COUNT(*) FROM round_findings"), 4);

    // A new problem becomes the plan's next item, as `rectify inspection finding` makes it.
    let items = demo.count("SELECT COUNT(*) FROM items");
    let new = [
        ("on", today.as_str()),
        ("outcome", "新增问题"),
        ("description", "某热电厂煤场未全封闭"),
        ("unit", "市生态环境局"),
        ("deadline", "2027年3月底前"),
    ];
    let (_, head, _) = office.multipart(&findings, &with_token(&csrf, &new), &photo);
    let next = items + 1;
    assert_eq!(
        flash(&head),
        format!("已记录督察发现：新增问题，已列为河安市“回头看”整改方案第{next}项")
    );
    assert!(
        office
            .page(&format!("/items/{next}"))
            .contains("某热电厂煤场未全封闭")
    );
    let (_, head, _) = office.multipart(
        &findings,
        &with_token(
            &csrf,
            &[
                ("on", today.as_str()),
                ("outcome", "新增问题"),
                ("description", "x"),
            ],
        ),
        &photo,
    );
    assert_eq!(flash(&head), "新增问题须填写牵头单位");

    // Bad input is named: a date outside the round, no evidence, a file of a refused type, an
    // item number that is not one; nothing is stored.
    let stored = demo.count("SELECT COUNT(*) FROM round_findings");
    let compliant = [
        ("on", today.as_str()),
        ("outcome", "符合要求"),
        ("description", "已整改"),
    ];
    let mut outside = compliant;
    outside[0].1 = "2000-01-01";
    let (_, head, _) = office.multipart(&findings, &with_token(&csrf, &outside), &photo);
    assert!(flash(&head).contains("不在督察期间"), "{}", flash(&head));
    let (_, head, _) = office.multipart(&findings, &with_token(&csrf, &compliant), &[]);
    assert!(flash(&head).contains("须附佐证材料"), "{}", flash(&head));
    let exe: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00binary";
    let exe_file = [("photos", "a.exe", exe)];
    let (_, head, _) = office.multipart(&findings, &with_token(&csrf, &compliant), &exe_file);
    assert!(
        flash(&head).contains("不在允许的类型中"),
        "{}",
        flash(&head)
    );
    let mut bad_item = with_token(&csrf, &compliant);
    bad_item.push(("item", "三十八"));
    let (_, head, _) = office.multipart(&findings, &bad_item, &photo);
    assert_eq!(flash(&head), "问题序号“三十八”应为数字");
    assert_eq!(demo.count("SELECT COUNT(*) FROM round_findings"), stored);

    // Correcting the round: journaled; its dates must keep its findings.
    assert_eq!(post(&path, round("", "冬季暗访", &today)).0, 403);
    let mut renamed = round(&csrf, "冬季暗访（更正）", &today);
    renamed[4].1 = "市委督查室暗访组".into();
    let (status, head, _) = post(&path, renamed);
    assert_eq!((status, flash(&head).as_str()), (303, "已更新督察信息"));
    assert!(office.page(&path).contains("市委督查室暗访组"));
    let mut narrowed = round(&csrf, "冬季暗访", "2099-12-31");
    narrowed[5].1 = "2099-01-01".into();
    let (_, head, _) = post(&path, narrowed);
    assert!(
        flash(&head).contains("督察期间须包含该日期"),
        "{}",
        flash(&head)
    );
    assert_eq!(
        query(
            &demo.db,
            &format!(
                "SELECT COUNT(*) FROM journal WHERE entity = 'inspection_round' AND entity_id = '{id}' AND action = 'update'"
            )
        )[0][0],
        "1"
    );
}

/// The figures a county's page shows, as `rectify coal status` prints them.
fn cli_status(db: &str, year: &str, through: &str) -> serde_json::Value {
    let mut status = Command::new(BIN);
    common::at_test_clock(&mut status).args([
        "--db",
        db,
        "coal",
        "status",
        "--year",
        year,
        "--through",
        through,
        "--json",
    ]);
    serde_json::from_str(&common::ok(&status.output().unwrap())).unwrap()
}

#[test]
fn coal_by_county_with_the_clis_warnings_import_and_export() {
    let demo = Demo::start();
    let (status, head, _) = text(demo.server.request("GET", "/coal", &[], b""));
    assert_eq!(status, 303);
    assert!(head.contains("location: /login"), "{head}");

    // The office picks any county; the page's warnings are the CLI's, one rule.
    let office = demo.as_user("zgb");
    let page = office.page("/coal");
    assert!(page.contains("<svg") && page.contains("select name=\"county\""));
    // The heading names the county shown, the year and the last month: "北岭县政府 · 2026年1–10月".
    let heading = page.split("<h2>").nth(1).unwrap();
    let heading = heading.split(" · ").nth(1).unwrap();
    let year = heading[..4].to_string();
    let through = heading
        .split('–')
        .nth(1)
        .unwrap()
        .split('月')
        .next()
        .unwrap()
        .to_string();
    for county in cli_status(&demo.db, &year, &through).as_array().unwrap() {
        let name = county["county"].as_str().unwrap();
        let page = office.page(&format!("/coal?county={}&year={year}", enc(name)));
        assert!(
            page.contains(&format!("{name} · {year}年1–{through}月")),
            "{name}"
        );
        let warnings = county["warnings"].as_array().unwrap();
        for w in warnings {
            assert!(page.contains(w.as_str().unwrap()), "{name}: {w}");
        }
        assert_eq!(page.contains("未触发预警"), warnings.is_empty(), "{name}");
        let used = county["used"].as_str().unwrap();
        assert!(
            page.contains(&format!("{used}<span class=\"unit\">万吨")),
            "{name}"
        );
    }
    let beiling_page = office.page(&format!("/coal?county={}", enc("北岭县政府")));
    assert!(
        beiling_page.contains("超过序时进度"),
        "北岭县 runs ahead of its cap"
    );

    // Leaders read every county; a county's clerk its own only; others not at all.
    assert!(
        demo.as_user("wangjianguo")
            .page("/coal")
            .contains("select name=\"county\"")
    );
    let beiling = demo.as_user("beiling");
    let own = beiling.page("/coal");
    assert!(own.contains("北岭县政府 · ") && !own.contains("select name=\"county\""));
    assert!(!own.contains("丰乐县政府") && !own.contains("导入煤炭消费表"));
    assert_eq!(
        beiling
            .get(&format!("/coal?county={}", enc("丰乐县政府")))
            .0,
        404
    );
    assert_eq!(
        beiling.get(&format!("/coal?county={}", enc("不存在县"))).0,
        404
    );
    assert!(
        beiling
            .page(&format!("/coal?county={}", enc("北岭县政府")))
            .contains("北岭县政府 · ")
    );
    let department = demo.as_user("zjj").page("/coal");
    assert!(department.contains("暂无本单位的煤炭消费和清洁取暖数据"));
    let jiwei = demo.as_user("jiwei");
    assert_eq!(jiwei.get("/coal").0, 404);
    assert!(!jiwei.page("/ledger").contains("href=\"/coal\""));
    assert!(beiling.page("/ledger").contains("href=\"/coal\""));

    // The export holds what its reader sees: the county's clerk exports its county alone.
    let export = |client: &Client| {
        let headers = [("Cookie", client.cookie.as_str())];
        let (status, head, body) =
            demo.server
                .request("GET", &format!("/coal/export?year={year}"), &headers, b"");
        assert_eq!(status, 200);
        assert!(head.contains("spreadsheetml"), "{head}");
        body
    };
    let own_book = export(&beiling);
    let whole_book = export(&office);
    let csrf = office.csrf();
    let upload = |name: &str, bytes: &[u8], token: &str| {
        office.multipart("/coal/import", &[("csrf", token)], &[("file", name, bytes)])
    };
    let (status, _, preview) = upload("beiling.xlsx", &own_book, &csrf);
    assert_eq!(status, 200);
    assert!(preview.contains("北岭县政府：") && !preview.contains("丰乐县政府："));
    assert!(preview.contains("没有错误"), "{preview}");

    // Import: the office only, with the token; a preview writes nothing; a bad cell is named
    // by sheet, row and column and nothing is written; then the confirmation writes it all.
    assert_eq!(upload("whole.xlsx", &whole_book, "").0, 403);
    let beiling_csrf = beiling.csrf();
    let refused = beiling.multipart(
        "/coal/import",
        &[("csrf", beiling_csrf.as_str())],
        &[("file", "whole.xlsx", &whole_book)],
    );
    assert_eq!(refused.0, 404);
    let journal = || demo.count("SELECT COUNT(*) FROM journal");
    let before = journal();
    let bad =
        "县（区）,年度,月份,煤炭消费量（万吨）\n北岭县政府,2026,1,12.5\n北岭县政府,2026,2,很多\n";
    let (status, _, page) = upload("coal.csv", bad.as_bytes(), &csrf);
    assert_eq!(status, 200);
    assert!(page.contains("有 1 处错误"), "{page}");
    assert!(
        page.contains("D3") && page.contains("煤炭消费量（万吨）") && page.contains("应为非负数")
    );
    assert!(!page.contains("确认导入"));
    let unknown = "县（区）,年度,月份,煤炭消费量（万吨）\n西山县政府,2026,1,12.5\n";
    let (_, _, page) = upload("coal.csv", unknown.as_bytes(), &csrf);
    assert!(
        page.contains("西山县政府") && !page.contains("确认导入"),
        "{page}"
    );
    assert_eq!(journal(), before, "a preview writes nothing");
    let good = format!(
        "县（区）,年度,月份,煤炭消费量（万吨）\n北岭县政府,{year},1,1.5\n北岭县政府,{year},2,2.5\n"
    );
    let (_, _, page) = upload("coal.csv", good.as_bytes(), &csrf);
    assert!(page.contains("没有错误：月度消费 2 条"), "{page}");
    let sha = page.split("name=\"sha256\" value=\"").nth(1).unwrap();
    let sha = &sha[..64];
    let confirm = |token: &str| {
        office.post(
            "/coal/import/confirm",
            &[("csrf", token), ("sha256", sha), ("file_name", "coal.csv")],
        )
    };
    assert_eq!(confirm("").0, 403);
    assert_eq!(journal(), before);
    let (status, head, _) = confirm(&csrf);
    assert_eq!(status, 303);
    assert_eq!(flash(&head), "已导入coal.csv：月度消费 2 条、年度目标 0 条");
    assert_eq!(journal(), before + 2);
    let stored = query(
        &demo.db,
        &format!(
            "SELECT m.tons FROM coal_months m JOIN org_units o ON o.id = m.county_id
             WHERE o.name = '北岭县政府' AND m.year = {year} AND m.month <= 2 ORDER BY m.month"
        ),
    );
    assert_eq!(stored, [["1.5000".to_string()], ["2.5000".to_string()]]);

    // A month and a year's targets typed in, as `rectify coal record` and `coal target` do:
    // the office only, with the token; a bad entry is named and writes nothing.
    let month = |token: &str, month: &str, tons: &str| {
        vec![
            ("csrf", token.to_string()),
            ("county", "北岭县政府".to_string()),
            ("year", year.clone()),
            ("month", month.to_string()),
            ("tons", tons.to_string()),
        ]
    };
    let send = |client: &Client, path: &str, v: Vec<(&str, String)>| {
        let refs: Vec<(&str, &str)> = v.iter().map(|(k, v)| (*k, v.as_str())).collect();
        client.post(path, &refs)
    };
    assert_eq!(send(&office, "/coal/month", month("", "3", "3.5")).0, 403);
    assert_eq!(
        send(&beiling, "/coal/month", month(&beiling_csrf, "3", "3.5")).0,
        404
    );
    let before = journal();
    let (_, head, _) = send(&office, "/coal/month", month(&csrf, "13", "3.5"));
    assert_eq!(flash(&head), "月份“13”应为1–12");
    let (_, head, _) = send(&office, "/coal/month", month(&csrf, "3", "很多"));
    assert_eq!(flash(&head), "煤炭消费量“很多”应为非负数（万吨）");
    assert_eq!(journal(), before);
    let (status, head, _) = send(&office, "/coal/month", month(&csrf, "3", "3.5"));
    assert_eq!(status, 303);
    assert_eq!(
        flash(&head),
        format!("已记录北岭县政府 {year}年3月煤炭消费 3.5 万吨")
    );
    let targets = |token: &str, gas: &str| {
        vec![
            ("csrf", token.to_string()),
            ("county", "北岭县政府".to_string()),
            ("year", year.clone()),
            ("cap", String::new()),
            ("heating_target", "1200".to_string()),
            ("gas", gas.to_string()),
            ("electric", String::new()),
        ]
    };
    assert_eq!(send(&office, "/coal/targets", targets("", "700")).0, 403);
    let (_, head, _) = send(&office, "/coal/targets", targets(&csrf, "七百"));
    assert_eq!(flash(&head), "气代煤“七百”应为非负整数（户）");
    let (_, head, _) = send(&office, "/coal/targets", targets(&csrf, "700"));
    assert_eq!(flash(&head), format!("已更新北岭县政府 {year}年目标"));
    assert_eq!(journal(), before + 2);
    let row = query(
        &demo.db,
        &format!(
            "SELECT t.cap, t.heating_target, t.heating_gas, t.heating_electric FROM coal_targets t
             JOIN org_units o ON o.id = t.county_id WHERE o.name = '北岭县政府' AND t.year = {year}"
        ),
    );
    // The cap and the electric count were left empty: they stay as the demo set them.
    assert_eq!((row[0][1].as_str(), row[0][2].as_str()), ("1200", "700"));
    assert_eq!(row[0][3], "291");
    assert!(row[0][0].starts_with("159.6"), "{row:?}");
    let page = office.page(&format!("/coal?county={}&year={year}", enc("北岭县政府")));
    assert!(page.contains("991<span class=\"unit\">/ 1200 户"), "{page}");
}
