//! A province over its cities (#24), through the real binary over HTTP: one `serve --cities`
//! answers two demo cities and the province by the request's Host header. Each city's data,
//! users and sessions stay on its own host; the province sees every city's figures as the
//! city's own cockpit shows them and rolls the cities' frozen bulletins up into its own.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

mod common;
#[path = "common/province_fixture.rs"]
mod fixture;

use common::{
    Server, form_body, form_token, log_in_at, ok, period_back, query, rectify, set_cookie,
};
use fixture::{A, B, B_ONLY, P, PASSWORD, province};
use std::io::Read;

fn get(server: &Server, host: &str, path: &str, cookie: &str) -> (u16, String, String) {
    let (status, head, body) = server.request_as(host, "GET", path, &[("Cookie", cookie)], b"");
    (status, head, String::from_utf8_lossy(&body).into_owned())
}

/// Signs in on `host`'s login form: the session cookie, or the refusal page.
fn log_in(server: &Server, host: &str, user: &str) -> Result<String, String> {
    let (_, head, page) = log_in_at(&server.addr, &server.site(host), user, PASSWORD);
    set_cookie(&head, "rectify_session")
        .filter(|c| c.len() > "rectify_session=".len())
        .ok_or_else(|| String::from_utf8_lossy(&page).into_owned())
}

/// The text of the cell `label` in a row of a card table.
fn cell(row: &str, label: &str) -> String {
    let marker = format!("data-label=\"{label}\">");
    let rest = row
        .split(&marker)
        .nth(1)
        .unwrap_or_else(|| panic!("{label} in {row}"));
    let html = &rest[..rest.find("</td>").unwrap()];
    // The value before a line break (a target line may follow), without its tags.
    let value = html.split("<br>").next().unwrap();
    strip_tags(value).trim().to_string()
}

fn strip_tags(html: &str) -> String {
    let mut text = String::new();
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => text.push(c),
            _ => {}
        }
    }
    text
}

/// The province overview's row of `city`.
fn province_row<'a>(page: &'a str, city: &str) -> &'a str {
    let name = page.find(&format!("<strong>{city}</strong>")).unwrap();
    let start = page[..name].rfind("<tr").unwrap();
    &page[start..name + page[name..].find("</tr>").unwrap()]
}

/// The cockpit's 合计 line: its cells in order (问题数 … 完成率).
fn cockpit_total(page: &str) -> Vec<String> {
    let row = page.split("<th>合计</th>").nth(1).unwrap();
    let row = &row[..row.find("</tr>").unwrap()];
    row.split("<td>")
        .skip(1)
        .map(|c| c[..c.find("</td>").unwrap()].to_string())
        .collect()
}

/// The number right after `before` in `text`.
fn number_after(text: &str, before: &str) -> String {
    let rest = text
        .split(before)
        .nth(1)
        .unwrap_or_else(|| panic!("{before}"));
    rest.chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect()
}

#[test]
fn a_province_serves_its_cities_apart_and_sees_them_side_by_side() {
    let fixture = province();
    let server = Server::start(&fixture.a, &["serve", "--cities", &fixture.config]);

    // Every signed-in route of the province's site refuses an anonymous caller.
    for (pattern, access) in rectify_web::province_route_table() {
        if access == rectify_web::Access::Public {
            continue;
        }
        let path = pattern
            .replace("{period}", &period_back(1))
            .replace("{version}", "1");
        for method in ["GET", "POST"] {
            let (status, head, _) = server.request_as(P, method, &path, &[], b"");
            let refused =
                (status == 303 && head.contains("location: /login?next=")) || status == 405;
            assert!(refused, "anonymous {method} {path}: {status}\n{head}");
        }
    }

    // Each city's users sign in on their own host only.
    let a_office = log_in(&server, A, "zgb").unwrap();
    let b_office = log_in(&server, B, "zgb").unwrap();
    assert_eq!(get(&server, A, "/ledger", &a_office).0, 200);
    let (status, head, _) = get(&server, B, "/ledger", &a_office);
    assert_eq!(status, 303, "A's cookie is no session on B");
    assert!(head.contains("location: /login"), "{head}");
    let refused = log_in(&server, A, "beiheonly").unwrap_err();
    assert!(refused.contains("用户名或密码错误"), "{refused}");
    assert!(log_in(&server, B, "beiheonly").is_ok());
    assert!(log_in(&server, A, "shengban").is_err());
    let refused = log_in(&server, A, "provincial").unwrap_err();
    assert!(refused.contains("此账号不属于本站点"), "{refused}");
    let body = serde_json::json!({"username": "provincial", "password": PASSWORD}).to_string();
    let json = [("Content-Type", "application/json")];
    let (status, _, reply) =
        server.request_as(A, "POST", "/api/v1/session", &json, body.as_bytes());
    assert_eq!(status, 401, "{}", String::from_utf8_lossy(&reply));
    assert_eq!(get(&server, "elsewhere.localhost", "/login", "").0, 404);
    // An absolute-form target names the site, whatever the Host header says (RFC 9112 §3.2.2).
    let absolute = |host: &str| format!("http://{}/login", server.site(host));
    let on = |host: &str, target: &str| server.request_as(host, "GET", target, &[], b"").0;
    assert_eq!(on("elsewhere.localhost", &absolute(A)), 200);
    assert_eq!(on(A, &absolute("elsewhere.localhost")), 404);

    // The same item number shows each city's own record.
    let (status, _, on_a) = get(&server, A, "/items/1", &a_office);
    assert_eq!(status, 200);
    let (status, _, on_b) = get(&server, B, "/items/1", &b_office);
    assert_eq!(status, 200);
    assert!(on_b.contains(B_ONLY) && !on_a.contains(B_ONLY));

    // Cities have no province pages; the province has no city pages.
    assert_eq!(get(&server, A, "/province", &a_office).0, 404);
    assert_eq!(get(&server, A, "/province/bulletins", &a_office).0, 404);
    let (_, _, login) = get(&server, P, "/login", "");
    assert!(
        !login.contains("href=\"/air\""),
        "the province's login links no city page"
    );
    let p_office = log_in(&server, P, "shengban").unwrap();
    assert_eq!(get(&server, P, "/ledger", &p_office).0, 404);
    assert_eq!(get(&server, A, "/ledger", &p_office).0, 303);
    let (status, _, overview) = get(&server, P, "/province", &p_office);
    assert_eq!(status, 200);
    assert!(overview.contains("href=\"/province/bulletins\"") && !overview.contains("/ledger"));

    // Every figure is the one the city's own cockpit and bulletin list show.
    for (host, name, cookie) in [(A, "南江市", &a_office), (B, "北河市", &b_office)] {
        let row = province_row(&overview, name);
        let (_, _, cockpit) = get(&server, host, "/cockpit", cookie);
        let total = cockpit_total(&cockpit);
        assert_eq!(cell(row, "问题数"), total[0], "{name}");
        assert_eq!(cell(row, "红色"), total[6], "{name}");
        assert_eq!(cell(row, "逾期"), total[7], "{name}");
        assert_eq!(cell(row, "完成率"), total[8], "{name}");
        let complaints = format!(
            "{} / {}",
            number_after(&cockpit, "督察组转办 "),
            number_after(&cockpit, "已反馈 ")
        );
        assert_eq!(cell(row, "信访件 转办/已反馈"), complaints, "{name}");
        assert_eq!(
            cell(row, "PM2.5（微克/立方米）"),
            number_after(&cockpit, "PM2.5平均浓度")
        );
        assert_eq!(
            cell(row, "优良天数比例（%）"),
            number_after(&cockpit, "优良天数比例")
        );
        assert_eq!(
            cell(row, "地表水参评断面"),
            number_after(&cockpit, "参评断面")
        );
        assert_eq!(
            cell(row, "Ⅰ–Ⅲ类断面比例（%）"),
            number_after(&cockpit, "达到或优于Ⅲ类断面比例")
        );
        // The water page marks each section that misses its own target class.
        let (_, _, water) = get(&server, host, "/water", cookie);
        assert!(
            water.contains("class-badge"),
            "the water page lists its sections"
        );
        let meeting = cell(row, "达到水质目标断面");
        let (met, all) = meeting.split_once(" / ").unwrap();
        let missed = all.parse::<usize>().unwrap() - met.parse::<usize>().unwrap();
        assert_eq!(
            water.matches("badge missed\">未达目标").count(),
            missed,
            "{meeting}"
        );
        let (_, _, list) = get(&server, host, "/bulletins", cookie);
        let year = &period_back(0)[..4];
        let mut months: Vec<&str> = list
            .split("<tr><td>")
            .skip(1)
            .map(|r| &r[..7])
            .filter(|p| p.starts_with(year))
            .collect();
        months.dedup();
        assert_eq!(cell(row, "本年已发通报"), format!("{} 期", months.len()));
    }

    let red = |city| cell(province_row(&overview, city), "红色");
    assert_ne!(red("南江市"), red("北河市"), "each city's own figures");

    // The province's bulletin: A rolled up from its frozen version, B listed as not reported.
    let period = period_back(1);
    let (_, _, page) = get(
        &server,
        P,
        &format!("/province/bulletins?period={period}"),
        &p_office,
    );
    let facts = common::facts_of(&fixture.a, &period, 1);
    let total = facts["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["scope"] == "合计")
        .unwrap();
    let a_row = province_row(&page, "南江市");
    assert_eq!(cell(a_row, "问题数"), total["items"].to_string());
    assert_eq!(cell(a_row, "红"), total["red"].to_string());
    assert_eq!(cell(a_row, "名次"), "1");
    assert!(province_row(&page, "北河市").contains("未报"));

    let form = |csrf: &str| form_body(&[("csrf", csrf), ("period", &period)]);
    let posted = |body: String| {
        let headers = [
            ("Cookie", p_office.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let (status, head, _) =
            server.request_as(P, "POST", "/province/bulletins", &headers, body.as_bytes());
        (status, head)
    };
    assert_eq!(posted(form("forged")).0, 403);
    assert!(query(&fixture.p, "SELECT id FROM province_bulletins").is_empty());
    let (status, head) = posted(form(&form_token(&page)));
    assert_eq!(status, 303);
    let back = format!("/province/bulletins?period={period}&done=issued&version=1");
    assert!(head.contains(&format!("location: {back}")), "{head}");
    let (_, _, issued) = get(&server, P, &back, &p_office);
    let notice = format!("已生成并冻结：{period} 第1版；未报：北河市");
    assert!(issued.contains(&notice), "{issued}");
    // The notice is chosen by its key: a link cannot put its own words on the page.
    let forged = form_body(&[("period", &period), ("done", "请拨打电话领取补贴")]);
    let (status, _, shown) = get(
        &server,
        P,
        &format!("/province/bulletins?{forged}"),
        &p_office,
    );
    assert_eq!(status, 200);
    assert!(!shown.contains("领取补贴"), "{shown}");
    let journal = query(
        &fixture.p,
        "SELECT after_json FROM journal WHERE entity = 'province_bulletin'",
    );
    assert_eq!(journal.len(), 1);
    let sha = facts_sha(&fixture.a, &period);
    assert!(journal[0][0].contains(&sha), "{journal:?}");

    let (_, _, list) = get(&server, P, "/province/bulletins", &p_office);
    let link = format!("/province/bulletins/{period}/1");
    assert!(list.contains(&link));
    let (status, head, docx) = server.request_as(P, "GET", &link, &[("Cookie", &p_office)], b"");
    assert_eq!(status, 200, "{head}");
    let text = docx_text(&docx);
    for expected in ["南江市", "北河市", "未报", &sha] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert_eq!(get(&server, P, &link, "").0, 303, "signed out");
    assert_eq!(
        get(
            &server,
            P,
            &format!("/province/bulletins/{period}/9"),
            &p_office
        )
        .0,
        404
    );

    // The CLI twin freezes the next version through the same function.
    let out = fixture.config.replace("cities.json", "province.docx");
    let printed = ok(&rectify(&[
        "province",
        "bulletin",
        "--cities",
        &fixture.config,
        "--month",
        &period,
        "--out",
        &out,
    ]));
    assert!(
        printed.contains("第2版") && printed.contains("未报：北河市"),
        "{printed}"
    );
    assert!(docx_text(&std::fs::read(&out).unwrap()).contains("南江市"));
}

/// The SHA-256 of city A's frozen bulletin of `period`, version 1.
fn facts_sha(db: &str, period: &str) -> String {
    query(
        db,
        &format!("SELECT sha256 FROM bulletins WHERE period = '{period}' AND version = 1"),
    )[0][0]
        .clone()
}

/// The text of a docx's body.
fn docx_text(bytes: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    strip_tags(&xml)
}

#[test]
fn a_wrong_cities_file_stops_the_start_naming_the_fault() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cities.json");
    let site = |code: &str, host: &str, db: &str| serde_json::json!({"code": code, "name": code, "host": host, "db": db});
    let province = serde_json::json!({"name": "省", "host": "p.localhost", "db": "p.db"});
    let cases = [
        (
            serde_json::json!({"province": province, "cities": []}),
            "cities 为空",
        ),
        (
            serde_json::json!({"province": province, "cities": [site("a", "a.localhost", "a.db"), site("b", "A.localhost", "b.db")]}),
            "主机名 a.localhost 重复",
        ),
        (
            serde_json::json!({"province": province, "cities": [site("a", "a.localhost", "a.db"), site("a", "b.localhost", "b.db")]}),
            "城市代码 a 重复",
        ),
        (
            serde_json::json!({"province": province, "cities": [site("a", "a.localhost", "p.db")]}),
            "数据库 p.db 重复",
        ),
        (
            serde_json::json!({"province": province, "cities": [{"code": "a", "name": "a", "host": "a.localhost", "db": "a.db", "dbname": "x"}]}),
            "unknown field `dbname`",
        ),
        (
            serde_json::json!({"province": province, "cities": [site("a", "a.localhost:8080", "a.db")]}),
            "host 应为主机名",
        ),
        (
            serde_json::json!({"province": province, "cities": [{"code": "a", "name": "a", "host": "a.localhost", "db": "a.db", "storage": "/srv/files"}]}),
            "storage 有误：附件存储地址“/srv/files”无法识别",
        ),
        (
            serde_json::json!({"province": province, "cities": [{"code": "a", "name": "a", "host": "a.localhost", "db": "a.db", "storage": "s3://bkt/a", "data_dir": "/srv/a"}]}),
            "同时给了 data_dir 和 storage",
        ),
        (
            serde_json::json!({"province": province, "cities": [
                {"code": "a", "name": "a", "host": "a.localhost", "db": "a.db", "storage": "s3://bkt/x"},
                {"code": "b", "name": "b", "host": "b.localhost", "db": "b.db", "storage": "s3://bkt/x/"}]}),
            "附件存储 s3://bkt/x/ 重复",
        ),
        // Duplicates however they are written.
        (
            serde_json::json!({"province": province, "cities": [site("a", "a.localhost", "./p.db")]}),
            "数据库 ./p.db 重复",
        ),
        (
            serde_json::json!({"province": province, "cities": [
                site("a", "a.localhost", "postgres://u:secret@DB.example/rectify"),
                site("b", "b.localhost", "postgresql://other@db.example:5432/rectify/")]}),
            "数据库 postgresql://other@db.example:5432/rectify/ 重复",
        ),
        (
            serde_json::json!({"province": province, "cities": [
                {"code": "a", "name": "a", "host": "a.localhost", "db": "a.db", "storage": "s3://bkt/x"},
                {"code": "b", "name": "b", "host": "b.localhost", "db": "b.db", "storage": "S3://bkt//x/"}]}),
            "附件存储 S3://bkt//x/ 重复",
        ),
    ];
    for (config, message) in cases {
        std::fs::write(&file, config.to_string()).unwrap();
        let out = rectify(&[
            "serve",
            "--cities",
            file.to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{config}");
        assert!(stderr.contains(message), "{message} in {stderr}");
    }
    let missing = rectify(&["serve", "--cities", "/nonexistent/cities.json"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("无法读取城市配置文件"));
}

/// The same deployment on PostgreSQL: a demo city and a city with nothing yet, each a database
/// of its own, and the province's database (its migration included). The empty city runs on a
/// server of its own that the test stops: the province still shows the other city.
#[test]
fn a_province_on_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let data = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let own = rectify_testkit::Cluster::start();
    let (city, empty, province) = (
        rectify_testkit::postgres_url(),
        own.database("beihe"),
        rectify_testkit::postgres_url(),
    );
    let city_data = data("city-data");
    fixture::at(&city, &["--data-dir", &city_data, "demo"]);
    fixture::set_password(&city, "zgb");
    let period = period_back(1);
    fixture::at(
        &city,
        &[
            "bulletin",
            "--period",
            &period,
            "--out",
            &data("out"),
            "--format",
            "html",
        ],
    );
    fixture::at(&empty, &["init"]);
    fixture::at(&province, &["init"]);
    fixture::at(
        &province,
        &["org", "add", "--kind", "office", "sheng", "省督察办"],
    );
    fixture::add_user(&province, "shengban", "张明", "sheng", "province");
    let config = serde_json::json!({
        "province": {"name": "江南省", "host": P, "db": province, "data_dir": data("p-data")},
        "cities": [
            {"code": "nanjiang", "name": "南江市", "host": A, "db": city, "data_dir": city_data},
            {"code": "beihe", "name": "北河市", "host": B, "db": empty, "data_dir": data("b-data")},
        ]
    });
    let file = data("cities.json");
    std::fs::write(&file, config.to_string()).unwrap();
    let server = Server::start(&data("unused.db"), &["serve", "--cities", &file]);

    let a_office = log_in(&server, A, "zgb").unwrap();
    let p_office = log_in(&server, P, "shengban").unwrap();
    assert!(
        log_in(&server, B, "zgb").is_err(),
        "B's database has no such user"
    );
    let (_, _, overview) = get(&server, P, "/province", &p_office);
    let (_, _, cockpit) = get(&server, A, "/cockpit", &a_office);
    let total = cockpit_total(&cockpit);
    let row = province_row(&overview, "南江市");
    assert_eq!(cell(row, "问题数"), total[0]);
    assert_eq!(cell(row, "完成率"), total[8]);
    let empty_row = province_row(&overview, "北河市");
    assert_eq!(
        (cell(empty_row, "问题数"), cell(empty_row, "完成率")),
        ("0".into(), "—".into())
    );

    let out = data("province.docx");
    let printed = ok(&rectify(&[
        "province", "bulletin", "--cities", &file, "--month", &period, "--out", &out,
    ]));
    assert!(
        printed.contains("第1版") && printed.contains("未报：北河市"),
        "{printed}"
    );
    let (_, _, list) = get(&server, P, "/province/bulletins", &p_office);
    assert!(list.contains(&format!("/province/bulletins/{period}/1")));
    let (status, _, docx) = server.request_as(
        P,
        "GET",
        &format!("/province/bulletins/{period}/1"),
        &[("Cookie", &p_office)],
        b"",
    );
    assert_eq!(status, 200);
    assert!(docx_text(&docx).contains("南江市"));

    // One city's database away: its row says so, the other city's figures stay.
    own.halt();
    // The overview takes the cities' journal heads as current for a second.
    std::thread::sleep(std::time::Duration::from_millis(1_200));
    let (status, _, overview) = get(&server, P, "/province", &p_office);
    assert_eq!(status, 200);
    assert!(province_row(&overview, "北河市").contains("暂时无法读取"));
    assert_eq!(cell(province_row(&overview, "南江市"), "问题数"), total[0]);
    own.resume();
    let (_, _, overview) = get(&server, P, "/province", &p_office);
    assert_eq!(cell(province_row(&overview, "北河市"), "问题数"), "0");
}

/// A city whose files live under its own prefix of a bucket (`storage` in the cities file):
/// its files are served from there with its data directory gone, while the other city keeps
/// serving its own from disk. The bucket is a real SeaweedFS server.
#[test]
fn a_city_on_its_own_bucket_prefix_serves_its_files_from_there() {
    let fixture = province();
    let bucket = rectify_testkit::s3::bucket();
    let env = bucket.vars();
    let prefix = format!("{}/nanjiang", bucket.url);
    let mut migrate = std::process::Command::new(common::BIN);
    migrate
        .args(["--db", &fixture.a, "storage", "migrate", "--to", &prefix])
        .envs(env.iter().copied());
    ok(&migrate.output().unwrap());
    let data = std::path::Path::new(&fixture.a).with_file_name("rectify-data");
    std::fs::remove_dir_all(&data).unwrap();

    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fixture.config).unwrap()).unwrap();
    config["cities"][0]["storage"] = serde_json::Value::String(prefix.clone());
    std::fs::write(&fixture.config, config.to_string()).unwrap();
    let server = Server::start_with_env(&fixture.a, &["serve", "--cities", &fixture.config], &env);

    let sql = "SELECT id, sha256 FROM evidence ORDER BY id LIMIT 1";
    let evidence = query(&fixture.a, sql);
    let cookie = log_in(&server, A, "zgb").unwrap();
    let (status, _, body) = server.request_as(
        A,
        "GET",
        &format!("/evidence/{}", evidence[0][0]),
        &[("Cookie", &cookie)],
        b"",
    );
    assert_eq!(status, 200);
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&body));
    assert_eq!(digest, evidence[0][1]);
    let key = format!(
        "{}/nanjiang/sha256/{}/{digest}",
        bucket.prefix,
        &digest[..2]
    );
    assert!(
        bucket.keys().contains(&key),
        "{key} under the city's prefix"
    );
    assert!(
        !data.exists(),
        "serving wrote into the city's data directory"
    );

    let b_db = fixture.a.replace("/a/", "/b/");
    let b_evidence = query(&b_db, sql);
    let b_cookie = log_in(&server, B, "zgb").unwrap();
    let path = format!("/evidence/{}", b_evidence[0][0]);
    let headers = [("Cookie", b_cookie.as_str())];
    assert_eq!(server.request_as(B, "GET", &path, &headers, b"").0, 200);
}

/// Signing out ends the session on the province's site as on a city's (the form's CSRF token
/// is the session's; afterwards the old cookie opens nothing).
#[test]
fn the_province_office_signs_out_and_its_session_ends() {
    let fixture = province();
    let server = Server::start(&fixture.a, &["serve", "--cities", &fixture.config]);
    for (host, user, page) in [(P, "shengban", "/province"), (A, "zgb", "/ledger")] {
        let cookie = log_in(&server, host, user).unwrap();
        let (status, _, body) = get(&server, host, page, &cookie);
        assert_eq!(status, 200, "{host}");
        let body = form_body(&[("csrf", &form_token(&body))]);
        let headers = [
            ("Cookie", cookie.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let (status, head, _) =
            server.request_as(host, "POST", "/logout", &headers, body.as_bytes());
        assert_eq!(status, 303, "{host}: {head}");
        assert!(head.contains("location: /login"), "{head}");
        let (status, head, _) = get(&server, host, page, &cookie);
        assert_eq!(status, 303, "{host}: the old cookie is no session");
        assert!(head.contains("location: /login"), "{head}");
    }
}
