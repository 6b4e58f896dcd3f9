//! Imports write their new rows many to an INSERT. When the database refuses one of those
//! INSERTs, the person whose file it was needs the row it refused, not the database's words:
//! the rows are written again one at a time to find it. The INSERT runs inside a savepoint,
//! since PostgreSQL refuses every later statement of a transaction after an error unless it is
//! rolled back to one. The import still fails whole: the caller's transaction is dropped.

use crate::StoreError;
use sqlx::any::{Any, AnyArguments};
use sqlx::error::ErrorKind;
use sqlx::query::Query;
use sqlx::{AnyConnection, Executor};

/// The statement that writes `rows` (one INSERT of all of them).
pub(crate) type Insert<'r, R> = &'r (dyn Fn(&[R]) -> Query<'static, Any, AnyArguments> + Sync);

/// How the file names one of its rows ("第12条“东关村石材厂”").
pub(crate) type Name<'r, R> = &'r (dyn Fn(&R) -> String + Sync);

/// Writes `rows` with `insert`; if the database refuses them, the error names the row it
/// refuses and why, in words a clerk reads.
pub(crate) async fn insert<R: Sync>(
    conn: &mut AnyConnection,
    rows: &[R],
    insert: Insert<'_, R>,
    name: Name<'_, R>,
) -> Result<(), StoreError> {
    savepoint(conn, "SAVEPOINT many_rows").await?;
    let error = match insert(rows).execute(&mut *conn).await {
        Ok(_) => return savepoint(conn, "RELEASE SAVEPOINT many_rows").await,
        Err(error) => error,
    };
    if refusal(&error).is_none() {
        return Err(error.into());
    }
    savepoint(conn, "ROLLBACK TO SAVEPOINT many_rows").await?;
    for row in rows {
        if let Err(single) = insert(std::slice::from_ref(row)).execute(&mut *conn).await {
            return Err(refused(&name(row), single));
        }
    }
    // Refused together but not one by one (a check across rows): name them all.
    let all = match (rows.first(), rows.last()) {
        (Some(first), Some(last)) => format!("{}至{}", name(first), name(last)),
        _ => String::new(),
    };
    Err(refused(&all, error))
}

async fn savepoint(conn: &mut AnyConnection, sql: &'static str) -> Result<(), StoreError> {
    conn.execute(sql).await?;
    Ok(())
}

/// What the database refused in the row, if the data was the cause (not a lost connection).
fn refusal(error: &sqlx::Error) -> Option<&'static str> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    if StoreError::is_unavailable_code(db.code().as_deref()) {
        return None;
    }
    Some(match db.kind() {
        ErrorKind::UniqueViolation => "与本文件的另一行或已存的记录重复",
        ErrorKind::ForeignKeyViolation => "引用的记录不存在",
        ErrorKind::NotNullViolation => "缺少必填的内容",
        ErrorKind::CheckViolation => "内容不符合要求",
        _ => "内容无法写入数据库",
    })
}

/// The row's error for the page and the terminal; the database's own words go to the log.
fn refused(row: &str, error: sqlx::Error) -> StoreError {
    let Some(why) = refusal(&error) else {
        return error.into();
    };
    tracing::warn!(row, %error, "an imported row was refused by the database");
    StoreError::Invalid(format!("{row}：{why}，整个文件未导入，请修改后重新导入"))
}
