//! What the ledger's schedule rule (`rectify_core::ledger::Item::schedule`) reads besides the
//! item, for every item at once: the measures' completion dates and the recorded criticisms, and
//! the dispatch thresholds the bulletin uses (settings `dispatch.*`).

use crate::ledger::StoredItem;
use crate::tasks::StoredTask;
use crate::workflow::ItemWorkflow;
use crate::{Store, StoreError};
use rectify_core::dispatch::{ColourRules, Criticism};
use rectify_core::ledger::{Progress, Schedule, Standing};
use rectify_core::task::{TaskAcceptance, TaskTally, tally};
use rectify_exact::date::Date;
use std::collections::HashMap;

/// Every item's progress by item id, with the colour thresholds.
#[derive(Debug, Clone)]
pub struct Schedules {
    progress: HashMap<i64, Progress>,
    rules: ColourRules,
}

impl Schedules {
    fn new(
        workflows: &HashMap<i64, ItemWorkflow>,
        mut criticisms: HashMap<i64, Vec<Criticism>>,
        rules: ColourRules,
    ) -> Schedules {
        let progress = workflows
            .iter()
            .map(|(id, workflow)| {
                let progress = Progress {
                    measures_done_on: workflow.measures_done(),
                    criticisms: criticisms.remove(id).unwrap_or_default(),
                };
                (*id, progress)
            })
            .collect();
        Schedules { progress, rules }
    }

    /// The item's schedule on `today` (the Beijing date).
    pub fn of(&self, stored: &StoredItem, today: Date) -> Standing {
        let none = Progress::default();
        let progress = self.progress.get(&stored.id).unwrap_or(&none);
        stored.item.schedule(progress, today, self.rules)
    }

    /// A member's part of a shared item on `today`: the item's milestones, deadline and
    /// criticisms judged on the measures the member's reports marked done
    /// (`Item::task_schedule`).
    pub fn of_task(&self, stored: &StoredItem, task: &StoredTask, today: Date) -> Standing {
        let criticisms = self
            .progress
            .get(&stored.id)
            .map(|p| p.criticisms.clone())
            .unwrap_or_default();
        let progress = Progress {
            measures_done_on: task.measures_done_on(stored.item.measures.len()),
            criticisms,
        };
        stored
            .item
            .task_schedule(task.state, &progress, today, self.rules)
    }

    /// Each task's standing with the tally of the item's tasks ("已完成 4/6", who lags, who
    /// keeps the item open).
    pub fn tasks_of(
        &self,
        stored: &StoredItem,
        today: Date,
        acceptance: TaskAcceptance,
    ) -> (Vec<Standing>, TaskTally) {
        let standings: Vec<Standing> = stored
            .tasks
            .iter()
            .map(|t| self.of_task(stored, t, today))
            .collect();
        let tally = tally(
            stored.tasks.iter().zip(&standings).map(|(t, s)| {
                let lagging = matches!(s.schedule, Schedule::Lagging | Schedule::SeriouslyLagging);
                (t.unit.as_str(), t.state, lagging)
            }),
            acceptance,
        );
        (standings, tally)
    }
}

impl Store {
    /// The schedule inputs of every item: the given workflows (`Store::workflows`, which the
    /// caller usually holds already) with the recorded criticisms and the thresholds.
    pub async fn schedules(
        &self,
        workflows: &HashMap<i64, ItemWorkflow>,
    ) -> Result<Schedules, StoreError> {
        let (rules, _) = self.dispatch_rules().await?;
        Ok(Schedules::new(workflows, self.criticisms().await?, rules))
    }
}
