//! The standing registers (散乱污, construction sites, contaminated plots …): entries of every kind
//! in one table, their moves checked by `rectify_core::register`, inspections, evidence in the
//! attachment store, links to items and complaints; every change journaled.

use crate::bind::Bind;
use crate::journal::{Change, append, append_all};
use crate::workflow::{ItemRef, find_item};
use crate::{Backend, Store, StoreError, invalid_stored, now_utc, stored_date, stored_int};
use rectify_core::complaint::similar::{Described, Earlier};
use rectify_core::ledger::{ItemState, split_person};
use rectify_core::register::monthly::{self, EntryHistory, EntryMove, RegisterMonth};
use rectify_core::register::{
    CheckLine, CreditCode, Details, EntryRecord, Identity, Inspection, Kind, MoveContext, NewEntry,
    open_findings, scattered,
};
use rectify_core::workflow::{Viewer, Visibility};
use rectify_exact::date::Date;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::any::{Any, AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};

/// A state change on the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoveRecord {
    pub on: Date,
    pub from: String,
    pub to: String,
    pub reason: String,
    pub rebound: bool,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectionRecord {
    pub id: i64,
    #[serde(flatten)]
    pub inspection: Inspection,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisterEvidence {
    pub id: i64,
    pub inspection_id: Option<i64>,
    pub kind: String,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// An item or complaint an entry is linked with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryLink {
    /// (plan, number) of an item.
    pub item: Option<(String, u32)>,
    pub complaint: Option<String>,
    pub linked_on: Date,
}

/// An entry with its timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryDetail {
    #[serde(flatten)]
    pub record: EntryRecord,
    pub moves: Vec<MoveRecord>,
    pub inspections: Vec<InspectionRecord>,
    pub evidence: Vec<RegisterEvidence>,
    pub links: Vec<EntryLink>,
    /// Failed inspections not yet closed by a passing re-check.
    pub open_findings: Vec<i64>,
}

impl EntryDetail {
    /// Refuses an inspection id that is not one of this entry's.
    fn own_inspection(&self, id: Option<i64>, what: &str) -> Result<(), StoreError> {
        match id {
            Some(id) if !self.inspections.iter().any(|i| i.id == id) => {
                Err(StoreError::Refused(format!("{what} {id} 不属于该名录")))
            }
            _ => Ok(()),
        }
    }
}

/// The entries of a kind in a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateCount {
    pub kind: Kind,
    pub state: String,
    pub entries: usize,
    /// Of those, the ones that rebounded at least once.
    pub rebounded: usize,
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct RegisterFilter {
    pub kind: Option<Kind>,
    pub county: Option<String>,
    pub state: Option<String>,
    /// Only entries in these org units (a viewer's subtree); `None`: all.
    pub units: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegisterImportSummary {
    pub added: u32,
    pub updated: u32,
    pub unchanged: u32,
}

/// A new evidence file on an entry.
pub struct NewRegisterEvidence<'a> {
    pub inspection_id: Option<i64>,
    /// What it shows ("断水", "现场照片", "调查报告" …), as the kind's rules name it.
    pub kind: &'a str,
    pub file_name: &'a str,
    pub file: &'a crate::attachments::Upload,
}

const SELECT_ENTRY: &str =
    "SELECT e.id, e.kind, e.name, e.credit_code, e.address, o.name, e.township,
        e.longitude, e.latitude, e.state, e.details_json, e.rebounds, e.created_on, e.county_id
     FROM register_entries e JOIN org_units o ON o.id = e.county_id";

impl Store {
    /// Adds new entries and updates stored ones (same kind, county and name) in one
    /// transaction; a stored entry's state is never set by a file. `dry_run` rolls back.
    pub async fn upsert_register_entries(
        &self,
        actor: &str,
        kind: Kind,
        entries: &[NewEntry],
        dry_run: bool,
    ) -> Result<RegisterImportSummary, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut summary = RegisterImportSummary::default();
        let mut changes = Vec::new();
        // Two queries whatever the file's length: the org units, and the kind's stored entries.
        let units = org_unit_ids(&mut tx).await?;
        let mut stored_entries: HashMap<(i64, String), EntryRecord> = sqlx::query(
            sqlx::AssertSqlSafe(format!("{SELECT_ENTRY} WHERE e.kind = $1")),
        )
        .arg(kind.code())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| {
            let e = entry_row(row)?;
            Ok(((e.county_id, e.identity.name.clone()), e))
        })
        .collect::<Result<_, StoreError>>()?;
        let mut pending = PendingEntries::new(&mut tx, self.backend()).await?;
        for (row, entry) in entries.iter().enumerate() {
            let at = |e: StoreError| {
                StoreError::Invalid(format!("第{}条“{}”：{e}", row + 1, entry.identity.name))
            };
            if entry.details.kind() != kind {
                return Err(at(StoreError::Invalid(format!("不是{}", kind.label_zh()))));
            }
            let county = entry.identity.county.trim();
            let county_id = *units.get(county).ok_or_else(|| {
                at(StoreError::NotFound {
                    what: "所在县（区）",
                    key: county.to_string(),
                })
            })?;
            let key = (county_id, entry.identity.name.trim().to_string());
            match stored_entries.get(&key) {
                None => {
                    let state = entry_state(kind, entry).map_err(at)?;
                    let record = pending
                        .add(&mut tx, (row + 1, kind), county_id, entry, state)
                        .await?;
                    summary.added += 1;
                    changes.push(entry_change(actor, "create", None, &record));
                    stored_entries.insert(key, record);
                }
                Some(before) => {
                    if entry
                        .state
                        .as_deref()
                        .is_some_and(|s| kind.parse_state(s) != Some(before.state.as_str()))
                    {
                        return Err(at(StoreError::Refused(format!(
                            "状态已是“{}”，状态变更须通过流转办理，不能由文件改写",
                            before.state_label
                        ))));
                    }
                    // Name and county are the key: as stored, however the file wrote them.
                    let identity = Identity {
                        name: before.identity.name.clone(),
                        county: before.identity.county.clone(),
                        ..entry.identity.clone()
                    };
                    let mut details = entry.details.clone();
                    details.carry_over(&before.details);
                    let after = EntryRecord {
                        identity,
                        details,
                        ..before.clone()
                    };
                    if after == *before {
                        summary.unchanged += 1;
                        continue;
                    }
                    // An entry added by an earlier row of this file may still be queued.
                    pending.store(&mut tx, before.id).await?;
                    update_entry(&mut tx, &after).await?;
                    summary.updated += 1;
                    changes.push(entry_change(actor, "update", Some(before), &after));
                    stored_entries.insert(key, after);
                }
            }
        }
        pending.finish(&mut tx).await?;
        append_all(&mut tx, self.backend(), changes).await?;
        crate::commit_unless(tx, dry_run).await?;
        Ok(summary)
    }

    pub async fn register_entries(
        &self,
        filter: &RegisterFilter,
    ) -> Result<Vec<EntryRecord>, StoreError> {
        let mut sql = format!("{SELECT_ENTRY} WHERE 1 = 1");
        let mut binds: Vec<String> = Vec::new();
        let mut bind = |sql: &mut String, clause: &str, value: String| {
            binds.push(value);
            sql.push_str(&clause.replace('?', &format!("${}", binds.len())));
        };
        if let Some(kind) = filter.kind {
            bind(&mut sql, " AND e.kind = ?", kind.code().to_string());
        }
        if let Some(county) = &filter.county {
            bind(&mut sql, " AND o.name = ?", county.clone());
        }
        if let Some(state) = &filter.state {
            bind(&mut sql, " AND e.state = ?", state.clone());
        }
        if let Some(units) = &filter.units {
            sql.push_str(&format!(" AND {}", in_units("e.county_id", units)));
        }
        sql.push_str(" ORDER BY o.sort_order, o.id, e.name");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in binds {
            query = query.arg(value);
        }
        let rows = query.fetch_all(self.pool()).await?;
        let mut entries: Vec<EntryRecord> = rows.iter().map(entry_row).collect::<Result<_, _>>()?;
        // Kinds in their declared order, not their codes' alphabetical one.
        entries.sort_by_key(|e| Kind::ALL.iter().position(|k| *k == e.kind));
        Ok(entries)
    }

    /// How many entries each kind has in each state, and how many of those rebounded, in the
    /// given org units (`None`: all): one query for tab counts and dashboard tiles.
    pub async fn register_state_counts(
        &self,
        units: Option<&[i64]>,
    ) -> Result<Vec<StateCount>, StoreError> {
        let scope = units.map_or_else(String::new, |units| {
            format!(" WHERE {}", in_units("county_id", units))
        });
        let sql = format!(
            "SELECT kind, state, COUNT(*), SUM(CASE WHEN rebounds > 0 THEN 1 ELSE 0 END)
             FROM register_entries{scope} GROUP BY kind, state"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                let kind: String = r.try_get(0)?;
                let count = |i| -> Result<usize, StoreError> {
                    Ok(usize::try_from(r.try_get::<i64, _>(i)?).unwrap_or(0))
                };
                Ok(StateCount {
                    kind: Kind::parse(&kind).ok_or_else(|| invalid_stored("名录类型"))?,
                    state: r.try_get(1)?,
                    entries: count(2)?,
                    rebounded: count(3)?,
                })
            })
            .collect()
    }

    /// One entry with its moves, inspections, evidence and links.
    pub async fn register_entry(&self, id: i64) -> Result<EntryDetail, StoreError> {
        let mut conn = self.pool().acquire().await?;
        load_detail(&mut conn, id).await
    }

    /// Moves the entry to the state `to` (a code or label of its kind) if its kind's rules
    /// allow it on the evidence, inspections and reason given; a rebound counts.
    pub async fn move_register_entry(
        &self,
        actor: &str,
        id: i64,
        to: &str,
        on: Date,
        reason: &str,
    ) -> Result<EntryRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let detail = load_detail(&mut tx, id).await?;
        let record = move_entry(&mut tx, self, actor, &detail, to, on, reason).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Records an inspection. A patrol that finds activity on a signed-off entry reopens it as
    /// a rebound (反弹), in the same transaction.
    pub async fn record_inspection(
        &self,
        actor: &str,
        id: i64,
        inspection: &Inspection,
    ) -> Result<i64, StoreError> {
        inspection.check().map_err(StoreError::Refused)?;
        let mut tx = self.begin_write().await?;
        let detail = load_detail(&mut tx, id).await?;
        detail.own_inspection(inspection.rechecks, "复查的检查记录")?;
        let inspection_id: i64 = sqlx::query_scalar(
            "INSERT INTO register_inspections (entry_id, on_date, inspector, lines_json, finding,
                activity_found, deadline, rechecks, recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .arg(id)
        .arg(inspection.on.to_string())
        .arg(inspection.by.clone())
        .arg(serde_json::to_string(&inspection.lines).unwrap_or_else(|_| "[]".into()))
        .arg(inspection.finding.clone())
        .arg(i64::from(inspection.activity_found))
        .arg(inspection.deadline.map(|d| d.to_string()))
        .arg(inspection.rechecks)
        .arg(actor)
        .fetch_one(&mut *tx)
        .await?;
        journal_fact(
            &mut tx,
            self,
            actor,
            "inspect",
            id,
            json!({"inspection": inspection_id, "record": inspection}),
        )
        .await?;
        let rebound = detail.record.details.rebound_to(&detail.record.state);
        if inspection.activity_found
            && let Some(to) = rebound
        {
            let reason = format!("{} 巡查发现反弹：{}", inspection.on, inspection.finding);
            move_entry(&mut tx, self, actor, &detail, to, inspection.on, &reason).await?;
        }
        tx.commit().await?;
        Ok(inspection_id)
    }

    /// Changes the entry's own fields through `change` (which may refuse, saying why), journaled
    /// with the fields before and after.
    pub async fn update_register_details(
        &self,
        actor: &str,
        id: i64,
        change: impl FnOnce(&mut Details) -> Result<(), String>,
    ) -> Result<EntryRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let before = load_detail(&mut tx, id).await?.record;
        let mut after = before.clone();
        change(&mut after.details)
            .map_err(|e| StoreError::Refused(format!("{}：{e}", before.identity.name)))?;
        update_entry(&mut tx, &after).await?;
        append(
            &mut tx,
            self.backend(),
            entry_change(actor, "update", Some(&before), &after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Stores an evidence file on the entry (or one of its inspections), journaled.
    pub async fn add_register_evidence(
        &self,
        actor: &str,
        id: i64,
        new: NewRegisterEvidence<'_>,
    ) -> Result<i64, StoreError> {
        if new.kind.trim().is_empty() {
            return Err(StoreError::Invalid(
                "须写明材料类型（如 断水、现场照片）".into(),
            ));
        }
        let media_type = self.accepted_media_type(new.file_name, new.file).await?;
        let mut tx = self.begin_write().await?;
        let detail = load_detail(&mut tx, id).await?;
        detail.own_inspection(new.inspection_id, "检查记录")?;
        let stored = self.attachments().keep(new.file).await?;
        let evidence_id: i64 = sqlx::query_scalar(
            "INSERT INTO register_evidence (entry_id, inspection_id, kind, file_name, sha256, size,
                media_type, uploaded_by, uploaded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .arg(id)
        .arg(new.inspection_id)
        .arg(new.kind.trim())
        .arg(new.file_name)
        .arg(stored.sha256.clone())
        .arg(stored.size as i64)
        .arg(media_type)
        .arg(actor)
        .arg(now_utc())
        .fetch_one(&mut *tx)
        .await?;
        journal_fact(
            &mut tx,
            self,
            actor,
            "evidence",
            id,
            json!({
                "evidence": evidence_id, "inspection": new.inspection_id, "kind": new.kind.trim(),
                "file_name": new.file_name, "sha256": stored.sha256, "size": stored.size,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(evidence_id)
    }

    /// Links the entry with a ledger item or a complaint (by 受理编号), journaled. `scope` is the
    /// acting user's view (`None`: the operator of the database, who sees everything): each end
    /// outside it is answered like a missing one, so a link never reaches another unit's data.
    pub async fn link_register_entry(
        &self,
        actor: &str,
        scope: Option<&Viewer>,
        id: i64,
        item: Option<ItemRef<'_>>,
        complaint: Option<&str>,
        on: Date,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let entry = load_detail(&mut tx, id).await?;
        let sees_unit = |unit: Option<i64>| {
            scope.is_none_or(|v| v.sees_everything() || unit.is_some_and(|u| v.units.contains(&u)))
        };
        if !sees_unit(Some(entry.record.county_id)) {
            return Err(StoreError::NotFound {
                what: "名录条目",
                key: id.to_string(),
            });
        }
        let item_id = match item {
            Some(item) => {
                let item_id = find_item(&mut tx, item).await?;
                if let Some(viewer) = scope
                    && !item_visible(&mut tx, viewer, item_id).await?
                {
                    return Err(StoreError::NotFound {
                        what: "整改问题",
                        key: format!("第{}项", item.number),
                    });
                }
                Some(item_id)
            }
            None => None,
        };
        let complaint_id: Option<i64> = match complaint {
            Some(no) => {
                let row: Option<(i64, Option<i64>)> =
                    sqlx::query_as("SELECT id, unit_id FROM complaints WHERE received_no = $1")
                        .arg(no.trim())
                        .fetch_optional(&mut *tx)
                        .await?;
                match row {
                    Some((id, unit)) if sees_unit(unit) => Some(id),
                    _ => {
                        return Err(StoreError::NotFound {
                            what: "信访件",
                            key: no.to_string(),
                        });
                    }
                }
            }
            None => None,
        };
        if item_id.is_none() && complaint_id.is_none() {
            return Err(StoreError::Invalid("须指定关联的问题或信访件".into()));
        }
        insert_link(&mut tx, id, item_id, complaint_id, on).await?;
        journal_fact(
            &mut tx,
            self,
            actor,
            "link",
            id,
            json!({"item": item_id, "complaint": complaint, "on": on}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Each register's sheet for the month ending `as_of`, in the kinds' order; kinds without
    /// entries by then are left out.
    pub async fn register_months(
        &self,
        first_day: Date,
        as_of: Date,
    ) -> Result<Vec<RegisterMonth>, StoreError> {
        let entries = self.register_entries(&RegisterFilter::default()).await?;
        let mut histories: HashMap<i64, (Kind, EntryHistory)> = entries
            .into_iter()
            .map(|e| {
                let history = EntryHistory {
                    name: e.identity.name,
                    county: e.identity.county,
                    created_on: e.created_on,
                    state: e.state,
                    moves: Vec::new(),
                    inspections: Vec::new(),
                };
                (e.id, (e.kind, history))
            })
            .collect();
        let moves = sqlx::query(
            "SELECT entry_id, on_date, from_state, to_state, rebound, reason FROM register_moves ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        for r in &moves {
            if let Some((_, h)) = histories.get_mut(&r.try_get::<i64, _>(0)?) {
                h.moves.push(EntryMove {
                    on: stored_date(&r.try_get::<String, _>(1)?)?,
                    from: r.try_get(2)?,
                    to: r.try_get(3)?,
                    rebound: r.try_get::<i64, _>(4)? != 0,
                    reason: r.try_get(5)?,
                });
            }
        }
        let inspections = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT_INSPECTION} ORDER BY i.id"
        )))
        .fetch_all(self.pool())
        .await?;
        for r in &inspections {
            let (entry, record) = inspection_row(r)?;
            if let Some((_, h)) = histories.get_mut(&entry) {
                let x = &record.inspection;
                h.inspections.push((x.on, x.passed()));
            }
        }
        Ok(Kind::ALL
            .iter()
            .filter_map(|kind| {
                let of_kind: Vec<EntryHistory> = histories
                    .values()
                    .filter(|(k, _)| k == kind)
                    .map(|(_, h)| h.clone())
                    .collect();
                monthly::month(*kind, &of_kind, first_day, as_of)
            })
            .collect())
    }

    /// The construction sites that failed inspections on at least `register.site.repeat_times`
    /// days (default 2) within the `register.site.repeat_days` (default 90) up to `on`.
    pub async fn repeat_offenders(&self, on: Date) -> Result<Vec<i64>, StoreError> {
        let days = self
            .setting_u32("register.site.repeat_days")
            .await?
            .unwrap_or(90);
        let times = self
            .setting_u32("register.site.repeat_times")
            .await?
            .unwrap_or(2);
        let sql = format!(
            "{SELECT_INSPECTION} JOIN register_entries e ON e.id = i.entry_id
             WHERE e.kind = $1 ORDER BY i.entry_id, i.on_date"
        );
        let mut by_site: BTreeMap<i64, Vec<Inspection>> = BTreeMap::new();
        for row in sqlx::query(sqlx::AssertSqlSafe(sql))
            .arg(Kind::Site.code())
            .fetch_all(self.pool())
            .await?
            .iter()
        {
            let (site, record) = inspection_row(row)?;
            by_site.entry(site).or_default().push(record.inspection);
        }
        let window = i32::try_from(days).unwrap_or(i32::MAX);
        let mut offenders = Vec::new();
        for (site, inspections) in by_site {
            if rectify_core::register::site::repeat_offender(
                &inspections,
                on,
                window,
                times as usize,
            ) {
                offenders.push(site);
            }
        }
        Ok(offenders)
    }

    /// The construction-site checklist: the setting `register.site.checklist` (a JSON array of
    /// strings), or the six 100% items.
    pub async fn site_checklist(&self) -> Result<Vec<String>, StoreError> {
        let configured = self.setting("register.site.checklist").await?;
        let items: Option<Vec<String>> = configured.and_then(|v| serde_json::from_value(v).ok());
        Ok(items.filter(|items| !items.is_empty()).unwrap_or_else(|| {
            rectify_core::register::site::DEFAULT_CHECKLIST
                .iter()
                .map(|s| s.to_string())
                .collect()
        }))
    }

    /// What each 红黄蓝绿 label means: the city's text (setting `register.chemical.colours`, an
    /// object from colour to text) over the defaults, red first.
    pub async fn chemical_meanings(&self) -> Result<Vec<(String, String)>, StoreError> {
        let configured = self.setting("register.chemical.colours").await?;
        Ok(rectify_core::register::chemical::DEFAULT_MEANINGS
            .iter()
            .map(|(colour, default)| {
                let label = colour.label_zh();
                let text = configured
                    .as_ref()
                    .and_then(|c| c.get(label))
                    .and_then(Value::as_str)
                    .unwrap_or(default);
                (label.to_string(), text.to_string())
            })
            .collect())
    }

    /// An evidence file's record and the entry it belongs to, for a download.
    pub async fn register_evidence(&self, id: i64) -> Result<(i64, RegisterEvidence), StoreError> {
        let entry_id: Option<i64> =
            sqlx::query_scalar("SELECT entry_id FROM register_evidence WHERE id = $1")
                .arg(id)
                .fetch_optional(self.pool())
                .await?;
        let not_found = || StoreError::NotFound {
            what: "名录材料",
            key: id.to_string(),
        };
        let entry_id = entry_id.ok_or_else(not_found)?;
        let detail = self.register_entry(entry_id).await?;
        let evidence = detail
            .evidence
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(not_found)?;
        Ok((entry_id, evidence))
    }

    /// Every rebound recorded on a register entry, oldest first.
    pub async fn register_rebounds(
        &self,
    ) -> Result<Vec<rectify_core::accountability::RegisterRebound>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.kind, e.name, o.name, m.on_date, m.reason FROM register_moves m
             JOIN register_entries e ON e.id = m.entry_id JOIN org_units o ON o.id = e.county_id
             WHERE m.rebound = 1 ORDER BY m.on_date, m.id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get(0)?;
                Ok(rectify_core::accountability::RegisterRebound {
                    kind: Kind::parse(&kind).map_or(kind, |k| k.label_zh().to_string()),
                    name: r.try_get(1)?,
                    county: r.try_get(2)?,
                    on: r.try_get(3)?,
                    reason: r.try_get(4)?,
                })
            })
            .collect()
    }
}

/// The signed-off entries that can rebound, each described the way complaints describe sites
/// (the county as the region, the township, address and name as the text): their ids, and
/// the descriptions indexed at the same positions.
pub(crate) async fn reboundable_sites(
    conn: &mut AnyConnection,
) -> Result<(Vec<i64>, Earlier), StoreError> {
    let rows = sqlx::query(
        "SELECT e.id, o.name, e.township, e.address, e.name FROM register_entries e
         JOIN org_units o ON o.id = e.county_id
         WHERE e.kind = $1 AND e.state IN ($2, $3) ORDER BY e.id",
    )
    .arg(Kind::Scattered.code())
    .arg(scattered::State::SignedOff.code())
    .arg(scattered::State::Patrol.code())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let county: String = r.try_get(1)?;
            let region = ["人民政府", "政府", "管委会"]
                .iter()
                .find_map(|suffix| county.strip_suffix(suffix))
                .unwrap_or(&county)
                .to_string();
            let text = format!(
                "{}{} {}",
                r.try_get::<String, _>(2)?,
                r.try_get::<String, _>(3)?,
                r.try_get::<String, _>(4)?
            );
            Ok((r.try_get(0)?, Described::new(Some(&region), &text)))
        })
        .collect::<Result<Vec<(i64, Described)>, StoreError>>()
        .map(|sites| sites.into_iter().unzip())
}

/// Reopens a signed-off entry because a complaint names its site, and links the complaint;
/// returns the entry's name.
pub(crate) async fn rebound_from_complaint(
    conn: &mut AnyConnection,
    store: &Store,
    actor: &str,
    entry_id: i64,
    complaint: (i64, &str),
    site: &str,
    on: Date,
) -> Result<String, StoreError> {
    let reason = format!("信访件 {} 反映同一点位（{site}）", complaint.1);
    let name = reopen_entry(conn, store, actor, entry_id, on, &reason).await?;
    insert_link(conn, entry_id, None, Some(complaint.0), on).await?;
    Ok(name)
}

/// Reopens a finished entry because its problem came back (a rebound), inside the caller's
/// transaction; refuses an entry that is not finished or whose kind cannot rebound. Returns
/// the entry's name.
pub(crate) async fn reopen_entry(
    conn: &mut AnyConnection,
    store: &Store,
    actor: &str,
    entry_id: i64,
    on: Date,
    reason: &str,
) -> Result<String, StoreError> {
    let detail = load_detail(conn, entry_id).await?;
    let record = &detail.record;
    let Some(to) = record.details.rebound_to(&record.state) else {
        return Err(StoreError::Refused(format!(
            "{}（{}）现为“{}”，不能作为反弹重新打开",
            record.identity.name,
            record.kind.label_zh(),
            record.state_label
        )));
    };
    move_entry(conn, store, actor, &detail, to, on, reason).await?;
    Ok(detail.record.identity.name)
}

/// Checks and applies a move inside the caller's transaction.
async fn move_entry(
    conn: &mut AnyConnection,
    store: &Store,
    actor: &str,
    detail: &EntryDetail,
    to: &str,
    on: Date,
    reason: &str,
) -> Result<EntryRecord, StoreError> {
    let before = &detail.record;
    let to = before
        .kind
        .parse_state(to)
        .map_or_else(|| to.trim().to_string(), str::to_string);
    let evidence: Vec<String> = detail.evidence.iter().map(|e| e.kind.clone()).collect();
    let cx = MoveContext {
        on,
        evidence: &evidence,
        reason,
        open_findings: detail.open_findings.len(),
    };
    before
        .details
        .check_move(&before.state, &to, &cx)
        .map_err(|refusal| StoreError::Refused(format!("{}：{refusal}", before.identity.name)))?;
    let rebound = before.details.is_rebound(&before.state, &to);
    let after = EntryRecord {
        state_label: before.kind.state_label(&to),
        state: to.clone(),
        rebounds: before.rebounds + u32::from(rebound),
        ..before.clone()
    };
    sqlx::query(
        "UPDATE register_entries SET state = $1, rebounds = $2, updated_at = $3 WHERE id = $4",
    )
    .arg(to.clone())
    .arg(i64::from(after.rebounds))
    .arg(now_utc())
    .arg(before.id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO register_moves (entry_id, on_date, from_state, to_state, reason, rebound, actor)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .arg(before.id)
    .arg(on.to_string())
    .arg(before.state.clone())
    .arg(to.clone())
    .arg(reason.trim())
    .arg(i64::from(rebound))
    .arg(actor)
    .execute(&mut *conn)
    .await?;
    let mut change = entry_change(
        actor,
        if rebound { "rebound" } else { "move" },
        Some(before),
        &after,
    );
    if let Some(after) = change.after.as_mut() {
        after["facts"] = json!({"on": on, "from": before.state, "to": to, "reason": reason.trim()});
    }
    append(conn, store.backend(), change).await?;
    Ok(after)
}

/// Whether `viewer` sees the item, by the rule every item page applies (`Viewer::sees`).
async fn item_visible(
    conn: &mut AnyConnection,
    viewer: &Viewer,
    item_id: i64,
) -> Result<bool, StoreError> {
    let state: String = sqlx::query_scalar("SELECT state FROM items WHERE id = $1")
        .arg(item_id)
        .fetch_one(&mut *conn)
        .await?;
    let units: Vec<i64> = sqlx::query_scalar(
        "SELECT unit_id FROM item_units WHERE item_id = $1
         UNION SELECT unit_id FROM item_tasks WHERE item_id = $1",
    )
    .arg(item_id)
    .fetch_all(&mut *conn)
    .await?;
    let people: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.role, p.name, p.position FROM item_people c JOIN people p ON p.id = c.person_id
         WHERE c.item_id = $1",
    )
    .arg(item_id)
    .fetch_all(&mut *conn)
    .await?;
    // Items name people as "王建国（副市长）"; the viewer is named the same way.
    let (name, position) = split_person(&viewer.person);
    let named = |role: &str| -> Vec<String> {
        people
            .iter()
            .filter(|(r, n, p)| r == role && *n == name && *p == position)
            .map(|_| viewer.person.clone())
            .collect()
    };
    Ok(viewer.sees(&Visibility {
        state: ItemState::parse(&state).ok_or_else(|| invalid_stored("问题状态"))?,
        units: &units,
        leaders: &named("leader"),
        supervisors: &named("supervisor"),
    }))
}

/// Journals a fact about an entry (an inspection, a file, a link) that changes no field.
async fn journal_fact(
    conn: &mut AnyConnection,
    store: &Store,
    actor: &str,
    action: &str,
    id: i64,
    after: Value,
) -> Result<(), StoreError> {
    let change = Change {
        actor,
        action,
        entity: "register_entry",
        entity_id: id.to_string(),
        before: None,
        after: Some(after),
    };
    append(conn, store.backend(), change).await?;
    Ok(())
}

async fn insert_link(
    conn: &mut AnyConnection,
    entry_id: i64,
    item_id: Option<i64>,
    complaint_id: Option<i64>,
    on: Date,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO register_links (entry_id, item_id, complaint_id, linked_on) VALUES ($1, $2, $3, $4)",
    )
    .arg(entry_id)
    .arg(item_id)
    .arg(complaint_id)
    .arg(on.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn entry_change<'a>(
    actor: &'a str,
    action: &'a str,
    before: Option<&EntryRecord>,
    after: &EntryRecord,
) -> Change<'a> {
    let snapshot = |r: &EntryRecord| serde_json::to_value(r).unwrap_or(Value::Null);
    Change {
        actor,
        action,
        entity: "register_entry",
        entity_id: after.id.to_string(),
        before: before.map(snapshot),
        after: Some(snapshot(after)),
    }
}

/// `column IN (…)` over the given org units; matches nothing when there are none. Unit ids are
/// integers from the org chart, never user text, so they go into the SQL as written.
fn in_units(column: &str, units: &[i64]) -> String {
    let list: Vec<String> = units.iter().map(i64::to_string).collect();
    if list.is_empty() {
        format!("{column} IN (NULL)")
    } else {
        format!("{column} IN ({})", list.join(", "))
    }
}

/// Every org unit's id by its name and by its code.
async fn org_unit_ids(conn: &mut AnyConnection) -> Result<HashMap<String, i64>, StoreError> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as("SELECT id, name, code FROM org_units")
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .flat_map(|(id, name, code)| [(name, id), (code, id)])
        .collect())
}

/// The state a new entry starts in: the file's, if it names one of the kind's states.
fn entry_state(kind: Kind, entry: &NewEntry) -> Result<String, StoreError> {
    match &entry.state {
        Some(state) => kind.parse_state(state).map(str::to_string).ok_or_else(|| {
            StoreError::Invalid(format!(
                "状态“{state}”不是{}的状态（可选：{}）",
                kind.label_zh(),
                kind.states()
                    .iter()
                    .map(|s| kind.state_label(s))
                    .collect::<Vec<_>>()
                    .join("、")
            ))
        }),
        None => Ok(kind.initial_state().to_string()),
    }
}

/// New entries waiting to go in together, as INSERTs of many rows: one round trip per row was
/// most of a 50,000-entry sheet's import. Their ids come from an `IdBlock`.
struct PendingEntries {
    ids: crate::IdBlock,
    /// Each with its place in the sheet (from 1), for an error to name.
    rows: Vec<(usize, EntryRecord)>,
}

/// Rows per INSERT: 13 parameters each stays well under SQLite's 32,766.
const ENTRY_ROWS_PER_INSERT: usize = 1000;

impl PendingEntries {
    async fn new(conn: &mut AnyConnection, backend: Backend) -> Result<Self, StoreError> {
        Ok(PendingEntries {
            ids: crate::IdBlock::after_largest(conn, backend, "register_entries").await?,
            rows: Vec::new(),
        })
    }

    /// Queues the entry (the sheet's `at`th) and returns it as it will be stored.
    async fn add(
        &mut self,
        conn: &mut AnyConnection,
        (at, kind): (usize, Kind),
        county_id: i64,
        entry: &NewEntry,
        state: String,
    ) -> Result<EntryRecord, StoreError> {
        let record = EntryRecord {
            id: self.ids.take(),
            kind,
            identity: Identity {
                name: entry.identity.name.trim().to_string(),
                ..entry.identity.clone()
            },
            county_id,
            state_label: kind.state_label(&state),
            state,
            details: entry.details.clone(),
            rebounds: 0,
            created_on: entry.created_on,
        };
        self.rows.push((at, record.clone()));
        if self.rows.len() == ENTRY_ROWS_PER_INSERT {
            self.flush(conn).await?;
        }
        Ok(record)
    }

    /// Writes the queue if it holds entry `id`, so that the entry can be updated.
    async fn store(&mut self, conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
        // The queue's ids ascend from its first.
        if self.rows.first().is_some_and(|(_, first)| first.id <= id) {
            self.flush(conn).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let backend = self.ids.backend();
        let updated_at = now_utc();
        let insert = |rows: &[(usize, EntryRecord)]| insert_entries(backend, rows, &updated_at);
        let name =
            |(at, record): &(usize, EntryRecord)| format!("第{at}条“{}”", record.identity.name);
        crate::many_rows::insert(conn, &self.rows, &insert, &name).await?;
        self.rows.clear();
        Ok(())
    }

    /// Writes what is left, then settles the ids (`IdBlock::finish`).
    async fn finish(mut self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        self.flush(conn).await?;
        self.ids.finish(conn).await
    }
}

/// One INSERT of the entries.
fn insert_entries(
    backend: Backend,
    rows: &[(usize, EntryRecord)],
    updated_at: &str,
) -> Query<'static, Any, AnyArguments> {
    let sql = format!(
        "INSERT INTO register_entries (id, kind, name, credit_code, address, county_id, township,
            longitude, latitude, state, details_json, created_on, updated_at)
         VALUES {}",
        crate::placeholders(backend, rows.len(), 13)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (_, record) in rows {
        let identity = &record.identity;
        let (longitude, latitude) = identity.coordinates.clone().unzip();
        query = query
            .arg(record.id)
            .arg(record.kind.code())
            .arg(identity.name.as_str())
            .arg(
                identity
                    .credit_code
                    .as_ref()
                    .map(|c| c.as_str().to_string()),
            )
            .arg(identity.address.as_str())
            .arg(record.county_id)
            .arg(identity.township.as_str())
            .arg(longitude)
            .arg(latitude)
            .arg(record.state.as_str())
            .arg(details_json(&record.details))
            .arg(record.created_on.to_string())
            .arg(updated_at);
    }
    query
}

async fn update_entry(conn: &mut AnyConnection, after: &EntryRecord) -> Result<(), StoreError> {
    let (longitude, latitude) = after.identity.coordinates.clone().unzip();
    sqlx::query(
        "UPDATE register_entries SET credit_code = $1, address = $2, township = $3, longitude = $4,
            latitude = $5, details_json = $6, updated_at = $7 WHERE id = $8",
    )
    .arg(
        after
            .identity
            .credit_code
            .as_ref()
            .map(|c| c.as_str().to_string()),
    )
    .arg(after.identity.address.clone())
    .arg(after.identity.township.clone())
    .arg(longitude)
    .arg(latitude)
    .arg(details_json(&after.details))
    .arg(now_utc())
    .arg(after.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn details_json(details: &Details) -> String {
    serde_json::to_string(details).unwrap_or_else(|_| "{}".into())
}

fn entry_row(row: &AnyRow) -> Result<EntryRecord, StoreError> {
    let kind_code: String = row.try_get(1)?;
    let kind = Kind::parse(&kind_code).ok_or_else(|| invalid_stored("名录类型"))?;
    let credit_code: Option<String> = row.try_get(3)?;
    let longitude: Option<String> = row.try_get(7)?;
    let latitude: Option<String> = row.try_get(8)?;
    let state: String = row.try_get(9)?;
    let details: Value = serde_json::from_str(&row.try_get::<String, _>(10)?)
        .map_err(|_| invalid_stored("名录字段"))?;
    Ok(EntryRecord {
        id: row.try_get(0)?,
        kind,
        identity: Identity {
            name: row.try_get(2)?,
            credit_code: credit_code.and_then(|c| CreditCode::parse(&c).ok()),
            address: row.try_get(4)?,
            county: row.try_get(5)?,
            township: row.try_get(6)?,
            coordinates: longitude.zip(latitude),
        },
        county_id: row.try_get(13)?,
        state_label: kind.state_label(&state),
        state,
        details: Details::from_json(kind, details).map_err(|_| invalid_stored("名录字段"))?,
        rebounds: stored_int(row.try_get(11)?, "register_entries.rebounds")?,
        created_on: stored_date(&row.try_get::<String, _>(12)?)?,
    })
}

pub(crate) async fn load_detail(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<EntryDetail, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT_ENTRY} WHERE e.id = $1"
    )))
    .arg(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::NotFound {
        what: "名录条目",
        key: id.to_string(),
    })?;
    let record = entry_row(&row)?;
    let moves = sqlx::query(
        "SELECT on_date, from_state, to_state, reason, rebound, actor FROM register_moves
         WHERE entry_id = $1 ORDER BY id",
    )
    .arg(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(MoveRecord {
            on: stored_date(&r.try_get::<String, _>(0)?)?,
            from: record.kind.state_label(&r.try_get::<String, _>(1)?),
            to: record.kind.state_label(&r.try_get::<String, _>(2)?),
            reason: r.try_get(3)?,
            rebound: r.try_get::<i64, _>(4)? != 0,
            actor: r.try_get(5)?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let inspections = load_inspections(conn, id).await?;
    let evidence = sqlx::query(
        "SELECT id, inspection_id, kind, file_name, sha256, size, media_type, uploaded_by, uploaded_at
         FROM register_evidence WHERE entry_id = $1 ORDER BY id",
    )
    .arg(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(RegisterEvidence {
            id: r.try_get(0)?,
            inspection_id: r.try_get(1)?,
            kind: r.try_get(2)?,
            file_name: r.try_get(3)?,
            sha256: r.try_get(4)?,
            size: r.try_get(5)?,
            media_type: r.try_get(6)?,
            uploaded_by: r.try_get(7)?,
            uploaded_at: r.try_get(8)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let links = sqlx::query(
        "SELECT p.name, i.number, c.received_no, l.linked_on FROM register_links l
         LEFT JOIN items i ON i.id = l.item_id LEFT JOIN plans p ON p.id = i.plan_id
         LEFT JOIN complaints c ON c.id = l.complaint_id WHERE l.entry_id = $1 ORDER BY l.linked_on",
    )
    .arg(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        let plan: Option<String> = r.try_get(0)?;
        let number = r.try_get::<Option<i64>, _>(1)?.map(|n| stored_int(n, "items.number"));
        Ok(EntryLink {
            item: plan.zip(number.transpose()?),
            complaint: r.try_get(2)?,
            linked_on: stored_date(&r.try_get::<String, _>(3)?)?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let pairs: Vec<(i64, Inspection)> = inspections
        .iter()
        .map(|i| (i.id, i.inspection.clone()))
        .collect();
    Ok(EntryDetail {
        open_findings: open_findings(&pairs),
        record,
        moves,
        inspections,
        evidence,
        links,
    })
}

const SELECT_INSPECTION: &str = "SELECT i.id, i.on_date, i.inspector, i.lines_json, i.finding,
        i.activity_found, i.deadline, i.rechecks, i.recorded_by, i.entry_id
     FROM register_inspections i";

/// An inspection row with the entry it belongs to.
fn inspection_row(r: &AnyRow) -> Result<(i64, InspectionRecord), StoreError> {
    let lines: Vec<CheckLine> = serde_json::from_str(&r.try_get::<String, _>(3)?)
        .map_err(|_| invalid_stored("检查记录"))?;
    let deadline: Option<String> = r.try_get(6)?;
    let record = InspectionRecord {
        id: r.try_get(0)?,
        inspection: Inspection {
            on: stored_date(&r.try_get::<String, _>(1)?)?,
            by: r.try_get(2)?,
            lines,
            finding: r.try_get(4)?,
            activity_found: r.try_get::<i64, _>(5)? != 0,
            deadline: deadline.as_deref().map(stored_date).transpose()?,
            rechecks: r.try_get(7)?,
        },
        recorded_by: r.try_get(8)?,
    };
    Ok((r.try_get(9)?, record))
}

async fn load_inspections(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Vec<InspectionRecord>, StoreError> {
    let sql = format!("{SELECT_INSPECTION} WHERE i.entry_id = $1 ORDER BY i.on_date, i.id");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .arg(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| inspection_row(r).map(|(_, record)| record))
        .collect()
}
