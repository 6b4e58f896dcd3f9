//! Issue #18, the portal's part: what the public may read and post. Personal data in item
//! texts is redacted before publication (finding 7).

use std::process::Command;

mod common;

use common::{BIN, Server, ok};

/// The demo, on the tests' clock, in a fresh directory.
fn demo() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    ok(&common::rectify(&["--db", &db, "demo"]));
    (dir, db)
}

fn run(db: &str, args: &[&str]) -> std::process::Output {
    common::at_test_clock(&mut Command::new(BIN))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

/// Finding 7: a plan item whose texts name a complainant and give numbers; its officials are
/// named as the plan names them, in their role.
#[test]
fn item_texts_are_redacted_on_the_portal_and_officials_stay() {
    let (dir, db) = demo();
    let plan = dir.path().join("plan.csv");
    std::fs::write(
        &plan,
        "序号,共性/个性,问题类别,反馈问题,整改目标,整改措施,责任领导,监管人,责任单位,整改时限\n\
         1,个性,水污染,群众举报人陈小军（电话13837561294）反映化工园区污水直排，\
         联系人：周红霞，0391-6152287。,举报人陈小军反映的排口全部封堵，由副市长王建国负责督办，回访电话15993721680,\
         1.封堵排口。,王建国（副市长）,李明（市生态环境局局长）,市生态环境局（牵头）,2027年6月底前\n",
    )
    .unwrap();
    ok(&run(
        &db,
        &[
            "plan",
            "import",
            &plan.to_string_lossy(),
            "--plan",
            "隐私测试方案",
        ],
    ));
    ok(&run(&db, &["publish", "approve", "--parts", "items"]));
    let server = Server::start(&db, &["serve"]);
    let (status, _, page) = server.get("/public/items");
    assert_eq!(status, 200);
    assert!(page.contains("化工园区污水直排"), "the item is published");
    for secret in ["陈小军", "13837561294", "周红霞", "6152287", "15993721680"] {
        assert!(!page.contains(secret), "/public/items leaks {secret}");
    }
    assert!(page.contains("陈某"), "the complainant is anonymised");
    assert!(
        page.contains("由副市长王建国负责督办"),
        "an official named in his role stays"
    );
    let published = ok(&run(
        &db,
        &["publish", "preview", "--parts", "items", "--format", "json"],
    ));
    assert!(
        published.contains("王建国（副市长）"),
        "the responsible leader is published as the plan names him"
    );
}
