//! The store suite. Every case runs twice, in `sqlite::` and `postgres::`, so `cargo test`
//! output shows both backends passing the same assertions.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_core::calendar::WorkCalendar;
use rectify_core::deadline::{DeadlineContext, parse_deadline};
use rectify_core::journal::ChainBreak;
use rectify_core::ledger::{Item, ItemSource, ItemState, Measure, Plan, Scope};
use rectify_core::org::{OrgKind, Role, names};
use rectify_core::reimport::Resolution;
use rectify_core::task::{TaskAction, TaskState};
use rectify_core::workflow::{Action, EvidenceKind};
use rectify_store::journal::Verification;
use rectify_store::ledger::{ImportSummary, PlanImport};
use rectify_store::org::NewOrgUnit;
use rectify_store::users::NewUser;
use rectify_store::workflow::{ItemRef, NewEvidence, NewReport};
use rectify_store::{Backend, DbTarget, Store, StoreError};
use sqlx::AssertSqlSafe;

struct TestDb {
    store: Store,
    _dir: tempfile::TempDir,
}

impl TestDb {
    async fn open(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let target = match backend {
            Backend::Sqlite => DbTarget::SqliteFile(dir.path().join("test.db")),
            Backend::Postgres => DbTarget::Postgres(rectify_testkit::postgres_url()),
        };
        let store = Store::open(&target, Some(dir.path().join("data")))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        TestDb { store, _dir: dir }
    }

    /// SQL that goes around the store's API, as an intruder with database access would.
    async fn raw(&self, sql: &str) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(self.store.pool())
            .await
            .map(drop)
    }

    async fn drop_journal_triggers(&self) {
        let sql = match self.store.backend() {
            Backend::Sqlite => "DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;",
            Backend::Postgres => "DROP TRIGGER journal_no_update_delete ON journal;",
        };
        self.raw(sql).await.unwrap();
    }

    async fn journal_len(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM journal")
            .fetch_one(self.store.pool())
            .await
            .unwrap()
    }
}

fn unit<'a>(code: &'a str, name: &'a str, parent: Option<&'a str>) -> NewOrgUnit<'a> {
    NewOrgUnit {
        code,
        name,
        kind: if parent.is_some() {
            OrgKind::Department
        } else {
            OrgKind::City
        },
        parent,
        sort_order: 0,
    }
}

/// A small org tree with one user; five journal entries.
async fn seed(db: &TestDb) {
    let s = &db.store;
    s.add_org_unit("test", unit("heans", "河安市", None))
        .await
        .unwrap();
    s.add_org_unit("test", unit("sthjj", "市生态环境局", Some("heans")))
        .await
        .unwrap();
    s.add_person("test", "李明", "市生态环境局局长", "市生态环境局")
        .await
        .unwrap();
    let user = NewUser {
        username: "zgb",
        display_name: "整改办",
        unit: "sthjj",
        roles: &[Role::Office, Role::Viewer],
        password: "correct horse",
    };
    s.add_user("test", user).await.unwrap();
    s.set_password("test", "zgb", "battery staple")
        .await
        .unwrap();
}

async fn migrations_are_idempotent(db: TestDb) {
    let again = db.store.migrate().await.unwrap();
    assert!(again.applied.is_empty());
    assert_eq!(
        db.store.schema_version().await.unwrap(),
        Some(rectify_store::latest_version())
    );
}

async fn every_change_is_journaled_with_snapshots(db: TestDb) {
    seed(&db).await;
    let entries = db.store.recent_journal(100).await.unwrap();
    let kinds: Vec<(&str, &str)> = entries
        .iter()
        .rev()
        .map(|e| (e.entity.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("org_unit", "create"),
            ("org_unit", "create"),
            ("person", "create"),
            ("user", "create"),
            ("user", "set_password"),
        ]
    );
    let user_created = &entries[1];
    let after = user_created.after.as_deref().unwrap();
    assert!(after.contains(r#""roles":["office","viewer"]"#), "{after}");
    assert!(
        !after.contains("argon2"),
        "password hash leaked into the journal"
    );
    assert_eq!(user_created.actor, "test");

    let disabled = db.store.set_disabled("admin", "zgb", true).await.unwrap();
    assert!(disabled.disabled);
    let timeline = db
        .store
        .journal_for("user", &disabled.id.to_string())
        .await
        .unwrap();
    let last = timeline.last().unwrap();
    assert!(
        last.before
            .as_deref()
            .unwrap()
            .contains(r#""disabled":false"#)
    );
    assert!(
        last.after
            .as_deref()
            .unwrap()
            .contains(r#""disabled":true"#)
    );
    assert!(matches!(
        db.store.verify_journal().await.unwrap(),
        Verification::Intact { entries: 6, .. }
    ));
}

async fn add_admin(db: &TestDb, username: &str) {
    let user = NewUser {
        username,
        display_name: "管理员",
        unit: "sthjj",
        roles: &[Role::Admin],
        password: "correct horse",
    };
    db.store.add_user("test", user).await.unwrap();
}

async fn the_last_enabled_admin_cannot_be_disabled(db: TestDb) {
    seed(&db).await;
    add_admin(&db, "root1").await;
    add_admin(&db, "root2").await;
    db.store.set_disabled("root1", "root1", true).await.unwrap();
    let refused = db.store.set_disabled("root2", "root2", true).await;
    assert!(
        matches!(&refused, Err(StoreError::Refused(m)) if m.contains("最后一个")),
        "{refused:?}"
    );
    assert!(!db.store.user("root2").await.unwrap().disabled);
    // Non-admins stay free to disable.
    db.store.set_disabled("root2", "zgb", true).await.unwrap();

    // Two admins disabling each other at the same moment: exactly one succeeds.
    db.store
        .set_disabled("root2", "root1", false)
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        db.store.set_disabled("root1", "root2", true),
        db.store.set_disabled("root2", "root1", true),
    );
    assert_eq!(u8::from(a.is_ok()) + u8::from(b.is_ok()), 1, "{a:?} {b:?}");
    let enabled_admins = db
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.roles.contains(&Role::Admin) && !u.disabled)
        .count();
    assert_eq!(enabled_admins, 1);
}

async fn a_failed_change_leaves_no_trace(db: TestDb) {
    seed(&db).await;
    let before = db.journal_len().await;
    // The unique (name, position) constraint fires inside the transaction, after nothing else.
    let dup = db
        .store
        .add_person("test", "李明", "市生态环境局局长", "sthjj")
        .await;
    assert!(matches!(dup, Err(StoreError::Sql(_))), "{dup:?}");
    let orphan = db
        .store
        .add_org_unit("test", unit("x", "某局", Some("no-such-parent")))
        .await;
    assert!(matches!(orphan, Err(StoreError::NotFound { .. })));
    let twin = db
        .store
        .add_org_unit("test", unit("other", "市生态环境局", Some("heans")))
        .await;
    assert!(matches!(twin, Err(StoreError::Conflict { .. })));
    assert_eq!(db.journal_len().await, before);
    assert_eq!(db.store.people().await.unwrap().len(), 1);
}

async fn the_journal_refuses_update_and_delete(db: TestDb) {
    seed(&db).await;
    let update = db
        .raw("UPDATE journal SET actor = 'mallory' WHERE seq = 1")
        .await;
    let err = update.expect_err("UPDATE of a journal row must be rejected");
    assert!(err.to_string().contains("append-only"), "{err}");
    let delete = db.raw("DELETE FROM journal WHERE seq = 2").await;
    assert!(
        delete
            .expect_err("DELETE must be rejected")
            .to_string()
            .contains("append-only")
    );
    assert_eq!(db.journal_len().await, 5);
}

async fn tampering_is_caught_by_verify(db: TestDb) {
    seed(&db).await;
    db.drop_journal_triggers().await;
    db.raw("UPDATE journal SET actor = 'mallory' WHERE seq = 3")
        .await
        .unwrap();
    match db.store.verify_journal().await.unwrap() {
        Verification::Broken(ChainBreak::Hash { seq: 3, .. }) => {}
        other => panic!("edited actor not caught: {other:?}"),
    }
    db.raw("UPDATE journal SET actor = 'test' WHERE seq = 3")
        .await
        .unwrap();
    assert!(matches!(
        db.store.verify_journal().await.unwrap(),
        Verification::Intact { entries: 5, .. }
    ));
    db.raw("DELETE FROM journal WHERE seq = 2").await.unwrap();
    assert_eq!(
        db.store.verify_journal().await.unwrap(),
        Verification::Broken(ChainBreak::SeqGap {
            expected: 2,
            found: 3
        })
    );
}

async fn concurrent_writers_keep_one_chain(db: TestDb) {
    seed(&db).await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move {
            let code = format!("dept{i}");
            let name = format!("部门{i}");
            store
                .add_org_unit("test", unit(&code, &name, Some("heans")))
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert!(matches!(
        db.store.verify_journal().await.unwrap(),
        Verification::Intact { entries: 17, .. }
    ));
}

async fn login_needs_the_right_password_and_an_enabled_account(db: TestDb) {
    seed(&db).await;
    let s = &db.store;
    assert!(
        s.authenticate("zgb", "correct horse")
            .await
            .unwrap()
            .is_none()
    );
    let user = s
        .authenticate("zgb", "battery staple")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.roles, [Role::Office, Role::Viewer]);
    assert_eq!(user.unit_name, "市生态环境局");
    assert!(
        s.authenticate("nobody", "battery staple")
            .await
            .unwrap()
            .is_none()
    );
    s.set_disabled("admin", "zgb", true).await.unwrap();
    assert!(
        s.authenticate("zgb", "battery staple")
            .await
            .unwrap()
            .is_none()
    );
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
}

async fn air_data_round_trips_and_reimport_replaces_hours(db: TestDb) {
    use rectify_air::daily::{EMPTY_MICRO_GRID, MISSING};
    use rectify_air::date::Date;
    use rectify_store::air::AirStationDay;
    let date = Date::parse("2026-02-28").unwrap();
    let mut grid = EMPTY_MICRO_GRID;
    grid[5][0] = 35_500_000; // PM2.5 35.5 at the first hour
    grid[2][23] = 1_200_000; // CO 1.2 at the last
    let day = AirStationDay {
        station: "市监测站",
        city: Some("河安市"),
        date,
        grid: &grid,
        dust: true,
    };
    let source = serde_json::json!({"file": "a.csv", "sha256": "ab"});
    let summary = db
        .store
        .import_air("test", &source, std::slice::from_ref(&day))
        .await
        .unwrap();
    assert_eq!((summary.stations, summary.hours), (1, 2));
    let mut changed = grid;
    changed[5][0] = 40_000_000;
    let again = AirStationDay {
        grid: &changed,
        ..day
    };
    db.store
        .import_air("test", &source, &[again])
        .await
        .unwrap();
    // Folded off the async worker (this test's only thread): a province's years of rows
    // would hold up every request waiting on it.
    let here = std::thread::current().id();
    let (back, threads) = db
        .store
        .air_station_days(
            date,
            date,
            (Vec::new(), Vec::new()),
            |(back, threads), day| {
                back.push(day);
                threads.push(std::thread::current().id());
            },
        )
        .await
        .unwrap();
    assert!(!threads.contains(&here), "folded on the async worker");
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].grid[5][0], 40_000_000);
    assert_eq!(back[0].grid[2][23], 1_200_000);
    assert_eq!(back[0].grid[0][0], MISSING);
    assert!(back[0].dust);
    assert_eq!(back[0].city.as_deref(), Some("河安市"));
    assert_eq!(db.store.air_date_range().await.unwrap(), Some((date, date)));

    let targets = rectify_air::targets::YearTargets {
        pm25: rectify_air::exact::parse_exact("33").unwrap(),
        pm10: None,
        good_ratio: rectify_air::exact::parse_exact("86.5").unwrap(),
    };
    db.store
        .set_air_targets("test", 2026, &targets)
        .await
        .unwrap();
    assert_eq!(db.store.air_targets(2026).await.unwrap(), targets);
    assert_eq!(
        db.store.air_targets(2025).await.unwrap(),
        Default::default()
    );
    let kinds: Vec<String> = db
        .store
        .recent_journal(3)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entity)
        .collect();
    assert_eq!(kinds, ["setting", "air_data", "air_data"]);
}

async fn water_data_round_trips_and_reimport_replaces_samples(db: TestDb) {
    use rectify_core::monitoring::{WaterSampleRow, WaterSectionRow};
    use rectify_exact::date::Date;
    let section = WaterSectionRow {
        code: "QS01",
        name: "清水河北岭桥",
        water_body: "river",
        target_class: Some("III"),
        level: "国控",
        county: "北岭县",
        river: "清水河",
        basin: "河安水系",
        drinking_source: false,
    };
    let date = Date::parse("2025-03-01").unwrap();
    let sample = |readings| WaterSampleRow {
        section: "QS01",
        time: "2025-03",
        date,
        readings,
        withdrawal: None,
    };
    let source = serde_json::json!({"sha256": "cd"});
    db.store
        .import_water(
            "test",
            &source,
            std::slice::from_ref(&section),
            &[sample("nh3n=1/2")],
        )
        .await
        .unwrap();
    db.store
        .import_water(
            "test",
            &source,
            &[],
            &[sample("nh3n=9/10"), sample("nh3n=3/5;hg=<1/25000")],
        )
        .await
        .unwrap();
    let samples = db.store.water_samples(date, date).await.unwrap();
    assert_eq!(samples.len(), 1);
    assert_eq!(samples[0].readings, "nh3n=3/5;hg=<1/25000");
    let sections = db.store.water_sections().await.unwrap();
    assert_eq!(
        (
            sections[0].name.as_str(),
            sections[0].target_class.as_deref()
        ),
        ("清水河北岭桥", Some("III"))
    );
    assert_eq!(
        db.store.water_date_range().await.unwrap(),
        Some((date, date))
    );
    let orphan = db
        .store
        .import_water(
            "test",
            &source,
            &[],
            &[WaterSampleRow {
                section: "XX",
                ..sample("")
            }],
        )
        .await;
    assert!(matches!(orphan, Err(StoreError::NotFound { .. })));
    assert_eq!(
        db.store.water_samples(date, date).await.unwrap().len(),
        1,
        "the failed import left nothing"
    );
    let targets = rectify_water::group::WaterTargets {
        i_to_iii_min: rectify_exact::exact::parse_decimal("80").unwrap(),
        worse_than_v_max: rectify_exact::exact::parse_decimal("0").unwrap(),
    };
    db.store
        .set_water_targets("test", 2025, &targets)
        .await
        .unwrap();
    assert_eq!(db.store.water_targets(2025).await.unwrap(), targets);
    assert!(matches!(
        db.store.verify_journal().await.unwrap(),
        Verification::Intact { .. }
    ));
}

fn ledger_item(number: u32, units: &[&str], deadline: &str) -> Item {
    let calendar = WorkCalendar::embedded();
    let context = DeadlineContext {
        reference: None,
        calendar: &calendar,
    };
    Item {
        number,
        scope: Scope::Common,
        category: "水污染".into(),
        source: ItemSource::Feedback,
        problem: format!("问题{number}：黑臭水体治理不力"),
        target: "消除黑臭".into(),
        measures: vec![
            Measure {
                text: "排查排污口".into(),
                ..Measure::default()
            },
            Measure {
                text: "截污纳管\n清淤".into(),
                ..Measure::default()
            },
        ],
        leaders: vec!["赵志刚（副市长）".into()],
        supervisors: vec![
            "李明（市生态环境局局长）".into(),
            "彭辉（市生态环境局副局长）".into(),
        ],
        units: units.iter().map(|u| u.to_string()).collect(),
        lead_unit: units[0].to_string(),
        deadline: parse_deadline(deadline, context),
        state: ItemState::Issued,
        remarks: String::new(),
    }
}

async fn import(db: &TestDb, items: &[Item], dry_run: bool) -> ImportSummary {
    let plan = Plan {
        name: "整改方案".into(),
        ..Plan::default()
    };
    let import = PlanImport {
        plan: &plan,
        title: "河安市整改方案问题清单",
        items,
        source: serde_json::json!({"file": "plan.xlsx"}),
        dry_run,
        resolutions: &[],
    };
    db.store.import_plan("office", import).await.unwrap()
}

/// #19: on an empty database the plan's units hang under the city the title names, each with
/// the kind its name implies, and one body spelt two ways is one unit.
async fn a_fresh_import_roots_new_units_under_the_city(db: TestDb) {
    let items = vec![
        ledger_item(
            1,
            &["市生态环境局", "北岭县人民政府", "各县（市、区）人民政府"],
            "2027年底前",
        ),
        ledger_item(
            2,
            &[
                "临溪市人民政府",
                "各县(市、区)人民政府",
                "河安化工园区管委会",
            ],
            "2027年底前",
        ),
        ledger_item(3, &["北岭县政府", "城关区政府"], "2027年底前"),
    ];
    import(&db, &items, false).await;
    let units = db.store.org_units().await.unwrap();
    let city = units.iter().find(|u| u.parent_id.is_none()).unwrap();
    assert_eq!((city.name.as_str(), city.kind), ("河安市", OrgKind::City));
    assert_eq!(
        units.iter().filter(|u| u.parent_id.is_none()).count(),
        1,
        "one root"
    );
    let kind_of = |name: &str| {
        let unit = units.iter().find(|u| u.name == name).unwrap();
        assert_eq!(unit.parent_id, Some(city.id), "{name} hangs under the city");
        unit.kind
    };
    assert_eq!(kind_of("市生态环境局"), OrgKind::Department);
    assert_eq!(kind_of("北岭县人民政府"), OrgKind::County);
    assert_eq!(
        kind_of("临溪市人民政府"),
        OrgKind::County,
        "a county-level city"
    );
    assert_eq!(kind_of("城关区政府"), OrgKind::District);
    assert_eq!(kind_of("河安化工园区管委会"), OrgKind::Zone);
    // 北岭县政府 is 北岭县人民政府, and a group is never a unit: five units and the city.
    assert_eq!(units.len(), 6, "{units:?}");
    let stored = db.store.ledger(None).await.unwrap();
    assert_eq!(stored.len(), 3);
    // Both spellings of the group resolve to the county-level governments (the zone only
    // where the setting says so), one task each.
    let members = |number: u32| -> Vec<String> {
        let item = stored.iter().find(|s| s.item.number == number).unwrap();
        item.tasks.iter().map(|t| t.unit.clone()).collect()
    };
    let counties = ["北岭县人民政府", "临溪市人民政府", "城关区政府"];
    assert_eq!(members(1), counties);
    assert_eq!(members(2), counties);
    assert!(members(3).is_empty());
    assert!(
        stored[0]
            .tasks
            .iter()
            .all(|t| t.state == TaskState::Pending)
    );
    assert_eq!(
        stored[1].item.units, items[1].units,
        "the item reads back as the plan wrote it"
    );
}

/// #19: a tree imported wrong is mended by moving units and setting kinds, journaled; no move
/// makes a cycle or moves the root.
async fn a_tree_is_mended_by_moves_and_kinds(db: TestDb) {
    seed(&db).await;
    db.store
        .add_org_unit("test", unit("beiling", "北岭县人民政府", Some("sthjj")))
        .await
        .unwrap();
    let moved = db
        .store
        .move_org_unit("admin", "beiling", "河安市")
        .await
        .unwrap();
    let city = db.store.org_unit("heans").await.unwrap();
    assert_eq!(moved.parent_id, Some(city.id));
    let changed = db
        .store
        .set_org_kind("admin", "北岭县人民政府", OrgKind::County)
        .await
        .unwrap();
    assert_eq!(changed.kind, OrgKind::County);
    assert_eq!(db.store.org_unit("beiling").await.unwrap(), changed);
    db.store
        .add_org_unit("test", unit("hjk", "环境监测科", Some("sthjj")))
        .await
        .unwrap();
    let cycle = db.store.move_org_unit("admin", "sthjj", "hjk").await;
    assert!(matches!(cycle, Err(StoreError::Refused(_))), "{cycle:?}");
    let root = db.store.move_org_unit("admin", "heans", "sthjj").await;
    assert!(matches!(root, Err(StoreError::Refused(_))), "{root:?}");
    let entries = db.store.recent_journal(3).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "set_kind", "move"]);
    assert!(matches!(
        db.store.verify_journal().await.unwrap(),
        Verification::Intact { .. }
    ));
}

/// #19: a shared item's counties work through their tasks; the item applies only once every
/// task is finished; zones and per-task acceptance are settings; reports are due per task.
async fn shared_items_run_through_their_tasks(db: TestDb) {
    seed(&db).await;
    let s = &db.store;
    for (code, name) in [
        ("beiling", "北岭县人民政府"),
        ("chengguan", "城关区政府"),
        ("gxq", "河安高新区管委会"),
    ] {
        s.add_org_unit("test", unit(code, name, Some("heans")))
            .await
            .unwrap();
        s.set_org_kind("test", code, names::kind_of(name, Some("河安市")))
            .await
            .unwrap();
    }
    for (username, unit_code) in [("bl", "beiling"), ("cg", "chengguan")] {
        let user = NewUser {
            username,
            display_name: username,
            unit: unit_code,
            roles: &[Role::Unit],
            password: "correct horse",
        };
        s.add_user("test", user).await.unwrap();
    }
    let mut shared = ledger_item(1, &["各县（区）政府", "市生态环境局"], "2027年底前");
    shared.lead_unit = "各县(区)人民政府".into();
    shared.units[0] = "各县(区)人民政府".into();
    let summary = import(&db, &[shared], false).await;
    assert_eq!(
        summary.tasks.created,
        [
            (1, "北岭县人民政府".to_string()),
            (1, "城关区政府".to_string())
        ]
    );
    s.set_setting("zgb", "tasks.include_zones", &serde_json::json!(true))
        .await
        .unwrap();
    // The setting resolves the groups again at once; nothing is left to resolve.
    let members: Vec<String> = s
        .tasks_of(ItemRef {
            plan: None,
            number: 1,
        })
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.unit)
        .collect();
    assert!(
        members.contains(&"河安高新区管委会".to_string()),
        "{members:?}"
    );
    assert!(!s.resolve_groups("zgb").await.unwrap().changed());
    let bad = s
        .set_setting("zgb", "tasks.acceptance", &serde_json::json!("每县"))
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))), "{bad:?}");

    let today = rectify_exact::date::Date::parse("2026-11-10").unwrap();
    let calendar = WorkCalendar::embedded();
    let office = s.actor("zgb").await.unwrap();
    let (bl, cg) = (s.actor("bl").await.unwrap(), s.actor("cg").await.unwrap());
    let item = ItemRef {
        plan: None,
        number: 1,
    };
    let claim = Action::Claim {
        plan: "按县区分解".into(),
    };
    s.act(&office, item, claim, today, &calendar).await.unwrap();

    // 北岭县 reports measure 1 on its task; the item's measure waits for the others.
    let report = NewReport {
        period: "2026-11",
        text: "已排查排污口 12 个",
        done_measures: &[1],
        self_schedule: "序时推进",
        evidence_ids: &[],
    };
    s.add_report(&bl, item, report, today, &calendar)
        .await
        .unwrap();
    let statuses = s.report_statuses("2026-11").await.unwrap();
    let due: Vec<&str> = statuses.iter().map(|r| r.unit.as_str()).collect();
    assert!(
        due.contains(&"北岭县人民政府") && due.contains(&"城关区政府"),
        "{due:?}"
    );
    let tasks = s.tasks_of(item).await.unwrap();
    assert_eq!(tasks[0].measures_done, [(1, today)]);
    assert_eq!(tasks[0].measures_done_on(2), [Some(today), None]);

    let complete = |note: &str| TaskAction::Complete { note: note.into() };
    let refusal = s
        .act_on_task(&bl, item, "北岭县政府", complete("完成"), &[], today)
        .await;
    assert!(
        matches!(&refusal, Err(StoreError::Refused(m)) if m.contains("佐证材料")),
        "{refusal:?}"
    );
    let other = s
        .act_on_task(&bl, item, "城关区政府", TaskAction::Start, &[], today)
        .await;
    assert!(
        matches!(&other, Err(StoreError::Refused(m)) if m.contains("单位不符")),
        "{other:?}"
    );
    let photo = s
        .attachments()
        .upload("after.jpg", b"\xff\xd8\xff\xe0 photo")
        .await
        .unwrap();
    let proof = NewEvidence {
        kind: EvidenceKind::PhotoAfter,
        title: "整治后",
        file_name: "after.jpg",
        file: &photo,
        supersedes: None,
    };
    let done = s
        .act_on_task(
            &bl,
            item,
            "北岭县政府",
            complete("排污口全部整治"),
            &[proof],
            today,
        )
        .await
        .unwrap();
    assert_eq!(done.state, TaskState::Done);

    let submit = || Action::Submit {
        note: "各县区已完成".into(),
    };
    let open = s.act(&office, item, submit(), today, &calendar).await;
    assert!(
        matches!(&open, Err(StoreError::Refused(m)) if m.contains("城关区政府、河安高新区管委会")),
        "{open:?}"
    );
    let doc = s
        .attachments()
        .upload("说明.pdf", b"%PDF-1.4 no boilers")
        .await
        .unwrap();
    let exempt_doc = NewEvidence {
        kind: EvidenceKind::Explanation,
        title: "情况说明",
        file_name: "说明.pdf",
        file: &doc,
        supersedes: None,
    };
    let exempt = TaskAction::Exempt {
        reason: "园区内无此类问题".into(),
    };
    s.act_on_task(
        &office,
        item,
        "河安高新区管委会",
        exempt,
        &[exempt_doc],
        today,
    )
    .await
    .unwrap();
    let cg_photo = NewEvidence {
        kind: EvidenceKind::PhotoAfter,
        title: "整治后",
        file_name: "after.jpg",
        file: &photo,
        supersedes: None,
    };
    s.act_on_task(
        &cg,
        item,
        "城关区政府",
        complete("已完成"),
        &[cg_photo],
        today,
    )
    .await
    .unwrap();
    // Every member done: the item's measures close, and what is missing is no task's.
    let stored = s.ledger(None).await.unwrap();
    let states: Vec<TaskState> = stored[0].tasks.iter().map(|t| t.state).collect();
    assert_eq!(
        states,
        [TaskState::Done, TaskState::Done, TaskState::Exempt]
    );
    let missing = s.act(&office, item, submit(), today, &calendar).await;
    assert!(
        matches!(&missing, Err(StoreError::Refused(m)) if m.contains("自查报告")),
        "{missing:?}"
    );
    let after = s.report_statuses("2026-12").await.unwrap();
    let owed: Vec<&str> = after
        .iter()
        .filter(|r| r.task.is_none_or(|t| !t.work_done()))
        .map(|r| r.unit.as_str())
        .collect();
    assert!(owed.iter().all(|u| *u == "市生态环境局"), "{owed:?}");

    // Per-task acceptance: a done task waits for its acceptance.
    s.set_setting("zgb", "tasks.acceptance", &serde_json::json!("task"))
        .await
        .unwrap();
    let waiting = s.act(&office, item, submit(), today, &calendar).await;
    assert!(
        matches!(&waiting, Err(StoreError::Refused(m)) if m.contains("北岭县人民政府、城关区政府")),
        "{waiting:?}"
    );
    for county in ["北岭县人民政府", "城关区政府"] {
        let accept = TaskAction::Accept {
            opinion: "现场核查合格".into(),
        };
        s.act_on_task(&office, item, county, accept, &[], today)
            .await
            .unwrap();
    }
    let missing = s.act(&office, item, submit(), today, &calendar).await;
    assert!(
        matches!(&missing, Err(StoreError::Refused(m)) if m.contains("自查报告")),
        "{missing:?}"
    );
    // A re-import keeps every task's state.
    let mut again = ledger_item(1, &["各县（区）政府", "市生态环境局"], "2027年底前");
    again.lead_unit = "各县(区)人民政府".into();
    again.units[0] = "各县(区)人民政府".into();
    import(&db, &[again], false).await;
    let kept: Vec<TaskState> = s.ledger(None).await.unwrap()[0]
        .tasks
        .iter()
        .map(|t| t.state)
        .collect();
    assert_eq!(
        kept,
        [TaskState::Accepted, TaskState::Accepted, TaskState::Exempt]
    );
    // A file that puts a new measure first keeps each member's marks on the same measures.
    let mut renumbered = ledger_item(1, &["各县（区）政府", "市生态环境局"], "2027年底前");
    renumbered.lead_unit = "各县(区)人民政府".into();
    renumbered.units[0] = "各县(区)人民政府".into();
    renumbered.measures.insert(
        0,
        Measure {
            text: "建立县区工作专班".into(),
            ..Measure::default()
        },
    );
    let summary = import(&db, &[renumbered], false).await;
    assert_eq!(summary.changes[0].1[0].field, "整改措施");
    assert_eq!(
        s.tasks_of(item).await.unwrap()[0].measures_done,
        [(2, today)]
    );
    assert!(matches!(
        s.verify_journal().await.unwrap(),
        Verification::Intact { .. }
    ));
}

/// #19: a group the office keeps (市直有关部门) resolves to its list; without one it is a
/// warning naming the items, never a unit.
async fn an_unresolved_group_is_a_warning_and_a_kept_list_resolves_it(db: TestDb) {
    seed(&db).await;
    let items = [
        ledger_item(1, &["市生态环境局", "市直有关部门"], "2027年底前"),
        ledger_item(2, &["市直有关部门"], "2027年底前"),
    ];
    let summary = import(&db, &items, false).await;
    assert_eq!(
        summary.tasks.unresolved,
        [("市直有关部门".to_string(), vec![1, 2])]
    );
    assert!(
        summary.created_units.is_empty(),
        "{:?}",
        summary.created_units
    );
    let units = db.store.org_units().await.unwrap();
    assert!(units.iter().all(|u| u.name != "市直有关部门"));
    db.store
        .add_org_unit("test", unit("zjj", "市住建局", Some("heans")))
        .await
        .unwrap();
    let sync = db
        .store
        .set_group_members(
            "zgb",
            "市直有关部门",
            &["zjj".into(), "市生态环境局".into()],
        )
        .await
        .unwrap();
    assert!(sync.unresolved.is_empty());
    let stored = db.store.ledger(None).await.unwrap();
    let members: Vec<&str> = stored[1].tasks.iter().map(|t| t.unit.as_str()).collect();
    assert_eq!(members, ["市生态环境局", "市住建局"]);
    assert_eq!(stored[1].item.lead_unit, "市直有关部门");
    let county = db
        .store
        .set_group_members("zgb", "各县（区）政府", &["zjj".into()])
        .await;
    assert!(matches!(county, Err(StoreError::Refused(_))), "{county:?}");
}

/// #19: a re-import never undoes an approved amendment: the office's old file keeps it with a
/// warning, a file with a third deadline is a conflict that writes nothing until settled, and
/// every change is listed field by field.
async fn a_reimport_keeps_approved_amendments_and_settles_conflicts(db: TestDb) {
    seed(&db).await;
    let s = &db.store;
    let leader = NewUser {
        username: "wjg",
        display_name: "王建国（副市长）",
        unit: "heans",
        roles: &[Role::Leader],
        password: "correct horse",
    };
    s.add_user("test", leader).await.unwrap();
    let first = [ledger_item(1, &["市生态环境局"], "2020年底前")];
    import(&db, &first, false).await;
    let calendar = WorkCalendar::embedded();
    let today = rectify_exact::date::Date::parse("2026-11-10").unwrap();
    let item = ItemRef {
        plan: None,
        number: 1,
    };
    let clerk = NewUser {
        username: "hb",
        display_name: "市生态环境局 经办人",
        unit: "sthjj",
        roles: &[Role::Unit],
        password: "correct horse",
    };
    s.add_user("test", clerk).await.unwrap();
    let claim = Action::Claim {
        plan: "细化方案".into(),
    };
    let hb = s.actor("hb").await.unwrap();
    s.act(&hb, item, claim, today, &calendar).await.unwrap();
    let office = s.actor("zgb").await.unwrap();
    let amend = Action::ProposeAmendment {
        deadline: "2027年6月底前".into(),
        reason: "省厅同意延期".into(),
    };
    s.act(&office, item, amend, today, &calendar).await.unwrap();
    let approve = Action::DecideAmendment {
        approve: true,
        note: "同意".into(),
    };
    let wjg = s.actor("wjg").await.unwrap();
    s.act(&wjg, item, approve, today, &calendar).await.unwrap();

    // The office's own file, with the old deadline and a new target.
    let mut old_file = ledger_item(1, &["市生态环境局"], "2020年底前");
    old_file.target = "全面消除黑臭".into();
    let summary = import(&db, &[old_file], false).await;
    assert_eq!(
        summary.kept,
        [(1, "2027年6月底前".to_string(), "2020年底前".to_string())]
    );
    let fields: Vec<(&str, &str, &str)> = summary.changes[0]
        .1
        .iter()
        .map(|c| (c.field, c.before.as_str(), c.after.as_str()))
        .collect();
    assert_eq!(fields, [("整改目标", "消除黑臭", "全面消除黑臭")]);
    let stored = s.ledger(None).await.unwrap();
    assert_eq!(stored[0].item.deadline.text, "2027年6月底前");

    // A third deadline: the dry run shows the conflict; the import refuses until settled.
    let third = [ledger_item(1, &["市生态环境局"], "2026年底前")];
    let dry = import(&db, &third, true).await;
    assert_eq!(dry.conflicts.len(), 1);
    assert_eq!(dry.conflicts[0].file, "2026年底前");
    let before = db.journal_len().await;
    let plan = Plan {
        name: "整改方案".into(),
        ..Plan::default()
    };
    let attempt = |resolutions: &'static [(u32, Resolution)]| PlanImport {
        plan: &plan,
        title: "河安市整改方案问题清单",
        items: &third,
        source: serde_json::json!({"file": "plan.xlsx"}),
        dry_run: false,
        resolutions,
    };
    let refused = s.import_plan("zgb", attempt(&[])).await;
    assert!(
        matches!(&refused, Err(StoreError::Refused(m)) if m.contains("第 1 项") && m.contains("2026年底前")),
        "{refused:?}"
    );
    assert_eq!(db.journal_len().await, before, "nothing written");
    let kept = s
        .import_plan("zgb", attempt(&[(1, Resolution::KeepAmended)]))
        .await
        .unwrap();
    assert_eq!(kept.kept.len(), 1);
    assert_eq!(
        s.ledger(None).await.unwrap()[0].item.deadline.text,
        "2027年6月底前"
    );
    let taken = s
        .import_plan("zgb", attempt(&[(1, Resolution::TakeFile)]))
        .await
        .unwrap();
    assert_eq!(taken.changes[0].1[0].field, "整改时限");
    assert_eq!(
        s.ledger(None).await.unwrap()[0].item.deadline.text,
        "2026年底前"
    );
}

async fn plan_import_creates_updates_and_journals_changes(db: TestDb) {
    seed(&db).await;
    let first = vec![
        ledger_item(
            1,
            &["市住建局", "市生态环境局", "各县（区）政府"],
            "2018年底前消除60%，2020年底前全面完成",
        ),
        ledger_item(2, &["东湖区政府"], "立行立改、长期坚持"),
    ];
    let dry = import(&db, &first, true).await;
    assert_eq!(dry.added, vec![1, 2]);
    assert!(
        db.store.ledger(None).await.unwrap().is_empty(),
        "a dry run writes nothing"
    );
    let before = db.journal_len().await;
    let summary = import(&db, &first, false).await;
    assert!(summary.plan_created);
    assert_eq!(
        summary.created_units,
        [
            ("市住建局".to_string(), OrgKind::Department),
            ("东湖区政府".to_string(), OrgKind::District)
        ]
    );
    assert_eq!(
        summary.created_people,
        vec!["赵志刚（副市长）", "彭辉（市生态环境局副局长）"]
    );
    let stored = db.store.ledger(Some("整改方案")).await.unwrap();
    let items: Vec<Item> = stored.iter().map(|s| s.item.clone()).collect();
    assert_eq!(
        items, first,
        "the database gives back exactly what was imported"
    );
    // plan + 2 items + 3 units + 2 people + the file entry
    assert_eq!(db.journal_len().await, before + 9);
    let people = db.store.people().await.unwrap();
    let penghui = people.iter().find(|p| p.name == "彭辉").unwrap();
    let sthjj = db.store.org_unit("市生态环境局").await.unwrap();
    assert_eq!(
        penghui.unit_id, sthjj.id,
        "a new person joins the unit their title names"
    );

    let again = import(&db, &first, false).await;
    assert_eq!(
        (again.unchanged, again.added.len(), again.updated.len()),
        (2, 0, 0)
    );
    assert_eq!(
        db.journal_len().await,
        before + 9,
        "an unchanged re-import journals nothing"
    );

    let mut changed = first[..1].to_vec();
    changed[0].units = vec!["市生态环境局".into(), "市住建局".into()];
    changed[0].lead_unit = "市住建局".into();
    changed[0].measures.pop();
    let summary = import(&db, &changed, false).await;
    assert_eq!(summary.updated, vec![1]);
    assert_eq!(
        summary.absent,
        vec![2],
        "items missing from the file are reported, not deleted"
    );
    let stored = db.store.ledger(None).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].item, changed[0]);
    let history = db
        .store
        .journal_for("item", &stored[0].id.to_string())
        .await
        .unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.action, "update");
    assert!(last.before.as_deref().unwrap().contains("截污纳管"));
    assert!(!last.after.as_deref().unwrap().contains("截污纳管"));
    assert!(matches!(
        db.store.verify_journal().await.unwrap(),
        Verification::Intact { .. }
    ));

    // Control characters (invisible in Excel, used as separators inside the store) are dropped.
    let mut odd = ledger_item(3, &["市林业局\u{1f}"], "2019年底前");
    odd.lead_unit = "市林业局\u{1f}".into();
    odd.target = "消除\u{1e}黑臭\r\n两行".into();
    import(&db, &[changed[0].clone(), first[1].clone(), odd], false).await;
    let stored = db.store.ledger(None).await.unwrap();
    assert_eq!(stored[2].item.target, "消除黑臭\n两行");
    assert_eq!(stored[2].item.units, vec!["市林业局"]);
}

async fn calendar_notices_are_stored_and_replaced(db: TestDb) {
    db.store
        .load_calendar_notices(
            "office",
            &[(2027, "year 2027\noff 2027-01-01 元旦\n".into())],
        )
        .await
        .unwrap();
    db.store
        .load_calendar_notices(
            "office",
            &[(
                2027,
                "year 2027\noff 2027-01-01 元旦\non 2027-01-03 调休\n".into(),
            )],
        )
        .await
        .unwrap();
    let notices = db.store.calendar_notices().await.unwrap();
    assert_eq!(notices.len(), 1);
    assert!(notices[0].1.contains("调休"));
    let history = db.store.journal_for("calendar_year", "2027").await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].action, "update");
}

fn transferred(seq: u32, received_no: &str, region: &str) -> rectify_core::complaint::NewComplaint {
    rectify_core::complaint::NewComplaint {
        seq,
        received_no: received_no.into(),
        channel: rectify_core::complaint::Channel::Phone,
        region: Some(region.into()),
        types: vec![rectify_core::complaint::PollutionType::Air],
        types_raw: "大气".into(),
        industry: String::new(),
        description: format!("{region}某厂夜间排放废气"),
        contact: String::new(),
        key_case: false,
        feedback: Default::default(),
        extras: Vec::new(),
    }
}

async fn complaints_are_scoped_to_the_viewers_units_in_the_query(db: TestDb) {
    use rectify_core::complaint::NewBatch;
    use rectify_store::complaints::{ComplaintFilter, ComplaintImport};
    seed(&db).await;
    let s = &db.store;
    for (code, name) in [("cgq", "城关区政府"), ("dhq", "东湖区政府")] {
        s.add_org_unit("test", unit(code, name, Some("heans")))
            .await
            .unwrap();
    }
    let batch = NewBatch {
        number: 1,
        transferred_on: rectify_exact::date::Date::new(2018, 6, 5).unwrap(),
        clock: Default::default(),
        complaints: vec![
            transferred(1, "D1HA201806030001", "城关区"),
            transferred(2, "D1HA201806030002", "东湖区"),
            transferred(3, "D1HA201806030003", "城关区"),
        ],
    };
    let import = ComplaintImport {
        source: "督察组",
        batches: std::slice::from_ref(&batch),
        file: serde_json::json!({}),
        reported_on: batch.transferred_on,
        dry_run: false,
    };
    assert_eq!(s.import_complaints("test", import).await.unwrap().added, 3);
    let chengguan = s.find_org_unit("cgq").await.unwrap().unwrap().id;
    let scoped = |units: Option<Vec<i64>>| ComplaintFilter {
        units,
        ..ComplaintFilter::default()
    };
    let numbers = |list: Vec<rectify_core::complaint::ComplaintRecord>| {
        list.into_iter()
            .map(|c| c.complaint.received_no)
            .collect::<Vec<_>>()
    };
    let own = s.complaints(&scoped(Some(vec![chengguan]))).await.unwrap();
    assert!(own.iter().all(|c| c.unit.as_deref() == Some("城关区政府")));
    assert_eq!(numbers(own), ["D1HA201806030001", "D1HA201806030003"]);
    assert!(
        s.complaints(&scoped(Some(Vec::new())))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.complaints(&scoped(None)).await.unwrap().len(), 3);
}

/// A village in 孙庄乡 for each n, so that only the complaints made alike are repeats.
fn village(n: usize) -> String {
    const CHARS: &[char] = &[
        '东', '西', '南', '北', '上', '下', '前', '后', '大', '小', '新', '老', '高', '王', '李',
        '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何',
        '林', '罗', '梁', '宋', '郑', '谢', '韩', '唐', '冯', '于',
    ];
    let (a, b) = (CHARS[n / CHARS.len()], CHARS[n % CHARS.len()]);
    format!("孙庄乡{a}{b}村")
}

/// A list longer than one INSERT: each row gets its own id, a repeat is linked to the earlier
/// complaint whether they went in together or not, a number sent twice in one file updates the
/// row written moments before, and PostgreSQL's sequence is moved past the ids handed out.
async fn a_long_list_is_linked_across_its_inserts(db: TestDb) {
    use rectify_core::complaint::{Handling, NewBatch};
    use rectify_store::complaints::{ComplaintFilter, ComplaintImport};
    seed(&db).await;
    let s = &db.store;
    s.add_org_unit("test", unit("cgq", "城关区政府", Some("heans")))
        .await
        .unwrap();
    let number = |seq: usize| format!("D1HA2018060{seq:05}");
    let mut complaints: Vec<_> = (1..=1200)
        .map(|seq| {
            let mut c = transferred(seq as u32, &number(seq), "城关区");
            c.description = format!("{}有搅拌站夜间生产粉尘大", village(seq));
            c
        })
        .collect();
    // 1100 goes in three INSERTs after 3; 11 in the same INSERT as 10.
    complaints[1099].description = complaints[2].description.clone();
    complaints[10].description = complaints[9].description.clone();
    let mut again = transferred(1201, &number(5), "城关区");
    again.description = complaints[4].description.clone();
    again.feedback.handling = Some(Handling::Closed);
    again.feedback.result = "已责令停产".into();
    complaints.push(again);
    let batch = NewBatch {
        number: 1,
        transferred_on: rectify_exact::date::Date::new(2018, 6, 5).unwrap(),
        clock: Default::default(),
        complaints,
    };
    let import = ComplaintImport {
        source: "督察组",
        batches: std::slice::from_ref(&batch),
        file: serde_json::json!({}),
        reported_on: batch.transferred_on,
        dry_run: false,
    };
    let summary = s.import_complaints("test", import).await.unwrap();
    assert_eq!((summary.added, summary.updated), (1200, 1));
    let stored = s.complaints(&ComplaintFilter::default()).await.unwrap();
    assert_eq!(stored.len(), 1200);
    let by_number = |seq: usize| {
        stored
            .iter()
            .find(|c| c.complaint.received_no == number(seq))
            .unwrap()
    };
    assert_eq!(by_number(1100).suggested_repeat_of, Some(number(3)));
    assert_eq!(by_number(11).suggested_repeat_of, Some(number(10)));
    let others = stored
        .iter()
        .filter(|c| c.suggested_repeat_of.is_some())
        .count();
    assert_eq!(others, 2, "only the two made alike are repeats");
    let fifth = &by_number(5).complaint.feedback;
    assert_eq!(
        (fifth.handling, fifth.result.as_str()),
        (Some(Handling::Closed), "已责令停产")
    );
    let mut ids: Vec<i64> = stored.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1200);
    assert_identity_is_past_the_largest(&db, "complaints").await;
}

/// The id PostgreSQL's sequence gives next is past every stored one (SQLite has no sequence).
async fn assert_identity_is_past_the_largest(db: &TestDb, table: &str) {
    if db.store.backend() != Backend::Postgres {
        return;
    }
    let sql = format!(
        "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) > (SELECT MAX(id) FROM {table})"
    );
    let past: bool = sqlx::query_scalar(AssertSqlSafe(sql))
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert!(past, "{table}'s sequence would hand out a stored id");
}

/// A bulletin of June 2018 generated on the 10th is stated as of that day: the item due on the
/// 15th is not overdue, the complaint due on the 15th not late, the June report (due on the
/// 25th) not missing; generated after June it is stated as of the 30th and counts all three.
async fn a_bulletin_of_a_running_month_is_stated_as_of_today(db: TestDb) {
    use rectify_core::complaint::NewBatch;
    use rectify_core::dispatch::AsOf;
    use rectify_exact::date::Date;
    use rectify_store::complaints::ComplaintImport;
    seed(&db).await;
    let s = &db.store;
    import(
        &db,
        &[ledger_item(1, &["市生态环境局"], "2018年6月15日前")],
        false,
    )
    .await;
    let stored = s.ledger(None).await.unwrap();
    assert_eq!(stored[0].item.deadline.due_date, Date::new(2018, 6, 15));
    let batch = NewBatch {
        number: 1,
        transferred_on: Date::new(2018, 6, 5).unwrap(),
        clock: Default::default(),
        complaints: vec![transferred(1, "D1HA201806030001", "城关区")],
    };
    let import = ComplaintImport {
        source: "督察组",
        batches: std::slice::from_ref(&batch),
        file: serde_json::json!({}),
        reported_on: batch.transferred_on,
        dry_run: false,
    };
    s.import_complaints("test", import).await.unwrap();

    let on = |day: u8| AsOf::for_period(2018, 6, Date::new(2018, 6, day).unwrap()).unwrap();
    let today = s.bulletin_facts(on(10)).await.unwrap();
    assert_eq!((today.as_of.as_str(), today.partial), ("2018-06-10", true));
    assert!(today.overdue.is_empty());
    assert!(
        today.reports.is_empty(),
        "the June report is due on the 25th"
    );
    assert_eq!(today.units[0].tally.reports_due, 0);
    let complaints = today.complaints.as_ref().unwrap();
    assert_eq!(complaints.received, 1);
    assert!(
        complaints.units.is_empty() && complaints.late.is_empty(),
        "due on the 15th: {complaints:?}"
    );
    // After the 25th the report is owed.
    let after_deadline = s.bulletin_facts(on(26)).await.unwrap();
    assert_eq!(after_deadline.reports[0].missing, [1]);

    let ended = AsOf::for_period(2018, 6, Date::new(2018, 7, 5).unwrap()).unwrap();
    let end = s.bulletin_facts(ended).await.unwrap();
    assert_eq!((end.as_of.as_str(), end.partial), ("2018-06-30", false));
    assert_eq!(end.overdue.len(), 1);
    assert_eq!(end.reports[0].missing, [1]);
    let late = &end.complaints.as_ref().unwrap().late;
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].clock, "逾期16天");
}

/// A row the database refuses in a later INSERT of a long list (序号 700 sent twice in one
/// batch) is named by its number, and nothing of the list is kept.
async fn a_refused_row_of_a_long_list_is_named(db: TestDb) {
    use rectify_core::complaint::NewBatch;
    use rectify_store::complaints::{ComplaintFilter, ComplaintImport};
    seed(&db).await;
    let s = &db.store;
    let number = |seq: usize| format!("D1HA2018060{seq:05}");
    let mut complaints: Vec<_> = (1..=1200)
        .map(|seq| transferred(seq as u32, &number(seq), "城关区"))
        .collect();
    complaints[1099].seq = 700;
    let batch = NewBatch {
        number: 3,
        transferred_on: rectify_exact::date::Date::new(2018, 6, 5).unwrap(),
        clock: Default::default(),
        complaints,
    };
    let journal_before = db.journal_len().await;
    let import = ComplaintImport {
        source: "督察组",
        batches: std::slice::from_ref(&batch),
        file: serde_json::json!({}),
        reported_on: batch.transferred_on,
        dry_run: false,
    };
    let error = s.import_complaints("test", import).await.unwrap_err();
    let StoreError::Invalid(message) = &error else {
        panic!("not a row's error: {error:?}");
    };
    assert!(
        message.starts_with("第3批序号700（受理编号D1HA201806001100）：与本文件的另一行"),
        "{message}"
    );
    assert!(
        s.complaints(&ComplaintFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(db.journal_len().await, journal_before);
}

/// A row the database refuses in a later INSERT of a long sheet is named by its place and
/// name, and nothing of the sheet is kept. The refusal is made for the test: an index that
/// allows one entry per address.
async fn a_refused_row_of_a_long_sheet_is_named(db: TestDb) {
    use rectify_core::register::{Details, Identity, Kind, NewEntry, scattered};
    use rectify_store::registers::RegisterFilter;
    seed(&db).await;
    let s = &db.store;
    s.add_org_unit("test", unit("blx", "北岭县政府", Some("heans")))
        .await
        .unwrap();
    sqlx::query("CREATE UNIQUE INDEX one_entry_per_address ON register_entries (address)")
        .execute(s.pool())
        .await
        .unwrap();
    let mut entries: Vec<NewEntry> = (0..2500)
        .map(|n| NewEntry {
            identity: Identity {
                name: format!("第{n}号作坊"),
                address: format!("{}{n}号", village(n % 1600)),
                county: "北岭县政府".into(),
                ..Identity::default()
            },
            state: None,
            details: Details::Scattered(scattered::Details::default()),
            created_on: rectify_exact::date::Date::new(2026, 3, 2).unwrap(),
        })
        .collect();
    entries[2299].identity.address = entries[9].identity.address.clone();
    let journal_before = db.journal_len().await;
    let error = s
        .upsert_register_entries("zgb", Kind::Scattered, &entries, false)
        .await
        .unwrap_err();
    let StoreError::Invalid(message) = &error else {
        panic!("not a row's error: {error:?}");
    };
    assert!(
        message.starts_with("第2300条“第2299号作坊”：与本文件的另一行"),
        "{message}"
    );
    let filter = RegisterFilter::default();
    assert!(s.register_entries(&filter).await.unwrap().is_empty());
    assert_eq!(db.journal_len().await, journal_before);
}

/// A sheet longer than one INSERT: every entry is stored once with its own id and journaled,
/// a second import of it changes nothing, and PostgreSQL's sequence is past the ids handed out.
async fn a_long_register_sheet_goes_in_whole(db: TestDb) {
    use rectify_core::register::{Details, Identity, Kind, NewEntry, scattered};
    use rectify_store::registers::RegisterFilter;
    seed(&db).await;
    let s = &db.store;
    s.add_org_unit("test", unit("blx", "北岭县政府", Some("heans")))
        .await
        .unwrap();
    let entries: Vec<NewEntry> = (0..1500)
        .map(|n| NewEntry {
            identity: Identity {
                name: format!("{}第{n}号作坊", village(n % 1600)),
                address: village(n % 1600),
                county: "北岭县政府".into(),
                ..Identity::default()
            },
            state: None,
            details: Details::Scattered(scattered::Details {
                problems: vec![scattered::Problem::Polluting],
                disposal: Some(scattered::Disposal::Upgrade),
                ..Default::default()
            }),
            created_on: rectify_exact::date::Date::new(2026, 3, 2).unwrap(),
        })
        .collect();
    let journal_before = db.journal_len().await;
    let added = s
        .upsert_register_entries("zgb", Kind::Scattered, &entries, false)
        .await
        .unwrap();
    assert_eq!(added.added, 1500);
    assert_eq!(db.journal_len().await, journal_before + 1500);
    let listed = s
        .register_entries(&RegisterFilter {
            kind: Some(Kind::Scattered),
            ..RegisterFilter::default()
        })
        .await
        .unwrap();
    let mut names: Vec<&str> = listed.iter().map(|e| e.identity.name.as_str()).collect();
    names.sort_unstable();
    let mut expected: Vec<&str> = entries.iter().map(|e| e.identity.name.as_str()).collect();
    expected.sort_unstable();
    assert_eq!(names, expected);
    let mut ids: Vec<i64> = listed.iter().map(|e| e.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1500);
    let again = s
        .upsert_register_entries("zgb", Kind::Scattered, &entries, false)
        .await
        .unwrap();
    assert_eq!((again.added, again.unchanged), (0, 1500));
    assert_identity_is_past_the_largest(&db, "register_entries").await;

    // The same entry twice in one sheet, its county once by name and once by code: the second
    // row updates the first, though that one is still waiting to be written.
    let mut first = entries[0].clone();
    first.identity.name = "东关村石材厂".into();
    first.identity.address = "东关村北".into();
    let mut second = first.clone();
    second.identity.county = "blx".into();
    second.identity.address = "东关村南".into();
    let twice = s
        .upsert_register_entries("zgb", Kind::Scattered, &[first, second], false)
        .await
        .unwrap();
    assert_eq!((twice.added, twice.updated), (1, 1));
    let stored = s
        .register_entries(&RegisterFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.identity.name == "东关村石材厂")
        .unwrap();
    assert_eq!(stored.identity.address, "东关村南");
}

async fn a_scattered_enterprise_moves_by_rule_and_rebounds_on_patrol(db: TestDb) {
    use rectify_core::register::NewEntry;
    use rectify_core::register::{Details, Identity, Inspection, Kind, scattered};
    use rectify_store::registers::{NewRegisterEvidence, RegisterFilter};
    seed(&db).await;
    let s = &db.store;
    s.add_org_unit("test", unit("blx", "北岭县政府", Some("heans")))
        .await
        .unwrap();
    let day = |text: &str| rectify_exact::date::Date::parse(text).unwrap();
    let entry = |name: &str, disposal| NewEntry {
        identity: Identity {
            name: name.into(),
            address: "孙庄乡王楼村".into(),
            county: "北岭县政府".into(),
            ..Identity::default()
        },
        state: None,
        details: Details::Scattered(scattered::Details {
            problems: vec![
                scattered::Problem::Disorderly,
                scattered::Problem::Polluting,
            ],
            disposal: Some(disposal),
            responsible: "王某（孙庄乡副乡长）".into(),
            ..Default::default()
        }),
        created_on: day("2026-03-02"),
    };
    let entries = [
        entry("王楼村废塑料加工点", scattered::Disposal::Close),
        entry("孙庄乡铸造作坊", scattered::Disposal::Upgrade),
    ];
    let added = s
        .upsert_register_entries("zgb", Kind::Scattered, &entries, false)
        .await
        .unwrap();
    assert_eq!((added.added, added.unchanged), (2, 0));
    let again = s
        .upsert_register_entries("zgb", Kind::Scattered, &entries, false)
        .await
        .unwrap();
    assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 2));
    // A file cannot move a stored entry.
    let mut moved = entries[0].clone();
    moved.state = Some("销号".into());
    let refused = s
        .upsert_register_entries("zgb", Kind::Scattered, &[moved], false)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("状态变更须通过流转办理"),
        "{refused}"
    );

    let listed = s
        .register_entries(&RegisterFilter {
            kind: Some(Kind::Scattered),
            ..RegisterFilter::default()
        })
        .await
        .unwrap();
    let id = listed
        .iter()
        .find(|e| e.identity.name == "王楼村废塑料加工点")
        .unwrap()
        .id;
    for (to, on) in [("整治中", "2026-03-10"), ("验收", "2026-04-20")] {
        s.move_register_entry("zgb", id, to, day(on), "")
            .await
            .unwrap();
    }
    let journal_before = s.verify_journal().await.unwrap();
    let refused = s
        .move_register_entry("zgb", id, "销号", day("2026-04-25"), "")
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "王楼村废塑料加工点：转为“销号”前须上传佐证材料：断水、断电、清原料、清设备、清产品"
    );
    assert_eq!(
        s.verify_journal().await.unwrap(),
        journal_before,
        "nothing written"
    );
    for kind in scattered::CLEARANCES {
        let photo = s
            .attachments()
            .upload("photo.png", &[0x89, b'P', b'N', b'G', 1, 2, 3])
            .await
            .unwrap();
        let evidence = NewRegisterEvidence {
            inspection_id: None,
            kind,
            file_name: "photo.png",
            file: &photo,
        };
        s.add_register_evidence("zgb", id, evidence).await.unwrap();
    }
    s.move_register_entry("zgb", id, "销号", day("2026-04-25"), "")
        .await
        .unwrap();
    s.move_register_entry("zgb", id, "patrol", day("2026-05-01"), "")
        .await
        .unwrap();
    // A quiet patrol changes nothing; one that finds the site working reopens it.
    let patrol = |on: &str, activity_found: bool| Inspection {
        on: day(on),
        by: "孙庄乡网格员 李某".into(),
        lines: Vec::new(),
        finding: if activity_found {
            "夜间恢复生产，电表走字".into()
        } else {
            String::new()
        },
        activity_found,
        deadline: None,
        rechecks: None,
    };
    s.record_inspection("zgb", id, &patrol("2026-06-01", false))
        .await
        .unwrap();
    assert_eq!(s.register_entry(id).await.unwrap().record.state, "patrol");
    s.record_inspection("zgb", id, &patrol("2026-07-01", true))
        .await
        .unwrap();
    let detail = s.register_entry(id).await.unwrap();
    assert_eq!(
        (detail.record.state.as_str(), detail.record.rebounds),
        ("remediating", 1)
    );
    let last = detail.moves.last().unwrap();
    assert!(last.rebound && last.reason.contains("电表走字"), "{last:?}");
    assert_eq!(detail.moves.len(), 5);
    // The rebound puts the county's principal on the accountability list.
    let candidates = s.accountability(day("2026-07-02")).await.unwrap();
    let candidate = candidates
        .iter()
        .find(|l| l.candidate.target == "北岭县政府主要负责同志")
        .expect("a rebound candidate");
    assert_eq!(
        candidate.candidate.rule,
        rectify_core::accountability::Rule::Reopened
    );
    assert!(
        candidate.candidate.grounds[0]
            .starts_with("散乱污企业“王楼村废塑料加工点”：2026-07-01 销号后反弹")
    );
    assert_eq!((detail.inspections.len(), detail.evidence.len()), (2, 5));
    // A complaint naming the other, signed-off, site reopens it at once.
    let foundry = listed
        .iter()
        .find(|e| e.identity.name == "孙庄乡铸造作坊")
        .unwrap()
        .id;
    s.move_register_entry("zgb", foundry, "整治中", day("2026-03-10"), "")
        .await
        .unwrap();
    let pdf = s
        .attachments()
        .upload("report.pdf", b"%PDF-1.4")
        .await
        .unwrap();
    let report = NewRegisterEvidence {
        inspection_id: None,
        kind: scattered::UPGRADE_EVIDENCE,
        file_name: "report.pdf",
        file: &pdf,
    };
    s.add_register_evidence("zgb", foundry, report)
        .await
        .unwrap();
    for to in ["验收", "销号"] {
        s.move_register_entry("zgb", foundry, to, day("2026-05-10"), "")
            .await
            .unwrap();
    }
    let mut complaint = transferred(1, "D1HA202608010007", "北岭县");
    complaint.description = "孙庄乡王楼村铸造作坊又开工了，夜间冒黑烟".into();
    let batch = rectify_core::complaint::NewBatch {
        number: 1,
        transferred_on: day("2026-08-01"),
        clock: Default::default(),
        complaints: vec![complaint],
    };
    let import = rectify_store::complaints::ComplaintImport {
        source: "督察组",
        batches: std::slice::from_ref(&batch),
        file: serde_json::json!({}),
        reported_on: day("2026-08-01"),
        dry_run: false,
    };
    let summary = s.import_complaints("zgb", import).await.unwrap();
    let flagged: Vec<(&str, &str)> = summary
        .suggestions
        .iter()
        .map(|g| (g.kind, g.target.as_str()))
        .collect();
    assert_eq!(flagged, [("名录反弹", "孙庄乡铸造作坊")]);
    let reopened = s.register_entry(foundry).await.unwrap();
    assert_eq!(
        (reopened.record.state.as_str(), reopened.record.rebounds),
        ("remediating", 1)
    );
    assert_eq!(
        reopened.links[0].complaint.as_deref(),
        Some("D1HA202608010007")
    );

    // A special inspection: a reopen of an entry not signed off is refused and leaves nothing;
    // a compliant finding is stored with its evidence.
    use rectify_core::special::{Mode, Outcome, Round};
    use rectify_store::special::{FindingTarget, NewFinding};
    let round = Round {
        name: "散乱污企业回头看".into(),
        mode: Mode::Unannounced,
        scope: "北岭县散乱污企业".into(),
        team: "市督察整改办暗访组".into(),
        starts_on: day("2026-08-02"),
        ends_on: day("2026-08-09"),
    };
    let round_id = s.open_inspection_round("zgb", &round).await.unwrap();
    let office = s.actor("zgb").await.unwrap();
    let calendar = s.work_calendar().await.unwrap();
    let photo = s
        .attachments()
        .upload("暗访照片.png", &[0x89, b'P', b'N', b'G', 9])
        .await
        .unwrap();
    let files = vec![("暗访照片.png".to_string(), photo)];
    let finding = |outcome, description: &'static str| NewFinding {
        on: day("2026-08-03"),
        description,
        outcome,
        target: FindingTarget::Entry(foundry),
        files: &files,
    };
    let refused = s
        .record_finding(
            &office,
            round_id,
            finding(Outcome::Reopen, "仍在生产"),
            &calendar,
        )
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("不能作为反弹重新打开"),
        "{refused}"
    );
    let missing = NewFinding {
        target: FindingTarget::Entry(foundry + 1000),
        ..finding(Outcome::Compliant, "现场无此企业")
    };
    let refused = s
        .record_finding(&office, round_id, missing, &calendar)
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::NotFound {
                what: "名录条目",
                ..
            }
        ),
        "{refused}"
    );
    let found = s
        .record_finding(
            &office,
            round_id,
            finding(Outcome::Compliant, "已停产，设备已拆除"),
            &calendar,
        )
        .await
        .unwrap();
    assert_eq!(found.evidence, ["暗访照片.png"]);
    assert_eq!(found.entry.as_ref().map(|(id, _)| *id), Some(foundry));
    let rounds = s.inspection_rounds().await.unwrap();
    assert_eq!((rounds.len(), rounds[0].findings.len()), (1, 1));

    // Coal figures: a correction replaces the month, targets keep what is not given.
    use rectify_store::coal::CoalTargets;
    s.record_coal("zgb", "北岭县政府", 2026, 1, "12.5")
        .await
        .unwrap();
    s.record_coal("zgb", "北岭县政府", 2026, 1, "12.25")
        .await
        .unwrap();
    s.record_coal("zgb", "北岭县政府", 2026, 2, "11")
        .await
        .unwrap();
    let corrected = s.journal_for("coal", "北岭县政府/2026-01").await.unwrap();
    let befores: Vec<Option<serde_json::Value>> = corrected
        .iter()
        .map(|e| {
            e.before
                .as_deref()
                .map(|b| serde_json::from_str(b).unwrap())
        })
        .collect();
    assert_eq!(
        befores,
        [None, Some(serde_json::json!({ "tons": "12.5000" }))],
        "a correction journals the figure it replaced"
    );
    assert!(
        s.record_coal("zgb", "北岭县政府", 2026, 13, "1")
            .await
            .is_err()
    );
    assert!(
        s.record_coal("zgb", "北岭县政府", 2026, 3, "很多")
            .await
            .is_err()
    );
    let targets = |cap, gas| CoalTargets {
        cap,
        heating_target: None,
        heating_gas: gas,
        heating_electric: None,
    };
    s.set_coal_targets("zgb", "北岭县政府", 2026, targets(Some("150"), None))
        .await
        .unwrap();
    s.set_coal_targets("zgb", "北岭县政府", 2026, targets(None, Some(320)))
        .await
        .unwrap();
    let years = s.coal_years(2026).await.unwrap();
    assert_eq!(years.len(), 1);
    let status = rectify_core::coal::assess(&years[0], 2);
    assert_eq!(
        (status.used.as_str(), status.cap.as_str()),
        ("23.25", "150.00")
    );
    assert_eq!(status.heating_done, 320);

    // The grouped counts: both entries are back at work, both rebounded; none in other units.
    let counts = s.register_state_counts(None).await.unwrap();
    let at_work: Vec<(String, usize, usize)> = counts
        .iter()
        .map(|c| (c.state.clone(), c.entries, c.rebounded))
        .collect();
    assert_eq!(at_work, [("remediating".to_string(), 2, 2)]);
    assert!(s.register_state_counts(Some(&[])).await.unwrap().is_empty());

    // Scoped to other units, the list is empty.
    let other = s
        .register_entries(&RegisterFilter {
            units: Some(vec![-1]),
            ..RegisterFilter::default()
        })
        .await
        .unwrap();
    assert!(other.is_empty());
    assert!(matches!(
        s.verify_journal().await.unwrap(),
        Verification::Intact { .. }
    ));
}

/// Issue #18.2: parallel attempts are checked and counted one at a time on both backends.
async fn parallel_logins_and_portal_posts_are_counted_atomically(db: TestDb) {
    use rectify_store::throttle::LoginOutcome;
    seed(&db).await;
    let mut logins = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let store = db.store.clone();
        logins.spawn(async move { store.log_in("zgb", "wrong horse", "10.0.0.1").await });
    }
    let outcomes: Vec<LoginOutcome> = logins
        .join_all()
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let wrong = outcomes
        .iter()
        .filter(|o| **o == LoginOutcome::Wrong)
        .count();
    assert_eq!(wrong, 5, "{outcomes:?}");
    let right = db
        .store
        .log_in("zgb", "battery staple", "10.0.0.2")
        .await
        .unwrap();
    assert!(
        matches!(right, LoginOutcome::Throttled { seconds } if seconds > 0),
        "{right:?}"
    );
    let held = db.store.throttled_logins().await.unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!((held[0].key.as_str(), held[0].failures), ("user:zgb", 5));
    db.store
        .clear_login_throttle("admin", "user:zgb")
        .await
        .unwrap();
    let right = db
        .store
        .log_in("zgb", "battery staple", "10.0.0.2")
        .await
        .unwrap();
    assert!(matches!(right, LoginOutcome::LoggedIn(_)), "{right:?}");

    let mut posts = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let store = db.store.clone();
        posts.spawn(async move { store.public_post_allowed("10.0.0.3", 5).await });
    }
    let allowed = posts
        .join_all()
        .await
        .into_iter()
        .filter(|a| *a.as_ref().unwrap())
        .count();
    assert_eq!(allowed, 5);
    assert!(db.store.public_post_allowed("10.0.0.4", 5).await.unwrap());
}

/// Someone with write access rewrites entry 2 and recomputes every later hash: the chain is
/// consistent again, but it no longer passes through the head a bulletin printed or the one
/// noted from `audit anchor`; cutting entries off the end is caught the same way.
async fn a_recomputed_chain_is_caught_by_its_anchors(db: TestDb) {
    use rectify_core::dispatch::AsOf;
    use rectify_core::journal::{Anchor, EntryFields};
    use rectify_exact::date::Date;
    seed(&db).await;
    let s = &db.store;
    let noted = s.journal_anchor().await.unwrap().unwrap();
    assert_eq!(noted.seq, 5);
    let as_of = AsOf::for_period(2018, 6, Date::new(2018, 6, 30).unwrap()).unwrap();
    let facts = s.bulletin_facts(as_of).await.unwrap();
    let (frozen, stored) = s
        .freeze_bulletin("test", &facts, Date::new(2018, 7, 2).unwrap())
        .await
        .unwrap();
    assert_eq!(stored.journal_head.as_ref(), Some(&noted));
    let (_, again) = s.bulletin("2018-06", Some(frozen.version)).await.unwrap();
    assert_eq!(again, stored, "the head is part of the frozen facts");
    s.add_org_unit("test", unit("fgw", "市发展改革委", Some("heans")))
        .await
        .unwrap();
    let printed = s.bulletin_anchors().await.unwrap();
    assert_eq!(printed, [("通报 2018-06 第1版".to_string(), noted.clone())]);
    let head = s.journal_anchor().await.unwrap().unwrap();
    assert_eq!(head.seq, 7);
    let all = |extra: &Anchor| {
        let mut anchors = printed.clone();
        anchors.push(("命令行".to_string(), extra.clone()));
        anchors
    };
    assert!(matches!(
        s.verify_journal_anchored(all(&head)).await.unwrap(),
        Verification::Intact { entries: 7, .. }
    ));

    db.drop_journal_triggers().await;
    let mut entries = s.recent_journal(100).await.unwrap();
    entries.reverse();
    let mut prev = entries[0].hash.clone();
    for entry in &entries[1..] {
        let parse = |text: &Option<String>| {
            text.as_deref()
                .map(|t| serde_json::from_str::<serde_json::Value>(t).unwrap())
        };
        let mut after = parse(&entry.after);
        if entry.seq == 2 {
            after.as_mut().unwrap()["name"] = "伪造的单位".into();
        }
        let forged = EntryFields {
            seq: entry.seq,
            at: entry.at.clone(),
            actor: entry.actor.clone(),
            action: entry.action.clone(),
            entity: entry.entity.clone(),
            entity_id: entry.entity_id.clone(),
            before: parse(&entry.before),
            after,
        }
        .seal(&prev);
        let after_sql = forged
            .after
            .as_deref()
            .map_or("NULL".to_string(), |a| format!("'{a}'"));
        db.raw(&format!(
            "UPDATE journal SET after_json = {after_sql}, prev_hash = '{}', hash = '{}' WHERE seq = {}",
            forged.prev_hash, forged.hash, forged.seq
        ))
        .await
        .unwrap();
        prev = forged.hash;
    }
    assert!(
        matches!(
            s.verify_journal().await.unwrap(),
            Verification::Intact { entries: 7, .. }
        ),
        "the recomputed chain is consistent in itself"
    );
    match s.verify_journal_anchored(printed.clone()).await.unwrap() {
        Verification::Broken(ChainBreak::Anchor {
            seq: 5,
            witness,
            recorded,
            ..
        }) => {
            assert_eq!(
                (witness.as_str(), recorded),
                ("通报 2018-06 第1版", noted.hash.clone())
            );
        }
        other => panic!("the bulletin's head did not catch the rewrite: {other:?}"),
    }
    assert!(matches!(
        s.verify_journal_anchored(vec![("命令行".into(), head.clone())])
            .await
            .unwrap(),
        Verification::Broken(ChainBreak::Anchor { seq: 7, .. })
    ));

    let fresh = TestDb::open(s.backend()).await;
    seed(&fresh).await;
    fresh.drop_journal_triggers().await;
    let five = fresh.store.journal_anchor().await.unwrap().unwrap();
    fresh
        .raw("DELETE FROM journal WHERE seq = 5")
        .await
        .unwrap();
    assert_eq!(
        fresh
            .store
            .verify_journal_anchored(vec![("命令行".into(), five)])
            .await
            .unwrap(),
        Verification::Broken(ChainBreak::Truncated {
            seq: 5,
            witness: "命令行".into(),
            head: 4
        })
    );
}

/// The drill on both backends: a backup (SQLite copy or pg_dump) with its attachment list,
/// restored into a new database whose journal ends at the same head; the attachment store is
/// checked against the list, and a missing or altered file is named. A restore never goes
/// into a database that holds anything.
async fn a_backup_restores_into_a_new_database_with_its_attachments(db: TestDb) {
    seed(&db).await;
    let s = &db.store;
    let kept = s
        .attachments()
        .put(b"%PDF-1.4\n% evidence\n")
        .await
        .unwrap();
    let other = s.attachments().put(b"second file").await.unwrap();
    let out = db._dir.path().join("backup");
    let done = s.backup(&out).await.unwrap();
    assert!(done.bytes > 0);
    assert_eq!(done.attachments, 2);
    let listed = std::fs::read_to_string(&done.manifest).unwrap();
    let line = format!("{0}  sha256/{1}/{0}\n", kept.sha256, &kept.sha256[..2]);
    assert!(listed.contains(&line), "sha256sum form: {listed}");
    assert!(
        matches!(s.backup(&out).await, Err(StoreError::Conflict { .. })),
        "a backup never overwrites"
    );

    let target = match s.backend() {
        Backend::Sqlite => DbTarget::SqliteFile(db._dir.path().join("restored.db")),
        Backend::Postgres => DbTarget::Postgres(rectify_testkit::postgres_url()),
    };
    let data = Some(db._dir.path().join("data"));
    let restored = Store::restore(&target, &out, data.clone(), None)
        .await
        .unwrap();
    assert_eq!(restored.journal_entries, 5);
    let check = restored.attachments.unwrap();
    assert_eq!(
        (check.listed, check.missing.len(), check.damaged.len()),
        (2, 0, 0)
    );
    let copy = Store::open_initialised(&target, data.clone())
        .await
        .unwrap();
    assert_eq!(
        copy.journal_anchor().await.unwrap(),
        s.journal_anchor().await.unwrap()
    );
    assert!(matches!(
        copy.verify_journal().await.unwrap(),
        Verification::Intact { entries: 5, .. }
    ));
    assert_eq!(
        copy.org_units().await.unwrap(),
        s.org_units().await.unwrap()
    );

    std::fs::remove_file(s.attachments().path_of(&other.sha256).unwrap()).unwrap();
    std::fs::write(s.attachments().path_of(&kept.sha256).unwrap(), b"altered").unwrap();
    let check = copy.check_attachments(&done.manifest).await.unwrap();
    assert_eq!(
        (check.missing, check.damaged),
        (vec![other.sha256], vec![kept.sha256])
    );
    copy.close().await;

    let again = Store::restore(&target, &out, data, None).await;
    assert!(
        matches!(
            again,
            Err(StoreError::Conflict { .. } | StoreError::Invalid(_))
        ),
        "restored over a database that holds data: {again:?}"
    );
}

macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $case() {
                super::$case(super::TestDb::open(rectify_store::Backend::Sqlite).await).await
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $case() {
                super::$case(super::TestDb::open(rectify_store::Backend::Postgres).await).await
            })*
        }
    };
}

on_both_backends!(
    a_long_list_is_linked_across_its_inserts,
    a_refused_row_of_a_long_list_is_named,
    a_refused_row_of_a_long_sheet_is_named,
    a_long_register_sheet_goes_in_whole,
    migrations_are_idempotent,
    every_change_is_journaled_with_snapshots,
    the_last_enabled_admin_cannot_be_disabled,
    a_failed_change_leaves_no_trace,
    the_journal_refuses_update_and_delete,
    tampering_is_caught_by_verify,
    concurrent_writers_keep_one_chain,
    login_needs_the_right_password_and_an_enabled_account,
    air_data_round_trips_and_reimport_replaces_hours,
    water_data_round_trips_and_reimport_replaces_samples,
    plan_import_creates_updates_and_journals_changes,
    a_fresh_import_roots_new_units_under_the_city,
    a_tree_is_mended_by_moves_and_kinds,
    shared_items_run_through_their_tasks,
    a_reimport_keeps_approved_amendments_and_settles_conflicts,
    an_unresolved_group_is_a_warning_and_a_kept_list_resolves_it,
    calendar_notices_are_stored_and_replaced,
    complaints_are_scoped_to_the_viewers_units_in_the_query,
    a_scattered_enterprise_moves_by_rule_and_rebounds_on_patrol,
    a_bulletin_of_a_running_month_is_stated_as_of_today,
    parallel_logins_and_portal_posts_are_counted_atomically,
    a_recomputed_chain_is_caught_by_its_anchors,
    a_backup_restores_into_a_new_database_with_its_attachments,
);

#[tokio::test]
async fn sqlite_backup_is_a_verifiable_copy() {
    let db = TestDb::open(Backend::Sqlite).await;
    seed(&db).await;
    let out = db._dir.path().join("backup.db");
    let outcome = db.store.backup(&out).await.unwrap();
    assert!(outcome.bytes > 0 && outcome.manifest.exists());
    let copy = Store::open_initialised(&DbTarget::SqliteFile(out.clone()), None)
        .await
        .unwrap();
    assert!(matches!(
        copy.verify_journal().await.unwrap(),
        Verification::Intact { entries: 5, .. }
    ));
    assert!(matches!(
        db.store.backup(&out).await,
        Err(StoreError::Conflict { .. })
    ));
}

#[tokio::test]
async fn sqlite_files_are_in_wal_mode_with_foreign_keys() {
    let db = TestDb::open(Backend::Sqlite).await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(fk, 1);
}
