//! Login sessions kept in the database, so that several server processes share them.

use crate::bind::Bind;
use crate::users::User;
use crate::{Store, StoreError};
use rand::RngCore;
use rectify_core::org::Role;
use rectify_exact::date::Date;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// How long a session lasts without a new login.
const SESSION_HOURS: i64 = 12;

/// A live session as a request finds it (`Store::session_user`).
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub user: User,
    pub csrf: String,
    /// The journal's head when the session was read (`Store::journal_head`).
    pub journal_head: i64,
}

/// A new session: the cookie token (shown once) and the CSRF token forms and API calls echo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

/// 256 random bits from the operating system, as hex.
pub fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn session_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn time_in(hours: i64) -> String {
    time_in_minutes(hours * 60)
}

pub(crate) fn time_in_minutes(minutes: i64) -> String {
    crate::clock::stored(crate::clock::now() + chrono::Duration::minutes(minutes))
}

impl Store {
    pub async fn create_session(&self, user: &User) -> Result<NewSession, StoreError> {
        let session = NewSession {
            token: random_token(),
            csrf_token: random_token(),
        };
        let _gate = self.write_gate().await;
        sqlx::query(
            "INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .arg(session_id(&session.token))
        .arg(user.id)
        .arg(session.csrf_token.clone())
        .arg(time_in(0))
        .arg(time_in(SESSION_HOURS))
        .execute(self.pool())
        .await?;
        Ok(session)
    }

    /// The session's enabled user and CSRF token, unless it expired or was ended, with the
    /// journal's head. One query: every page asks this first, and the head tells the page
    /// whether the ledger it has cached is current without a second round trip.
    pub async fn session_user(&self, token: &str) -> Result<Option<LiveSession>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.unit_id, o.name, u.disabled, u.created_at,
                    s.csrf_token, (SELECT string_agg(r.role, ',') FROM user_roles r WHERE r.user_id = u.id),
                    (SELECT MAX(seq) FROM journal)
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN org_units o ON o.id = u.unit_id
             WHERE s.id = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .arg(session_id(token))
        .arg(time_in(0))
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let roles: Option<String> = row.try_get(8)?;
        let mut roles = roles
            .unwrap_or_default()
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| {
                r.parse::<Role>()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        roles.sort();
        let user = User {
            id: row.try_get(0)?,
            username: row.try_get(1)?,
            display_name: row.try_get(2)?,
            unit_id: row.try_get(3)?,
            unit_name: row.try_get(4)?,
            disabled: false,
            created_at: row.try_get(6)?,
            roles,
        };
        let journal_head: Option<i64> = row.try_get(9)?;
        Ok(Some(LiveSession {
            user,
            csrf: row.try_get(7)?,
            journal_head: journal_head.unwrap_or(0),
        }))
    }

    pub async fn end_session(&self, token: &str) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        sqlx::query("DELETE FROM sessions WHERE id = $1 OR expires_at < $2")
            .arg(session_id(token))
            .arg(time_in(0))
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

/// What `user` may see, given the org tree: their unit's subtree, and how items name them
/// (their display name, e.g. "王建国（副市长）").
pub fn viewer_in(units: &[crate::org::OrgUnit], user: &User) -> rectify_core::workflow::Viewer {
    let mut subtree = vec![user.unit_id];
    let mut next = 0;
    while next < subtree.len() {
        let parent = subtree[next];
        subtree.extend(
            units
                .iter()
                .filter(|u| u.parent_id == Some(parent))
                .map(|u| u.id),
        );
        next += 1;
    }
    rectify_core::workflow::Viewer {
        roles: user.roles.clone(),
        units: subtree,
        person: user.display_name.clone(),
    }
}

impl Store {
    /// A new API token for the user, valid through the Beijing day `valid_through` if given;
    /// the token is returned once and only its hash is kept.
    pub async fn create_token(
        &self,
        actor: &str,
        user: &User,
        name: &str,
        valid_through: Option<Date>,
    ) -> Result<String, StoreError> {
        if let Some(day) = valid_through.filter(|day| *day < crate::today_china()) {
            return Err(StoreError::Invalid(format!(
                "令牌有效期“{day}”已过，请给出今天或以后的日期"
            )));
        }
        let expires_at = valid_through.map(token_expiry);
        let token = format!("rt_{}", random_token());
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .arg(session_id(&token))
        .arg(user.id)
        .arg(name)
        .arg(time_in(0))
        .arg(expires_at.clone())
        .execute(&mut *tx)
        .await?;
        let change = crate::journal::Change {
            actor,
            action: "create",
            entity: "api_token",
            entity_id: format!("{}/{name}", user.username),
            before: None,
            after: Some(
                serde_json::json!({ "user": user.username, "name": name, "expires_at": expires_at }),
            ),
        };
        crate::journal::append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(token)
    }

    pub async fn revoke_token(
        &self,
        actor: &str,
        user: &User,
        name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE api_tokens SET revoked = 1 WHERE user_id = $1 AND name = $2 AND revoked = 0",
        )
        .arg(user.id)
        .arg(name)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "令牌",
                key: name.to_string(),
            });
        }
        let change = crate::journal::Change {
            actor,
            action: "revoke",
            entity: "api_token",
            entity_id: format!("{}/{name}", user.username),
            before: None,
            after: Some(serde_json::json!({ "revoked": true })),
        };
        crate::journal::append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The enabled user of a live token (not revoked, not expired); its use is noted, at most
    /// once a minute so a busy script does not write on every call.
    pub async fn token_user(&self, token: &str) -> Result<Option<User>, StoreError> {
        let id = session_id(token);
        let now = time_in(0);
        let found: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT u.username, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.id = $1 AND t.revoked = 0 AND u.disabled = 0
               AND (t.expires_at IS NULL OR t.expires_at > $2)",
        )
        .arg(id.clone())
        .arg(now.clone())
        .fetch_optional(self.pool())
        .await?;
        let Some((name, last_used)) = found else {
            return Ok(None);
        };
        // Written only when a minute has passed, so most calls write nothing and never wait
        // for the write lock.
        let stale = time_in_minutes(-1);
        if last_used.is_none_or(|at| at < stale) {
            let _gate = self.write_gate().await;
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $2
                 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)",
            )
            .arg(id)
            .arg(now)
            .arg(stale)
            .execute(self.pool())
            .await?;
        }
        self.find_user(&name).await
    }

    /// Every token, by user and name, with its expiry and last use.
    pub async fn tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(
            "SELECT u.username, t.name, t.created_at, t.expires_at, t.last_used_at, t.revoked
             FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY u.username, t.name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ApiToken {
                    username: row.try_get(0)?,
                    name: row.try_get(1)?,
                    created_at: row.try_get(2)?,
                    expires_at: row.try_get(3)?,
                    last_used_at: row.try_get(4)?,
                    revoked: row.try_get::<i64, _>(5)? != 0,
                })
            })
            .collect()
    }
}

/// An API token as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub username: String,
    pub name: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked: bool,
}

impl ApiToken {
    /// 有效, 已过期 or 已吊销, as of the stored instant `now`.
    pub fn state_zh(&self, now: &str) -> &'static str {
        if self.revoked {
            "已吊销"
        } else if self.expires_at.as_deref().is_some_and(|at| at <= now) {
            "已过期"
        } else {
            "有效"
        }
    }
}

/// When a token valid through the Beijing day `day` stops working: the next Beijing midnight,
/// which is 16:00 UTC of that day (China has kept UTC+8 all year since 1991).
fn token_expiry(day: Date) -> String {
    format!("{day}T16:00:00.000Z")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_token_valid_through_a_day_stops_at_beijing_midnight() {
        let day = rectify_exact::date::Date::new(2027, 6, 30).unwrap();
        assert_eq!(super::token_expiry(day), "2027-06-30T16:00:00.000Z");
    }
}
