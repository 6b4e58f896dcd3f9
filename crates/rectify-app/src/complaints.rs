//! The complaint tables for download: the public 一览表 (every text through the office's
//! redaction policy) and the type statistics, of whichever complaints the caller listed.

use rectify_core::complaint::ComplaintRecord;
use rectify_io::complaint::{public_rows, public_xlsx, type_statistics, type_statistics_xlsx};
use rectify_store::{Store, StoreError};

/// Which table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintTable {
    /// 一览表: the answered complaints, redacted, a sheet per batch.
    Public,
    /// 污染类型统计表: counts by region and type.
    Types,
}

/// The table as an xlsx workbook.
pub async fn workbook(
    store: &Store,
    complaints: &[ComplaintRecord],
    table: ComplaintTable,
) -> Result<Vec<u8>, StoreError> {
    let bytes = match table {
        ComplaintTable::Types => {
            type_statistics_xlsx("信访件污染类型统计表", &type_statistics(complaints))
        }
        ComplaintTable::Public => {
            let policy = crate::publish::policy(store, &Default::default()).await?;
            public_xlsx(&public_rows(complaints, &policy).0)
        }
    };
    bytes.map_err(|e| StoreError::Invalid(format!("无法生成 xlsx：{e}")))
}
