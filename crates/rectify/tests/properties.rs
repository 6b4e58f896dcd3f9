//! Properties of the workflow (#23.8), with proptest: random sequences of actions by random
//! accounts on random items of the demo ledger, through `Store::act` as the CLI, the API and
//! the pages call it. After every sequence:
//! - the state stored for each item equals the state replayed from its journal entries;
//! - no action succeeded that the role table (README, "The workflow") forbids its account;
//! - a bulletin frozen after the sequence renders byte-identical from its stored version, and
//!   again after the ledger moved on.
//!
//! Each case runs on its own copy of one demo database. `PROPTEST_CASES` sets the number of
//! cases (default 8 here: each freezes and renders a bulletin, about 1.5 s in a debug build).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

mod common;

use proptest::prelude::*;
use rectify_core::action_input::Input;
use rectify_core::dispatch::AsOf;
use rectify_core::workflow::{Action, ActionKind};
use rectify_exact::date::Date;
use rectify_io::bulletin::{Format, Issue, document, render};
use rectify_store::workflow::ItemRef;
use rectify_store::{DbTarget, Store, StoreError};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The demo's accounts with the role each holds.
const ACCOUNTS: [(&str, &str); 10] = [
    ("admin", "admin"),
    ("zgb", "office"),
    ("wangjianguo", "leader"),
    ("liming", "supervisor"),
    ("beiling", "unit"),
    ("sthjj", "unit"),
    ("zjj", "unit"),
    ("yanshou", "acceptance"),
    ("jiwei", "discipline"),
    ("viewer", "viewer"),
];

/// Who may take each step, written out from the README's table rather than taken from the
/// code under test. 公示期满 (`close-notice`) is the clock's alone.
fn allowed(action: &str) -> &'static [&'static str] {
    match action {
        "issue" | "notice" | "object" | "uphold" | "dismiss" | "reopen" | "review" | "amend" => {
            &["office"]
        }
        "claim" | "submit" => &["unit"],
        "return" => &["acceptance", "office"],
        "start-acceptance" | "reject" | "accept" => &["acceptance"],
        "signoff" | "decide-amendment" => &["leader"],
        "recheck" => &["supervisor", "office"],
        _ => &[],
    }
}

/// The demo database, made once per test process by the binary at the tests' clock.
fn demo() -> &'static PathBuf {
    static DEMO: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DEMO
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let db = dir.path().join("demo.db");
            common::ok(&common::rectify(&["--db", &db.to_string_lossy(), "demo"]));
            (dir, db)
        })
        .1
}

/// A value for every field an action declares: a text, the day after today, a number, 否.
fn field_value(kind: ActionKind, name: &str, today: Date) -> Option<String> {
    let field = kind.fields().iter().find(|f| f.name == name)?;
    Some(match field.input {
        Input::Date => today.add_days(1).to_string(),
        Input::Number => "1".to_string(),
        Input::YesNo => "否".to_string(),
        _ => format!("性质测试填写的{}", field.label),
    })
}

/// The state each item's journal ends in: the `state` of the last snapshot that has one.
async fn replayed_states(store: &Store) -> HashMap<String, String> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT entity_id, after_json FROM journal WHERE entity = 'item' ORDER BY seq",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut states = HashMap::new();
    for (id, after) in rows {
        let after: serde_json::Value = after.as_deref().map_or(serde_json::Value::Null, |a| {
            serde_json::from_str(a).unwrap()
        });
        if let Some(state) = after["state"].as_str() {
            states.insert(id, state.to_string());
        }
    }
    states
}

fn html(facts: &rectify_core::bulletin::BulletinFacts, version: u32, date: &str) -> Vec<u8> {
    let issue = Issue {
        issuer: "市生态环境保护督察整改工作领导小组办公室",
        version,
        date,
        cjk_font: None,
    };
    render(facts, &document(facts, &issue), Format::Html).unwrap()
}

/// Items of the demo in every stage (在办, 申请验收, 验收中, 公示, 销号, 长期坚持, 重新打开), so
/// that steps meet on the same items and move them on.
const ITEMS: [u32; 10] = [1, 3, 5, 9, 14, 16, 17, 21, 27, 38];

/// One step: an action (index into `ActionKind::ALL`), an item (index into `ITEMS`), whether
/// the account is drawn among those the role table allows (else among all), and which.
type Step = (usize, usize, bool, usize);

/// The account a step acts as.
fn account(action: ActionKind, fitting: bool, pick: usize) -> (&'static str, &'static str) {
    let fit: Vec<_> = ACCOUNTS
        .iter()
        .filter(|(_, role)| allowed(action.code()).contains(role))
        .collect();
    match (fitting, fit.is_empty()) {
        (true, false) => *fit[pick % fit.len()],
        _ => ACCOUNTS[pick % ACCOUNTS.len()],
    }
}

fn run_case(steps: &[Step]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("case.db");
    std::fs::copy(demo(), &db).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store =
            Store::open_initialised(&DbTarget::SqliteFile(db), Some(dir.path().join("data")))
                .await
                .unwrap();
        let today = common::test_today();
        let calendar = store.work_calendar().await.unwrap();
        let kinds = ActionKind::ALL;
        for &(action, item, fitting, pick) in steps {
            let kind = kinds[action % kinds.len()];
            let (username, role) = account(kind, fitting, pick);
            let number = ITEMS[item % ITEMS.len()];
            let actor = store.actor(username).await.unwrap();
            let Ok(action) = Action::from_fields(kind, |name| field_value(kind, name, today))
            else {
                continue;
            };
            let item = ItemRef { plan: None, number };
            match store.act(&actor, item, action, today, &calendar).await {
                Ok(_) => {
                    prop_assert!(
                        allowed(kind.code()).contains(&role),
                        "{username} ({role}) took {} on item {number}",
                        kind.code()
                    );
                }
                Err(
                    StoreError::Refused(_) | StoreError::NotFound { .. } | StoreError::Invalid(_),
                ) => {}
                Err(other) => prop_assert!(false, "{} by {username}: {other}", kind.code()),
            }
        }

        let stored: Vec<(String, String)> =
            sqlx::query_as("SELECT CAST(id AS TEXT), state FROM items")
                .fetch_all(store.pool())
                .await
                .unwrap();
        let replayed = replayed_states(&store).await;
        for (id, state) in &stored {
            prop_assert_eq!(Some(state), replayed.get(id), "item row {}", id);
        }

        let as_of = AsOf::for_period(today.year, today.month, today).unwrap();
        let facts = rectify_app::bulletin::facts_for(&store, as_of)
            .await
            .unwrap();
        let (frozen, facts) = store.freeze_bulletin("test", &facts, today).await.unwrap();
        let first = html(&facts, frozen.version, &frozen.issued_on);
        let (again, stored_facts) = store
            .bulletin(&frozen.period, Some(frozen.version))
            .await
            .unwrap();
        prop_assert_eq!(
            &first,
            &html(&stored_facts, again.version, &again.issued_on)
        );
        // The ledger moves on (a criticism turns an item red); the frozen version does not.
        store
            .record_criticism(
                "test",
                ItemRef {
                    plan: None,
                    number: 1,
                },
                today,
                "省督察整改办",
                "",
            )
            .await
            .unwrap();
        let (later, later_facts) = store
            .bulletin(&frozen.period, Some(frozen.version))
            .await
            .unwrap();
        prop_assert_eq!(&first, &html(&later_facts, later.version, &later.issued_on));
        store.close().await;
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(8),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_actions_keep_state_journal_roles_and_bulletins_consistent(
        steps in proptest::collection::vec(
            (0..ActionKind::ALL.len(), 0..ITEMS.len(), any::<bool>(), 0..ACCOUNTS.len()),
            1..60,
        )
    ) {
        run_case(&steps)?;
    }
}
