//! Helpers shared by the binary's test suites.

use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_rectify");

pub fn rectify(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// The command's stdout, after asserting it succeeded.
pub fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}
