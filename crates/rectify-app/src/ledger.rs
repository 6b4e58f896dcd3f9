//! Ledger rows with what the store derives for them: each shared item's tasks with their
//! schedules, for the CLI's JSON and the pages alike.

use rectify_core::task::TaskAcceptance;
use rectify_exact::date::Date;
use rectify_io::plan::TaskRow;
use rectify_store::ledger::StoredItem;
use rectify_store::schedule::Schedules;

/// The item's tasks as listed on `today`, in the org chart's order.
pub fn task_rows(
    stored: &StoredItem,
    schedules: &Schedules,
    today: Date,
    acceptance: TaskAcceptance,
) -> Vec<TaskRow> {
    let (standings, _) = schedules.tasks_of(stored, today, acceptance);
    stored
        .tasks
        .iter()
        .zip(standings)
        .map(|(task, standing)| TaskRow {
            unit: task.unit.clone(),
            state: task.state,
            schedule: standing.schedule,
            done_measures: task.measures_done.iter().map(|(n, _)| *n).collect(),
            latest_report_period: task.latest_report_period.clone(),
        })
        .collect()
}
