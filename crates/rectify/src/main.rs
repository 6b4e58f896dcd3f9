//! `rectify`: one binary for the office laptop (SQLite) and the provincial server (PostgreSQL).

mod accountability_cmd;
mod air_cmd;
mod bulletin_cmd;
mod cli;
mod cli_util;
mod coal_cmd;
mod complaint_cmd;
mod config;
mod deliver;
mod demo;
mod demo_complaints;
mod demo_plan;
mod demo_registers;
mod demo_time;
mod demo_workflow;
mod dispatch_cmd;
mod error;
mod inspection_cmd;
mod ledger_cmd;
mod password;
mod province_cmd;
mod publish_cmd;
mod register_cmd;
mod scheduler;
mod water_cmd;
mod workflow_cmd;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    quiet_when_stdout_closes();
    let args = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("错误：{err}");
            ExitCode::from(err.exit_code())
        }
    }
}

/// A reader that stops early (`rectify org list | head`) closes the pipe, and `println!` then
/// panics. The command ends quietly instead, with the status a C tool killed by SIGPIPE has.
/// (Restoring SIGPIPE itself would take `unsafe`, which the workspace forbids.)
fn quiet_when_stdout_closes() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map_or("", String::as_str);
        if message.starts_with("failed printing to stdout") && message.contains("os error 32") {
            std::process::exit(141);
        }
        default(info);
    }));
}
