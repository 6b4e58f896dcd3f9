//! The clock-driven work of the server (the scheduler's tick) and the lease that lets one of
//! several server processes on one database do it at a time.
//!
//! Two layers keep each piece of work done once. Every part of a tick re-reads what is due under
//! the database's write lock (`Store::begin_write`) before it writes, and a unique index backs
//! each dispatch step, so even two ticks at the same moment close a notice or issue a step once.
//! The lease on top spares the other processes the reading: per interval one process ticks.

use crate::bind::Bind;
use crate::{Store, StoreError, clock};
use rectify_core::dispatch::IssuedStep;
use rectify_exact::date::Date;

/// The lease the scheduler's tick is taken under.
pub const SCHEDULER_LEASE: &str = "scheduler";

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tick {
    /// Items whose notice ended and that moved to 待审签.
    pub closed: Vec<u32>,
    /// Dispatch steps issued (with their inbox messages and outbox deliveries).
    pub issued: Vec<IssuedStep>,
}

impl Store {
    /// Takes the lease `name` for `holder` for `length`, when nobody holds it (never taken, or
    /// the last holder's time has run out). One upsert on both backends: on PostgreSQL a second
    /// taker waits for the first's row and then finds it held; SQLite runs writes one at a time.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        length: chrono::Duration,
    ) -> Result<bool, StoreError> {
        let now = clock::now();
        let _gate = self.write_gate().await;
        let taken: Option<String> = sqlx::query_scalar(
            "INSERT INTO leases (name, holder, held_until) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,
               held_until = excluded.held_until
             WHERE leases.held_until <= $4
             RETURNING holder",
        )
        .arg(name)
        .arg(holder)
        .arg(clock::stored(now + length))
        .arg(clock::stored(now))
        .fetch_optional(self.pool())
        .await?;
        Ok(taken.is_some())
    }

    /// The scheduler's work as of `today`: closes the notices that have ended and, once the
    /// office has opened the month's dispatch round, issues the steps due (提醒 → 催办 →
    /// 督办单 → 约谈建议) into the units' 消息 and the outbox. Safe to run in several processes
    /// at once (see the module's note).
    pub async fn run_schedule(&self, today: Date) -> Result<Tick, StoreError> {
        let calendar = self.work_calendar().await?;
        let closed = self.advance_notices(today, &calendar).await?;
        let period = format!("{:04}-{:02}", today.year, today.month);
        let issued = match self.round(&period).await {
            Ok(_) => self.escalate("system", &period, today).await?,
            Err(StoreError::NotFound { .. }) => Vec::new(),
            Err(other) => return Err(other),
        };
        Ok(Tick { closed, issued })
    }
}
