//! The demo's transferred complaints: three batches from 河安市's transfer list over the last
//! three weeks (dates moved from the 2018 original, so the first batch is past its report-back
//! clock and the last is inside it), one complaint at the site of a signed-off item (a rebound),
//! a spot-check round, and the first publication of the portal.

use rectify_app::publish::draft;
use rectify_core::complaint::{Clock, NewBatch, NewComplaint, SpotVerdict};
use rectify_exact::date::Date;
use rectify_io::complaint::{ListDefaults, SourceBatch, read_transfer_list};
use rectify_io::plan::{SheetFormat, SheetLimits, read_sheets};
use rectify_io::publish::{Part, Selection};
use rectify_store::complaints::ComplaintImport;
use rectify_store::{Store, StoreError};

use crate::demo_time::Timeline;

const SOURCE: &str = "中央第一生态环境保护督察组";
/// Transfer days of the three batches, in days before today; each batch is reported back a
/// week later at most.
const TRANSFERS: [i32; 3] = [20, 13, 4];
const SPOT_CHECK_SEED: u64 = 20_261_128;

pub async fn load(store: &Store, office: &str, t: Timeline) -> Result<(), StoreError> {
    const FILE: &[u8] = include_bytes!("../demo/complaints-sample.xlsx");
    let sheets = read_sheets(
        FILE,
        SheetFormat::Xlsx,
        "complaints-sample.xlsx",
        &SheetLimits::default(),
    )
    .map_err(StoreError::Invalid)?;
    let list = read_transfer_list(&sheets, Clock::default(), ListDefaults::default());
    if let Some(error) = list.errors.first() {
        return Err(StoreError::Invalid(format!(
            "演示信访件清单无法读取：{error}"
        )));
    }
    for (source, days_ago) in list.batches.iter().zip(TRANSFERS) {
        let transferred = t.days_ago(days_ago);
        let mut batch = moved(source, transferred);
        if batch.number == 3 {
            batch.complaints.push(rebound(transferred));
        }
        // Feedback arrives within the week, but not after today.
        let reported_on = transferred.add_days(7).min(t.today);
        let import = ComplaintImport {
            source: SOURCE,
            batches: std::slice::from_ref(&batch),
            file: serde_json::json!({ "file": "complaints-sample.xlsx", "demo": true, "batch": batch.number }),
            reported_on,
            dry_run: false,
        };
        store.import_complaints(office, import).await?;
    }
    spot_check(store, office, t.today).await?;
    Ok(())
}

/// The batch with its dates moved: the received date keeps its distance to the transfer.
fn moved(source: &SourceBatch, transferred: Date) -> NewBatch {
    let shift = transferred.day_number() - source.batch.transferred_on.day_number();
    let mut batch = source.batch.clone();
    batch.transferred_on = transferred;
    for complaint in &mut batch.complaints {
        complaint.received_no = moved_number(&complaint.received_no, shift);
    }
    batch
}

fn moved_number(received_no: &str, shift: i32) -> String {
    let parsed = rectify_core::complaint::ReceivedNo::parse(received_no);
    match parsed {
        Some(no) => {
            let on = no.received.add_days(shift);
            format!(
                "{}{:04}{:02}{:02}{}",
                &received_no[..4],
                on.year,
                on.month,
                on.day,
                &received_no[12..]
            )
        }
        None => received_no.to_string(),
    }
}

/// A complaint about 河安宏达焦化 (item 38, signed off five months ago): the rebound the office
/// must see.
fn rebound(transferred: Date) -> NewComplaint {
    let received = transferred.add_days(-1);
    NewComplaint {
        seq: 41,
        received_no: format!("D1HA{:04}{:02}{:02}0307", received.year, received.month, received.day),
        channel: rectify_core::complaint::Channel::Phone,
        region: Some("北岭县".into()),
        types: vec![rectify_core::complaint::PollutionType::Air],
        types_raw: "大气".into(),
        industry: "工业".into(),
        description: "北岭县河安宏达焦化有限公司焦炉烟囱夜间又冒黄烟，焦炭露天堆放没有苫盖，刮风时粉尘飘进村里。\
村民反映该公司脱硫脱硝设施时开时停，在线监测数据夜间超标，去年说已经整改完成，现在又恢复原样。"
            .into(),
        contact: "举报人王建设 13700001234".into(),
        key_case: true,
        feedback: Default::default(),
        extras: Vec::new(),
    }
}

async fn spot_check(store: &Store, office: &str, on: Date) -> Result<(), StoreError> {
    let round = store.draw_spotcheck(office, SPOT_CHECK_SEED, 6, on).await?;
    let last = round.checks.len().saturating_sub(1);
    for (i, check) in round.checks.iter().enumerate() {
        let verdict = if i == last {
            (
                SpotVerdict::Fail,
                "未提供整改方案和整改完成佐证材料，不符合办结条件",
            )
        } else {
            (SpotVerdict::Pass, "")
        };
        store
            .mark_spotcheck(office, round.id, &check.received_no, verdict, on)
            .await?;
    }
    Ok(())
}

/// The portal's first publication, of everything the demo holds (called once the registers
/// are loaded too).
pub async fn publish(store: &Store, office: &str, t: Timeline) -> Result<(), StoreError> {
    let on = t.today;
    let selection = Selection {
        parts: Part::ALL.to_vec(),
        batches: Vec::new(),
        redact: Vec::new(),
    };
    let draft = draft(store, &selection, on).await?;
    let parts: Vec<String> = draft.parts.iter().map(|p| p.code().to_string()).collect();
    let content =
        serde_json::to_value(&draft.content).map_err(|e| StoreError::Invalid(e.to_string()))?;
    store.publish(office, &parts, &content, on, &[]).await?;
    Ok(())
}
