//! Six months of work on the demo plan up to the day the demo runs, done through the same store
//! calls as the CLI and the API, so every step is checked and journaled: items on schedule,
//! lagging, overdue, submitted, in acceptance, in a public notice that is still running, one
//! whose notice has ended and waits for sign-off, closed, one upheld objection, one reopened
//! item and one 长期坚持 item in SUSTAIN. Dates come from `demo_time::Timeline`: monthly work on
//! days of earlier months, the recent steps a number of days before today.

use crate::demo_time::Timeline;
use rectify_core::calendar::WorkCalendar;
use rectify_core::ledger::ItemState;
use rectify_core::org::Role;
use rectify_core::task::TaskAction;
use rectify_core::workflow::{Action, Actor, EvidenceKind};
use rectify_exact::date::Date;
use rectify_store::org::OrgUnit;
use rectify_store::tasks::StoredTask;
use rectify_store::users::NewUser;
use rectify_store::workflow::{ItemRef, NewEvidence, NewReport};
use rectify_store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::Mutex;

/// A 1×1 PNG, the demo's stand-in for site photos.
const PHOTO: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF0, 0x59, 0x1F, 0x00,
    0x00, 0x02, 0x96, 0x01, 0x4C, 0xF9, 0xC8, 0x3A, 0x86, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

struct Demo<'a> {
    store: &'a Store,
    calendar: WorkCalendar,
    t: Timeline,
    /// Each item's supervisor account and measure count, looked up once: hundreds of reports
    /// would otherwise read the whole ledger each.
    known: Mutex<HashMap<u32, (Actor, usize)>>,
}

fn item(number: u32) -> ItemRef<'static> {
    ItemRef { plan: None, number }
}

fn text(s: &str) -> String {
    s.to_string()
}

impl Demo<'_> {
    async fn act(
        &self,
        who: &str,
        number: u32,
        on: Date,
        action: Action,
    ) -> Result<(), StoreError> {
        self.store.advance_notices(on, &self.calendar).await?;
        let actor = self.store.actor(who).await?;
        self.store
            .act(&actor, item(number), action, on, &self.calendar)
            .await?;
        Ok(())
    }

    async fn file(
        &self,
        who: &str,
        number: u32,
        kind: EvidenceKind,
        name: &str,
        bytes: &[u8],
    ) -> Result<i64, StoreError> {
        let actor = self.store.actor(who).await?;
        let title = format!("第{number}项 {}", kind.label_zh());
        let file = self.store.attachments().upload(name, bytes).await?;
        let new = NewEvidence {
            kind,
            title: &title,
            file_name: name,
            file: &file,
            supersedes: None,
        };
        Ok(self.store.add_evidence(&actor, item(number), new).await?.id)
    }

    /// A monthly report; `done` are the measures completed this month.
    async fn report(
        &self,
        who: &str,
        number: u32,
        on: Date,
        done: &[u32],
        schedule: &str,
    ) -> Result<(), StoreError> {
        let period = format!("{:04}-{:02}", on.year, on.month);
        let text = if done.is_empty() {
            format!("{period}：按计划推进，本月无新完成措施。")
        } else {
            let list: Vec<String> = done.iter().map(|n| format!("第{n}条")).collect();
            format!(
                "{period}：完成整改措施{}，佐证材料已上传。",
                list.join("、")
            )
        };
        let photo = if done.is_empty() {
            Vec::new()
        } else {
            vec![
                self.file(who, number, EvidenceKind::PhotoAfter, "现场照片.png", PHOTO)
                    .await?,
            ]
        };
        let actor = self.store.actor(who).await?;
        let new = NewReport {
            period: &period,
            text: &text,
            done_measures: done,
            self_schedule: schedule,
            evidence_ids: &photo,
        };
        let report = self
            .store
            .add_report(&actor, item(number), new, on, &self.calendar)
            .await?;
        let (supervisor, _) = self.known(number).await?;
        self.store
            .review_report(&supervisor, report.id, true, "情况属实")
            .await?;
        Ok(())
    }

    /// The account of the item's first named supervisor (监管人), who confirms its reports,
    /// and the number of its measures.
    async fn known(&self, number: u32) -> Result<(Actor, usize), StoreError> {
        if let Some(known) = self.known.lock().ok().and_then(|k| k.get(&number).cloned()) {
            return Ok(known);
        }
        let items = self.store.ledger(None).await?;
        let stored = items.iter().find(|s| s.item.number == number);
        let measures = stored.map_or(0, |s| s.item.measures.len());
        let named = stored
            .and_then(|s| s.item.supervisors.first())
            .ok_or_else(|| StoreError::Invalid(format!("演示第{number}项没有监管人")))?;
        let supervisor = self.supervisor_named(named).await?;
        if let Ok(mut known) = self.known.lock() {
            known.insert(number, (supervisor.clone(), measures));
        }
        Ok((supervisor, measures))
    }

    /// The supervisor's account, created the first time it is needed (password set later with
    /// `rectify user passwd`, like the clerks').
    async fn supervisor_named(&self, named: &str) -> Result<Actor, StoreError> {
        let users = self.store.users().await?;
        if let Some(user) = users.iter().find(|u| u.display_name == named) {
            return self.store.actor(&user.username).await;
        }
        let person = crate::demo::person(named)
            .ok_or_else(|| StoreError::Invalid(format!("演示人员表中没有“{named}”")))?;
        let taken = |name: &str| users.iter().any(|u| u.username == name);
        let username = (1..)
            .map(|n| match n {
                1 => format!("jgr_{}", person.unit),
                n => format!("jgr_{}_{n}", person.unit),
            })
            .find(|name| !taken(name))
            .unwrap_or_default();
        let password = crate::demo::random_password();
        let new = NewUser {
            username: &username,
            display_name: named,
            unit: person.unit,
            roles: &[Role::Supervisor],
            password: &password,
        };
        self.store.add_user("demo", new).await?;
        self.store.actor(&username).await
    }

    /// 自查报告 and 申请验收, then 受理验收 two days later.
    async fn submit(&self, who: &str, number: u32, on: Date) -> Result<(), StoreError> {
        let report = format!("第{number}项整改自查报告：各项措施已落实到位，经自查达到整改目标。");
        self.file(
            who,
            number,
            EvidenceKind::SelfCheck,
            "自查报告.txt",
            report.as_bytes(),
        )
        .await?;
        self.act(
            who,
            number,
            on,
            Action::Submit {
                note: text("申请验收"),
            },
        )
        .await?;
        let team = Action::StartAcceptance {
            team: text("市生态环境局、市住建局联合验收组"),
        };
        self.act("yanshou", number, on.add_days(2), team).await
    }

    /// 验收通过 and 登记公示; returns the notice's last day.
    async fn accept(&self, number: u32, on: Date) -> Result<Date, StoreError> {
        let opinion = format!("第{number}项验收意见：整改措施落实到位，同意通过验收，进入公示。");
        self.file(
            "yanshou",
            number,
            EvidenceKind::AcceptanceOpinion,
            "验收意见.txt",
            opinion.as_bytes(),
        )
        .await?;
        self.act(
            "yanshou",
            number,
            on,
            Action::Accept {
                opinion: text("同意通过验收"),
            },
        )
        .await?;
        let notice = Action::RecordNotice {
            channel: text("河安市人民政府网站"),
            link: format!(
                "https://www.hean.gov.cn/zwgk/gsgg/{}/{number}.html",
                on.year
            ),
        };
        self.file(
            "zgb",
            number,
            EvidenceKind::NoticeProof,
            "公示截图.png",
            PHOTO,
        )
        .await?;
        self.store.advance_notices(on, &self.calendar).await?;
        let office = self.store.actor("zgb").await?;
        let recorded = self
            .store
            .act(&office, item(number), notice, on, &self.calendar)
            .await?;
        recorded
            .flow
            .notice
            .map(|(_, last)| last)
            .ok_or_else(|| StoreError::Invalid(format!("演示第{number}项未进入公示")))
    }

    /// The clerk who works for a unit: an account of the unit's with the clerk role (北岭县's
    /// `beiling`), else `jbr_<code>`, created the first time (password set later with `rectify
    /// user passwd`).
    async fn clerk(&self, unit: &OrgUnit) -> Result<String, StoreError> {
        let users = self.store.users().await?;
        if let Some(user) = users
            .iter()
            .find(|u| u.unit_id == unit.id && u.roles.contains(&Role::Unit))
        {
            return Ok(user.username.clone());
        }
        let username = format!("jbr_{}", unit.code);
        let display = format!("{} 经办人", unit.name);
        let password = crate::demo::random_password();
        let new = NewUser {
            username: &username,
            display_name: &display,
            unit: &unit.code,
            roles: &[Role::Unit],
            password: &password,
        };
        self.store.add_user("demo", new).await?;
        Ok(username)
    }

    async fn clerk_of_task(&self, task: &StoredTask) -> Result<String, StoreError> {
        let unit = self.store.org_unit(&task.unit).await?;
        self.clerk(&unit).await
    }

    /// 报告完成 of the member's task, with the month's report's photo as its proof.
    async fn complete_task(
        &self,
        clerk: &str,
        number: u32,
        task: &StoredTask,
        on: Date,
    ) -> Result<(), StoreError> {
        let actor = self.store.actor(clerk).await?;
        let done = TaskAction::Complete {
            note: text("本县区整改措施全部完成，经自查达到整改目标。"),
        };
        self.store
            .act_on_task(&actor, item(number), &task.unit, done, &[], on)
            .await?;
        Ok(())
    }

    /// Every member finishes its part by `on`: a report marking every measure done (with a
    /// photo) and 报告完成.
    async fn finish_tasks(&self, number: u32, on: Date) -> Result<(), StoreError> {
        let measures = self.measures(number).await?;
        for task in self.store.tasks_of(item(number)).await? {
            if task.state.work_done() {
                continue;
            }
            let clerk = self.clerk_of_task(&task).await?;
            self.report(&clerk, number, on, &measures, "序时推进")
                .await?;
            self.complete_task(&clerk, number, &task, on).await?;
        }
        Ok(())
    }

    /// 1..=n for the item's n measures.
    async fn measures(&self, number: u32) -> Result<Vec<u32>, StoreError> {
        let (_, count) = self.known(number).await?;
        Ok((1..=count as u32).collect())
    }

    /// The members of a shared item still open, in varied states by the pair (item, member):
    /// some have not started and miss their reports, some report on schedule, some lag and
    /// stopped reporting, some are done, and the office found some not concerned (不涉及).
    async fn vary_tasks(&self, number: u32) -> Result<(), StoreError> {
        let m = |back: i32, day: u8| self.t.month(back, day);
        let measures = self.measures(number).await?;
        for (place, task) in self.store.tasks_of(item(number)).await?.iter().enumerate() {
            let clerk = self.clerk_of_task(task).await?;
            let actor = self.store.actor(&clerk).await?;
            match (number as usize + place) % 6 {
                0 => {}
                5 if number.is_multiple_of(2) => self.exempt(number, task, m(3, 10)).await?,
                5 => {}
                pattern => {
                    self.store
                        .act_on_task(
                            &actor,
                            item(number),
                            &task.unit,
                            TaskAction::Start,
                            &[],
                            m(3, 2),
                        )
                        .await?;
                    // A lagging member stopped reporting two months ago.
                    let months: &[i32] = if pattern == 4 { &[3] } else { &[3, 2, 1] };
                    for &back in months {
                        // A member that finishes marks every measure in its last report.
                        let done: &[u32] = match back {
                            1 if pattern == 3 => &measures,
                            2 => &measures[..1.min(measures.len())],
                            _ => &[],
                        };
                        let schedule = if pattern == 4 {
                            "滞后"
                        } else {
                            "序时推进"
                        };
                        self.report(&clerk, number, m(back, 20), done, schedule)
                            .await?;
                    }
                    if pattern == 3 {
                        self.complete_task(&clerk, number, task, m(1, 21)).await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The office finds the member not concerned (不涉及), with its explanation on file.
    async fn exempt(&self, number: u32, task: &StoredTask, on: Date) -> Result<(), StoreError> {
        let office = self.store.actor("zgb").await?;
        let body = format!(
            "{}辖区内经排查无第{number}项所述问题，情况说明附后。",
            task.unit
        );
        let file = self
            .store
            .attachments()
            .upload("情况说明.txt", body.as_bytes())
            .await?;
        let explanation = NewEvidence {
            kind: EvidenceKind::Explanation,
            title: "不涉及情况说明",
            file_name: "情况说明.txt",
            file: &file,
            supersedes: None,
        };
        let exempt = TaskAction::Exempt {
            reason: format!("经核实，{}辖区内无此类问题", task.unit),
        };
        self.store
            .act_on_task(
                &office,
                item(number),
                &task.unit,
                exempt,
                &[explanation],
                on,
            )
            .await?;
        Ok(())
    }

    /// Submitted, accepted five days later, and signed off on `signed` or, when holidays
    /// stretched the notice past it, on the first day after the notice.
    async fn close(
        &self,
        who: &str,
        number: u32,
        submitted: Date,
        signed: Date,
    ) -> Result<(), StoreError> {
        self.submit(who, number, submitted).await?;
        let last = self.accept(number, submitted.add_days(5)).await?;
        self.act(
            "wangjianguo",
            number,
            signed.max(last.succ()),
            Action::SignOff {
                note: text("同意销号"),
            },
        )
        .await
    }
}

pub async fn load(store: &Store, t: Timeline) -> Result<(), StoreError> {
    let demo = Demo {
        store,
        calendar: store.work_calendar().await?,
        t,
        known: Mutex::new(HashMap::new()),
    };
    let m = |back: i32, day: u8| t.month(back, day);
    let claim = || Action::Claim {
        plan: text("已制定细化方案，分解到科室和乡镇，明确节点和具体责任人。"),
    };
    for (who, numbers) in [
        ("sthjj", &[1, 9, 14, 21, 27][..]),
        ("zjj", &[5, 16, 17, 18]),
        ("beiling", &[38, 45]),
    ] {
        for &number in numbers {
            demo.act(who, number, m(6, 2), claim()).await?;
        }
    }
    // 北岭县: the 立行立改 item is done in the first month; the mining item lags, misses two
    // reports and its third measure's date.
    demo.report("beiling", 38, m(6, 20), &[1, 2, 3], "序时推进")
        .await?;
    demo.close("beiling", 38, m(6, 22), m(5, 6)).await?;
    for (back, done) in [(6, &[1][..]), (5, &[]), (4, &[])] {
        demo.report("beiling", 45, m(back, 24), done, "滞后")
            .await?;
    }
    demo.report("beiling", 45, m(1, 27), &[2], "滞后").await?;

    // 市生态环境局: item 9 closed; 21 closed then reopened after a repeat complaint; 14 in a
    // public notice that is still running; 27's notice has ended and waits for sign-off; 1 on
    // schedule after an approved deadline amendment.
    demo.report("sthjj", 9, m(6, 19), &[1, 2], "序时推进")
        .await?;
    demo.report("sthjj", 9, m(5, 17), &[3, 4], "序时推进")
        .await?;
    demo.finish_tasks(9, m(5, 18)).await?;
    demo.close("sthjj", 9, m(5, 20), m(4, 6)).await?;
    demo.report("sthjj", 21, m(6, 19), &[1, 2, 3], "序时推进")
        .await?;
    demo.finish_tasks(21, m(6, 25)).await?;
    demo.close("sthjj", 21, m(5, 1), m(5, 20)).await?;
    let reopen = Action::Reopen {
        reason: text("群众重复投诉饮用水源保护区内仍有违法建设，问题反弹"),
    };
    demo.act("zgb", 21, m(2, 15), reopen).await?;
    let amended = t.month_end(7);
    let amend = Action::ProposeAmendment {
        deadline: format!("{}年{}月底前", amended.year, amended.month),
        reason: text("蓝天保卫战三年行动计划延续实施，省厅同意延期"),
    };
    demo.act("zgb", 1, m(5, 1), amend).await?;
    demo.act(
        "wangjianguo",
        1,
        m(5, 3),
        Action::DecideAmendment {
            approve: true,
            note: text("同意"),
        },
    )
    .await?;
    for (back, done) in [
        (6, &[1][..]),
        (5, &[2]),
        (4, &[]),
        (3, &[3]),
        (2, &[]),
        (1, &[]),
    ] {
        demo.report("sthjj", 1, m(back, 18), done, "序时推进")
            .await?;
    }
    for (back, done) in [(6, &[1][..]), (4, &[2]), (2, &[3])] {
        demo.report("sthjj", 14, m(back, 20), done, "序时推进")
            .await?;
    }
    demo.submit("sthjj", 14, t.days_ago(12)).await?;
    demo.accept(14, t.days_ago(2)).await?;
    for (back, done) in [(6, &[1][..]), (5, &[]), (4, &[2]), (3, &[3])] {
        demo.report("sthjj", 27, m(back, 21), done, "序时推进")
            .await?;
    }
    demo.finish_tasks(27, m(2, 24)).await?;
    demo.submit("sthjj", 27, t.days_ago(26)).await?;
    demo.accept(27, t.days_ago(21)).await?;

    // 市住建局: the 长期坚持 dust item is done and re-checked quarterly; 18 had an objection
    // upheld during its notice; 16 is under acceptance and 17 submitted.
    demo.report("zjj", 5, m(6, 23), &[1, 2, 3, 4], "序时推进")
        .await?;
    demo.file(
        "zjj",
        5,
        EvidenceKind::Document,
        "建筑工地扬尘防治长效管理办法.txt",
        "河安市建筑工地扬尘防治长效管理办法".as_bytes(),
    )
    .await?;
    demo.close("zjj", 5, m(5, 6), m(5, 22)).await?;
    demo.act(
        "liming",
        5,
        m(2, 22),
        Action::Recheck {
            note: text("抽查12个工地，六个百分之百落实到位，未反弹"),
        },
    )
    .await?;
    for (back, done) in [(6, &[1][..]), (5, &[2]), (4, &[3])] {
        demo.report("zjj", 18, m(back, 21), done, "序时推进")
            .await?;
    }
    demo.finish_tasks(18, m(4, 25)).await?;
    demo.submit("zjj", 18, m(3, 1)).await?;
    demo.accept(18, m(3, 7)).await?;
    let zgb = store.actor("zgb").await?;
    let objection = (
        "12345热线",
        "污泥处置中心周边仍有异味，夜间偷排",
        "139****0716",
    );
    // Two days into the notice, which runs five working days.
    let objected = m(3, 9);
    let id = store
        .record_objection(&zgb, item(18), objection, objected, &demo.calendar)
        .await?;
    let uphold = Action::Uphold {
        objection_id: id,
        conclusion: text("经现场核查，异味问题属实，退回整改"),
    };
    demo.act("zgb", 18, objected.add_days(2), uphold).await?;
    demo.report("zjj", 18, m(2, 21), &[], "滞后").await?;
    demo.report("zjj", 18, m(1, 20), &[], "序时推进").await?;
    for number in [16, 17] {
        for (back, done) in [(6, &[1][..]), (4, &[2]), (2, &[3])] {
            demo.report("zjj", number, m(back, 22), done, "序时推进")
                .await?;
        }
    }
    demo.submit("zjj", 16, t.days_ago(18)).await?;
    demo.report("zjj", 17, m(1, 18), &[], "序时推进").await?;
    let zjj = store.actor("zjj").await?;
    demo.file(
        "zjj",
        17,
        EvidenceKind::SelfCheck,
        "自查报告.txt",
        "第17项整改自查报告".as_bytes(),
    )
    .await?;
    store
        .act(
            &zjj,
            item(17),
            Action::Submit {
                note: text("申请验收"),
            },
            t.days_ago(8),
            &demo.calendar,
        )
        .await?;
    demo.vary_tasks(1).await?;
    everyone_else(&demo).await
}

/// Every other item: its lead unit gets a clerk account (password set later with `rectify
/// user passwd`), claims it six months ago and reports most months, this month too once the
/// day has come; some reports are late or missing and some units judge themselves behind.
async fn everyone_else(demo: &Demo<'_>) -> Result<(), StoreError> {
    let store = demo.store;
    let units = store.org_units().await?;
    for stored in store.ledger(None).await? {
        if stored.item.state != ItemState::Issued {
            continue;
        }
        let number = stored.item.number;
        let plan = Action::Claim {
            plan: text("已制定细化方案，明确节点和具体责任人。"),
        };
        let Some(unit) = units.iter().find(|u| u.name == stored.item.lead_unit) else {
            // A group leads: the office claims, and the members work through their tasks.
            demo.act("zgb", number, demo.t.month(6, 3), plan).await?;
            demo.vary_tasks(number).await?;
            continue;
        };
        let username = demo.clerk(unit).await?;
        demo.act(&username, number, demo.t.month(6, 3), plan)
            .await?;
        let schedule = if number % 4 == 0 {
            "滞后"
        } else {
            "序时推进"
        };
        for back in (0..=6).rev() {
            // The pattern of missing and late reports, by the month's place in the half year.
            let month = 12 - back as u32;
            if (number * month) % 7 == 5 {
                continue;
            }
            let done: &[u32] = match back {
                5 => &[1],
                2 => &[2],
                _ => &[],
            };
            let day = if (number + month).is_multiple_of(7) {
                27
            } else {
                19
            };
            let on = demo.t.month(back, day);
            if on > demo.t.today {
                continue;
            }
            demo.report(&username, number, on, done, schedule).await?;
        }
        demo.vary_tasks(number).await?;
    }
    Ok(())
}
