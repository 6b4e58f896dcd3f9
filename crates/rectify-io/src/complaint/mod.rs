//! Transferred complaints as spreadsheets: the team's transfer lists in, the public 一览表 and
//! the type-statistics table out.

mod export;
mod read;

pub use export::{
    PublicRow, TypeStatistics, public_rows, public_xlsx, type_statistics, type_statistics_xlsx,
};
pub use read::{SourceBatch, TransferList, read_transfer_list};
