//! Two demo cities and a province for the province's tests (`province.rs`, `browser.rs`):
//! city A froze last month's bulletin, city B did not and holds a report A does not; each has
//! its own office account `zgb`, B an account A lacks and
//! three items the province criticised (红 in B only), the province its office `shengban`.

#![allow(dead_code)]
use super::common::{demo_into, ok, period_back, rectify, with_password};

pub use super::common::PASSWORD;
pub const A: &str = "nanjiang.localhost";
pub const B: &str = "beihe.localhost";
pub const P: &str = "sheng.localhost";
/// A progress report only city B's database holds, on an item number both cities have.
pub const B_ONLY: &str = "北河市专有的第1项进展说明";

pub fn at(db: &str, args: &[&str]) -> String {
    let mut all = vec!["--db", db];
    all.extend_from_slice(args);
    ok(&rectify(&all))
}

pub fn set_password(db: &str, user: &str) {
    with_password(&["--db", db, "user", "passwd", user]);
}

pub fn add_user(db: &str, user: &str, name: &str, unit: &str, role: &str) {
    with_password(&[
        "--db", db, "user", "add", user, "--name", name, "--unit", unit, "--role", role,
    ]);
}

/// The fixture, in a directory of its own.
pub struct Province {
    _dir: tempfile::TempDir,
    pub a: String,
    pub p: String,
    pub config: String,
}

pub fn province() -> Province {
    let dir = tempfile::tempdir().unwrap();
    let path = |p: &str| dir.path().join(p).to_string_lossy().into_owned();
    for city in ["a", "b", "p"] {
        std::fs::create_dir(dir.path().join(city)).unwrap();
    }
    let (a, b, p) = (path("a/city.db"), path("b/city.db"), path("p/province.db"));
    demo_into(&a, None);
    demo_into(&b, None);
    at(&p, &["init"]);
    at(
        &p,
        &[
            "org",
            "add",
            "--kind",
            "office",
            "sheng",
            "江南省督察整改办公室",
        ],
    );
    add_user(&p, "shengban", "张明", "sheng", "province");
    for db in [&a, &b] {
        set_password(db, "zgb");
    }
    add_user(&b, "beiheonly", "北河市整改办 李华", "sthjj", "office");
    // A province account put into a city's database opens nothing there.
    add_user(&a, "provincial", "省级账号", "sthjj", "province");
    at(
        &a,
        &[
            "bulletin",
            "--period",
            &period_back(1),
            "--out",
            &path("out"),
            "--format",
            "docx",
        ],
    );
    let today = super::common::test_today();
    let month = format!("{:04}-{:02}", today.year, today.month);
    at(
        &b,
        &[
            "report", "add", "1", "--as", "sthjj", "--period", &month, "--text", B_ONLY,
        ],
    );
    // Criticised by the province, these items are 红 in B only, so the cities' figures differ.
    for item in ["1", "2", "3"] {
        at(
            &b,
            &[
                "item",
                "criticise",
                item,
                "--on",
                &today.to_string(),
                "--by",
                "省督察办",
                "--as",
                "zgb",
            ],
        );
    }
    let config = serde_json::json!({
        "province": {"name": "江南省", "host": P, "db": p},
        "cities": [
            {"code": "nanjiang", "name": "南江市", "host": A, "db": a},
            {"code": "beihe", "name": "北河市", "host": B, "db": b},
        ]
    });
    let file = path("cities.json");
    std::fs::write(&file, config.to_string()).unwrap();
    Province {
        _dir: dir,
        a,
        p,
        config: file,
    }
}
