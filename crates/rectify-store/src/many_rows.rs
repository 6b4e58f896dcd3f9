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
    match db.kind() {
        ErrorKind::UniqueViolation => Some("与本文件的另一行或已存的记录重复"),
        ErrorKind::ForeignKeyViolation => Some("引用的记录不存在"),
        ErrorKind::NotNullViolation => Some("缺少必填的内容"),
        ErrorKind::CheckViolation => Some("内容不符合要求"),
        // Only a value the database cannot take is the row's fault: PostgreSQL's data
        // exceptions and integrity violations (classes 22, 23), SQLite's too big, mismatch and
        // range (18, 20, 25). A full disk, a deadlock or a timeout is the server's and passes
        // on as it is (a full disk answers 507).
        _ => db
            .code()
            .is_some_and(|code| {
                code.starts_with("22")
                    || code.starts_with("23")
                    || ["18", "20", "25"].contains(&&*code)
            })
            .then_some("内容无法写入数据库"),
    }
}

/// The row's error for the page and the terminal; the database's own words go to the log.
fn refused(row: &str, error: sqlx::Error) -> StoreError {
    let Some(why) = refusal(&error) else {
        return error.into();
    };
    tracing::warn!(row, %error, "an imported row was refused by the database");
    StoreError::Invalid(format!("{row}：{why}，整个文件未导入，请修改后重新导入"))
}

#[cfg(test)]
mod tests {
    use super::refusal;
    use sqlx::error::{DatabaseError, ErrorKind};
    use std::borrow::Cow;

    /// A database error with a code and a kind, as a driver reports it.
    #[derive(Debug)]
    struct Fault(&'static str, ErrorKind);

    impl std::fmt::Display for Fault {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "fault {}", self.0)
        }
    }

    impl std::error::Error for Fault {}

    impl DatabaseError for Fault {
        fn message(&self) -> &str {
            self.0
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> ErrorKind {
            match &self.1 {
                ErrorKind::UniqueViolation => ErrorKind::UniqueViolation,
                _ => ErrorKind::Other,
            }
        }
    }

    fn refused(code: &'static str, kind: ErrorKind) -> Option<&'static str> {
        refusal(&sqlx::Error::Database(Box::new(Fault(code, kind))))
    }

    /// A row is blamed only for what its values cause; a full disk, a deadlock, a timeout or a
    /// lost connection is the server's, and is not put to the clerk as a fault in the file.
    #[test]
    fn only_the_rows_values_are_blamed_on_the_row() {
        assert!(refused("23505", ErrorKind::UniqueViolation).is_some());
        assert!(
            refused("22001", ErrorKind::Other).is_some(),
            "value too long"
        );
        assert!(
            refused("20", ErrorKind::Other).is_some(),
            "SQLite type mismatch"
        );
        for server in [
            "53100", "40P01", "40001", "57014", "53200", "13", "10", "08006",
        ] {
            assert_eq!(refused(server, ErrorKind::Other), None, "{server}");
        }
    }
}
