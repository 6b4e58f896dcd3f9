//! `rectify dispatch`: the month's dispatch round, its escalation steps, and the 督办单.

use crate::cli_util::print_stdout;
use crate::error::CliError;
use clap::Subcommand;
use rectify_core::dispatch::IssuedStep;
use rectify_store::Store;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum DispatchCommand {
    /// Opens the month's round (reports due on the configured day).
    Open {
        #[arg(long)]
        period: String,
    },
    /// Issues every step due today (提醒, 催办, 督办单, 约谈建议), each once per unit and round.
    Run {
        #[arg(long)]
        period: String,
    },
    /// The steps issued, newest first.
    List {
        #[arg(long)]
        period: Option<String>,
    },
    /// Writes one issued step as a docx (督办单, 提醒函 …).
    Notice {
        id: i64,
        #[arg(long)]
        out: PathBuf,
    },
}

pub async fn run(
    store: &Store,
    actor: &str,
    command: DispatchCommand,
) -> Result<ExitCode, CliError> {
    let today = rectify_store::today_china();
    let text = match command {
        DispatchCommand::Open { period } => {
            let round = store.open_round(actor, &period, today).await?;
            let mut text = format!(
                "已开启 {} 调度，进展报送截止 {}",
                round.period, round.report_due
            );
            // Who must report what this round.
            for unit in store.reporting(&period).await? {
                let items: Vec<String> = unit.expected.iter().map(|n| format!("第{n}项")).collect();
                text.push_str(&format!("\n{}\t{}", unit.unit, items.join("、")));
            }
            text
        }
        DispatchCommand::Run { period } => {
            let issued = store.escalate(actor, &period, today).await?;
            let mut text = if issued.is_empty() {
                format!("{period} 调度：今日无新的督办事项")
            } else {
                lines(&issued, false)
            };
            // Also whatever is due again from earlier steps.
            for line in crate::deliver::send_due(store).await? {
                text.push('\n');
                text.push_str(&line);
            }
            text
        }
        DispatchCommand::List { period } => {
            lines(&store.escalations(period.as_deref()).await?, true)
        }
        DispatchCommand::Notice { id, out } => {
            let (step, bytes) = rectify_app::dispatch::notice_docx(store, id)
                .await?
                .ok_or_else(|| CliError::failure(format!("没有编号为 {id} 的督办事项")))?;
            std::fs::write(&out, bytes)
                .map_err(|e| CliError::failure(format!("无法写入 {}：{e}", out.display())))?;
            format!("已写出{} #{id} → {}", step.step.label_zh(), out.display())
        }
    };
    print_stdout(&text)
}

/// One line per step: id, (period and date,) step, unit, reason.
fn lines(steps: &[IssuedStep], dated: bool) -> String {
    steps
        .iter()
        .map(|s| {
            let when = if dated {
                format!("{}\t{}\t", s.period, s.issued_on)
            } else {
                String::new()
            };
            format!(
                "#{}\t{when}{}\t{}\t{}",
                s.id,
                s.step.label_zh(),
                s.unit,
                s.reason
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
