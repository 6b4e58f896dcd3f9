//! Air-quality files: hourly monitoring exports in, daily tables and evaluations out.

pub mod aqi_csv;
pub mod city;
pub mod daily;
pub mod evaluate;
pub mod hourly;
pub mod stream;
pub mod synthetic;
