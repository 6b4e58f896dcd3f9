//! Domain types and rules of the rectification ledger.
//!
//! This crate is pure: it performs no I/O, reads no clock and touches no database. Callers pass
//! in everything (time, actor, data) so the rules stay deterministic and testable.

pub mod calendar;
pub mod deadline;
pub mod journal;
pub mod ledger;
pub mod org;
pub mod workflow;
