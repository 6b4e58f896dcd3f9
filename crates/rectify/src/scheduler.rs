//! The server's clock-driven work: every tick it closes the notices whose period has ended and,
//! once the office has opened the month's dispatch round, issues the steps due today (提醒 →
//! 催办 → 督办单 → 约谈建议) into the units' 消息 and the outbox of e-mails and robot messages
//! (`Store::run_schedule`). Several server processes on one database each tick, but only the
//! one that takes the database's lease for the interval does the work; and the work re-reads
//! what is due under the write lock, so it is done once even if two ticks overlap.

use rectify_store::jobs::SCHEDULER_LEASE;
use rectify_store::{Store, today_china};
use std::time::Duration;

/// Starts ticking every `every`; the first tick comes after one interval, not at start-up.
pub fn spawn(store: Store, every: Duration) {
    // Names this process in the lease table, for whoever looks at it.
    let holder = format!(
        "pid {} {}",
        std::process::id(),
        &rectify_store::sessions::random_token()[..8]
    );
    // A little shorter than the interval, so that this process's next tick finds it run out
    // and the work never waits a whole extra interval.
    let lease = chrono::Duration::from_std(every - every / 10).unwrap_or(chrono::Duration::MAX);
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.tick().await;
        loop {
            interval.tick().await;
            match store.take_lease(SCHEDULER_LEASE, &holder, lease).await {
                Ok(true) => tick(&store).await,
                // Another process ticks this interval.
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "scheduler lease not taken"),
            }
        }
    });
}

async fn tick(store: &Store) {
    rectify_store::stats::SCHEDULER_RUNS.add(1);
    match store.run_schedule(today_china()).await {
        Ok(done) => {
            if !done.closed.is_empty() {
                tracing::info!(items = ?done.closed, "scheduler closed notices");
            }
            for s in &done.issued {
                // Their e-mails and robot messages go through the outbox's sender (`deliver`).
                tracing::info!(step = s.step.label_zh(), unit = %s.unit, reason = %s.reason, "scheduler issued a dispatch step");
            }
        }
        Err(error) => {
            rectify_store::stats::SCHEDULER_FAILURES.add(1);
            tracing::warn!(%error, "scheduler tick failed");
        }
    }
}
