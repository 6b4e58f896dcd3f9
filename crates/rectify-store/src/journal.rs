//! Appending to and reading the hash-chained journal.
//!
//! There is deliberately no function here that updates or deletes a journal row, and triggers
//! on both backends reject such statements from anywhere else.

use crate::bind::{Bind, clean_json};
use crate::{Backend, Store, StoreError, now_utc, placeholders};
use rectify_core::journal::{
    Anchor, ChainBreak, ChainVerifier, EntryFields, GENESIS_HASH, JournalEntry,
};
use rectify_core::text::clean_text;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// PostgreSQL's one write lock, held to the end of the transaction.
pub(crate) const WRITE_LOCK: &str = "SELECT pg_advisory_xact_lock(7310002)";

/// One change to domain data, described by the code that makes it.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Appends `change` inside the caller's write transaction, so the entry commits or rolls back
/// together with the change it records.
pub async fn append(
    conn: &mut AnyConnection,
    backend: Backend,
    change: Change<'_>,
) -> Result<JournalEntry, StoreError> {
    let mut entries = append_all(conn, backend, vec![change]).await?;
    entries
        .pop()
        .ok_or_else(|| StoreError::Invalid("journal entry not written".into()))
}

/// Appends several changes in order with one head lookup and multi-row inserts: an import of
/// thousands of items must not pay two round trips per entry.
pub async fn append_all(
    conn: &mut AnyConnection,
    backend: Backend,
    changes: Vec<Change<'_>>,
) -> Result<Vec<JournalEntry>, StoreError> {
    if backend == Backend::Postgres {
        // Concurrent writers would otherwise both chain onto the same head. `begin_write` has
        // taken it already; taken again (it nests) for a transaction begun otherwise.
        sqlx::query(WRITE_LOCK).execute(&mut *conn).await?;
    }
    let head = sqlx::query("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (mut seq, mut prev_hash) = match head {
        Some(row) => (row.try_get::<i64, _>(0)?, row.try_get::<String, _>(1)?),
        None => (0, GENESIS_HASH.to_string()),
    };
    let at = now_utc();
    let mut entries = Vec::with_capacity(changes.len());
    for change in changes {
        seq += 1;
        // Cleaned before sealing, as the bind gate would clean them when stored, so the hash
        // covers exactly the stored text.
        let snapshot = |value: Option<Value>| {
            value.map(|mut v| {
                clean_json(&mut v);
                v
            })
        };
        let entry = EntryFields {
            seq,
            at: at.clone(),
            actor: clean_text(change.actor),
            action: clean_text(change.action),
            entity: clean_text(change.entity),
            entity_id: clean_text(&change.entity_id),
            before: snapshot(change.before),
            after: snapshot(change.after),
        }
        .seal(&prev_hash);
        prev_hash = entry.hash.clone();
        entries.push(entry);
    }
    for chunk in entries.chunks(JOURNAL_ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO journal (seq, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash) VALUES {}",
            placeholders(backend, chunk.len(), 10)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for entry in chunk {
            query = query
                .arg(entry.seq)
                .arg(entry.at.clone())
                .arg(entry.actor.clone())
                .arg(entry.action.clone())
                .arg(entry.entity.clone())
                .arg(entry.entity_id.clone())
                .arg(entry.before.clone())
                .arg(entry.after.clone())
                .arg(entry.prev_hash.clone())
                .arg(entry.hash.clone());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(entries)
}

/// The newest entry's seq and hash as seen on `conn` (inside a transaction: as of it).
pub(crate) async fn head_in(conn: &mut AnyConnection) -> Result<Option<Anchor>, StoreError> {
    let head = sqlx::query("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    head.map(|row| {
        Ok(Anchor {
            seq: row.try_get(0)?,
            hash: row.try_get(1)?,
        })
    })
    .transpose()
}

/// 10 columns × 90 rows stays under SQLite's 999-variable limit of old builds.
const JOURNAL_ROWS_PER_INSERT: usize = 90;

const SELECT_ENTRY: &str = "SELECT seq, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash FROM journal";

fn entry_from_row(row: &AnyRow) -> Result<JournalEntry, sqlx::Error> {
    Ok(JournalEntry {
        seq: row.try_get(0)?,
        at: row.try_get(1)?,
        actor: row.try_get(2)?,
        action: row.try_get(3)?,
        entity: row.try_get(4)?,
        entity_id: row.try_get(5)?,
        before: row.try_get(6)?,
        after: row.try_get(7)?,
        prev_hash: row.try_get(8)?,
        hash: row.try_get(9)?,
    })
}

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact { entries: i64, head_hash: String },
    Broken(ChainBreak),
}

/// Rows fetched per round trip while verifying; bounds memory on a long journal.
const VERIFY_PAGE: i64 = 2_000;

impl Store {
    /// Walks the journal from the first entry and stops at the first inconsistency.
    pub async fn verify_journal(&self) -> Result<Verification, StoreError> {
        self.verify_journal_anchored(Vec::new()).await
    }

    /// As `verify_journal`, and the chain must also pass through every head recorded outside
    /// the database (each given with where it was recorded) and reach the newest of them.
    pub async fn verify_journal_anchored(
        &self,
        anchors: Vec<(String, Anchor)>,
    ) -> Result<Verification, StoreError> {
        let mut verifier = ChainVerifier::with_anchors(anchors);
        let mut after_seq = 0_i64;
        loop {
            let sql = format!("{SELECT_ENTRY} WHERE seq > $1 ORDER BY seq LIMIT $2");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .arg(after_seq)
                .arg(VERIFY_PAGE)
                .fetch_all(self.pool())
                .await?;
            for row in &rows {
                let entry = entry_from_row(row)?;
                if let Err(brk) = verifier.check(&entry) {
                    return Ok(Verification::Broken(brk));
                }
                after_seq = entry.seq;
            }
            if (rows.len() as i64) < VERIFY_PAGE {
                break;
            }
        }
        if let Err(brk) = verifier.finish() {
            return Ok(Verification::Broken(brk));
        }
        Ok(Verification::Intact {
            entries: verifier.verified(),
            head_hash: verifier.head_hash().to_string(),
        })
    }

    /// The newest journal sequence number (0 for an empty journal). Every change to ledger
    /// data appends an entry, so an unchanged head means unchanged data.
    pub async fn journal_head(&self) -> Result<i64, StoreError> {
        let head: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM journal")
            .fetch_one(self.pool())
            .await?;
        Ok(head.unwrap_or(0))
    }

    /// The newest entry's seq and hash, to be recorded outside the database (`rectify audit
    /// anchor`); `None` for an empty journal.
    pub async fn journal_anchor(&self) -> Result<Option<Anchor>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        head_in(&mut conn).await
    }

    /// The most recent entries, newest first.
    pub async fn recent_journal(&self, limit: i64) -> Result<Vec<JournalEntry>, StoreError> {
        let sql = format!("{SELECT_ENTRY} ORDER BY seq DESC LIMIT $1");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .arg(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(entry_from_row).collect::<Result<_, _>>()?)
    }

    /// Every entry about one entity, oldest first: the timeline of an item or a user.
    pub async fn journal_for(
        &self,
        entity: &str,
        entity_id: &str,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let sql = format!("{SELECT_ENTRY} WHERE entity = $1 AND entity_id = $2 ORDER BY seq");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .arg(entity)
            .arg(entity_id)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(entry_from_row).collect::<Result<_, _>>()?)
    }
}

impl Store {
    /// For each item, the business date (`facts.on`) and action of the latest of the given
    /// workflow actions, e.g. when an item entered the step it waits at.
    pub async fn latest_item_actions(
        &self,
        actions: &[&str],
    ) -> Result<std::collections::HashMap<i64, (String, rectify_exact::date::Date)>, StoreError>
    {
        let list: Vec<String> = (1..=actions.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT entity_id, action, after_json FROM journal
             WHERE entity = 'item' AND action IN ({}) ORDER BY seq",
            list.join(", ")
        );
        let mut query =
            sqlx::query_as::<_, (String, String, Option<String>)>(sqlx::AssertSqlSafe(sql));
        for action in actions {
            query = query.arg(action.to_string());
        }
        let mut latest = std::collections::HashMap::new();
        for (id, action, after) in query.fetch_all(self.pool()).await? {
            let after: Value = after
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok())
                .unwrap_or_default();
            let on = after["facts"]["on"]
                .as_str()
                .and_then(rectify_exact::date::Date::parse);
            if let (Ok(id), Some(on)) = (id.parse::<i64>(), on) {
                latest.insert(id, (action, on));
            }
        }
        Ok(latest)
    }
}

/// The journal of an item together with that of its progress reports and evidence files, in
/// journal order (one query; `journal_entity` indexes each branch).
pub(crate) async fn item_journal(
    conn: &mut sqlx::AnyConnection,
    item_id: i64,
) -> Result<Vec<JournalEntry>, StoreError> {
    let sql = format!(
        "{SELECT_ENTRY} WHERE (entity = 'item' AND entity_id = $1)
            OR (entity = 'progress_report' AND entity_id IN
                (SELECT CAST(id AS TEXT) FROM progress_reports WHERE item_id = $2))
            OR (entity = 'evidence' AND entity_id IN
                (SELECT CAST(id AS TEXT) FROM evidence WHERE item_id = $2))
            OR (entity = 'item_tasks' AND entity_id = $1)
            OR (entity = 'item_task' AND entity_id LIKE $3)
         ORDER BY seq"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .arg(item_id.to_string())
        .arg(item_id)
        .arg(format!("{item_id}/%"))
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().map(entry_from_row).collect::<Result<_, _>>()?)
}
