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
