//! How failures reach the person at the terminal: one line on stderr and an exit code.

use rectify_store::StoreError;
use std::fmt;

/// Exit code 2: the command could not run here (usage, database location, environment).
pub const EXIT_ENVIRONMENT: u8 = 2;
/// Exit code 1: the command ran and the answer is "no" (a rejected change, a broken journal).
pub const EXIT_FAILURE: u8 = 1;

#[derive(Debug)]
pub struct CliError {
    code: u8,
    message: String,
}

impl CliError {
    pub fn environment(message: impl Into<String>) -> Self {
        CliError {
            code: EXIT_ENVIRONMENT,
            message: message.into(),
        }
    }

    pub fn failure(message: impl Into<String>) -> Self {
        CliError {
            code: EXIT_FAILURE,
            message: message.into(),
        }
    }

    pub fn exit_code(&self) -> u8 {
        self.code
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, whatever the underlying error carried.
        f.write_str(&self.message.replace('\n', " "))
    }
}

impl From<StoreError> for CliError {
    fn from(err: StoreError) -> Self {
        let environmental = matches!(
            err,
            StoreError::DbDirMissing(_)
                | StoreError::NotADatabase(_)
                | StoreError::Connect { .. }
                | StoreError::NotInitialised(_)
                | StoreError::SchemaTooNew { .. }
                | StoreError::MigrationChanged { .. }
        );
        let message = err.to_string();
        if environmental {
            CliError::environment(message)
        } else {
            CliError::failure(message)
        }
    }
}
