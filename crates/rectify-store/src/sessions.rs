//! Login sessions kept in the database, so that several server processes share them.

use crate::users::User;
use crate::{Store, StoreError};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long a session lasts without a new login.
const SESSION_HOURS: i64 = 12;

/// A new session: the cookie token (shown once) and the CSRF token forms and API calls echo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

fn random_hex() -> String {
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn session_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn time_in(hours: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(hours))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

impl Store {
    pub async fn create_session(&self, user: &User) -> Result<NewSession, StoreError> {
        let session = NewSession {
            token: random_hex(),
            csrf_token: random_hex(),
        };
        sqlx::query(
            "INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session_id(&session.token))
        .bind(user.id)
        .bind(session.csrf_token.clone())
        .bind(time_in(0))
        .bind(time_in(SESSION_HOURS))
        .execute(self.pool())
        .await?;
        Ok(session)
    }

    /// The session's enabled user and CSRF token, unless it expired or was ended.
    pub async fn session_user(&self, token: &str) -> Result<Option<(User, String)>, StoreError> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT u.username, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = $1 AND s.expires_at > $2",
        )
        .bind(session_id(token))
        .bind(time_in(0))
        .fetch_optional(self.pool())
        .await?;
        let Some((username, csrf)) = row else {
            return Ok(None);
        };
        Ok(self
            .find_user(&username)
            .await?
            .filter(|u| !u.disabled)
            .map(|u| (u, csrf)))
    }

    pub async fn end_session(&self, token: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id = $1 OR expires_at < $2")
            .bind(session_id(token))
            .bind(time_in(0))
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
