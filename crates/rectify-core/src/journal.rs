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
    let mut out = Vec::new();
    write_canonical(value, &mut out);
    // serde_json writes UTF-8 only, so this never falls back.
    String::from_utf8(out).unwrap_or_default()
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_scalar(key, out);
                out.push(b':');
                write_canonical(&map[key], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => write_scalar(scalar, out),
    }
}

/// A string, number, boolean or null exactly as serde_json writes it. Writing into a `Vec`
/// cannot fail.
fn write_scalar(value: &(impl serde::Serialize + ?Sized), out: &mut Vec<u8>) {
    let _ = serde_json::to_writer(&mut *out, value);
}

/// SHA-256 (lower-case hex) over `prev_hash`, a newline, and the canonical JSON object of the
/// entry's fields, with the snapshots given as their canonical text.
fn entry_hash(
    prev_hash: &str,
    head: &EntryHead<'_>,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let mut body = Vec::with_capacity(256 + before.map_or(0, str::len) + after.map_or(0, str::len));
    // Keys in code-point order, as `canonical_json` would sort them.
    let snapshot = |text: Option<&str>| text.unwrap_or("null").as_bytes().to_vec();
    body.extend_from_slice(b"{\"action\":");
    write_scalar(head.action, &mut body);
    body.extend_from_slice(b",\"actor\":");
    write_scalar(head.actor, &mut body);
    body.extend_from_slice(b",\"after\":");
    body.extend(snapshot(after));
    body.extend_from_slice(b",\"at\":");
    write_scalar(head.at, &mut body);
    body.extend_from_slice(b",\"before\":");
    body.extend(snapshot(before));
    body.extend_from_slice(b",\"entity\":");
    write_scalar(head.entity, &mut body);
    body.extend_from_slice(b",\"entity_id\":");
    write_scalar(head.entity_id, &mut body);
    body.extend_from_slice(b",\"seq\":");
    write_scalar(&head.seq, &mut body);
    body.push(b'}');
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(&body);
    hex::encode(hasher.finalize())
}

/// The scalar fields of an entry, borrowed for hashing.
struct EntryHead<'a> {
    seq: i64,
    at: &'a str,
    actor: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: &'a str,
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
        let before = self.before.as_ref().map(canonical_json);
        let after = self.after.as_ref().map(canonical_json);
        let hash = entry_hash(prev_hash, &self.head(), before.as_deref(), after.as_deref());
        JournalEntry {
            seq: self.seq,
            at: self.at,
            actor: self.actor,
            action: self.action,
            entity: self.entity,
            entity_id: self.entity_id,
            before,
            after,
            prev_hash: prev_hash.to_string(),
            hash,
        }
    }

    /// SHA-256 (lower-case hex) over `prev_hash`, a newline, and the canonical JSON of the fields.
    pub fn hash(&self, prev_hash: &str) -> String {
        let before = self.before.as_ref().map(canonical_json);
        let after = self.after.as_ref().map(canonical_json);
        entry_hash(prev_hash, &self.head(), before.as_deref(), after.as_deref())
    }

    fn head(&self) -> EntryHead<'_> {
        EntryHead {
            seq: self.seq,
            at: &self.at,
            actor: &self.actor,
            action: &self.action,
            entity: &self.entity,
            entity_id: &self.entity_id,
        }
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
    /// The chain is consistent in itself but no longer passes through a head recorded outside
    /// the database: history before that entry was rewritten and every later hash recomputed.
    #[error(
        "第 {seq} 条：与外部记录的链头不符（{witness}记为 {recorded}，现为 {stored}），此前的记录已被改写"
    )]
    Anchor {
        seq: i64,
        witness: String,
        recorded: String,
        stored: String,
    },
    /// A recorded head lies beyond the end of the journal: entries were cut off the end.
    #[error(
        "第 {seq} 条：{witness}记录的链头已不在日志中（日志只到第 {head} 条），末尾的记录已被删除"
    )]
    Truncated {
        seq: i64,
        witness: String,
        head: i64,
    },
}

impl ChainBreak {
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::SeqGap { found, .. } => *found,
            ChainBreak::Malformed { seq, .. }
            | ChainBreak::PrevHash { seq, .. }
            | ChainBreak::Hash { seq, .. }
            | ChainBreak::Anchor { seq, .. }
            | ChainBreak::Truncated { seq, .. } => *seq,
        }
    }
}

/// A journal head recorded outside the database — printed in a frozen bulletin, or noted from
/// `rectify audit anchor` — that the chain must still pass through. Whoever can write to the
/// database can recompute every hash after an edit; they cannot recall the paper.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Anchor {
    pub seq: i64,
    /// The entry's hash, lower-case hex.
    pub hash: String,
}

impl Anchor {
    /// Reads `SEQ:HASH` as `rectify audit anchor` prints it (the hash in either case).
    pub fn parse(text: &str) -> Option<Anchor> {
        let (seq, hash) = text.trim().split_once(':')?;
        let seq: i64 = seq.trim().parse().ok().filter(|s| *s > 0)?;
        let hash = hash.trim().to_ascii_lowercase();
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
            .then_some(Anchor { seq, hash })
    }
}

impl std::fmt::Display for Anchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

/// Checks a chain entry by entry, in `seq` order, without holding it in memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: i64,
    head_hash: String,
    /// Recorded heads by seq, each with where it was recorded.
    anchors: std::collections::BTreeMap<i64, Vec<(String, String)>>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            next_seq: 1,
            head_hash: GENESIS_HASH.to_string(),
            anchors: std::collections::BTreeMap::new(),
        }
    }
}

impl ChainVerifier {
    /// A verifier that also requires the chain to pass through each recorded head, given with
    /// where it was recorded (a bulletin, the command line).
    pub fn with_anchors(anchors: impl IntoIterator<Item = (String, Anchor)>) -> Self {
        let mut verifier = ChainVerifier::default();
        for (source, anchor) in anchors {
            verifier
                .anchors
                .entry(anchor.seq)
                .or_default()
                .push((source, anchor.hash));
        }
        verifier
    }

    /// After the last entry: every recorded head must have been reached.
    pub fn finish(&self) -> Result<(), ChainBreak> {
        match self.anchors.range(self.next_seq..).next() {
            Some((seq, sources)) => Err(ChainBreak::Truncated {
                seq: *seq,
                witness: sources.first().map(|(s, _)| s.clone()).unwrap_or_default(),
                head: self.verified(),
            }),
            None => Ok(()),
        }
    }

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
        check_snapshot(entry.seq, "before", entry.before.as_deref())?;
        check_snapshot(entry.seq, "after", entry.after.as_deref())?;
        let head = EntryHead {
            seq: entry.seq,
            at: &entry.at,
            actor: &entry.actor,
            action: &entry.action,
            entity: &entry.entity,
            entity_id: &entry.entity_id,
        };
        let (before, after) = (entry.before.as_deref(), entry.after.as_deref());
        let computed = entry_hash(&entry.prev_hash, &head, before, after);
        if computed != entry.hash {
            return Err(ChainBreak::Hash {
                seq: entry.seq,
                computed,
                stored: entry.hash.clone(),
            });
        }
        for (source, recorded) in self.anchors.get(&entry.seq).into_iter().flatten() {
            if *recorded != computed {
                return Err(ChainBreak::Anchor {
                    seq: entry.seq,
                    witness: source.clone(),
                    recorded: recorded.clone(),
                    stored: computed,
                });
            }
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
/// A stored snapshot must be JSON in canonical form, so that hashing its text is hashing its
/// value.
fn check_snapshot(seq: i64, field: &'static str, text: Option<&str>) -> Result<(), ChainBreak> {
    let Some(text) = text else { return Ok(()) };
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
    Ok(())
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
    fn the_direct_hash_equals_hashing_the_canonical_object() {
        let fields = EntryFields {
            seq: 42,
            at: "2019-09-27T02:00:00.000Z".into(),
            actor: "zgb \"整改办\"\u{1}".into(),
            action: "update".into(),
            entity: "item".into(),
            entity_id: "7".into(),
            before: Some(json!({"z": [1, "a\nb"], "a": {"y": null, "x": true}})),
            after: None,
        };
        let body = json!({
            "seq": fields.seq, "at": fields.at, "actor": fields.actor, "action": fields.action,
            "entity": fields.entity, "entity_id": fields.entity_id,
            "before": fields.before, "after": fields.after,
        });
        let mut hasher = Sha256::new();
        hasher.update(b"abc\n");
        hasher.update(canonical_json(&body).as_bytes());
        assert_eq!(fields.hash("abc"), hex::encode(hasher.finalize()));
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

    /// Rewrites entry `at` (1-based) and re-seals it and every later entry, as someone with
    /// write access to the database could.
    fn rewritten(mut c: Vec<JournalEntry>, at: usize) -> Vec<JournalEntry> {
        let mut prev = c[at - 2].hash.clone();
        for (i, entry) in c.iter_mut().enumerate().skip(at - 1) {
            let name = if i == at - 1 {
                "伪造".to_string()
            } else {
                format!("单位{}", i + 1)
            };
            *entry = fields(entry.seq, json!({"name": name, "n": entry.seq})).seal(&prev);
            prev = entry.hash.clone();
        }
        c
    }

    fn verify_anchored(entries: &[JournalEntry], anchors: &[Anchor]) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::with_anchors(
            anchors
                .iter()
                .map(|a| (format!("通报{}", a.seq), a.clone())),
        );
        for e in entries {
            v.check(e)?;
        }
        v.finish()?;
        Ok(v.verified())
    }

    #[test]
    fn a_recomputed_chain_verifies_alone_but_misses_its_anchor() {
        let c = chain(6);
        let anchor = Anchor {
            seq: 4,
            hash: c[3].hash.clone(),
        };
        assert_eq!(verify_anchored(&c, std::slice::from_ref(&anchor)), Ok(6));
        let forged = rewritten(c, 2);
        assert_eq!(verify(&forged), Ok(6), "a full recomputation is consistent");
        assert!(matches!(
            verify_anchored(&forged, &[anchor]),
            Err(ChainBreak::Anchor { seq: 4, ref witness, .. }) if witness == "通报4"
        ));
    }

    #[test]
    fn a_rewrite_after_the_anchor_does_not_move_it_but_a_cut_end_does() {
        let c = chain(6);
        let anchor = Anchor {
            seq: 3,
            hash: c[2].hash.clone(),
        };
        let forged = rewritten(c.clone(), 5);
        assert_eq!(
            verify_anchored(&forged, std::slice::from_ref(&anchor)),
            Ok(6)
        );
        let head = Anchor {
            seq: 6,
            hash: c[5].hash.clone(),
        };
        assert_eq!(
            verify_anchored(&c[..5], &[head]),
            Err(ChainBreak::Truncated {
                seq: 6,
                witness: "通报6".into(),
                head: 5
            })
        );
    }

    #[test]
    fn an_anchor_reads_as_printed() {
        let hash = "Ab".repeat(32);
        let anchor = Anchor::parse(&format!(" 12:{hash} ")).unwrap();
        assert_eq!(anchor.seq, 12);
        assert_eq!(anchor.to_string(), format!("12:{}", "ab".repeat(32)));
        assert_eq!(Anchor::parse(&anchor.to_string()), Some(anchor));
        for bad in [
            "12".to_string(),
            format!("0:{hash}"),
            format!("x:{hash}"),
            "3:abc".to_string(),
            format!("3:{}", "g".repeat(64)),
        ] {
            assert_eq!(Anchor::parse(&bad), None, "{bad}");
        }
    }
}
