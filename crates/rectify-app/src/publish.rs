//! A publication's draft: the records its parts need, read from the store.

use rectify_core::complaint::redact::Policy;
use rectify_core::ledger::Plan;
use rectify_exact::date::Date;
use rectify_io::publish::{
    Draft, LedgerLine, Part, PortalContent, PublicNotice, Selection, Sources, as_published,
};
use rectify_store::complaints::ComplaintFilter;
use rectify_store::registers::RegisterFilter;
use rectify_store::{Store, StoreError};

/// The draft of a publication as of `today`, reading only what the selected parts show.
pub async fn draft(store: &Store, selection: &Selection, today: Date) -> Result<Draft, StoreError> {
    let has = |part| selection.parts.contains(&part);
    let mut sources = Sources {
        policy: policy(store, selection).await?,
        ..Sources::default()
    };
    if has(Part::Items) || has(Part::Notices) {
        (sources.plans, sources.items) = ledger(store, today, has(Part::Progress)).await?;
    }
    if has(Part::Complaints) {
        sources.complaints = store.complaints(&ComplaintFilter::default()).await?;
    }
    if has(Part::Environment) {
        sources.environment = crate::bulletin::environment(store, today).await?;
    }
    if has(Part::Registers) {
        sources.registers = store.register_entries(&RegisterFilter::default()).await?;
    }
    Ok(rectify_io::publish::draft(selection, today, sources))
}

/// The office's strings to hide, and the org's people list as the officials who stay.
pub async fn policy(store: &Store, selection: &Selection) -> Result<Policy, StoreError> {
    Ok(Policy {
        hide: selection.redact.clone(),
        officials: store.people().await?.into_iter().map(|p| p.name).collect(),
    })
}

/// The plans and every item with its notice, its schedule on `today` and, when progress is
/// published, its latest confirmed progress report.
async fn ledger(
    store: &Store,
    today: Date,
    with_progress: bool,
) -> Result<(Vec<Plan>, Vec<LedgerLine>), StoreError> {
    let ledger = store.ledger(None).await?;
    let workflows = store.workflows().await?;
    let schedules = store.schedules(&workflows).await?;
    let mut progress = if with_progress {
        store.latest_confirmed_progress().await?
    } else {
        Default::default()
    };
    let plans = store.plans().await?.into_iter().map(|p| p.plan).collect();
    let lines = ledger
        .into_iter()
        .map(|stored| LedgerLine {
            notice: workflows.get(&stored.id).and_then(|w| w.flow.notice),
            schedule: schedules.of(&stored, today).schedule,
            progress: progress.remove(&stored.id),
            plan: stored.plan,
            item: stored.item,
        })
        .collect();
    Ok((plans, lines))
}

/// The public notices running on `today`, for the portal. A notice is public from the moment
/// it is recorded, without waiting for the next publication: `lines` are the items now on
/// notice, `published` the approved publication whose texts they keep where it has them.
pub async fn running_notices(
    store: &Store,
    lines: Vec<LedgerLine>,
    published: Option<&PortalContent>,
    today: Date,
) -> Result<Vec<PublicNotice>, StoreError> {
    let selection = Selection {
        parts: vec![Part::Notices],
        batches: Vec::new(),
        redact: Vec::new(),
    };
    let sources = Sources {
        policy: policy(store, &selection).await?,
        plans: store.plans().await?.into_iter().map(|p| p.plan).collect(),
        items: lines,
        ..Sources::default()
    };
    let draft = rectify_io::publish::draft(&selection, today, sources);
    Ok(as_published(draft.content.notices, published))
}
