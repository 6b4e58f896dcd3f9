//! The server's clock-driven work: every tick it closes the notices whose period has ended and,
//! once the office has opened the month's dispatch round, issues the steps due today (提醒 →
//! 催办 → 督办单 → 约谈建议) into the units' 消息 and the outbox of e-mails and robot messages. The store issues each step at
//! most once per unit and round (a unique index backs it), so several server processes ticking
//! at once still issue it once.

use crate::error::CliError;
use rectify_store::{Store, StoreError, today_china};
use std::time::Duration;

/// Starts ticking every `every`; the first tick comes after one interval, not at start-up.
pub fn spawn(store: Store, every: Duration) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.tick().await;
        loop {
            interval.tick().await;
            match tick(&store).await {
                Ok(done) if done.is_empty() => {}
                Ok(done) => tracing::info!(steps = done.len(), "scheduler issued dispatch steps"),
                // Another process may have issued the same step a moment earlier; the next tick
                // finds it issued.
                Err(error) => tracing::warn!(%error, "scheduler tick failed"),
            }
        }
    });
}

/// One tick: the lines it did, for the log.
async fn tick(store: &Store) -> Result<Vec<String>, CliError> {
    let today = today_china();
    let calendar = store.work_calendar().await?;
    store.advance_notices(today, &calendar).await?;
    let period = format!("{:04}-{:02}", today.year, today.month);
    match store.round(&period).await {
        Ok(_) => {}
        Err(StoreError::NotFound { .. }) => return Ok(Vec::new()),
        Err(other) => return Err(other.into()),
    }
    let issued = store.escalate("system", &period, today).await?;
    // Their e-mails and robot messages go through the outbox's sender (`deliver::spawn`).
    Ok(issued
        .iter()
        .map(|s| format!("{} {} {}", s.step.label_zh(), s.unit, s.reason))
        .collect())
}
