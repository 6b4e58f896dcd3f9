//! The login throttle: one rule for every way to log in (the web form and the API session).
//!
//! Each attempt is counted as a failure *before* the password is checked, in one locked
//! transaction that also checks the limits, so parallel attempts cannot all slip under a limit;
//! a success then takes its count back. An account is never locked outright (anyone could lock
//! anyone's account by guessing): after `login.account_failures` failures each further attempt
//! must wait, the wait doubling from `login.backoff_seconds` up to `login.window_minutes`. A
//! client address is refused for the window after `login.address_failures` failures in a row,
//! which stops one source from keeping many accounts in backoff.

use crate::bind::Bind;
use crate::users::User;
use crate::{Backend, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

/// Failures are forgotten after a day without one.
const FORGET_HOURS: i64 = 24;

/// The throttle's limits, from the `login.*` settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    /// Failures an account may have before each further attempt must wait.
    pub account_failures: u32,
    /// The first wait; it doubles with each further failure, up to the window.
    pub backoff_seconds: u32,
    /// Failures in a row a client address may have (everyone behind an office gateway shares
    /// one address, so this is higher).
    pub address_failures: u32,
    /// How long an address stays refused, and the longest wait of an account.
    pub window_minutes: u32,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            account_failures: 5,
            backoff_seconds: 60,
            address_failures: 30,
            window_minutes: 15,
        }
    }
}

/// What became of a login attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    LoggedIn(User),
    /// Unknown user, wrong password or disabled account: one answer for all three.
    Wrong,
    /// Refused without looking at the password; the caller may try again after this many
    /// seconds.
    Throttled {
        seconds: i64,
    },
}

/// One throttled key as the administrator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottledKey {
    /// `user:NAME` or `addr:IP`.
    pub key: String,
    pub failures: i64,
    pub last_at: String,
    /// Seconds until the next attempt is allowed.
    pub wait_seconds: i64,
}

impl LoginLimits {
    /// How long an account with `failures` failures, or an address, must still wait after its
    /// last failure at `last`; zero when an attempt is allowed now.
    fn wait(&self, key: &str, failures: i64, last: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
        let window = i64::from(self.window_minutes) * 60;
        let blocked_for = if key.starts_with("user:") {
            let over = failures - i64::from(self.account_failures);
            if over < 0 {
                return 0;
            }
            // 2^over, saturating: past ~60 doublings the window caps it anyway.
            let factor = 1_i64.checked_shl(over.min(62) as u32).unwrap_or(i64::MAX);
            i64::from(self.backoff_seconds)
                .saturating_mul(factor)
                .min(window)
        } else if failures >= i64::from(self.address_failures) {
            window
        } else {
            return 0;
        };
        (blocked_for - (now - last).num_seconds()).max(0)
    }
}

fn parse_instant(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Invalid(format!("登录限制记录中的时间无效：{text}")))
}

fn keys(username: &str, address: &str) -> [String; 2] {
    [format!("user:{username}"), format!("addr:{address}")]
}

impl Store {
    /// The limits, each from its setting or its default.
    pub async fn login_limits(&self) -> Result<LoginLimits, StoreError> {
        let mut limits = LoginLimits::default();
        for (key, field) in [
            ("login.account_failures", &mut limits.account_failures),
            ("login.backoff_seconds", &mut limits.backoff_seconds),
            ("login.address_failures", &mut limits.address_failures),
            ("login.window_minutes", &mut limits.window_minutes),
        ] {
            if let Some(value) = self.setting_u32(key).await? {
                *field = value;
            }
        }
        Ok(limits)
    }

    /// Logs `username` in from `address` under the throttle: the only way to log in.
    pub async fn log_in(
        &self,
        username: &str,
        password: &str,
        address: &str,
    ) -> Result<LoginOutcome, StoreError> {
        let limits = self.login_limits().await?;
        let wait = self.count_attempt(username, address, &limits).await?;
        if wait > 0 {
            return Ok(LoginOutcome::Throttled { seconds: wait });
        }
        let Some(user) = self.authenticate(username, password).await? else {
            return Ok(LoginOutcome::Wrong);
        };
        // The right password: the account's failures are forgiven, and the address gets back
        // the failure this attempt was counted as.
        let [user_key, address_key] = keys(username, address);
        let mut tx = self.begin_write().await?;
        lock(&mut tx, self.backend()).await?;
        sqlx::query("DELETE FROM login_throttle WHERE key = $1")
            .arg(user_key)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0",
        )
        .arg(address_key)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(LoginOutcome::LoggedIn(user))
    }

    /// Checks both keys and, when neither must wait, counts the attempt as a failure on both,
    /// in one transaction under a lock. Returns the longer wait, or zero when counted.
    async fn count_attempt(
        &self,
        username: &str,
        address: &str,
        limits: &LoginLimits,
    ) -> Result<i64, StoreError> {
        let now = crate::clock::now();
        let forget = now - Duration::hours(FORGET_HOURS);
        let mut tx = self.begin_write().await?;
        lock(&mut tx, self.backend()).await?;
        sqlx::query("DELETE FROM login_throttle WHERE last_at < $1")
            .arg(crate::clock::stored(forget))
            .execute(&mut *tx)
            .await?;
        let keys = keys(username, address);
        let mut counts = Vec::with_capacity(keys.len());
        let mut wait = 0;
        for key in &keys {
            let row = sqlx::query("SELECT failures, last_at FROM login_throttle WHERE key = $1")
                .arg(key.clone())
                .fetch_optional(&mut *tx)
                .await?;
            let failures = match row {
                Some(row) => {
                    let failures: i64 = row.try_get(0)?;
                    let last = parse_instant(&row.try_get::<String, _>(1)?)?;
                    // An address's run of failures ends after a quiet window.
                    let quiet = now - last > Duration::minutes(i64::from(limits.window_minutes));
                    if key.starts_with("addr:") && quiet {
                        0
                    } else {
                        wait = wait.max(limits.wait(key, failures, last, now));
                        failures
                    }
                }
                None => 0,
            };
            counts.push(failures);
        }
        if wait > 0 {
            // Nothing to record: a refused attempt neither counts nor extends the wait.
            return Ok(wait);
        }
        for (key, failures) in keys.iter().zip(counts) {
            sqlx::query(
                "INSERT INTO login_throttle (key, failures, last_at) VALUES ($1, $2, $3)
                 ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at",
            )
            .arg(key.clone())
            .arg(failures + 1)
            .arg(crate::clock::stored(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(0)
    }

    /// Accounts and addresses that must wait now, longest wait first.
    pub async fn throttled_logins(&self) -> Result<Vec<ThrottledKey>, StoreError> {
        let limits = self.login_limits().await?;
        let now = crate::clock::now();
        let rows = sqlx::query("SELECT key, failures, last_at FROM login_throttle ORDER BY key")
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::new();
        for row in &rows {
            let key: String = row.try_get(0)?;
            let failures: i64 = row.try_get(1)?;
            let last_at: String = row.try_get(2)?;
            let wait_seconds = limits.wait(&key, failures, parse_instant(&last_at)?, now);
            if wait_seconds > 0 {
                out.push(ThrottledKey {
                    key,
                    failures,
                    last_at,
                    wait_seconds,
                });
            }
        }
        out.sort_by_key(|k| std::cmp::Reverse(k.wait_seconds));
        Ok(out)
    }

    /// Forgets an account's or address's failures (an administrator's decision), journaled.
    pub async fn clear_login_throttle(&self, actor: &str, key: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        lock(&mut tx, self.backend()).await?;
        let failures: Option<i64> =
            sqlx::query_scalar("SELECT failures FROM login_throttle WHERE key = $1")
                .arg(key)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(failures) = failures else {
            return Err(StoreError::NotFound {
                what: "登录限制",
                key: key.to_string(),
            });
        };
        sqlx::query("DELETE FROM login_throttle WHERE key = $1")
            .arg(key)
            .execute(&mut *tx)
            .await?;
        let change = crate::journal::Change {
            actor,
            action: "clear",
            entity: "login_throttle",
            entity_id: key.to_string(),
            before: Some(serde_json::json!({ "failures": failures })),
            after: None,
        };
        crate::journal::append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Serialises throttle transactions. SQLite's `BEGIN IMMEDIATE` already does; PostgreSQL's
/// plain `BEGIN` does not, and several server processes may share the database.
async fn lock(tx: &mut sqlx::AnyConnection, backend: Backend) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(7310003)")
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_waits_longer_with_each_failure_up_to_the_window_and_an_address_the_window() {
        let limits = LoginLimits::default();
        let last = DateTime::parse_from_rfc3339("2026-12-07T02:00:00Z")
            .unwrap()
            .to_utc();
        let at = |seconds| last + Duration::seconds(seconds);
        assert_eq!(limits.wait("user:a", 4, last, last), 0);
        assert_eq!(limits.wait("user:a", 5, last, at(10)), 50);
        assert_eq!(limits.wait("user:a", 6, last, at(10)), 110);
        assert_eq!(limits.wait("user:a", 500, last, at(0)), 900);
        assert_eq!(limits.wait("user:a", 5, last, at(61)), 0);
        assert_eq!(limits.wait("addr:1.2.3.4", 29, last, last), 0);
        assert_eq!(limits.wait("addr:1.2.3.4", 30, last, at(100)), 800);
    }
}
