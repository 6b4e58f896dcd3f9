//! Surface-water files: samples and section attributes in, classes and evaluations out.

pub mod evaluate;
pub mod readings;
pub mod samples;
pub mod stored;
pub mod synthetic;
