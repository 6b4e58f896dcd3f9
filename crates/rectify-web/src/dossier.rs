//! 一事一档 and evidence archives: an item's dossier (docx with its timeline, reports,
//! evidence and objections, zipped with the evidence files), and the evidence of a filtered
//! ledger as one zip. Both show exactly what the viewer may see: an item outside the viewer's
//! scope is not found.

use crate::AppState;
use crate::auth::Session;
use crate::caches::{find_visible, item_detail, tick_since, visible_items};
use crate::error::{PageResult, WebError};
use crate::extract::Path;
use crate::kit::{ItemQuery, actor_label, display_names, named_download};
use crate::ledger::{LedgerQuery, filter_rows};
use axum::extract::{Query, State};
use rectify_app::archive::{Wanted, read_files, turn};
use rectify_io::dossier::{Dossier, FileEntry, archive, pack};
use rectify_store::today_china;
use rectify_store::workflow::Evidence;
use std::collections::HashMap;

const ZIP: &str = "application/zip";

/// GET /items/{number}/dossier: the item's 一事一档 as a zip.
pub async fn item(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<u32>,
    Query(query): Query<ItemQuery>,
) -> PageResult {
    let (today, snapshot) = tick_since(&state, session.seen_head).await?;
    let stored = find_visible(&snapshot, &session.viewer, number, query.plan.as_deref())?;
    let detail = item_detail(&state, &snapshot, stored).await?;
    let names = display_names(&state).await?;
    let (entries, wanted) = files(&detail.evidence, &names, "");
    let _turn = turn().await?;
    let files = read_files(&state.store, wanted).await?;
    let standing = snapshot.schedules.of(stored, today).schedule;
    let dossier = Dossier {
        plan: &stored.plan,
        item: &stored.item,
        standing: format!(
            "{}（{}）",
            stored.item.state.label_zh(),
            standing.label_zh()
        ),
        timeline: crate::item::timeline(&detail.journal, &names)
            .into_iter()
            .map(|l| [l.at, l.actor, l.what, l.detail])
            .collect(),
        reports: detail
            .reports
            .iter()
            .map(|r| {
                let late = if r.late { "（迟报）" } else { "" };
                [
                    r.period.clone(),
                    r.unit.clone(),
                    r.text.clone(),
                    format!("{}{late}", r.status.label_zh()),
                ]
            })
            .collect(),
        evidence: entries,
        objections: detail
            .objections
            .iter()
            .map(|o| {
                [
                    o.received_on.clone(),
                    o.source.clone(),
                    o.content.clone(),
                    format!("{} {}", o.status.label_zh(), o.decision),
                ]
            })
            .collect(),
        issuer: &state.store.bulletin_issuer().await?,
        made_on: today_china().chinese(),
    };
    let zip = archive(&dossier, files).map_err(|e| WebError::internal(&e))?;
    Ok(named_download(
        &format!("item-{number}-dossier.zip"),
        &format!("第{number}项 一事一档.zip"),
        ZIP,
        zip,
    ))
}

/// GET /ledger/evidence.zip: the current evidence of every item the ledger's filter selects,
/// a folder per item, with a list of what is in it.
pub async fn ledger(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<LedgerQuery>,
) -> PageResult {
    let (today, snapshot) = tick_since(&state, session.seen_head).await?;
    let visible = visible_items(snapshot, &session.viewer);
    let rows = filter_rows(&visible.items(), &visible.snapshot.schedules, &query, today);
    let ids: Vec<i64> = rows.iter().map(|(s, _)| s.id).collect();
    let numbers: HashMap<i64, (String, u32)> = rows
        .iter()
        .map(|(s, _)| (s.id, (s.plan.clone(), s.item.number)))
        .collect();
    let names = display_names(&state).await?;
    let plans = visible.snapshot.plan_count();
    let mut listing = String::from("序号\t事项\t类型\t名称\t上传\t档案内文件\tSHA-256\n");
    let mut wanted = Vec::new();
    for (id, evidence) in state.store.evidence_of_items(&ids).await? {
        let current: Vec<Evidence> = evidence.into_iter().filter(|e| !e.superseded).collect();
        let Some((plan, number)) = numbers.get(&id) else {
            continue;
        };
        let folder = if plans > 1 {
            // A plan's name as a folder: nothing in it may leave the folder or nest.
            let plan: String = plan
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || "（）()《》“”-—·、 ".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            format!("{plan} 第{number}项/")
        } else {
            format!("第{number}项/")
        };
        let (entries, files) = files(&current, &names, &folder);
        for (entry, file) in entries.into_iter().zip(files) {
            listing.push_str(&format!(
                "{}\t第{number}项\t{}\t{}\t{} {}\t{}\t{}\n",
                wanted.len() + 1,
                entry.kind,
                entry.title,
                entry.uploaded_by,
                entry.uploaded_at,
                entry.path,
                entry.sha256
            ));
            wanted.push(file);
        }
    }
    let files = read_files(&state.store, wanted).await?;
    let zip =
        pack(std::iter::once(("材料清单.txt".to_string(), listing.into_bytes())).chain(files))
            .map_err(|e| WebError::internal(&e))?;
    Ok(named_download(
        &format!("evidence-{today}.zip"),
        &format!("佐证材料-{today}.zip"),
        ZIP,
        zip,
    ))
}

/// The evidence as dossier lines and the files to read, numbered in upload order under
/// `folder` (empty for the dossier's own folder).
fn files(
    evidence: &[Evidence],
    names: &HashMap<String, String>,
    folder: &str,
) -> (Vec<FileEntry>, Vec<Wanted>) {
    evidence
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let path = format!("{folder}{}", FileEntry::path_for(i + 1, &e.file_name));
            let title = if e.superseded {
                format!("{}（已被新版本替换）", e.title)
            } else {
                e.title.clone()
            };
            let entry = FileEntry {
                kind: e.kind.label_zh().to_string(),
                title,
                uploaded_by: actor_label(&e.uploaded_by, names),
                uploaded_at: rectify_core::time::shown_minute(&e.uploaded_at),
                sha256: e.sha256.clone(),
                path: path.clone(),
            };
            let wanted = Wanted {
                path,
                sha256: e.sha256.clone(),
                size: e.size,
            };
            (entry, wanted)
        })
        .unzip()
}
